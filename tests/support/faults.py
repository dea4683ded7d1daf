"""Real database faults: a SQLite file locked by another connection, a PostgreSQL backend killed."""

import html
import re
import sqlite3
import time
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import event, func, select
from sqlalchemy.pool import NullPool
from werkzeug.datastructures import MultiDict

from diary.extensions import db
from diary.models import Answer, AuditEvent, DiaryEntry, Draft, Submission

RETRY_FORM = re.compile(r'<form method="post" action="([^"]+)">(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def short_busy_wait(app):
    """SQLite gives up on a lock after 0.3 s, not 10 s: the same fault, sooner."""

    def pragma(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout=300")

    db.engine.dispose()
    event.listen(db.engine, "connect", pragma)
    yield
    event.remove(db.engine, "connect", pragma)


@contextmanager
def sqlite_locked(path: str, readers_too: bool = False):
    """Another connection holds the database's write lock (BEGIN EXCLUSIVE) meanwhile.

    In WAL mode readers still read past it; `readers_too` makes the other connection take the
    file for itself (locking_mode=EXCLUSIVE), as a maintenance shell or a restore would.
    """
    if readers_too:
        db.engine.dispose()  # it can take the file only when no other connection has it open
    locker = sqlite3.connect(path, isolation_level=None, timeout=5)
    if readers_too:
        locker.execute("PRAGMA locking_mode=EXCLUSIVE")
    locker.execute("BEGIN EXCLUSIVE")
    if readers_too:
        locker.execute("SELECT count(*) FROM site").fetchone()
    try:
        yield
    finally:
        locker.execute("ROLLBACK")
        locker.close()


@pytest.fixture
def kill_backend_on(app):
    """Terminate the app's own PostgreSQL backend just as it sends a statement starting so."""
    admin = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    armed: dict = {}

    def before(conn, _cursor, statement, _params, _context, _many):
        prefix = armed.get("prefix")
        if prefix and statement.lstrip().upper().startswith(prefix):
            armed.pop("prefix")
            pid = conn.connection.dbapi_connection.info.backend_pid
            with admin.connect() as other:
                assert other.scalar(sa.text("SELECT pg_terminate_backend(:pid, 5000)"),
                                    {"pid": pid})
            armed["killed"] = armed.get("killed", 0) + 1

    event.listen(db.engine, "before_cursor_execute", before)

    def arm(prefix: str) -> dict:
        armed["prefix"] = prefix.upper()
        return armed

    yield arm
    event.remove(db.engine, "before_cursor_execute", before)
    admin.dispose()


def stored(session, participant_id: int, day: date) -> dict:
    """What the database holds for the participant's day, to prove nothing was half written."""
    session.rollback()
    entries = select(DiaryEntry.id).where(DiaryEntry.participant_id == participant_id,
                                          DiaryEntry.diary_date == day)
    return {
        "entries": session.scalar(select(func.count()).select_from(entries.subquery())),
        "answers": session.scalar(select(func.count()).where(Answer.entry_id.in_(entries))),
        "submissions": session.scalar(select(func.count()).where(
            Submission.entry_id.in_(entries))),
        "audit": session.scalar(select(func.count()).where(
            AuditEvent.participant_id == participant_id,
            AuditEvent.action.in_(["entry.create", "entry.amend"]))),
    }


def draft_of(session, participant_id: int) -> dict:
    session.rollback()
    draft = session.scalar(select(Draft).where(Draft.participant_id == participant_id))
    return dict(draft.answers) if draft else {}


def send_again(client, page: str):
    """Press "Try again" on the page that kept the form: post its hidden fields back."""
    action, fields = RETRY_FORM.search(page).groups()
    return client.post(html.unescape(action), data=MultiDict(
        [(name, html.unescape(value)) for name, value in HIDDEN.findall(fields)]))


def wait_until(predicate, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
