"""Signing in by phone and PIN: formats, delays counted in the database, no enumeration."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from diary.models import AuditEvent
from tests.conftest import csrf
from tests.support.factories import make_caregiver, make_participant


def attempt(client, phone, pin, lang="en"):
    return client.post("/login", data={"phone": phone, "pin": pin, "remember": "y",
                                       "csrf_token": csrf(client)},
                       headers={"Accept-Language": lang})


@pytest.mark.parametrize("typed", ["13800000001", "+86 138 0000 0001", "138 0000 0001",
                                   "+8613800000001", "0086 138 0000 0001"])
def test_local_and_international_formats_sign_in(client, session, typed):
    make_participant(session, phone="+8613800000001")
    session.commit()
    response = attempt(client, typed, "246810")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_is_remembered_for_thirty_days(client, session):
    make_participant(session, phone="+8613800000001")
    session.commit()
    response = attempt(client, "13800000001", "246810")
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("remember_token="))
    assert "HttpOnly" in cookie
    client.delete_cookie("session")
    assert client.get("/").status_code == 200  # the remember cookie alone opens the diary


def test_caregiver_signs_in_with_their_own_phone(client, session):
    p = make_participant(session)
    make_caregiver(session, p, phone="+8613800000102")
    session.commit()
    assert attempt(client, "13800000102", "246810").status_code == 302


def test_wrong_pin_and_unknown_number_get_the_same_message(client, session):
    make_participant(session, phone="+8613800000001")
    session.commit()
    wrong = attempt(client, "13800000001", "000000").get_data(as_text=True)
    unknown = attempt(client, "13900000009", "000000").get_data(as_text=True)
    message = "The phone number or PIN is not right."
    assert message in wrong
    assert message in unknown


def test_after_five_wrong_pins_each_attempt_waits_longer(client, session, clock):
    make_participant(session, phone="+8613800000001")
    session.commit()
    for _ in range(5):
        attempt(client, "13800000001", "000000")
    held = attempt(client, "13800000001", "246810")
    assert held.status_code == 200
    assert "Please wait 2 seconds" in held.get_data(as_text=True)
    clock.at += timedelta(seconds=2)
    assert "wait 4 seconds" in attempt(client, "13800000001", "111111").get_data(as_text=True)
    clock.at += timedelta(seconds=3)
    assert attempt(client, "13800000001", "246810").status_code == 200  # still held
    clock.at += timedelta(seconds=1)
    assert attempt(client, "13800000001", "246810").status_code == 302


def test_the_delay_grows_to_fifteen_minutes_and_no_further(client, session, clock):
    make_participant(session, phone="+8613800000001")
    session.commit()
    for _ in range(15):
        page = attempt(client, "13800000001", "000000").get_data(as_text=True)
        clock.at += timedelta(minutes=15)
    assert "Please wait 15 minutes" in page
    clock.at += timedelta(minutes=15)
    assert attempt(client, "13800000001", "246810").status_code == 302


def test_lockout_is_counted_in_the_database_across_workers(app, client, session):
    make_participant(session, phone="+8613800000001")
    session.commit()
    other_worker = app.test_client()
    for c in (client, other_worker, client, other_worker, client):
        attempt(c, "13800000001", "000000")
    assert "Too many attempts" in attempt(other_worker, "13800000001", "246810").get_data(
        as_text=True)


def test_unknown_numbers_lock_the_same_way(client, session):
    for _ in range(5):
        attempt(client, "13900000009", "000000")
    assert "Too many attempts" in attempt(client, "13900000009", "000000").get_data(
        as_text=True)


def test_lockout_message_in_chinese(client, session):
    for _ in range(6):
        page = attempt(client, "13900000009", "000000", lang="zh-CN").get_data(as_text=True)
    assert "Too many attempts" not in page
    assert "请等2秒" in page


def test_sign_ins_and_failures_are_audited(client, session):
    p = make_participant(session, phone="+8613800000001")
    session.commit()
    attempt(client, "13800000001", "000000")
    attempt(client, "13800000001", "246810")
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.participant_id == p.id).order_by(AuditEvent.id)).all()
    assert actions == ["sign_in.failed", "sign_in"]


def test_next_parameter_only_follows_local_paths(client, session):
    make_participant(session, phone="+8613800000001")
    session.commit()
    response = client.post("/login?next=https://evil.example/x", data={
        "phone": "13800000001", "pin": "246810", "csrf_token": csrf(client)})
    assert response.headers["Location"] == "/"


def test_withdrawn_participant_cannot_sign_in(client, session):
    from diary.models import ParticipantStatus

    make_participant(session, phone="+8613800000001", status=ParticipantStatus.WITHDRAWN)
    session.commit()
    assert attempt(client, "13800000001", "246810").status_code == 200


def test_sign_out_needs_a_post_and_ends_the_session(client, session, login_as):
    p = make_participant(session)
    session.commit()
    login_as(p)
    assert client.get("/logout").status_code == 405
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert client.get("/").status_code == 302


def test_parallel_guesses_are_bounded_by_the_lockout(app, session, monkeypatch):
    """Thirty wrong PINs at once from six threads: at most five are checked against the PIN."""
    from concurrent.futures import ThreadPoolExecutor

    from diary.extensions import db
    from diary.models import Participant
    from diary.services.people import sign_in

    make_participant(session, phone="+8613800000001")
    session.commit()
    checked = []
    real_check = Participant.check_secret
    monkeypatch.setattr(Participant, "check_secret",
                        lambda self, secret: checked.append(secret) or real_check(self, secret))

    def guess(n: int) -> None:
        with app.app_context():
            for _ in range(5):  # SQLite answers "busy" under load; a client would retry too
                try:
                    sign_in.sign_in_phone(db.session, "13800000001", f"{n:06d}",
                                          app.config["DIARY_CLOCK"](), sign_in.Lockout())
                    db.session.commit()
                    return
                except sa.exc.OperationalError:
                    db.session.rollback()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(guess, range(30)))
    assert 1 <= len(checked) <= 5
