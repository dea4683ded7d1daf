"""SQLite writers take turns through a lock file, so the next one starts when the last commits.

SQLite lets one writer in at a time. The others wait in its busy handler, which sleeps 1, 2,
5, 10, 15, 20, 25 … ms between tries: a writer that finishes in 2 ms often leaves the next one
asleep for 5 or 10, and every process idle meanwhile. Here a writer first takes an exclusive
lock on `<database>-turn` (flock), trying every 50 µs to 1 ms, and gives it back the moment it
commits or rolls back; a process that dies gives it back too (the kernel drops its locks).

SQLite still guards the data. A writer waits for its turn as long as the connection's busy
timeout, then goes on to `BEGIN IMMEDIATE` regardless and waits there as before: a writer that
holds the database longer than that is still met with SQLite's own "database is locked", after
at most twice the timeout. A writer that does not take turns (the sqlite3 shell, a migration)
delays the others but never blocks them for good, and a thread that already holds a turn on
the file never waits for a second one.
"""

import fcntl
import os
import sqlite3
import threading
import time

from diary import sqlite_files

FIRST_TRY, LONGEST_TRY = 0.00005, 0.001  # seconds between attempts
_held = threading.local()  # the files this thread holds a turn on


class TakingTurns(sqlite3.Connection):
    """A pysqlite connection whose writing transactions take their turn first (`take_turn`)."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        path = sqlite_files.database_path([os.fsdecode(database)], kwargs)  # a URI's own file
        self._turn_path = None if path is None else f"{path}-turn"  # None: in memory, no turns
        self._turn: int | None = None  # the lock file's descriptor while this one writes
        self._wait: float | None = None  # seconds: the busy timeout, read at the first turn
        self._held_by: set[str] = set()

    def take_turn(self) -> None:
        """Wait for this file's writers' turn, at most the busy timeout; then go on regardless."""
        held = getattr(_held, "paths", None)
        if held is None:
            held = _held.paths = set()
        if self._turn_path is None or self._turn is not None or self._turn_path in held:
            return
        if self._wait is None:
            self._wait = self.execute("PRAGMA busy_timeout").fetchone()[0] / 1000
        try:
            descriptor = os.open(self._turn_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return  # no lock file can be made here: SQLite's own wait alone, as before
        deadline, pause = time.monotonic() + self._wait, FIRST_TRY
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(descriptor)
                    return
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_TRY)
            except OSError:  # a file system without locks: SQLite's own wait alone
                os.close(descriptor)
                return
        self._turn, self._held_by = descriptor, held
        held.add(self._turn_path)

    def commit(self):
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self):
        try:
            super().close()
        finally:
            self._end_turn()

    def _end_turn(self) -> None:
        if self._turn is None:
            return
        descriptor, self._turn = self._turn, None
        self._held_by.discard(self._turn_path)  # the set of the thread that took it
        os.close(descriptor)  # closing the file gives the lock back
