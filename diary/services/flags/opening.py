"""Opening coordinator flags, once per cause, whoever notices first."""

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diary.models import Flag, FlagKind, FlagStatus
from diary.rules.deployment import DUE_HOURS
from diary.services import audit


def flag_key(kind: FlagKind, scope: str, codes: list[str] | None = None) -> str:
    """The deduplication key of a flag: its kind, what it is about, and the causes."""
    suffix = hashlib.sha1("+".join(sorted(codes or [])).encode()).hexdigest()[:12]  # noqa: S324
    return f"{kind.value}:{scope}:{suffix}"


def is_resolved(session: Session, key: str) -> bool:
    """Whether the flag with this key exists and was resolved."""
    return session.scalar(select(Flag.status).where(Flag.dedupe_key == key)) == \
        FlagStatus.RESOLVED


def team_looks_at(session: Session, entry_id: int) -> bool:
    """Whether the entry has a safety flag the team has not resolved yet (a fever, a fall…)."""
    return session.scalar(select(Flag.id).where(
        Flag.entry_id == entry_id, Flag.status != FlagStatus.RESOLVED,
        Flag.kind.in_((FlagKind.SAFETY_URGENT, FlagKind.SAFETY_SAME_DAY))).limit(1)) is not None


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
