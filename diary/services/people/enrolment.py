"""Enrolling a participant and their caregivers: codes, phones, dates, and a PIN shown once."""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diary import crypto
from diary.models import (
    Caregiver,
    ClinicVisit,
    InfusionDate,
    Participant,
    ReminderRecipients,
    ReportingMode,
    Site,
    StaffUser,
)
from diary.rules import phones, schedule
from diary.services import audit
from diary.services.people import scope

DIARY_DAYS = 365
START_YEARS = 2  # a diary starts at most two years before or after the day of enrolment
LONGEST_YEARS = 3  # and lasts at most three years
AROUND_YEARS = 1  # infusions and visits lie at most a year before the start or after the end


class EnrolmentError(ValueError):
    """A value the person typed cannot be used; `field` names the form field."""

    def __init__(self, field_name: str, message) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass
class Enrolment:
    study_code: str
    site: Site
    phone: str  # E.164, already validated
    locale: str
    timezone: str
    reminder_time: time
    reminder_recipients: ReminderRecipients
    reporting_mode: ReportingMode
    diary_start_date: date
    diary_end_date: date | None = None
    infusions: list[date] = field(default_factory=list)
    visits: list[tuple[date, str]] = field(default_factory=list)


@dataclass
class NewCaregiver:
    name: str
    relationship_to: str
    phone: str  # E.164
    locale: str


def new_pin() -> str:
    """Six random digits, shown once and stored only as a hash."""
    return f"{secrets.randbelow(10**6):06d}"


def phone_taken(session: Session, e164: str) -> bool:
    """Whether a participant or caregiver already signs in with this number."""
    return phone_owner(session, e164) is not None


def phone_owner(session: Session, e164: str) -> Participant | None:
    """The participant whose diary this number signs in to (as theirs or a caregiver's)."""
    key = crypto.lookup_hash(e164)
    return (session.scalar(select(Participant).where(Participant.phone_hash == key))
            or session.scalar(select(Participant).join(Caregiver)
                              .where(Caregiver.phone_hash == key)))


def check_phone_free(session: Session, e164: str, staff: StaffUser) -> None:
    """Refuse a number already in use, saying whose only to staff who may see that person.

    A coordinator of another site learns nothing about who is enrolled elsewhere; an admin or a
    coordinator of the same site sees the study code.
    """
    owner = phone_owner(session, e164)
    if owner is None:
        return
    if staff.sees_all_sites or owner.site_id in set(session.scalars(scope.site_ids(staff))):
        raise EnrolmentError("phone", _l("This phone number is already registered (%(code)s).",
                                         code=owner.study_code))
    raise EnrolmentError("phone", _l("This phone number cannot be used. Please check it, or ask "
                                     "the study administrator."))


def check_study_code(session: Session, code: str, site: Site) -> None:
    """A study code starts with the site's prefix and is used once."""
    if not code.upper().startswith(site.code.upper() + "-"):
        raise EnrolmentError("study_code", _l("The study code must start with %(prefix)s-.",
                                              prefix=site.code))
    if session.scalar(select(Participant.id).where(Participant.study_code == code)) is not None:
        raise EnrolmentError("study_code", _l("This study code is already in use."))


