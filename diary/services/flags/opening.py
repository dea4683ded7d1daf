"""Opening coordinator flags, once per cause, whoever notices first."""

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diary.models import Flag, FlagKind, FlagStatus
from diary.services import audit

DUE_HOURS = {
    FlagKind.SAFETY_URGENT: 1,
    FlagKind.SAFETY_SAME_DAY: 8,
    FlagKind.MISSED_STREAK: 48,
    FlagKind.LOW_COMPLIANCE: 48,
    FlagKind.UNREACHABLE: 48,
}


def due_hours_from_config(config) -> dict:
    """Hours until each kind of flag is overdue, from the settings."""
    urgent = config["DIARY_FLAG_DUE_HOURS_URGENT"]
    same_day = config["DIARY_FLAG_DUE_HOURS_SAME_DAY"]
    routine = config["DIARY_FLAG_DUE_HOURS_ROUTINE"]
    return {FlagKind.SAFETY_URGENT: urgent, FlagKind.SAFETY_SAME_DAY: same_day,
            FlagKind.MISSED_STREAK: routine, FlagKind.LOW_COMPLIANCE: routine,
            FlagKind.UNREACHABLE: routine}


def flag_key(kind: FlagKind, scope: str, codes: list[str] | None = None) -> str:
    """The deduplication key of a flag: its kind, what it is about, and the causes."""
    suffix = hashlib.sha1("+".join(sorted(codes or [])).encode()).hexdigest()[:12]  # noqa: S324
    return f"{kind.value}:{scope}:{suffix}"


def is_resolved(session: Session, key: str) -> bool:
    """Whether the flag with this key exists and was resolved."""
    return session.scalar(select(Flag.status).where(Flag.dedupe_key == key)) == \
        FlagStatus.RESOLVED


def open_flag(session: Session, participant, kind: FlagKind, key: str, now: datetime, *,
              detail: str | None = None, entry=None, day=None,
              due_hours: dict | None = None) -> Flag | None:
    """Open a flag unless one with the same key exists; returns the new flag or None."""
    if session.scalar(select(Flag.id).where(Flag.dedupe_key == key)) is not None:
        return None
    hours = (due_hours or DUE_HOURS)[kind]
    flag = Flag(participant_id=participant.id, kind=kind, dedupe_key=key, detail=detail,
                entry_id=entry.id if entry is not None else None, diary_date=day,
                opened_at=now, due_at=now + timedelta(hours=hours))
    try:
        with session.begin_nested():
            session.add(flag)
    except IntegrityError:
        return None  # another worker opened it a moment ago
    audit.record(session, now, "flag.open", None, participant=participant,
                 target=f"flag:{flag.id}", detail={"kind": kind.value, "detail": detail})
    return flag
