"""SQLite writers take turns through the lock file: the next starts as soon as the last ends."""

import os
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from diary import extensions, sqlite_turns  # noqa: F401 - the engine events live there


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "turns.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine, str(path)
    engine.dispose()


def driver(connection) -> sqlite_turns.TakingTurns:
    found = connection.connection.driver_connection
    assert isinstance(found, sqlite_turns.TakingTurns)  # every file connection takes turns
    return found


def test_a_waiting_writer_starts_the_moment_the_one_before_commits(database):
    engine, _path = database
    late = [handover(engine, n) for n in range(5)]
    # SQLite's own busy handler sleeps up to 100 ms between its tries: here every round would
    # start about 90 ms late. A turn is at most a millisecond away; the best of five rounds
    # leaves room for a busy machine delaying a thread now and then.
    assert all(seconds >= 0 for seconds in late)
    assert min(late) < 0.03, late
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM t")) == 10


def handover(engine, n: int) -> float:
    """One writer holds the database 240 ms; seconds the next one started after it committed."""
    began, committed = {}, {}
    holding = threading.Event()

    def first():
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": 2 * n})
            holding.set()
            time.sleep(0.24)  # SQLite's own handler would be in a 100 ms sleep by then
            committed["at"] = time.monotonic()

    def second():
        holding.wait()
        with engine.begin() as connection:  # its turn comes when the first commits
            began["at"] = time.monotonic()
            connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": 2 * n + 1})

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return began["at"] - committed["at"]


def test_the_turn_is_given_back_on_rollback_and_close(database):
    engine, path = database
    with engine.connect() as connection:
        connection.begin()
        assert driver(connection)._turn is not None
        connection.rollback()
        assert driver(connection)._turn is None
    assert_turn_free(path)


def test_a_thread_holding_the_turn_is_not_made_to_wait_for_it_again(database):
    engine, _path = database
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        second = engine.raw_connection()  # a second connection in the same thread
        started = time.monotonic()
        second.driver_connection.take_turn()
        assert time.monotonic() - started < 0.05  # it would wait forever for itself
        assert second.driver_connection._turn is None  # SQLite's own lock decides from here
        second.close()


def test_without_a_lock_file_writers_still_write_by_sqlite_s_own_wait(database):
    engine, path = database
    os.remove(f"{path}-turn")
    os.mkdir(f"{path}-turn")  # the name taken: no lock file can be opened there
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert driver(connection)._turn is None
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM t")) == 1


def test_a_writer_that_dies_holding_the_turn_gives_it_back(database):
    _engine, path = database
    script = ("import os, sqlite3, sys; from diary import sqlite_turns; "
              "c = sqlite3.connect(sys.argv[1], factory=sqlite_turns.TakingTurns, "
              "isolation_level=None); c.take_turn(); print('held', flush=True); "
              "sys.stdin.readline(); os._exit(9)")
    with subprocess.Popen([sys.executable, "-c", script, path], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True, cwd=os.getcwd()) as child:
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(BlockingIOError):
            try_turn(path)
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.wait(timeout=10) == 9
    assert_turn_free(path)


def try_turn(path: str) -> None:
    import fcntl

    descriptor = os.open(f"{path}-turn", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(descriptor)


def assert_turn_free(path: str) -> None:
    try_turn(path)  # raises BlockingIOError while anyone holds it


def test_a_uri_names_its_file_and_memory_takes_no_turns(tmp_path):
    path = tmp_path / "by-uri.db"
    engine = create_engine(f"sqlite:///file:{path}?mode=rwc&uri=true")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
        assert driver(connection)._turn_path == f"{path}-turn"
    assert (tmp_path / "by-uri.db-turn").exists()
    engine.dispose()
    memory = sqlite_turns.TakingTurns(":memory:", isolation_level=None)
    memory.take_turn()  # nothing to take turns on
    assert memory._turn is None
    memory.close()
