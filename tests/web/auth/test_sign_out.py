"""Sign-out revokes: copied cookies die with it; staff sessions end when idle or old."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from diary.services.people import care, staff_accounts
from tests.conftest import csrf
from tests.support.factories import make_participant, make_staff


def cookies(client) -> dict[str, str]:
    """The cookies a thief would copy from the browser."""
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")
            if client.get_cookie(name) is not None}


def browser_with(app, jar: dict[str, str]):
    """A second browser holding copies of the given cookies."""
    other = app.test_client()
    for name, value in jar.items():
        other.set_cookie(name, value)
    return other


def sign_out(client, page: str = "/") -> None:
    assert client.post("/logout", data={"csrf_token": csrf(client, page)}).status_code == 302


@pytest.fixture
def participant(session):
    p = make_participant(session)
    session.commit()
    return p


def test_copied_session_cookie_no_longer_opens_the_diary_after_sign_out(app, client,
                                                                        participant, login_as):
    login_as(participant)
    copied = cookies(client)
    assert browser_with(app, copied).get("/").status_code == 200  # the copy works until then
    sign_out(client)
    assert browser_with(app, {"session": copied["session"]}).get("/").status_code == 302


def test_the_sign_in_page_after_sign_out_stays_in_the_persons_language(client, session,
                                                                          login_as):
    p = make_participant(session, locale="zh")
    session.commit()
    login_as(p)
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    assert client.post("/logout", data={"csrf_token": csrf(client, "/settings")},
                       headers=english_browser).status_code == 302
    page = client.get("/login", headers=english_browser).get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "您已退出" in page
    assert client.get("/", headers=english_browser).status_code == 302  # signed out all the same


def test_remember_cookie_alone_no_longer_opens_the_diary_after_sign_out(app, client,
                                                                        participant, login_as):
    login_as(participant)
    remember = {"remember_token": cookies(client)["remember_token"]}
    assert browser_with(app, remember).get("/").status_code == 200
    sign_out(client)
    assert browser_with(app, remember).get("/").status_code == 302


def test_signing_out_on_one_phone_ends_the_session_on_the_other(app, client, participant,
                                                                login_as):
    login_as(participant)
    tablet = app.test_client()
    tablet.post("/login", data={"phone": participant.phone, "pin": "246810", "remember": "y",
                                "csrf_token": csrf(tablet)})
    assert tablet.get("/").status_code == 200
    sign_out(client)
    assert tablet.get("/").status_code == 302


def test_staff_cookie_no_longer_opens_the_audit_trail_after_sign_out(app, client, session,
                                                                     login_as):
    admin = make_staff(session, "admin")
    session.commit()
    login_as(admin)
    copied = cookies(client)
    assert browser_with(app, copied).get("/staff/audit").status_code == 200
    sign_out(client, "/staff/")
    assert browser_with(app, copied).get("/staff/audit").status_code == 302


def test_a_pin_reset_by_staff_ends_the_participants_sessions(client, session, participant,
                                                             login_as, clock):
    login_as(participant)
    care.reset_pin(session, participant, make_staff(session), clock())
    session.commit()
    assert client.get("/").status_code == 302


def test_a_new_password_or_lost_access_ends_staff_sessions(app, client, session, login_as,
                                                           clock):
    admin, member = make_staff(session, "admin"), make_staff(session, "investigator")
    session.commit()
    login_as(member)
    staff_accounts.update(session, member, "investigator", [], True,
                          "plum tiger lantern seventeen", admin, clock())
    session.commit()
    assert client.get("/staff/audit").status_code == 302
    login_as(member, "plum tiger lantern seventeen")
    staff_accounts.update(session, member, "investigator", [], False, None, admin, clock())
    session.commit()
    assert client.get("/staff/audit").status_code == 302


def test_staff_session_ends_after_thirty_idle_minutes(client, session, login_as, clock):
    staff = make_staff(session)
    session.commit()
    login_as(staff)
    clock.at += timedelta(minutes=29)
    assert client.get("/staff/").status_code == 200
    clock.at += timedelta(minutes=29)
    assert client.get("/staff/").status_code == 200  # each request keeps it alive
    clock.at += timedelta(minutes=31)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    ended = client.get("/staff/")
    assert ended.status_code == 302
    assert ended.headers["Location"].startswith("/staff/login")
    page = client.get(ended.headers["Location"])
    assert "Your session has ended. Please sign in again." in page.get_data(as_text=True)


def test_staff_session_ends_twelve_hours_after_sign_in_even_when_busy(client, session,
                                                                      login_as, clock):
    staff = make_staff(session)
    session.commit()
    login_as(staff)
    for _ in range(12 * 3):
        clock.at += timedelta(minutes=20)
        assert client.get("/staff/").status_code == 200
    clock.at += timedelta(minutes=20)
    assert client.get("/staff/").status_code == 302


def test_participants_stay_signed_in_for_thirty_days(client, participant, login_as, clock):
    response = login_as(participant)
    remember = next(c for c in response.headers.getlist("Set-Cookie")
                    if c.startswith("remember_token="))
    expires = parsedate_to_datetime(remember.split("Expires=")[1].split(";")[0])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    clock.at += timedelta(days=3)  # no idle limit for the diary
    assert client.get("/").status_code == 200


def session_cookie_written(response) -> bool:
    return any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))


def test_a_diarist_session_slides_on_by_the_hour_not_on_every_page(client, participant,
                                                                    login_as, clock):
    login_as(participant)
    assert session_cookie_written(client.get("/"))  # the first page keeps its form token
    assert not session_cookie_written(client.get("/"))  # nothing changed: nothing to write
    clock.at += timedelta(minutes=59)
    assert not session_cookie_written(client.get("/"))
    clock.at += timedelta(minutes=2)
    moved = client.get("/")
    assert session_cookie_written(moved)
    assert "Expires=" in next(c for c in moved.headers.getlist("Set-Cookie")
                              if c.startswith("session="))
    assert not session_cookie_written(client.get("/"))


def test_a_staff_session_notes_its_use_each_minute(client, session, login_as, clock):
    staff = make_staff(session)
    session.commit()
    login_as(staff)
    client.get("/staff/")
    assert not session_cookie_written(client.get("/staff/"))
    clock.at += timedelta(seconds=61)
    assert session_cookie_written(client.get("/staff/"))
