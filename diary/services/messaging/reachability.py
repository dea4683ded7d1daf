"""What we know about each number: opted out, invalid, undelivered in a row; flags when lost."""

from datetime import datetime

from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.orm import Session

from diary.models import Caregiver, FlagKind, Participant, PhoneState
from diary.rules.deployment import FlagRules
from diary.services import audit
from diary.services.flags import opening
from diary.services.sql import insert_ignoring


def blocked(session: Session, phone_hash: str) -> str | None:
    """Why nothing may be sent to the number ("opted_out" or "invalid"), or None."""
    state = session.scalar(select(PhoneState).where(PhoneState.phone_hash == phone_hash))
    if state is None:
        return None
    if state.opted_out_at is not None:
        return "opted_out"
    return "invalid" if state.invalid_at is not None else None


def is_blocked(phone_hash_column) -> ColumnElement[bool]:
    """SQL: the number in this column opted out or is invalid (for a roster column)."""
    return exists().where(PhoneState.phone_hash == phone_hash_column, or_(
        PhoneState.opted_out_at.is_not(None), PhoneState.invalid_at.is_not(None)))


def ensure_state(session: Session, phone_hash: str, now: datetime) -> None:
    """Create the number's state row on first use (safely when two writers race)."""
    insert_ignoring(session, PhoneState, [{"phone_hash": phone_hash, "updated_at": now,
                                           "undelivered_in_row": 0}], ["phone_hash"])


def owners(session: Session, phone_hash: str) -> list[tuple[Participant, str]]:
    """The participants whose reminders go to this number, and whose number it is."""
    found = [(p, "participant") for p in session.scalars(
        select(Participant).where(Participant.phone_hash == phone_hash))]
    found += [(c.participant, "caregiver") for c in session.scalars(
        select(Caregiver).where(Caregiver.phone_hash == phone_hash))]
    return found


def opt_out(session: Session, phone_hash: str, now: datetime, source: str,
            rules: FlagRules) -> bool:
    """Stop all messages to the number; audited and flagged. False if it already was."""
    if not _change(session, phone_hash, now, PhoneState.opted_out_at.is_(None),
                   opted_out_at=now):
        return False
    _record(session, phone_hash, now, "sms.opt_out", {"source": source})
    flag_unreachable(session, phone_hash, "opted_out", now, rules)
    return True


def opt_in(session: Session, phone_hash: str, now: datetime) -> bool:
    """Resume messages after START; audited. False if the number was not opted out."""
    if not _change(session, phone_hash, now, PhoneState.opted_out_at.is_not(None),
                   opted_out_at=None):
        return False
    _record(session, phone_hash, now, "sms.opt_in", {"source": "inbound"})
    return True


def mark_invalid(session: Session, phone_hash: str, now: datetime, code: str | None,
                 rules: FlagRules) -> None:
    """The provider says the number cannot receive SMS: stop and flag."""
    if _change(session, phone_hash, now, PhoneState.invalid_at.is_(None), invalid_at=now):
        _record(session, phone_hash, now, "sms.invalid_number", {"error_code": code})
        flag_unreachable(session, phone_hash, "invalid", now, rules)


def delivery_report(session: Session, phone_hash: str, delivered: bool, now: datetime,
                    rules: FlagRules) -> None:
    """Count undelivered messages in a row; flag the number when the count reaches the limit."""
    ensure_state(session, phone_hash, now)
    count = 0 if delivered else PhoneState.undelivered_in_row + 1
    in_row = session.scalar(
        update(PhoneState).where(PhoneState.phone_hash == phone_hash)
        .values(undelivered_in_row=count, updated_at=now)
        .returning(PhoneState.undelivered_in_row).execution_options(synchronize_session=False))
    if in_row == rules.undelivered_in_row:
        flag_unreachable(session, phone_hash, "undelivered", now, rules)


def flag_unreachable(session: Session, phone_hash: str, reason: str, now: datetime,
                     rules: FlagRules) -> None:
    """Open an unreachable flag for each participant the number serves (once per day and cause)."""
    for participant, who in owners(session, phone_hash):
        scope = f"p{participant.id}:{who}:{reason}:{now.date().isoformat()}"
        opening.open_flag(session, participant, FlagKind.UNREACHABLE,
                        opening.flag_key(FlagKind.UNREACHABLE, scope), now,
                        detail=f"unreachable:{who}:{reason}",
                        due_hours=rules.due_hours)


def _change(session, phone_hash, now, condition, **values) -> bool:
    """Compare-and-set on the number's state, so only one writer audits and flags a change."""
    ensure_state(session, phone_hash, now)
    result = session.execute(
        update(PhoneState).where(PhoneState.phone_hash == phone_hash, condition)
        .values(**values, updated_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _record(session, phone_hash, now, action, detail) -> None:
    serves = owners(session, phone_hash) or [(None, "unknown")]
    for participant, who in serves:
        audit.record(session, now, action, None, participant=participant,
                     target=f"phone:{phone_hash[:12]}", detail={**detail, "whose": who})
