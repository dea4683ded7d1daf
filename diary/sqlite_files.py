"""The embedded database and its -wal/-shm files are private to the service's user (0600)."""

import os
import stat
from urllib.parse import unquote, urlsplit

COMPANIONS = ("", "-wal", "-shm", "-journal")


def database_path(cargs, cparams) -> str | None:
    """The file a pysqlite connection will open, or None (memory, read-only or unknown)."""
    target = cargs[0] if cargs else cparams.get("database")
    if not isinstance(target, str) or target in ("", ":memory:"):
        return None
    if cparams.get("uri") or target.startswith("file:"):
        parts = urlsplit(target)
        if "mode=memory" in parts.query or "mode=ro" in parts.query:
            return None
        target = unquote(parts.path)
    return target or None


def create_private(dialect, _record, cargs, cparams) -> None:
    """Before SQLite opens the file, create it 0600 (SQLite gives -wal and -shm the same mode)."""
    if dialect.name != "sqlite":
        return
    path = database_path(cargs, cparams)
    if path is None:
        return
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    except OSError:
        return  # a missing folder or no permission: SQLite reports it in its own words
    for name in COMPANIONS:
        tighten(path + name)


def tighten(path: str) -> None:
    """Take group and other permissions away from an existing file (older deployments: 0644)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
    except OSError:
        pass  # absent, or owned by someone else: nothing this process may change
