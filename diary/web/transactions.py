"""Transaction mode per request kind: pages that only read never wait for the write lock."""

from flask import Flask, g, request
from flask import session as cookie_session
from sqlalchemy.orm import Session

from diary.extensions import READS_ONLY, db

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Pages fetched with GET that still write once, first thing (an export records who took it).
WRITING_READS = {"staff.export_csv", "staff.export_odm"}


def may_write(peek: bool = False) -> bool:
    """Whether the transaction beginning now may write.

    Requests that change something (POST and the like) take the write lock for every
    transaction; a writing read takes it for its first transaction only, so the long stream
    that follows an export's audit row does not hold writers back.
    """
    if request.method not in READING_METHODS:
        return True
    if request.endpoint not in WRITING_READS or g.get("_diary_wrote"):
        return False
    if not peek:
        g._diary_wrote = True
    return True


def rows_before_writing(statement, params: dict) -> list:
    """The plain rows of a Core `statement`, read before a SQLite writer takes the write lock.

    A writer's transaction takes the lock at its first statement and holds it to the commit.
    Every request first reads the signed-in account; reading it on a connection of its own
    leaves the lock to the view's own statements. Elsewhere (PostgreSQL, readers, a
    transaction already open) it is an ordinary read on the request's connection.
    """
    session = db.session()
    if not _reads_apart(session):
        return session.connection().execute(statement, params).all()
    with db.engine.connect().execution_options(**{READS_ONLY: True}) as connection:
        return connection.execute(statement, params).all()


def _reads_apart(session: Session) -> bool:
    """Whether a first read goes on a connection of its own: a SQLite file, a writer, no
    transaction open yet."""
    return (db.engine.dialect.name == "sqlite"
            and db.engine.url.database not in (None, "", ":memory:")
            and not session.in_transaction() and may_write(peek=True))


def readers_without_transaction() -> None:
    """PostgreSQL: a request that only reads sends no BEGIN and no ROLLBACK.

    Under READ COMMITTED each statement reads its own snapshot whether or not a transaction is
    open, so for a reader the transaction adds two round trips and no consistency. A request
    that may write keeps its transaction (SQLite readers keep their deferred one, see
    extensions._sqlite_begin).
    """
    if request.endpoint in (None, "static") or may_write(peek=True):
        return
    if not cookie_session.get("_user_id"):  # only a signed-in page is sure to read at all
        return
    session = db.session()
    if db.engine.dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def init_app(app: Flask) -> None:
    """Let the SQLite BEGIN ask the request what kind it is; readers on PostgreSQL go without."""
    app.extensions["diary_may_write"] = may_write
    app.before_request(readers_without_transaction)
