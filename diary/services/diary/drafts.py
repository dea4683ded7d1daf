"""A day's unfinished answers, kept per screen until the day is sent."""

from datetime import date, datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diary.models import Draft
from diary.services import sql

_DAY_DRAFT = select(Draft).where(Draft.participant_id == bindparam("participant_id"),
                                 Draft.diary_date == bindparam("day"))  # built once: see entries
_DAYS_DRAFTS = select(Draft.diary_date, Draft.answers).where(
    Draft.participant_id == bindparam("participant_id"),
    Draft.diary_date.in_(bindparam("days", expanding=True)))


def find(session: Session, participant_id: int, day: date) -> Draft | None:
    """The day's draft, if one is being filled in."""
    return session.scalar(_DAY_DRAFT, {"participant_id": participant_id, "day": day})


def save(session: Session, participant_id: int, day: date, section, answers: dict[str, str],
         saved: dict[str, str], draft: Draft | None, now: datetime) -> dict[str, str]:
    """Replace one section's answers in what was saved so far; returns the whole draft."""
    merged = {k: v for k, v in saved.items() if k not in {i.id for i in section.items}}
    merged.update(answers)
    if draft is None:
        draft = Draft(participant_id=participant_id, diary_date=day, updated_at=now)
        try:
            with session.begin_nested():
                session.add(draft)
        except IntegrityError:  # the same day saved from another tab a moment ago
            draft = find(session, participant_id, day)
    draft.answers = merged
    draft.updated_at = now
    return merged


def discard(session: Session, participant_id: int, day: date) -> None:
    """Forget the draft once its answers are stored in the entry."""
    session.execute(delete(Draft).where(Draft.participant_id == participant_id,
                                        Draft.diary_date == day))


def copy_section(section, previous: dict[str, str], consecutive: bool) -> dict[str, str]:
    """What "same as …" fills in: last time's answers to this screen, never the answers that
    compare with the day before; "same as yesterday" itself says "about the same" for those."""
    copied = {i.id: previous[i.id] for i in section.items
              if i.id in previous and not i.relative}
    if consecutive:
        copied.update(section.same_values)
    return copied


def drafts_of(session: Session, participant_id: int, days: list[date]) -> dict[date, dict]:
    """The unsent answers of each of the days that has some (one query)."""
    return {day: dict(answers) for day, answers in sql.rows(
        session, _DAYS_DRAFTS, {"participant_id": participant_id, "days": days})}
