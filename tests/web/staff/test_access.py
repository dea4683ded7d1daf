"""The access matrix: every staff route × role × own site / other site / diarist session."""

import re

import pytest

from diary.models import Flag, FlagKind
from tests.support.factories import STAFF_PASSWORD
from tests.web.staff.conftest import token

ANY_STAFF = ("coordinator", "investigator", "admin")


def _flag(session, participant, clock) -> Flag:
    flag = Flag(participant_id=participant.id, kind=FlagKind.MISSED_STREAK,
                dedupe_key=f"test:{participant.id}", due_at=clock(), opened_at=clock())
    session.add(flag)
    session.commit()
    return flag


def _reply(session, participant, clock) -> int:
    from diary import crypto
    from diary.models import InboundMessage

    message = InboundMessage(provider_sid=f"SM{participant.id}x", from_phone=participant.phone,
                             from_hash=crypto.lookup_hash(participant.phone), body="?",
                             keyword="other", participant_id=participant.id,
                             received_at=clock())
    session.add(message)
    session.commit()
    return message.id


def _routes(w, flag_id, reply_id=0):
    """(method, url template, roles allowed); {p} is the participant, {c} the caregiver."""
    return [
        ("GET", "/staff/", ANY_STAFF, False),
        ("GET", "/staff/flags", ANY_STAFF, False),
        ("GET", "/staff/participants/new", ANY_STAFF, False),
        ("GET", "/staff/exports", ANY_STAFF, False),
        ("POST", "/staff/exports/items.csv", ANY_STAFF, False),
        ("POST", "/staff/exports/odm.xml", ANY_STAFF, False),
        ("POST", "/staff/exports/items.csv?site={s}", ANY_STAFF, True),
        ("POST", "/staff/exports/odm.xml?site={s}", ANY_STAFF, True),
        ("GET", "/staff/participants/{p}", ANY_STAFF, True),
        ("GET", "/staff/participants/{p}/settings", ANY_STAFF, True),
        ("GET", "/staff/participants/{p}/caregivers/new", ANY_STAFF, True),
        ("GET", "/staff/participants/{p}/days/2026-03-05", ANY_STAFF, True),
        ("GET", f"/staff/flags/{flag_id}/resolve", ANY_STAFF, True),
        ("POST", f"/staff/flags/{flag_id}/acknowledge", ANY_STAFF, True),
        ("POST", "/staff/participants/{p}/pin", ANY_STAFF, True),
        ("POST", "/staff/participants/{p}/caregivers/{c}/pin", ANY_STAFF, True),
        ("POST", "/staff/participants/{p}/unlock", ANY_STAFF, True),
        ("POST", "/staff/participants/{p}/status/pause", ANY_STAFF, True),
        ("POST", "/staff/participants/{p}/outreach", ANY_STAFF, True),
        ("POST", "/staff/participants/{p}/days/2026-03-05/excuse", ANY_STAFF, True),
        ("GET", "/staff/audit", ("investigator", "admin"), False),
        ("GET", "/staff/admin/staff", ("admin",), False),
        ("GET", "/staff/admin/staff/{me}", ("admin",), False),
        ("GET", "/staff/admin/sites", ("admin",), False),
        ("GET", "/staff/replies", ANY_STAFF, False),
        ("POST", f"/staff/replies/{reply_id}/seen", ANY_STAFF, True),
        ("POST", f"/staff/flags/{flag_id}/resolve", ANY_STAFF, True),
        ("POST", "/staff/participants/{p}/settings", ANY_STAFF, True),
        ("POST", "/staff/participants/{p}/caregivers/new", ANY_STAFF, True),
        ("POST", "/staff/participants/{p}/days/2026-03-05", ANY_STAFF, True),
        ("POST", "/staff/participants/new", ANY_STAFF, False),
        ("POST", "/staff/admin/staff", ("admin",), False),
        ("POST", "/staff/admin/staff/{me}", ("admin",), False),
        ("POST", "/staff/admin/staff/{me}/unlock", ("admin",), False),
        ("POST", "/staff/admin/sites", ("admin",), False),
        ("GET", "/staff/admin/sites/{s}", ("admin",), False),
        ("POST", "/staff/admin/sites/{s}", ("admin",), False),
    ]


