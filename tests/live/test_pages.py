"""Every GET page of every role over HTTP: 200, or the redirect or refusal it should give."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from diary import create_app
from diary.models import DiaryEntry
from diary.rules import schedule
from tests.conftest import _config
from tests.live.conftest import sign_in

ROLES = ("anonymous", "participant", "caregiver", "coordinator", "investigator", "admin")
STAFF = ("coordinator", "investigator", "admin")
ONLY = {"staff.audit_page": ("investigator", "admin"), "staff.staff_list": ("admin",),
        "staff.staff_edit": ("admin",), "staff.sites": ("admin",), "staff.site_edit": ("admin",)}


def _urls(cast, entry_day: dict) -> dict:
    """A URL for every GET endpoint that takes arguments; each role's own day where it matters."""
    local_today = schedule.local_today(datetime.now(UTC), cast.participant_tz)
    today, yesterday = local_today.isoformat(), (local_today - timedelta(days=1)).isoformat()
    p = cast.participant_id
    return {
        "static": lambda role: "/static/diary.css",
        "participant.done": lambda role: f"/diary/{entry_day.get(role, entry_day['participant'])}"
                                         "/done",
        "participant.emergency": lambda role: f"/diary/{today}/help",
        "participant.past_day": lambda role: "/history/"
                                             f"{entry_day.get(role, entry_day['participant'])}",
        "participant.review": lambda role: f"/diary/{today}/review",
        "participant.step": lambda role: f"/diary/{today}/warning",
        "staff.add_caregiver": lambda role: f"/staff/participants/{p}/caregivers/new",
        "staff.day_entry": lambda role: f"/staff/participants/{p}/days/{yesterday}",
        "staff.edit": lambda role: f"/staff/participants/{p}/settings",
        "staff.participant": lambda role: f"/staff/participants/{p}",
        "staff.resolve": lambda role: f"/staff/flags/{cast.flag_id}/resolve",
        "staff.site_edit": lambda role: f"/staff/admin/sites/{cast.site_id}",
        "staff.staff_edit": lambda role: f"/staff/admin/staff/{cast.staff['coordinator'].id}",
    }


def _expected(endpoint: str, role: str) -> tuple[int, ...]:
    area = endpoint.split(".")[0]
    if area in ("public", "static") or endpoint in ("auth.login", "auth.staff_login"):
        return (200,) if role == "anonymous" else (200, 302)  # a diarist goes home from /login
    if role == "anonymous":
        return (302,)  # to the right sign-in page
    if area == "participant":
        return (403,) if role in STAFF else (200,)
    if area == "staff":
        return (200,) if role in ONLY.get(endpoint, STAFF) else (403,)
    raise AssertionError(f"no expectation for {endpoint}")


@pytest.fixture(scope="module")
def pages(live_server, cast):
    """(endpoint, url builder) for every GET route the application has."""
    app = create_app(_config(live_server.database_url, str(live_server.folder)))
    with live_server.database() as session:
        days = {}
        for role, pid in (("participant", cast.participant_id),
                          ("caregiver", cast.cared_for_id)):
            days[role] = session.scalar(select(DiaryEntry.diary_date).where(
                DiaryEntry.participant_id == pid, DiaryEntry.first_submitted_at.is_not(None))
                .limit(1)).isoformat()
    urls = _urls(cast, days)
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        if rule.arguments and rule.endpoint not in urls:
            pytest.fail(f"tests/live/test_pages.py has no URL for {rule.endpoint} ({rule.rule})")
        found.append((rule.endpoint, urls.get(rule.endpoint, lambda role, r=rule.rule: r)))
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_get_page_answers_each_role(live_server, pages, role):
    browser = live_server.browser() if role == "anonymous" else sign_in(live_server, role)
    wrong = []
    for endpoint, url in pages:
        response = browser.get(url(role))
        if response.status_code not in _expected(endpoint, role):
            wrong.append((endpoint, url(role), response.status_code))
        elif response.status_code == 302 and role == "anonymous":
            login = "/staff/login" if endpoint.startswith("staff.") else "/login"
            assert response.headers["Location"].startswith(login), endpoint
    assert wrong == []
    assert live_server.requests_served(at_least=browser.sent) >= browser.sent  # via gunicorn
    live_server.assert_no_errors()


def test_what_is_not_there_is_a_404(live_server, cast):
    staff, person = sign_in(live_server, "admin"), sign_in(live_server, "participant")
    assert staff.get("/staff/participants/2147483647").status_code == 404
    assert staff.get("/staff/flags/999999/resolve").status_code == 404
    assert person.get("/diary/2999-01-01/warning").status_code == 404
    assert person.get("/diary/not-a-day/warning").status_code == 404
    assert person.get("/no/such/page").status_code == 404
    live_server.assert_no_errors()
