"""Online backup of the embedded SQLite database: a consistent copy while others keep writing."""

import os
import sqlite3
from datetime import datetime
from pathlib import Path

POSTGRES_ROUTINE = (
    "This deployment runs on PostgreSQL: back it up with pg_dump -Fc (nightly) and keep "
    "point-in-time recovery (WAL archiving) on the server; see docs/DEPLOY.md, section Backups.")


class BackupRefused(RuntimeError):
    """This database is not the embedded one; its own tools back it up."""


def file_name(now: datetime) -> str:
    """diary-20261201T073000Z.db: sorts by time, never overwrites an earlier copy."""
    return f"diary-{now.strftime('%Y%m%dT%H%M%SZ')}.db"


def target_path(destination: str, now: datetime) -> Path:
    """A folder (existing, or written with a trailing slash) gets a timestamped file inside it."""
    if destination.endswith(os.sep) or Path(destination).is_dir():
        return Path(destination) / file_name(now)
    return Path(destination)


def sqlite_backup(url, destination: str, now: datetime) -> Path:
    """Copy the live database with SQLite's online backup API into a new 0600 file."""
    if url.get_backend_name() != "sqlite":
        raise BackupRefused(POSTGRES_ROUTINE)
    target = target_path(destination, now)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    partial = target.with_name(target.name + ".partial")
    os.close(os.open(partial, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600))
    source = sqlite3.connect(url.database, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        # One step (pages=-1) under one read transaction: a snapshot even while writers go on.
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        problem = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
        source.close()
    if problem != "ok":
        partial.unlink()
        raise RuntimeError(f"the copy failed its integrity check: {problem}")
    os.replace(partial, target)
    return target
