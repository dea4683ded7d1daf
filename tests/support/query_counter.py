"""Count the SQL statements a block of code issues."""

from contextlib import contextmanager

from sqlalchemy import event


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []
        self.parameters: list = []  # each statement's, as the driver got them


@contextmanager
def count_queries(session):
    """Yield a counter of statements executed on the session's engine inside the block."""
    engine = session.get_bind()
    counter = Counter()

    def before(conn, cursor, statement, parameters, *args):
        counter.count += 1
        counter.statements.append(statement)
        counter.parameters.append(parameters)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)
