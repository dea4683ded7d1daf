"""The application starts, answers its health check and sends strangers to sign in."""


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/history")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/history")


def test_signed_in_participant_sees_home(client, session, login_as):
    from tests.support.factories import make_participant

    p = make_participant(session)
    session.commit()
    login_as(p)
    page = client.get("/").get_data(as_text=True)
    assert "开始填写今天的日记" in page or "Start today's diary" in page
