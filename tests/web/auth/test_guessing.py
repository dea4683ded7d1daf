"""Guessing is slowed per address, overall and per number; a known phone is never kept out."""

from datetime import timedelta

import pytest
import redis
from sqlalchemy import func, select

from diary import create_app
from diary.extensions import db
from diary.models import AuditEvent
from tests.conftest import _config, csrf
from tests.support.factories import PIN, STAFF_PASSWORD, make_participant, make_staff


def guess(client, phone: str, pin: str, lang: str = "en", **kw):
    return client.post("/login", data={"phone": phone, "pin": pin, "remember": "y",
                                       "csrf_token": csrf(client)},
                       headers={"Accept-Language": lang}, **kw)


def checked(session) -> int:
    """How many PINs were actually compared (each check leaves an audit row)."""
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.in_(("sign_in", "sign_in.failed"))))


def test_sixty_phones_one_guess_each_from_one_address_are_cut_off(client, session):
    for n in range(10):
        make_participant(session, phone=f"+86138000001{n:02d}")
    session.commit()
    codes = [guess(client, f"138000001{n:02d}", "000000").status_code for n in range(60)]
    assert codes[:20] == [200] * 20
    assert set(codes[20:]) == {429}
    assert checked(session) == 20
    refused = guess(client, "13800000100", "000000")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60  # the per-minute window's rest
    page = guess(client, "13800000100", "000000", lang="zh-CN").get_data(as_text=True)
    assert "操作太频繁" in page


def test_guesses_spread_over_many_addresses_meet_the_overall_limit(app, client, session):
    app.config["DIARY_LOGIN_RATE_OVERALL"] = "30 per minute"
    codes = [guess(client, f"1390000{n:04d}", "000000",
                   environ_base={"REMOTE_ADDR": f"10.0.{n}.1"}).status_code for n in range(40)]
    assert codes.count(200) == 30
    assert codes[30:] == [429] * 10


def test_the_address_limit_is_shared_by_every_worker(app, client, session, tmp_path):
    """A second app on the same database stands for another gunicorn worker or host."""
    app.config["DIARY_LOGIN_RATE_PER_ADDRESS"] = "6 per minute"
    other = create_app(_config(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path),
                               DIARY_LOGIN_RATE_PER_ADDRESS="6 per minute"))
    second = other.test_client()
    for n in range(3):
        assert guess(client, f"1390000{n:04d}", "000000").status_code == 200
        with other.app_context():
            assert guess(second, f"1391000{n:04d}", "000000").status_code == 200
    with other.app_context():
        assert guess(second, "13920000000", "000000").status_code == 429
        db.engine.dispose()
    assert guess(client, "13920000000", "000000").status_code == 429


def test_limits_are_counted_in_redis_when_it_is_configured(app, session, tmp_path):
    store = redis.Redis.from_url("redis://127.0.0.1:6379/5")
    try:
        store.flushdb()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    other = create_app(_config(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path),
                               RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/5",
                               DIARY_LOGIN_RATE_PER_ADDRESS="3 per minute"))
    client = other.test_client()
    with other.app_context():
        codes = [guess(client, f"1390000{n:04d}", "000000").status_code for n in range(4)]
        db.engine.dispose()
    assert codes == [200, 200, 200, 429]
    assert any(b"sign-in" in key for key in store.keys("*"))
    store.flushdb()


def test_every_limit_counts_only_what_the_reads_filter_leaves_to_it(app):
    """Page reads skip the limiter (limits._not_counted): no limit may count them."""
    from flask_limiter.util import get_qualified_name

    from diary.extensions import limiter
    from diary.web.limits import COUNTED_METHODS

    manager = limiter.limit_manager
    assert manager.default_limits == []
    assert manager.application_limits == []
    declared = [limit for view in app.view_functions.values()
                for limit in manager.decorated_limits(get_qualified_name(view))]
    assert len(declared) >= 2  # the two sign-in limits, on both sign-in views
    assert all(limit.methods and set(limit.methods) <= {m.lower() for m in COUNTED_METHODS}
               for limit in declared)


def test_a_stranger_cannot_keep_a_participant_out_of_a_phone_they_used_before(app, client,
                                                                              session, clock):
    p = make_participant(session, phone="+8613800000001")
    session.commit()
    assert guess(client, "13800000001", PIN).status_code == 302  # the participant's own phone
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    stranger = app.test_client()
    for _ in range(15):
        guess(stranger, "13800000001", "000000", environ_base={"REMOTE_ADDR": "10.9.9.9"})
        clock.at += timedelta(minutes=1)
    assert "Please wait" in guess(stranger, "13800000001", PIN).get_data(as_text=True)
    assert guess(app.test_client(), "13800000001", PIN).status_code == 200  # a new phone waits
    signed_in = guess(client, "13800000001", PIN)
    assert signed_in.status_code == 302
    assert client.get("/").status_code == 200
    assert p.last_login_at == clock()


