"""Looking after an enrolled participant: settings, PINs, lockouts, status, outreach calls."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from diary import crypto
from diary.models import (
    AuditEvent,
    Caregiver,
    ClinicVisit,
    DayStatus,
    DiaryEntry,
    InfusionDate,
    OutreachLog,
    Participant,
    ParticipantStatus,
    ReminderRecipients,
    ReportingMode,
    StaffUser,
)
from diary.rules import phones, schedule
from diary.services import audit
from diary.services.people import sign_in
from diary.services.people.enrolment import (
    EnrolmentError,
    check_dates,
    check_phone_free,
    new_pin,
)
from diary.services.sql import insert_ignoring

# Which status changes a coordinator may make, and whether each needs a reason.
TRANSITIONS = {
    "pause": ({ParticipantStatus.ACTIVE}, ParticipantStatus.PAUSED, False),
    "resume": ({ParticipantStatus.PAUSED}, ParticipantStatus.ACTIVE, False),
    "withdraw": ({ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED},
                 ParticipantStatus.WITHDRAWN, True),
    "complete": ({ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED},
                 ParticipantStatus.COMPLETED, False),
}
PAUSED_REASON = "paused"  # the reason code of days excused because the participant was paused
OUTREACH_CHANNELS = ("phone", "sms", "in_person", "other")
OUTREACH_RESULTS = ("reached", "no_answer", "voicemail", "wrong_number", "call_back",
                    "declined")


@dataclass
class Settings:
    phone: str  # E.164
    locale: str
    timezone: str
    reminder_time: time
    reminder_recipients: ReminderRecipients
    reporting_mode: ReportingMode
    diary_end_date: date
    infusions: list[date]
    visits: list[tuple[date, str]]


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "value", value)


def update_settings(session: Session, participant: Participant, new: Settings, staff: StaffUser,
                    now: datetime) -> dict:
    """Apply the changed settings; returns and audits each change with before and after."""
    check_dates(participant.diary_start_date, new.diary_end_date, new.infusions, new.visits)
    changes: dict = {}
    if new.phone != participant.phone:
        check_phone_free(session, new.phone, staff)
        changes["phone"] = {"before": phones.mask(participant.phone),
                            "after": phones.mask(new.phone)}
        participant.phone, participant.phone_hash = new.phone, crypto.lookup_hash(new.phone)
    for name in ("locale", "timezone", "reminder_time", "reminder_recipients", "reporting_mode",
                 "diary_end_date"):
        before, after = getattr(participant, name), getattr(new, name)
        if before != after:
            changes[name] = {"before": _text(before), "after": _text(after)}
            setattr(participant, name, after)
    _replace_dates(session, participant, new, changes)
    if changes:
        audit.record(session, now, "participant.settings", staff, participant=participant,
                     target=f"participant:{participant.id}", detail=changes)
    return changes


def _replace_dates(session, participant, new: Settings, changes: dict) -> None:
    before = sorted(i.infusion_date for i in participant.infusions)
    after = sorted(set(new.infusions))
    if before != after:
        changes["infusions"] = {"before": [d.isoformat() for d in before],
                                "after": [d.isoformat() for d in after]}
        session.execute(delete(InfusionDate).where(InfusionDate.participant_id == participant.id))
        session.add_all(InfusionDate(participant_id=participant.id, infusion_date=d)
                        for d in after)
    old_visits = sorted((v.visit_date, v.label or "") for v in participant.visits)
    new_visits = sorted(dict(new.visits).items())
    if old_visits != new_visits:
        changes["visits"] = {"before": [f"{d.isoformat()} {lbl}".strip() for d, lbl in old_visits],
                             "after": [f"{d.isoformat()} {lbl}".strip() for d, lbl in new_visits]}
        session.execute(delete(ClinicVisit).where(ClinicVisit.participant_id == participant.id))
        session.add_all(ClinicVisit(participant_id=participant.id, visit_date=d, label=lbl or None)
                        for d, lbl in new_visits)
    session.flush()
    session.expire(participant, ["infusions", "visits"])


def reset_pin(session: Session, account: Participant | Caregiver, staff: StaffUser,
              now: datetime) -> str:
    """A new PIN for a participant or caregiver (ends their sessions); returns it to show once."""
    pin = new_pin()
    account.set_secret(pin)
    sign_in.unlock(session, account.phone)
    audit.record(session, now, "pin.reset", staff, participant=account.participant,
                 target=f"{account.kind}:{account.id}")
    return pin


def unlock(session: Session, participant: Participant, staff: StaffUser, now: datetime) -> None:
    """Clear the sign-in lockout of the participant's and caregivers' phones."""
    for account in (participant, *participant.caregivers):
        sign_in.unlock(session, account.phone)
    audit.record(session, now, "sign_in.unlock", staff, participant=participant,
                 target=f"participant:{participant.id}")


def change_status(session: Session, participant: Participant, action: str, staff: StaffUser,
                  now: datetime, reason: str | None = None) -> None:
    """Pause, resume, withdraw (with a reason) or complete; refuses other transitions."""
    if action not in TRANSITIONS:
        raise ValueError(action)
    allowed, target, needs_reason = TRANSITIONS[action]
    if participant.status not in allowed:
        raise EnrolmentError("action", _l("This change is not possible in the current status."))
    if needs_reason and not (reason or "").strip():
        raise EnrolmentError("reason", _l("Please give a reason."))
    if action == "resume":
        excuse_paused_days(session, participant, staff, now)
    before = participant.status
    participant.status = target
    audit.record(session, now, "participant.status", staff, participant=participant,
                 target=f"participant:{participant.id}",
                 detail={"status": {"before": before.value, "after": target.value},
                         "reason": (reason or "").strip() or None})


def pause_started(session: Session, participant: Participant) -> date | None:
    """The participant's local day when the latest pause began, from the audited changes."""
    changes = session.execute(select(AuditEvent.at, AuditEvent.detail).where(
        AuditEvent.participant_id == participant.id, AuditEvent.action == "participant.status")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    for at, detail in changes:
        if ((detail or {}).get("status") or {}).get("after") == ParticipantStatus.PAUSED.value:
            return schedule.local_today(at, participant.timezone)
    return None


def excuse_paused_days(session: Session, participant: Participant, staff: StaffUser,
                       now: datetime) -> list[date]:
    """Excuse each day of the pause before today that has no row, so it is never closed missed.

    The scheduler skips paused participants; without these rows it would back-fill the whole
    pause as missed once they are active again. Returns the days excused.
    """
    since = pause_started(session, participant)
    if since is None:
        return []
    first = max(since, participant.diary_start_date)
    last = min(schedule.local_today(now, participant.timezone) - timedelta(days=1),
               participant.diary_end_date)
    rows = [{"participant_id": participant.id, "diary_date": first + timedelta(days=n),
             "status": DayStatus.EXCUSED.value, "reason": PAUSED_REASON, "staff_entered": False,
             "staff_user_id": staff.id, "warning_sign": False, "created_at": now}
            for n in range((last - first).days + 1)]
    inserted = insert_ignoring(session, DiaryEntry, rows, ["participant_id", "diary_date"],
                               returning=[DiaryEntry.diary_date])
    excused = sorted(day for (day,) in inserted)
    if excused:
        audit.record(session, now, "entry.excuse_paused", staff, participant=participant,
                     target=f"participant:{participant.id}",
                     detail={"diary_dates": [d.isoformat() for d in excused],
                             "reason": PAUSED_REASON})
    return excused


def log_outreach(session: Session, participant: Participant, staff: StaffUser, channel: str,
                 result: str, note: str | None, now: datetime) -> OutreachLog:
    """Record a contact attempt (call, result, note)."""
    if channel not in OUTREACH_CHANNELS or result not in OUTREACH_RESULTS:
        raise ValueError("unknown channel or result")
    entry = OutreachLog(participant_id=participant.id, staff_user_id=staff.id, at=now,
                        channel=channel, result=result, note=(note or "").strip() or None)
    session.add(entry)
    session.flush()
    audit.record(session, now, "outreach.log", staff, participant=participant,
                 target=f"outreach:{entry.id}", detail={"channel": channel, "result": result})
    return entry
