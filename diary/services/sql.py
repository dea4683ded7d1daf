"""Portable SQL helpers: INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""

from collections.abc import Sequence

from sqlalchemy import JSON, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def is_postgres(session: Session) -> bool:
    """Whether the session talks to PostgreSQL (row locks with SKIP LOCKED are available)."""
    return session.get_bind().dialect.name == "postgresql"


def one_of(column, name: str) -> dict[bool, object]:
    """`column IN (:name)` keyed by is_postgres(), with the list as one parameter: an array on
    PostgreSQL, a JSON text on SQLite (a parameter per value is capped, and slow to compile
    when the scheduler asks about 100,000 people)."""
    listed = select(literal_column("value")).select_from(
        func.json_each(bindparam(name, type_=JSON)))
    return {False: column.in_(listed.scalar_subquery()),
            True: column == any_(bindparam(name, type_=postgresql.ARRAY(column.type)))}


def insert_ignoring(session: Session, model: type, rows: Sequence[dict], conflict: Sequence[str],
                    returning: Sequence = ()) -> list:
    """Insert rows, silently skipping those that collide on `conflict`; returns inserted rows."""
    if not rows:
        return []
    # A fixed order: two writers inserting overlapping keys wait for each other, never deadlock.
    rows = sorted(rows, key=lambda row: tuple(row[name] for name in conflict))
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    statement = insert(model.__table__).on_conflict_do_nothing(index_elements=list(conflict))
    if not returning:
        session.execute(statement, list(rows))
        return []
    return list(session.execute(statement.returning(*returning), list(rows)))
