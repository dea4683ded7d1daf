"""Triggers that make a table append-only: the database itself refuses UPDATE and DELETE."""

EVENTS = ("UPDATE", "DELETE")


def create_statements(dialect: str, table: str) -> list[str]:
    """The DDL that makes `table` refuse UPDATE and DELETE on PostgreSQL or SQLite."""
    message = f"{table} is append-only"
    if dialect == "postgresql":
        return [
            f"""CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{message}'; END;
            $$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"""]
    return [f"""CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table}
            BEGIN SELECT RAISE(ABORT, '{message}'); END""" for event in EVENTS]


def drop_statements(dialect: str, table: str) -> list[str]:
    """The DDL that lifts the protection again (downgrade only)."""
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
                f"DROP FUNCTION IF EXISTS {table}_append_only()"]
    return [f"DROP TRIGGER IF EXISTS {table}_no_{event.lower()}" for event in EVENTS]
