"""Staff sign-in and the admin pages: staff accounts and sites."""

from sqlalchemy import select

from diary.models import AuditEvent, Site, StaffUser
from tests.support.factories import STAFF_PASSWORD
from tests.web.staff.conftest import token


def _sign_in(client, email, password):
    return client.post("/staff/login", data={"email": email, "password": password,
                                             "csrf_token": token(client, "/staff/login")})


def test_staff_sign_in_does_not_tell_which_accounts_exist_and_locks(client, world, app):
    app.config["DIARY_LOGIN_MAX_FAILURES"] = 3
    unknown = _sign_in(client, "nobody@example.org", "whatever-password").get_data(as_text=True)
    wrong = _sign_in(client, world.coordinator.email, "wrong password!").get_data(as_text=True)
    message = "The e-mail or password is not right."
    assert message in unknown
    assert message in wrong
    for _ in range(2):
        _sign_in(client, world.coordinator.email, "wrong password!")
    locked = _sign_in(client, world.coordinator.email, STAFF_PASSWORD)
    assert locked.status_code == 200
    assert "Too many attempts" in locked.get_data(as_text=True)


def test_admin_creates_staff_with_a_long_password_and_assigns_sites(client, session, login_as,
                                                                     world):
    login_as(world.admin)
    data = {"email": "new@example.org", "display_name": "New", "role": "coordinator",
            "sites": [str(world.bj.id)], "password": "short"}
    page = client.post("/staff/admin/staff", data={
        **data, "csrf_token": token(client, "/staff/admin/staff")}).get_data(as_text=True)
    assert "At least 12 characters." in page
    assert 'value="new@example.org"' in page
    client.post("/staff/admin/staff", data={**data, "password": "a much longer password",
                                            "csrf_token": token(client, "/staff/admin/staff")})
    member = session.scalar(select(StaffUser).where(StaffUser.email == "new@example.org"))
    assert [s.code for s in member.sites] == ["BJ"]
    assert member.secret_hash != "a much longer password"
    url = f"/staff/admin/staff/{member.id}"
    client.post(url, data={"role": "coordinator", "sites": [str(world.xw.id)], "active": "",
                           "csrf_token": token(client, url)})
    session.refresh(member)
    assert [s.code for s in member.sites] == ["XW"]
    assert member.active is False
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.update"))
    assert event.detail["sites"] == {"before": ["BJ"], "after": ["XW"]}
    assert event.detail["active"] == {"before": True, "after": False}


def test_admin_cannot_lock_themselves_out(client, session, login_as, world):
    login_as(world.admin)
    url = f"/staff/admin/staff/{world.admin.id}"
    page = client.post(url, data={"role": "coordinator", "active": "y",
                                  "csrf_token": token(client, url)}, follow_redirects=True)
    assert "You cannot remove your own administrator access." in page.get_data(as_text=True)
    session.refresh(world.admin)
    assert world.admin.role.value == "admin"


def test_admin_adds_a_site(client, session, login_as, world):
    login_as(world.admin)
    url = "/staff/admin/sites"
    bad = client.post(url, data={"code": "X W", "name_en": "", "name_zh": "宣武",
                                 "timezone": "Asia/Shanghai", "on_call_phone": "12",
                                 "csrf_token": token(client, url)}).get_data(as_text=True)
    assert "Letters and digits only, at most 8." in bad
    assert "This is not a valid phone number." in bad
    client.post(url, data={"code": "tt", "name_en": "Tiantan", "name_zh": "天坛",
                           "timezone": "Asia/Shanghai", "on_call_phone": "010 6709 6611",
                           "csrf_token": token(client, url)})
    site = session.scalar(select(Site).where(Site.code == "TT"))
    assert site.on_call_phone == "+861067096611"
    dup = client.post(url, data={"code": "XW", "name_en": "x", "name_zh": "x",
                                 "timezone": "Asia/Shanghai",
                                 "csrf_token": token(client, url)}).get_data(as_text=True)
    assert "This site code is already in use." in dup


def test_admin_changes_the_on_call_phone_and_it_is_audited_masked(client, session, login_as,
                                                                 world):
    login_as(world.admin)
    url = f"/staff/admin/sites/{world.xw.id}"
    bad = client.post(url, data={"name_en": "Site XW", "name_zh": "中心XW",
                                 "timezone": "Asia/Shanghai", "on_call_phone": "12",
                                 "csrf_token": token(client, url)})
    assert "This is not a valid phone number." in bad.get_data(as_text=True)
    client.post(url, data={"name_en": "Site XW", "name_zh": "中心XW", "timezone": "Asia/Shanghai",
                           "on_call_phone": "139 1234 5678", "csrf_token": token(client, url)})
    session.refresh(world.xw)
    assert world.xw.on_call_phone == "+8613912345678"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "site.update"))
    assert event.detail["on_call_phone"] == {"before": "", "after": "…5678"}
