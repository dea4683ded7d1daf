"""Tests against the real server process (gunicorn, wsgi:app) over HTTP; marked `live`."""

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from diary import demo
from diary.models import Caregiver, Flag, Participant, Site, StaffUser

# The demo logins `flask diary demo` prints (diary/demo.py).
STAFF_PASSWORDS = {"coordinator": "demo-coordinator-pw", "investigator": "demo-investigator-pw",
                   "admin": "demo-admin-password"}
PARTICIPANT_PHONE, CAREGIVER_PHONE = "13800000001", "13800000102"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/live/" in str(item.fspath):
            item.add_marker(pytest.mark.live)


@pytest.fixture(scope="module")
def cast(live_server):
    """The demo's people and the ids their pages need, read from the server's database."""
    with live_server.database() as session:
        staff = {s.role.value: SimpleNamespace(id=s.id, email=s.email)
                 for s in session.scalars(select(StaffUser))}
        first = session.scalar(select(Participant).where(Participant.study_code == "XW-001"))
        carer = session.scalar(select(Caregiver))
        return SimpleNamespace(
            staff=staff, participant_id=first.id, participant_tz=first.timezone,
            caregiver_id=carer.id, cared_for_id=carer.participant_id,
            site_id=session.scalar(select(Site.id)),
            flag_id=session.scalar(select(Flag.id).order_by(Flag.id)))


def sign_in(server, role: str):
    """A browser signed in as the demo's participant, caregiver or staff member of `role`."""
    browser = server.browser()
    if role in STAFF_PASSWORDS:
        browser.sign_in("/staff/login", {"email": f"{role}@example.org",
                                         "password": STAFF_PASSWORDS[role]})
    elif role == "caregiver":
        browser.sign_in("/login", {"phone": CAREGIVER_PHONE, "pin": demo.CAREGIVER_PIN})
    elif role == "participant":
        browser.sign_in("/login", {"phone": PARTICIPANT_PHONE, "pin": demo.PARTICIPANT_PIN})
    return browser