def test_the_known_phone_has_its_own_delay_after_its_own_wrong_pins(client, session):
    make_participant(session, phone="+8613800000001", locale="en")  # kept after signing out
    session.commit()
    guess(client, "13800000001", PIN)
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    for _ in range(5):
        guess(client, "13800000001", "000000")
    assert "Please wait 2 seconds" in guess(client, "13800000001", PIN).get_data(as_text=True)


def test_a_forged_or_foreign_device_cookie_does_not_get_past_the_delay(app, client, session,
                                                                        clock):
    make_participant(session, phone="+8613800000001")
    make_participant(session, phone="+8613800000002")
    session.commit()
    guess(client, "13800000002", PIN)  # a device cookie, but for someone else
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    stranger = app.test_client()
    for _ in range(8):
        guess(stranger, "13800000001", "000000")
    assert guess(client, "13800000001", PIN).status_code == 200
    client.set_cookie("diary_device", "eyJ0IjoieCIsImEiOlsicGFydGljaXBhbnQ6MSJdfQ.forged")
    assert guess(client, "13800000001", PIN).status_code == 200


def test_a_stranger_cannot_keep_staff_out_of_their_own_browser(app, client, session):
    staff = make_staff(session)
    session.commit()

    def staff_guess(browser, password):
        return browser.post("/staff/login", data={
            "email": staff.email, "password": password,
            "csrf_token": csrf(browser, "/staff/login")})

    assert staff_guess(client, STAFF_PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf(client, "/staff/")})
    stranger = app.test_client()
    for _ in range(8):
        staff_guess(stranger, "not the password")
    assert staff_guess(stranger, STAFF_PASSWORD).status_code == 200
    assert staff_guess(client, STAFF_PASSWORD).status_code == 302


def test_an_admin_unlocks_a_staff_member_and_it_is_audited(app, client, session, login_as):
    admin, member = make_staff(session, "admin"), make_staff(session, "coordinator")
    session.commit()
    stranger = app.test_client()
    for _ in range(8):
        stranger.post("/staff/login", data={"email": member.email, "password": "nope nope",
                                             "csrf_token": csrf(stranger, "/staff/login")})
    login_as(admin)
    url = f"/staff/admin/staff/{member.id}"
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "slowed down after too many wrong passwords" in page
    client.post(url + "/unlock", data={"csrf_token": csrf(client, url)})
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "sign_in.unlock"))
    assert event.target == f"staff:{member.id}"
    assert stranger.post("/staff/login", data={
        "email": member.email, "password": STAFF_PASSWORD,
        "csrf_token": csrf(stranger, "/staff/login")}).status_code == 302


def test_only_admins_unlock_staff(client, session, login_as):
    coordinator, member = make_staff(session), make_staff(session)
    session.commit()
    login_as(coordinator)
    response = client.post(f"/staff/admin/staff/{member.id}/unlock",
                           data={"csrf_token": csrf(client, "/staff/")})
    assert response.status_code == 403


def test_counters_of_addresses_long_gone_are_forgotten(client, session):
    from datetime import UTC, datetime

    from diary.models import RateLimitCounter

    session.add(RateLimitCounter(key="old", hits=3,
                                 expires_at=datetime.now(UTC) - timedelta(days=2)))
    session.commit()
    guess(client, "13900000001", "000000")
    session.expire_all()
    keys = session.scalars(select(RateLimitCounter.key)).all()
    assert "old" not in keys
    assert len(keys) == 3  # this address per minute and per hour, and everyone together


def test_the_wait_is_said_in_the_singular_when_it_is_one(app):
    from flask_babel import force_locale

    from diary.auth.views import _refusal
    from diary.services.people.sign_in import SignInResult

    with app.test_request_context("/login"), force_locale("en"):
        assert "Please wait 1 second and" in _refusal(SignInResult(locked=True, wait_seconds=1))
        assert "Please wait 5 seconds" in _refusal(SignInResult(locked=True, wait_seconds=5))
        assert "Please wait 1 minute and" in _refusal(SignInResult(locked=True, wait_seconds=60))
        assert "wait 2 minutes" in _refusal(SignInResult(locked=True, wait_seconds=61))
    with app.test_request_context("/login"), force_locale("zh"):
        assert "请等1秒后再试" in _refusal(SignInResult(locked=True, wait_seconds=1))
