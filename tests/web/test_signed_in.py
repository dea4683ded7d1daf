"""The signed-in participant, caregiver or staff member, read as plain values on each request."""

from datetime import date

import pytest
from sqlalchemy import event

from diary.models import Caregiver, Participant, StaffUser
from diary.models.participant import ParticipantStatus
from diary.web import signed_in
from tests.support.factories import make_caregiver, make_participant, make_site, make_staff


@pytest.fixture
def loaded_records():
    """Every Participant or Caregiver object the ORM builds from a row while the test runs."""
    built = []

    def note(target, _context):
        built.append(target)

    for model in (Participant, Caregiver, StaffUser):
        event.listen(model, "load", note)
    yield built
    for model in (Participant, Caregiver, StaffUser):
        event.remove(model, "load", note)


def test_a_diary_page_builds_no_account_record(client, session, login_as, clock,
                                               loaded_records):
    clock.set("2026-03-11T09:00:00+08:00")
    p = make_participant(session, locale="en", infusions=[date(2026, 3, 10)])
    carer = make_caregiver(session, p, locale="en")
    session.commit()
    for model, pk in ((Participant, p.id), (Caregiver, carer.id)):
        login_as(session.get(model, pk))
        session.expunge_all()  # what the test itself loaded must not count
        loaded_records.clear()
        assert client.get("/").status_code == 200
        # the infusion the day before: today's diary asks about it
        assert client.get("/diary/2026-03-11/infusion").status_code == 200
        assert loaded_records == []
        client.post("/logout", data={"csrf_token": _token(client)})


def test_a_staff_page_builds_no_staff_record(client, session, login_as, loaded_records):
    site = make_site(session)
    make_participant(session, site)
    staff = make_staff(session, sites=[site])
    session.commit()
    login_as(staff)
    session.expunge_all()
    loaded_records.clear()
    assert client.get("/staff/").status_code == 200
    assert loaded_records == []


def test_staff_values_match_the_record(app, session):
    site = make_site(session)
    staff = make_staff(session, role="investigator", sites=[site], locale="en")
    session.commit()
    found = signed_in.load("staff", staff.id)
    assert (found.kind, found.id, found.email, found.display_name, found.role, found.locale,
            found.get_id(), found.sees_all_sites) == (
        "staff", staff.id, staff.email, staff.display_name, staff.role, staff.locale,
        staff.get_id(), True)
    assert found.is_active
    assert signed_in.record_of(found) is session.get(StaffUser, staff.id)
    staff.active = False
    session.commit()
    assert not signed_in.load("staff", staff.id).is_active
    assert signed_in.load("staff", staff.id + 1000) is None
    assert signed_in.load("robot", staff.id) is None


def test_plain_values_match_the_records(app, session):
    p = make_participant(session, infusions=[date(2026, 4, 2), date(2026, 3, 5)])
    carer = make_caregiver(session, p, locale="en")
    session.commit()
    for kind, record in (("participant", p), ("caregiver", carer)):
        found = signed_in.load(kind, record.id)
        assert (found.kind, found.id, found.locale, found.get_id()) == (
            kind, record.id, record.locale, record.get_id())
        owner = found.participant
        assert (owner.id, owner.study_code, owner.site_id, owner.timezone, owner.reminder_time,
                owner.reporting_mode, owner.diary_start_date, owner.diary_end_date,
                owner.status) == (p.id, p.study_code, p.site_id, p.timezone, p.reminder_time,
                                  p.reporting_mode, p.diary_start_date, p.diary_end_date,
                                  p.status)
        assert owner.infusion_dates == p.infusion_dates == (date(2026, 3, 5), date(2026, 4, 2))
        assert found.is_active
    assert signed_in.load("participant", p.id + 1000) is None
    lone = make_participant(session)
    session.commit()
    assert signed_in.load("participant", lone.id).participant.infusion_dates == ()


def test_withdrawn_participants_and_set_aside_caregivers_are_not_active(app, session):
    p = make_participant(session)
    carer = make_caregiver(session, p)
    other = make_caregiver(session, make_participant(session), active=False)
    session.commit()
    assert not signed_in.load("caregiver", other.id).is_active
    p.status = ParticipantStatus.WITHDRAWN
    session.commit()
    assert not signed_in.load("participant", p.id).is_active
    assert not signed_in.load("caregiver", carer.id).is_active


def test_a_changed_language_holds_for_the_rest_of_the_request(client, session, login_as):
    p = make_participant(session, locale="zh")
    carer = make_caregiver(session, p, locale="zh")
    session.commit()
    login_as(carer)
    client.post("/settings", data={"locale": "en", "reminder_time": "20:00",
                                   "csrf_token": _token(client, "/settings")})
    page = client.get("/settings").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Your settings are saved." in page  # said in the language just chosen


def _token(client, path="/"):
    from tests.conftest import csrf

    return csrf(client, path)
