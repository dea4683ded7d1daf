"""The flag queue and what coordinators do with a flag: acknowledge, then resolve."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.orm import Session

from diary.models import Flag, FlagKind, FlagStatus, Participant, StaffUser
from diary.services import audit
from diary.services.people import scope

RESOLUTION_CODES = ("contacted_ok", "clinical_follow_up", "referred_emergency",
                    "data_corrected", "unreachable", "no_action_needed", "other")
# Safety first, then the routine kinds.
KIND_ORDER = (FlagKind.SAFETY_URGENT, FlagKind.SAFETY_SAME_DAY, FlagKind.UNREACHABLE,
              FlagKind.MISSED_STREAK, FlagKind.LOW_COMPLIANCE)


class FlagActionError(ValueError):
    """The flag cannot take this action now."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class QueueRow:
    flag: Flag
    study_code: str
    participant_id: int
    seconds_left: int

    @property
    def overdue(self) -> bool:
        return self.seconds_left < 0


def _kind_rank():
    return case({k.value: n for n, k in enumerate(KIND_ORDER)}, value=Flag.kind, else_=99)


def queue(session: Session, staff: StaffUser, now: datetime, *, resolved: bool = False,
          site_id: int | None = None, limit: int = 200) -> list[QueueRow]:
    """Open and acknowledged flags, urgent first then by due time (or the latest resolved)."""
    query = (select(Flag, Participant.study_code)
             .join(Participant, Participant.id == Flag.participant_id)
             .where(Flag.participant_id.in_(scope.participant_ids(staff, site_id))))
    if resolved:
        query = query.where(Flag.status == FlagStatus.RESOLVED).order_by(Flag.resolved_at.desc())
    else:
        query = query.where(Flag.status != FlagStatus.RESOLVED).order_by(
            _kind_rank(), Flag.due_at, Flag.id)
    return [QueueRow(flag, code, flag.participant_id, int((flag.due_at - now).total_seconds()))
            for flag, code in session.execute(query.limit(limit))]


def acknowledge(session: Session, flag: Flag, staff: StaffUser, now: datetime,
                note: str | None = None) -> None:
    """Someone has seen the flag and is on it."""
    if flag.status != FlagStatus.OPEN:
        raise FlagActionError(_l("This flag has already been acknowledged or resolved."))
    flag.status, flag.acknowledged_at, flag.acknowledged_by_id = (
        FlagStatus.ACKNOWLEDGED, now, staff.id)
    audit.record(session, now, "flag.acknowledge", staff, participant=_owner(session, flag),
                 target=f"flag:{flag.id}", detail={"kind": flag.kind.value,
                                                   "note": (note or "").strip() or None,
                                                   "overdue": now > flag.due_at})


def resolve(session: Session, flag: Flag, staff: StaffUser, code: str, note: str,
            now: datetime) -> None:
    """Close the flag with a resolution code and a note."""
    if flag.status == FlagStatus.RESOLVED:
        raise FlagActionError(_l("This flag is already resolved."))
    if code not in RESOLUTION_CODES:
        raise FlagActionError(_l("Please choose a resolution."))
    if not (note or "").strip():
        raise FlagActionError(_l("Please write a note."))
    if flag.acknowledged_at is None:
        flag.acknowledged_at, flag.acknowledged_by_id = now, staff.id
    flag.status, flag.resolved_at, flag.resolved_by_id = FlagStatus.RESOLVED, now, staff.id
    flag.resolution_code, flag.resolution_note = code, note.strip()
    audit.record(session, now, "flag.resolve", staff, participant=_owner(session, flag),
                 target=f"flag:{flag.id}", detail={"kind": flag.kind.value, "code": code,
                                                   "note": note.strip(),
                                                   "overdue": now > flag.due_at})


def _owner(session: Session, flag: Flag) -> Participant:
    return session.get(Participant, flag.participant_id)


def flag_of(session: Session, staff: StaffUser, flag_id: int) -> Flag | None:
    """The flag within the staff member's scope."""
    return scope.flag_for_staff(session, staff, flag_id)