def years_later(day: date, years: int) -> date:
    """The same day some years later (or earlier, when negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def check_start(start: date, today: date) -> None:
    """A diary starts within two years of the day of enrolment, either way."""
    first, last = years_later(today, -START_YEARS), years_later(today, START_YEARS)
    if not first <= start <= last:
        raise EnrolmentError("diary_start_date", _l(
            "The start date must be between %(first)s and %(last)s.",
            first=first.isoformat(), last=last.isoformat()))


def check_dates(start: date, end: date, infusions: list[date],
                visits: list[tuple[date, str]]) -> None:
    """The end comes after the start and within three years; infusions and visits near them."""
    if end <= start:
        raise EnrolmentError("diary_end_date", _l("The end date must be after the start date."))
    latest = years_later(start, LONGEST_YEARS)
    if end > latest:
        raise EnrolmentError("diary_end_date", _l(
            "The end date must be on or before %(last)s: a diary lasts at most three years.",
            last=latest.isoformat()))
    first, last = years_later(start, -AROUND_YEARS), years_later(end, AROUND_YEARS)
    for name, days in (("infusions", infusions), ("visits", [day for day, _ in visits])):
        if any(not first <= day <= last for day in days):
            raise EnrolmentError(name, _l(
                "Each date must be between %(first)s and %(last)s, within a year of the diary.",
                first=first.isoformat(), last=last.isoformat()))


def _clash(session: Session, data: Enrolment, staff: StaffUser) -> EnrolmentError:
    """Why the insert collided: another enrolment took the code (or the phone) a moment ago."""
    if session.scalar(select(Participant.id)
                      .where(Participant.study_code == data.study_code)) is None:
        try:
            check_phone_free(session, data.phone, staff)
        except EnrolmentError as error:
            return error
    return EnrolmentError("study_code", _l("This study code is already in use."))


def enrol(session: Session, data: Enrolment, staff: StaffUser,
          now: datetime) -> tuple[Participant, str]:
    """Create the participant with their dates; returns it and its PIN (to show once)."""
    check_study_code(session, data.study_code, data.site)
    check_phone_free(session, data.phone, staff)
    check_start(data.diary_start_date, schedule.local_today(now, data.timezone))
    end = data.diary_end_date or data.diary_start_date + timedelta(days=DIARY_DAYS)
    check_dates(data.diary_start_date, end, data.infusions, data.visits)
    pin = new_pin()
    participant = Participant(
        study_code=data.study_code, site_id=data.site.id, phone=data.phone,
        phone_hash=crypto.lookup_hash(data.phone), locale=data.locale, timezone=data.timezone,
        reminder_time=data.reminder_time, reminder_recipients=data.reminder_recipients,
        reporting_mode=data.reporting_mode, diary_start_date=data.diary_start_date,
        diary_end_date=end, created_at=now)
    participant.set_secret(pin)
    try:
        with session.begin_nested():  # the same form sent twice at once: one of them wins
            session.add(participant)
    except IntegrityError as error:
        raise _clash(session, data, staff) from error
    for day in sorted(set(data.infusions)):
        session.add(InfusionDate(participant_id=participant.id, infusion_date=day))
    for day, label in sorted(dict(data.visits).items()):
        session.add(ClinicVisit(participant_id=participant.id, visit_date=day, label=label))
    audit.record(session, now, "participant.enrol", staff, participant=participant,
                 target=f"participant:{participant.id}", detail={
                     "study_code": data.study_code, "phone": phones.mask(data.phone),
                     "locale": data.locale, "timezone": data.timezone,
                     "reminder_time": data.reminder_time.strftime("%H:%M"),
                     "reminder_recipients": data.reminder_recipients.value,
                     "reporting_mode": data.reporting_mode.value,
                     "diary_start_date": data.diary_start_date.isoformat(),
                     "diary_end_date": end.isoformat(),
                     "infusions": [d.isoformat() for d in sorted(set(data.infusions))],
                     "visits": [d.isoformat() for d, _ in sorted(dict(data.visits).items())]})
    return participant, pin


def add_caregiver(session: Session, participant: Participant, data: NewCaregiver,
                  staff: StaffUser, now: datetime) -> tuple[Caregiver, str]:
    """Link a caregiver with their own phone, language and PIN (returned to show once)."""
    check_phone_free(session, data.phone, staff)
    pin = new_pin()
    carer = Caregiver(participant_id=participant.id, name=data.name,
                      relationship_to=data.relationship_to, phone=data.phone,
                      phone_hash=crypto.lookup_hash(data.phone), locale=data.locale,
                      created_at=now)
    carer.set_secret(pin)
    try:
        with session.begin_nested():  # the number was registered a moment ago
            session.add(carer)
    except IntegrityError as error:
        raise EnrolmentError("phone", _l("This phone number is already registered.")) from error
    audit.record(session, now, "caregiver.add", staff, participant=participant,
                 target=f"caregiver:{carer.id}", detail={
                     "relationship": data.relationship_to, "phone": phones.mask(data.phone),
                     "locale": data.locale})
    return carer, pin
