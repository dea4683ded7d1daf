"""Extension singletons, bound to the application in create_app."""

import select
import sqlite3
import warnings

from flask import current_app, has_request_context
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

from diary import sqlite_files, sqlite_turns
from diary.models.base import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
migrate = Migrate()
# Limits are declared on the views; storage comes from RATELIMIT_STORAGE_URI (see config).
limiter = Limiter(key_func=get_remote_address)
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")
READS_ONLY = "diary_reads_only"  # an execution option: this connection's transaction only reads


class ReaderWrote(RuntimeWarning):
    """A request that began its SQLite transaction as a reader wrote: declare it as a writer."""


# The embedded database file is created 0600 before SQLite opens it.
event.listen(Engine, "do_connect", sqlite_files.create_private)


@event.listens_for(Engine, "do_connect")
def _sqlite_turns(dialect, _record, cargs, cparams) -> None:
    """SQLite files: connections whose writers take turns (see sqlite_turns)."""
    if (dialect.name == "sqlite" and "factory" not in cparams
            and sqlite_files.database_path(cargs, cparams) is not None):
        cparams["factory"] = sqlite_turns.TakingTurns


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: write-ahead log, enforced foreign keys, and waiting rather than failing on locks."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
        # The driver's own transaction handling would let a savepoint's release commit the
        # whole transaction; SQLAlchemy emits BEGIN itself instead (its documented recipe).
        dbapi_connection.isolation_level = None


@event.listens_for(Engine, "checkout")
def _still_connected(dbapi_connection, _record, _proxy) -> None:
    """A pooled connection the server has closed is replaced before a request uses it.

    An idle connection's socket has nothing to read until the server hangs up (a restart, an
    administrator ending the backend): then it holds the goodbye, or end of file. Asking the
    socket costs microseconds where the pool's pre-ping cost a round trip on every request. A
    SQLite file never hangs up and has no socket.
    """
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None:
        return
    try:
        socket = select.poll()  # poll, not select: any descriptor number
        socket.register(fileno(), select.POLLIN | select.POLLPRI)
        ready = socket.poll(0)
    except Exception as error:  # closed already (the driver's own error): no socket to ask
        raise exc.DisconnectionError("the connection is closed") from error
    if ready:
        raise exc.DisconnectionError("the server closed this connection")


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """Start SQLite transactions explicitly: writers take the lock at once, readers share.

    A writer that began as a reader could not upgrade once another writer had committed (its
    snapshot would be stale), so whoever may write begins IMMEDIATE and waits its turn; pages
    that only read begin deferred and never queue behind the writers.
    """
    if connection.dialect.name == "sqlite":
        writer = not connection.get_execution_options().get(READS_ONLY) and may_write()
        connection.info["diary_reader"] = not writer
        driver = connection.connection.driver_connection
        if writer and isinstance(driver, sqlite_turns.TakingTurns):
            driver.take_turn()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


@event.listens_for(Engine, "before_cursor_execute")
def _reader_must_not_write(connection, _cursor, statement, *_args) -> None:
    """Tell loudly (an error in tests) when a request declared as reading writes after all."""
    if (connection.info.get("diary_reader") and statement.lstrip()[:6].upper() in WRITES
            and has_request_context() and not may_write(peek=True)):
        warnings.warn(f"a reading request wrote: {statement[:60]!r}", ReaderWrote, stacklevel=2)


def may_write(peek: bool = False) -> bool:
    """Whether this transaction may write: asked of the request's kind; jobs and CLI always."""
    choose = current_app.extensions.get("diary_may_write") if has_request_context() else None
    return True if choose is None else choose(peek)
