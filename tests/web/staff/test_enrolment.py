"""Enrolment: a participant with dates and a PIN shown once; errors in both languages."""

import re
from datetime import date, time

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from diary.models import AuditEvent, Caregiver, ClinicVisit, InfusionDate, Participant
from diary.services.people import sign_in

GOOD = {"site_id": "", "study_code": "xw-002", "phone": "138 0013 8000", "locale": "en",
        "timezone": "Asia/Shanghai", "reminder_time": "19:30",
        "reminder_recipients": "both", "reporting_mode": "assisted",
        "diary_start_date": "2026-03-02", "diary_end_date": "",
        "infusions": "2026-03-03\n2026-03-17", "visits": "2026-04-01 Month 1\n2026-06-01 Month 3"}


def _form(world, **changes) -> dict:
    return {**GOOD, "site_id": str(world.xw.id), **changes}


def test_enrolment_stores_participant_and_shows_pin_once(client, session, login_as, world,
                                                         post, clock):
    login_as(world.coordinator)
    response = post("/staff/participants/new", _form(world), page="/staff/participants/new")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    pin = re.search(r'<p class="pin"[^>]*>(\d{6})</p>', page).group(1)
    participant = session.scalar(select(Participant).where(Participant.study_code == "XW-002"))
    assert participant.phone == "+8613800138000"
    assert participant.secret_hash != pin
    assert participant.check_secret(pin)
    assert participant.diary_end_date == date(2027, 3, 2)
    assert participant.reminder_time == time(19, 30)
    assert participant.reporting_mode.value == "assisted"
    assert [i.infusion_date for i in session.scalars(select(InfusionDate))] == [
        date(2026, 3, 3), date(2026, 3, 17)]
    assert [(v.visit_date, v.label) for v in session.scalars(select(ClinicVisit))] == [
        (date(2026, 4, 1), "Month 1"), (date(2026, 6, 1), "Month 3")]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.enrol"))
    assert event.actor_id == world.coordinator.id
    assert event.participant_id == participant.id
    assert "13800138000" not in str(event.detail)
    assert pin not in str(event.detail)
    # The PIN is not on the participant page afterwards.
    assert pin not in client.get(f"/staff/participants/{participant.id}").get_data(as_text=True)
    result = sign_in.sign_in_phone(session, "13800138000", pin, clock(), sign_in.Lockout())
    assert result.account.id == participant.id


CASES = [
    ({"phone": "12345"}, "This is not a valid mobile phone number. Example: 138 0013 8000 or "
                         "+44 7700 900123."),
    ({"study_code": "BJ-002"}, "The study code must start with %(prefix)s-."),
    ({"study_code": "XW-001"}, "This study code is already in use."),
    ({"study_code": "XW002"}, "A study code looks like XW-001: the site prefix, a hyphen, then "
                              "letters or digits."),
    ({"diary_start_date": "02/03/2026"}, "Use the form YYYY-MM-DD, for example 2026-03-01."),
    ({"diary_start_date": ""}, "Please enter a date."),
    ({"diary_end_date": "2026-01-01"}, "The end date must be after the start date."),
    ({"infusions": "2026-03-03 tomorrow"}, "Each infusion date must look like 2026-03-01."),
    ({"visits": "April 1 Month 1"}, "Each line must start with a date like 2026-04-01."),
]


