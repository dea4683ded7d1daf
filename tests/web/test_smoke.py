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


def test_an_error_page_is_titled_as_it_is_headed(client):
    page = client.get("/no-such-page", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<title>Page not found · Study Diary</title>" in page
    assert "<h1>Page not found</h1>" in page
    chinese = client.get("/no-such-page", headers={"Accept-Language": "zh-CN"})
    assert "<title>找不到这个页面" in chinese.get_data(as_text=True)
