"""SQL helpers: plain-row reads, INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""

import itertools
from collections.abc import Sequence

from sqlalchemy import JSON, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import Join


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


def rows(session: Session, statement, params: dict | None = None):
    """The result of a statement that selects columns, not mapped objects, run on the
    session's own connection and transaction.

    `Session.execute` passes every select through the ORM's loading, which builds a processor
    per column on each run: for a few columns that costs more than the query itself. The
    column types still convert each value. What the session holds unflushed is flushed first,
    as its autoflush would, so the statement sees it.
    """
    session.flush()
    return session.connection().execute(statement, params or {})


class DrivingJoin(Join):
    """A join read from its left side: SQLite's CROSS JOIN, an ordinary JOIN elsewhere.

    SQLite's planner never reorders the tables of a CROSS JOIN. A short list of parameters
    (a json_each table) joined to a big indexed table needs the list outside and the index
    inside; left to itself the planner scans the big table and tries every list row for each.
    """

    inherit_cache = True


@compiles(DrivingJoin, "sqlite")
def _cross_join(join, compiler, asfrom=False, from_linter=None, **kw):
    if from_linter:  # the tables are joined: no cartesian product to warn about
        from_linter.edges.update(itertools.product(join.left._from_objects,
                                                   join.right._from_objects))
    left = join.left._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
    right = join.right._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
    on = join.onclause._compiler_dispatch(compiler, from_linter=from_linter, **kw)
    return f"{left} CROSS JOIN {right} ON {on}"


class object_of(FunctionElement):
    """An aggregate: one JSON object of the rows' keys and values (NULL or {} for no row),
    read back as a dict. ``json_group_object`` on SQLite, ``json_object_agg`` on PostgreSQL."""

    type = JSON()
    inherit_cache = True
    name = "object_of"


@compiles(object_of, "sqlite")
def _object_of_sqlite(element, compiler, **kw):
    return f"json_group_object({compiler.process(element.clauses, **kw)})"


@compiles(object_of, "postgresql")
def _object_of_postgresql(element, compiler, **kw):
    return f"json_object_agg({compiler.process(element.clauses, **kw)})"


COPY_FROM = 500  # rows; fewer go in one INSERT, more through COPY on PostgreSQL


def insert_ignoring(session: Session, model: type, rows: Sequence[dict], conflict: Sequence[str],
                    returning: Sequence = ()) -> list:
    """Insert rows, silently skipping those that collide on `conflict`; returns inserted rows."""
    if not rows:
        return []
    # A fixed order: two writers inserting overlapping keys wait for each other, never deadlock.
    rows = sorted(rows, key=lambda row: tuple(row[name] for name in conflict))
    if is_postgres(session) and len(rows) >= COPY_FROM:
        return _copy_ignoring(session, model.__table__, rows, conflict, returning)
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    statement = insert(model.__table__).on_conflict_do_nothing(index_elements=list(conflict))
    if not returning:
        session.execute(statement, list(rows))
        return []
    return list(session.execute(statement.returning(*returning), list(rows)))


def _copy_ignoring(session: Session, table, rows: Sequence[dict], conflict: Sequence[str],
                   returning: Sequence) -> list:
    """Many rows on PostgreSQL: COPY them into a temporary table, then one INSERT … SELECT.

    A multi-row INSERT of tens of thousands of rows spends most of its time having the driver
    parse its placeholders; COPY streams the values instead. The columns' own conversions
    (encryption, UTC times) are applied first, as an INSERT would."""
    from psycopg import sql  # only PostgreSQL comes here

    dialect = session.get_bind().dialect
    names = list(rows[0])
    convert = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    listed = sql.SQL(", ").join(map(sql.Identifier, names))
    keys = sql.SQL(", ").join(map(sql.Identifier, conflict))
    target, temporary = sql.Identifier(table.name), sql.Identifier(f"incoming_{table.name}")
    back = sql.SQL(" RETURNING {}").format(sql.SQL(", ").join(
        sql.Identifier(column.name) for column in returning)) if returning else sql.SQL("")
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql.SQL("CREATE TEMPORARY TABLE {} AS SELECT {} FROM {} WITH NO DATA")
                       .format(temporary, listed, target))
        with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(temporary, listed)) as copy:
            for row in rows:
                copy.write_row([value if to_db is None else to_db(value) for value, to_db
                                in zip((row[name] for name in names), convert, strict=True)])
        cursor.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ORDER BY {} "
                               "ON CONFLICT ({}) DO NOTHING{}")
                       .format(target, listed, listed, temporary, keys, keys, back))
        found = cursor.fetchall() if returning else []
        cursor.execute(sql.SQL("DROP TABLE {}").format(temporary))
    finally:
        cursor.close()
    return found
