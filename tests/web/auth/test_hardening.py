"""Weaker points: HSTS behind HTTPS, Permissions-Policy, staff passwords, enrolment secrecy."""

import pytest
from sqlalchemy import select

from diary import create_app
from diary.extensions import db
from diary.models import StaffUser
from diary.services.people import staff_accounts
from tests.conftest import _config, csrf
from tests.support.factories import make_participant, make_site, make_staff


def test_every_response_carries_a_permissions_policy(client):
    policy = client.get("/login").headers["Permissions-Policy"]
    assert "camera=()" in policy
    assert "geolocation=()" in policy


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://diary.example.org")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize(("proxies", "hsts"), [(0, False), (1, True)])
def test_a_forwarded_https_counts_only_behind_a_trusted_proxy(app, tmp_path, proxies, hsts):
    other = create_app(_config(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path),
                               DIARY_TRUSTED_PROXIES=proxies))
    with other.app_context():
        response = other.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
        db.engine.dispose()
    assert ("Strict-Transport-Security" in response.headers) is hsts


def test_behind_a_trusted_proxy_the_rate_limit_counts_the_real_client(app, tmp_path):
    other = create_app(_config(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path),
                               DIARY_TRUSTED_PROXIES=1,
                               DIARY_LOGIN_RATE_PER_ADDRESS="2 per minute"))
    client = other.test_client()

    def guess(address):
        return client.post("/login", headers={"X-Forwarded-For": address}, data={
            "phone": "13900000001", "pin": "000000", "csrf_token": csrf(client)}).status_code

    with other.app_context():
        codes = [guess("203.0.113.7"), guess("203.0.113.7"), guess("203.0.113.7"),
                 guess("198.51.100.2")]
        db.engine.dispose()
    assert codes == [200, 200, 429, 200]


@pytest.mark.parametrize(("password", "reason"), [
    ("aaaaaaaaaaaa", "too easy to guess"),
    ("password1234", "too easy to guess"),
    ("new.member@example.org", "must not contain the e-mail"),
    ("new.member-plum-tiger-lantern", "must not contain the e-mail"),
])
def test_weak_staff_passwords_are_refused_with_the_reason(client, session, login_as, password,
                                                          reason):
    admin = make_staff(session, "admin")
    session.commit()
    login_as(admin)
    page = client.post("/staff/admin/staff", headers={"Accept-Language": "en"}, data={
        "email": "new.member@example.org", "display_name": "New", "role": "coordinator",
        "password": password, "csrf_token": csrf(client, "/staff/admin/staff")})
    assert reason in page.get_data(as_text=True)
    assert session.scalar(select(StaffUser).where(StaffUser.email == "new.member@example.org")) \
        is None


def test_a_weak_new_password_is_refused_in_chinese_too(client, session, login_as):
    admin, member = make_staff(session, "admin"), make_staff(session)
    session.commit()
    login_as(admin)
    url = f"/staff/admin/staff/{member.id}"
    page = client.post(url, headers={"Accept-Language": "zh-CN"}, data={
        "role": "coordinator", "active": "y", "password": "aaaaaaaaaaaa",
        "csrf_token": csrf(client, url)}).get_data(as_text=True)
    assert "太容易被猜到" in page


def test_a_strong_password_is_accepted():
    assert staff_accounts.password_problem("plum tiger lantern seventeen", "a@b.org") is None


def _enrol(client, site, phone):
    from tests.web.staff.test_enrolment import GOOD

    return client.post("/staff/participants/new", headers={"Accept-Language": "en"}, data={
        **GOOD, "study_code": f"{site.code}-077", "site_id": str(site.id), "phone": phone,
        "csrf_token": csrf(client, "/staff/participants/new")}).get_data(as_text=True)


def test_enrolment_does_not_tell_a_coordinator_about_another_sites_participant(
        client, session, login_as):
    xw, bj = make_site(session, "XW"), make_site(session, "BJ")
    make_participant(session, bj, phone="+8613800000001", study_code="BJ-001")
    coordinator = make_staff(session, "coordinator", [xw])
    session.commit()
    login_as(coordinator)
    page = _enrol(client, xw, "13800000001")
    assert "This phone number cannot be used." in page
    assert "already registered" not in page
    assert "BJ-001" not in page


def test_an_admin_sees_why_the_number_cannot_be_used(client, session, login_as):
    xw, bj = make_site(session, "XW"), make_site(session, "BJ")
    make_participant(session, bj, phone="+8613800000001", study_code="BJ-001")
    admin = make_staff(session, "admin")
    session.commit()
    login_as(admin)
    assert "already registered (BJ-001)" in _enrol(client, xw, "13800000001")
