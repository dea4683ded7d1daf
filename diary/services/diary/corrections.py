"""Staff corrections: an entry for a closed day or a corrected one, and excused days."""

import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diary.models import DayStatus, DiaryEntry, Originator, Participant, StaffUser
from diary.rules import schedule
from diary.rules.deployment import Rules
from diary.services import audit
from diary.services.diary import entries


class CorrectionError(ValueError):
    """The correction cannot be made; the message says why in the reader's language."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


def _check_day(participant: Participant, day: date, now: datetime, reason: str) -> None:
    """A reason, a day of the diary period, and not one still to come (today is allowed)."""
    if not reason.strip():
        raise CorrectionError(_l("Please give a reason."))
    if not schedule.in_diary_period(day, participant.diary_start_date,
                                    participant.diary_end_date):
        raise CorrectionError(_l("This day is outside the participant's diary period."))
    if day > schedule.local_today(now, participant.timezone):
        raise CorrectionError(_l("Entries cannot be made for days still to come."))


def staff_entry(session: Session, participant: Participant, day: date, answers: dict[str, str],
                staff: StaffUser, reason: str, now: datetime,
                rules: Rules | None = None) -> entries.SubmitResult:
    """Add or correct a day from a phone call or paper; marked staff-entered with the reason."""
    _check_day(participant, day, now, reason)
    author = entries.Author(staff, Originator.STAFF)
    return entries.submit(session, participant, day, answers, author, uuid.uuid4().hex, now,
                          rules or Rules(), reason=reason.strip())


def excuse_day(session: Session, participant: Participant, day: date, staff: StaffUser,
               reason: str, now: datetime) -> DiaryEntry:
    """Mark a past day excused (e.g. in hospital); an answered day is refused, its answers stay."""
    _check_day(participant, day, now, reason)
    entry = entries.entry_for(session, participant.id, day)
    if entry is not None and entry.answered:
        raise CorrectionError(_l("This day has answers and cannot be excused. "
                                 "Correct the entry instead."))
    before = entry.status.value if entry is not None else None
    if entry is None:
        entry = DiaryEntry(participant_id=participant.id, diary_date=day,
                           status=DayStatus.EXCUSED, created_at=now)
        try:
            with session.begin_nested():
                session.add(entry)
        except IntegrityError as error:  # the participant sent the day a moment ago
            raise CorrectionError(_l("This day has just been filled in. Please look again.")) \
                from error
    entry.status, entry.reason = DayStatus.EXCUSED, reason.strip()
    entry.staff_entered, entry.staff_user_id = True, staff.id
    session.flush()
    audit.record(session, now, "entry.excuse", staff, participant=participant,
                 target=f"entry:{entry.id}",
                 detail={"diary_date": day.isoformat(),
                         "status": {"before": before, "after": DayStatus.EXCUSED.value},
                         "reason": reason.strip()})
    return entry
