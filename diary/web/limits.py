"""Sign-in rate limits (Flask-Limiter), counted in the database unless Redis is configured.

Flask-Limiter's memory storage counts per process, so each gunicorn worker would allow the
whole limit again. The database is the one place every worker and host already shares, so it
is the default storage (`RATELIMIT_STORAGE_URI = "database://"`); `redis://…` replaces it.
"""

from contextlib import contextmanager
from datetime import timedelta

from flask import current_app, request
from limits.storage import Storage
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from diary.extensions import db, limiter
from diary.models import RateLimitCounter
from diary.models.base import utcnow

table = RateLimitCounter.__table__
FORGET_AFTER = timedelta(days=1)


@contextmanager
def _connection():
    """PostgreSQL: a short transaction of its own, so no request holds the counter's row lock.

    SQLite has a single writer anyway: the count joins the request's transaction (committed
    with the attempt) instead of queueing behind it on a second connection.
    """
    if db.engine.dialect.name == "sqlite":
        yield db.session.connection()
        return
    with db.engine.begin() as conn:
        yield conn


class DatabaseStorage(Storage):
    """Fixed-window counters in the `rate_limit_counter` table, shared by all workers."""

    STORAGE_SCHEME = ["database"]

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = utcnow()
        ends = now + timedelta(seconds=expiry)
        insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
        with _connection() as conn:
            added = conn.execute(insert(table).values(key=key, hits=0, expires_at=ends)
                                 .on_conflict_do_nothing(index_elements=["key"])).rowcount
            if added:  # a new address: the moment to forget those long gone
                conn.execute(delete(table).where(table.c.expires_at < now - FORGET_AFTER))
            conn.execute(update(table).where(table.c.key == key, table.c.expires_at <= now)
                         .values(hits=0, expires_at=ends))  # a window that ran out starts afresh
            return conn.execute(update(table).where(table.c.key == key)
                                .values(hits=table.c.hits + amount)
                                .returning(table.c.hits)).scalar_one()

    def get(self, key: str) -> int:
        with _connection() as conn:
            hits = conn.scalar(select(table.c.hits).where(table.c.key == key,
                                                          table.c.expires_at > utcnow()))
        return hits or 0

    def get_expiry(self, key: str) -> float:
        with _connection() as conn:
            ends = conn.scalar(select(table.c.expires_at).where(table.c.key == key))
        return (ends or utcnow()).timestamp()

    def check(self) -> bool:
        try:
            with _connection() as conn:
                conn.scalar(select(func.count()).select_from(table))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with _connection() as conn:
            return conn.execute(delete(table)).rowcount

    def clear(self, key: str) -> None:
        with _connection() as conn:
            conn.execute(delete(table).where(table.c.key == key))


def per_address() -> str:
    """Attempts one client address may make (read when the request is checked)."""
    return current_app.config["DIARY_LOGIN_RATE_PER_ADDRESS"]


def overall() -> str:
    """Attempts all addresses together may make: a spread-out guessing run still slows down."""
    return current_app.config["DIARY_LOGIN_RATE_OVERALL"]


def _everyone() -> str:
    return "all"


# Both sign-in forms count together; only the POST checks a secret, so only it is counted.
COUNTED_METHODS = ["POST"]


@limiter.request_filter
def _not_counted() -> bool:
    """No limit counts a page read, so a read skips the limiter's look-up of its limits."""
    return request.method not in COUNTED_METHODS


sign_in_per_address = limiter.shared_limit(per_address, scope="sign-in",
                                           methods=COUNTED_METHODS)
sign_in_overall = limiter.shared_limit(overall, scope="sign-in-all", key_func=_everyone,
                                       methods=COUNTED_METHODS)
