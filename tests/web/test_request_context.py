"""The test client behaves like a server: each request has its own context and session."""

from flask import g

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