def test_the_matrix_covers_every_staff_route(app, world):
    def shape(path: str) -> str:
        path = path.split("?")[0]
        placeholders = (r"<[^>]+>", r"\{\w+\}", r"\d{4}-\d{2}-\d{2}", r"(?<=/)\d+(?=/|$)",
                        r"(?<=/exports/)[\w.-]+", r"(?<=/status/)\w+")
        return re.sub("|".join(placeholders), "X", path)

    covered = {(method, shape(url)) for method, url, _r, _s in _routes(world, 1, 1)}
    routes = {(method, shape(rule.rule)) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("staff.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - covered == set()


def _call(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": token(client, "/staff/login"),
                                  "reason": "test", "note": "n", "channel": "phone",
                                  "result": "reached", "excuse-reason": "in hospital",
                                  "excuse-csrf_token": token(client, "/staff/login")})


@pytest.mark.parametrize("role", ["coordinator", "investigator", "admin"])
@pytest.mark.parametrize("whose", ["own", "other"])
def test_staff_role_and_site_decide_each_route(client, session, login_as, world, clock, role,
                                               whose):
    staff = getattr(world, role)
    target = world.ours if whose == "own" else world.theirs
    flag = _flag(session, target, clock)
    reply_id = _reply(session, target, clock)
    carer_id = (world.carer if whose == "own" else world.their_carer).id
    login_as(staff)
    for method, template, roles, scoped in _routes(world, flag.id, reply_id):
        url = template.format(p=target.id, c=carer_id, s=target.site_id, me=staff.id)
        response = _call(client, method, url)
        if role not in roles:
            expected = {403}
        elif scoped and whose == "other" and role == "coordinator":
            expected = {404}
        else:
            expected = {200, 302}
        assert response.status_code in expected, (role, whose, method, url,
                                                  response.status_code)


@pytest.mark.parametrize("who", ["participant", "caregiver"])
def test_diarist_session_reaches_no_staff_page(client, session, login_as, world, clock, who):
    flag = _flag(session, world.ours, clock)
    login_as(world.ours if who == "participant" else world.carer)
    for method, template, _roles, _scoped in _routes(world, flag.id):
        url = template.format(p=world.ours.id, c=world.carer.id, s=world.xw.id, me=1)
        response = _call(client, method, url)
        assert response.status_code in (400, 403), (url, response.status_code)
        assert response.status_code == 403 or method == "POST"


def test_anonymous_visitor_is_sent_to_staff_sign_in(client, world, clock, session):
    flag = _flag(session, world.ours, clock)
    for method, template, _roles, _scoped in _routes(world, flag.id):
        if method != "GET":
            continue
        url = template.format(p=world.ours.id, c=world.carer.id, s=world.xw.id, me=1)
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/staff/login?next="), url


def test_unknown_participant_and_flag_are_404(client, login_as, world):
    login_as(world.admin)
    assert client.get("/staff/participants/999999").status_code == 404
    assert client.get("/staff/flags/999999/resolve").status_code == 404
    assert client.get(f"/staff/participants/{world.ours.id}/days/not-a-date").status_code == 404


def test_junk_in_urls_and_forms_never_reaches_a_500(client, login_as, world, post):
    login_as(world.admin)
    p = world.ours.id
    for url in ("/staff/?page=abc&site=zz&status=%00", "/staff/?page=999999999999",
                f"/staff/participants/{p}?month=2026-13", f"/staff/participants/{p}?month=x",
                f"/staff/participants/{p}/days/9999-12-31", "/staff/flags?site=x&show=y",
                "/staff/audit?page=-1&since=2026-02-30&participant=%27"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
    for url, data in (("/staff/exports/nothing.csv", {}), ("/staff/exports/items.csv?site=abc", {}),
                      (f"/staff/participants/{p}/status/explode", {}),
                      (f"/staff/participants/{p}/outreach", {"channel": "fax", "result": "?"}),
                      (f"/staff/participants/{p}/days/2026-03-04", {"S1": "9", "E2": "hot",
                                                                    "reason": "x"}),
                      (f"/staff/participants/{p}/days/9999-12-31/excuse",
                       {"excuse-reason": "far"}),
                      (f"/staff/participants/{p}/settings", {"timezone": "Mars/Olympus",
                                                             "reminder_time": "03:00"})):
        response = post(url, data)
        assert response.status_code in (200, 302, 404), url


def test_each_role_sees_its_own_menu_in_its_own_language(app, world):
    from tests.conftest import csrf

    expected = {"coordinator": set(), "investigator": {"/staff/audit"},
                "admin": {"/staff/audit", "/staff/admin/staff", "/staff/admin/sites"}}
    for _round in range(2):  # the second round is drawn from the kept menus
        for role, extra in expected.items():
            for language, participants in (("en", "Participants"), ("zh", "受试者")):
                client = app.test_client()
                client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
                staff = getattr(world, role)
                client.post("/staff/login", data={
                    "email": staff.email, "password": STAFF_PASSWORD,
                    "csrf_token": csrf(client, "/staff/login")})
                html = client.get("/staff/").get_data(as_text=True)
                menu = html[html.index('<nav class="staff-nav"'):html.index("</nav>")]
                links = set(re.findall(r'href="([^"]+)"', menu))
                optional = {"/staff/audit", "/staff/admin/staff", "/staff/admin/sites"}
                assert links & optional == extra, (role, language)
                assert f">{participants}</a>" in menu