@pytest.mark.parametrize("locale", ["en", "zh"])
@pytest.mark.parametrize(("changes", "message"), CASES)
def test_enrolment_error_is_shown_in_the_language_and_keeps_input(
        client, session, login_as, world, post, changes, message, locale):
    login_as(world.coordinator, locale=locale)
    data = _form(world, **changes)
    response = post("/staff/participants/new", data, page="/staff/participants/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    with force_locale(locale):
        expected = str(_l(message, prefix="XW"))
    assert expected.replace("'", "&#39;") in page
    assert f'lang="{"zh-CN" if locale == "zh" else "en"}"' in page
    assert 'value="138 0013 8000"' in page or changes.get("phone") in page
    assert session.scalar(select(Participant).where(Participant.study_code != "XW-001",
                                                    Participant.study_code != "BJ-001")) is None


def test_enrolment_refuses_a_phone_already_registered(client, login_as, world, post):
    login_as(world.coordinator)
    response = post("/staff/participants/new", _form(world, phone=world.carer.phone),
                    page="/staff/participants/new")
    assert "This phone number is already registered (XW-001)." in response.get_data(as_text=True)


def test_coordinator_cannot_enrol_at_another_site(client, session, login_as, world, post):
    login_as(world.coordinator)
    response = post("/staff/participants/new", _form(world, site_id=str(world.bj.id),
                                                     study_code="BJ-002"),
                    page="/staff/participants/new")
    assert response.status_code == 200
    assert "site_id-error" in response.get_data(as_text=True)
    assert session.scalar(select(Participant).where(Participant.study_code == "BJ-002")) is None


def test_caregiver_gets_own_phone_language_and_pin(client, session, login_as, world, post,
                                                   clock):
    login_as(world.coordinator)
    url = f"/staff/participants/{world.ours.id}/caregivers/new"
    response = post(url, {"name": "王芳", "relationship_to": "child", "phone": "13900139000",
                          "locale": "zh"}, page=url)
    pin = re.search(r'<p class="pin"[^>]*>(\d{6})</p>', response.get_data(as_text=True)).group(1)
    carer = session.scalar(select(Caregiver).where(Caregiver.relationship_to == "child"))
    assert carer.participant_id == world.ours.id
    assert carer.locale == "zh"
    assert carer.name == "王芳"
    assert carer.check_secret(pin)
    bad = post(url, {"name": "", "relationship_to": "child", "phone": "1", "locale": "zh"},
               page=url).get_data(as_text=True)
    assert "Please enter the caregiver's name." in bad
    assert "This is not a valid mobile phone number." in bad


def test_create_staff_command_makes_the_first_admin(app, session):
    from diary.models import StaffUser

    runner = app.test_cli_runner()
    short = runner.invoke(args=["diary", "create-staff", "--email", "a@example.org", "--name",
                                "A", "--password", "too short"])
    assert short.exit_code != 0
    assert "12 characters" in short.output
    done = runner.invoke(args=["diary", "create-staff", "--email", "Boss@Example.org", "--name",
                               "Boss", "--password", "a long enough password"])
    assert done.exit_code == 0, done.output
    boss = session.scalar(select(StaffUser).where(StaffUser.email == "boss@example.org"))
    assert boss.role.value == "admin"
    assert boss.check_secret("a long enough password")


# Today is 2026-03-10 in Beijing; the good form starts the diary on 2026-03-02.
DATE_CASES = [
    ({"diary_start_date": "9999-12-31"}, "9999-12-31",
     "The start date must be between 2024-03-10 and 2028-03-10."),
    ({"diary_start_date": "0001-01-01"}, "0001-01-01",
     "The start date must be between 2024-03-10 and 2028-03-10."),
    ({"diary_end_date": "9999-12-31"}, "9999-12-31",
     "The end date must be on or before 2029-03-02: a diary lasts at most three years."),
    ({"diary_end_date": "2029-03-03"}, "2029-03-03",
     "The end date must be on or before 2029-03-02: a diary lasts at most three years."),
    ({"infusions": "2026-03-03\n9999-12-31"}, "9999-12-31</textarea>",
     "Each date must be between 2025-03-02 and 2028-03-02, within a year of the diary."),
    ({"visits": "0001-01-01 Month 1"}, "0001-01-01 Month 1</textarea>",
     "Each date must be between 2025-03-02 and 2028-03-02, within a year of the diary."),
]


@pytest.mark.parametrize(("changes", "typed", "message"), DATE_CASES)
def test_enrolment_refuses_dates_out_of_range_and_keeps_what_was_typed(
        client, session, login_as, world, post, changes, typed, message):
    login_as(world.coordinator)
    response = post("/staff/participants/new", _form(world, **changes),
                    page="/staff/participants/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert typed in page
    assert session.scalar(select(Participant).where(Participant.study_code == "XW-002")) is None


def test_enrolment_accepts_the_widest_dates_allowed(client, session, login_as, world, post):
    login_as(world.coordinator)
    post("/staff/participants/new", _form(world, diary_end_date="2029-03-02",
                                          infusions="2025-03-02", visits="2028-03-02 Last"),
         page="/staff/participants/new")
    participant = session.scalar(select(Participant).where(Participant.study_code == "XW-002"))
    assert participant.diary_end_date == date(2029, 3, 2)


def test_enrolment_sent_twice_at_once_says_the_code_is_taken(client, session, login_as, world,
                                                             post, monkeypatch):
    from sqlalchemy.orm import Session

    from diary.extensions import db
    from diary.models import Site
    from diary.services.people import enrolment
    from tests.support.factories import make_participant

    if session.get_bind().dialect.name == "sqlite":
        pytest.skip("SQLite transactions are writers (BEGIN IMMEDIATE): the twin waits its turn "
                    "and then meets the ordinary 'already in use' check")
    checked = enrolment.check_dates

    def other_request_wins(*args):
        """The twin request commits the same study code between our checks and our insert."""
        with Session(db.engine) as other:
            make_participant(other, other.get(Site, world.xw.id), study_code="XW-002")
            other.commit()
        return checked(*args)

    monkeypatch.setattr(enrolment, "check_dates", other_request_wins)
    login_as(world.coordinator)
    response = post("/staff/participants/new", _form(world), page="/staff/participants/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This study code is already in use." in page
    assert 'value="xw-002"' in page
    assert len(session.scalars(select(Participant).where(
        Participant.study_code == "XW-002")).all()) == 1
    assert session.scalar(select(AuditEvent).where(
        AuditEvent.action == "participant.enrol")) is None
