"""The test client behaves like a server: each request has its own context and session."""

from flask import g, request

from diary.extensions import db


def test_each_request_runs_in_a_context_and_session_of_its_own(app, client, session):
    seen = []

    @app.before_request
    def remember():
        seen.append((g._get_current_object(), db.session()))

    client.get("/healthz")
    client.get("/healthz")
    (first_g, first_session), (second_g, second_session) = seen
    assert first_g is not second_g
    assert first_session is not second_session
    assert session() not in (first_session, second_session)
    assert not first_session.in_transaction()  # closed when its request ended


def test_on_postgresql_a_signed_in_reading_page_sends_no_begin(app, client, session, login_as,
                                                               clock):
    """Readers run statement by statement (READ COMMITTED gives each its own snapshot anyway);
    writers keep their transaction, and the pooled connection goes back as it came."""
    from tests.support.factories import make_participant

    postgres = db.engine.dialect.name == "postgresql"
    modes = []

    @app.after_request
    def note(response):
        if request.endpoint in ("participant.home", "participant.step"):
            connection = db.session.connection()
            modes.append((request.method, connection.connection.dbapi_connection.autocommit
                          if postgres else db.session().in_transaction()))
        return response

    clock.set("2026-03-10T20:00:00+08:00")
    login_as(make_participant(session))
    assert client.get("/").status_code == 200
    client.post("/diary/2026-03-10/symptoms", data={"action": "next"})  # a writer
    if postgres:
        assert modes == [("GET", True), ("POST", False)]
        with db.engine.connect() as connection:
            assert connection.connection.dbapi_connection.autocommit is False
    else:  # SQLite keeps a deferred reading transaction
        assert modes[0] == ("GET", True)


def test_on_sqlite_a_writer_reads_the_account_before_it_takes_the_write_lock(
        app, client, session, login_as, clock):
    """The account is read in a deferred transaction of its own; the view's first statement
    takes the lock, and the account it uses came along without another query."""
    import sqlalchemy as sa

    from tests.conftest import csrf
    from tests.support.factories import make_participant

    if db.engine.dialect.name != "sqlite":
        return
    clock.set("2026-03-10T20:00:00+08:00")
    login_as(make_participant(session))
    seen = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split())[:40])

    screen = "/diary/2026-03-10/symptoms"
    token = csrf(client, screen)
    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.post(screen, data={"action": "next", "csrf_token": token}).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    account = next(i for i, s in enumerate(seen) if s.startswith("SELECT participant.id"))
    locked = seen.index("BEGIN IMMEDIATE")
    assert seen[account - 1] == "BEGIN"  # its own reading transaction
    assert account < locked
    assert not any(s.startswith("SELECT participant.") for s in seen[locked:])
