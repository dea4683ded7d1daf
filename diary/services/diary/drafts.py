"""A day's unfinished answers, the screens it asks, and the last day's answers to copy."""

from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diary.models import Answer, DayStatus, DiaryEntry, Draft, Participant
from diary.rules import instrument, schedule


def screens(participant: Participant, day: date, rules: schedule.WindowRules) -> list:
    """The sections this participant's day asks, trimmed to the core from month 4."""
    infusions = [i.infusion_date for i in participant.infusions]
    plan = schedule.section_plan(day, participant.diary_start_date, infusions, rules)
    return [instrument.trim(instrument.BY_SECTION[sid], core) for sid, core in plan]


def entry_for(session: Session, participant_id: int, day: date) -> DiaryEntry | None:
    """The day's entry, if it has one."""
    return session.scalar(select(DiaryEntry).where(
        DiaryEntry.participant_id == participant_id, DiaryEntry.diary_date == day))


def load(session: Session, participant_id: int, day: date) -> dict[str, str]:
    """Answers so far: the draft, else the submitted entry's answers (to amend)."""
    draft = session.scalar(select(Draft).where(
        Draft.participant_id == participant_id, Draft.diary_date == day))
    if draft is not None:
        return dict(draft.answers)
    entry = entry_for(session, participant_id, day)
    return entry.answer_map() if entry is not None else {}


def save(session: Session, participant_id: int, day: date, section, answers: dict[str, str],
         now: datetime) -> dict[str, str]:
    """Replace one section's answers in the draft; returns the whole draft."""
    merged = load(session, participant_id, day)
    for item in section.items:
        merged.pop(item.id, None)
    merged.update(answers)
    draft = session.scalar(select(Draft).where(
        Draft.participant_id == participant_id, Draft.diary_date == day))
    if draft is None:
        draft = Draft(participant_id=participant_id, diary_date=day)
        try:
            with session.begin_nested():
                session.add(draft)
        except IntegrityError:  # the same day saved from another tab a moment ago
            draft = session.scalar(select(Draft).where(
                Draft.participant_id == participant_id, Draft.diary_date == day))
    draft.answers = merged
    draft.updated_at = now
    return merged


def discard(session: Session, participant_id: int, day: date) -> None:
    """Forget the draft once its answers are stored in the entry."""
    session.execute(delete(Draft).where(Draft.participant_id == participant_id,
                                        Draft.diary_date == day))


def last_answers(session: Session, participant_id: int, before: date,
                 lookback_days: int = 14) -> tuple[date | None, dict[str, str]]:
    """The most recent answered day and its answers, for "same as yesterday"."""
    entry = session.scalar(
        select(DiaryEntry)
        .where(DiaryEntry.participant_id == participant_id, DiaryEntry.diary_date < before,
               DiaryEntry.diary_date >= before - timedelta(days=lookback_days),
               DiaryEntry.status.in_([DayStatus.ON_TIME, DayStatus.LATE]))
        .order_by(DiaryEntry.diary_date.desc()).limit(1))
    return (entry.diary_date, entry.answer_map()) if entry is not None else (None, {})


def recent_history(session: Session, participant_id: int, day: date,
                   days: int = 7) -> dict[date, dict[str, str]]:
    """Answers of the days before this one, in one query, for the trend triggers."""
    rows = session.execute(
        select(DiaryEntry.diary_date, Answer.item_id, Answer.value)
        .join(Answer, Answer.entry_id == DiaryEntry.id)
        .where(DiaryEntry.participant_id == participant_id, DiaryEntry.diary_date < day,
               DiaryEntry.diary_date >= day - timedelta(days=days)))
    history: dict[date, dict[str, str]] = {}
    for diary_date, item_id, value in rows:
        history.setdefault(diary_date, {})[item_id] = value
    return history


def copy_section(section, previous: dict[str, str], consecutive: bool) -> dict[str, str]:
    """What "same as …" fills in: last time's answers to this screen, never the answers that
    compare with the day before; "same as yesterday" itself says "about the same" for those."""
    copied = {i.id: previous[i.id] for i in section.items
              if i.id in previous and not i.relative}
    if consecutive:
        copied.update(section.same_values)
    return copied


def draft_of(session: Session, participant_id: int, day: date) -> dict[str, str] | None:
    """The unsent answers of a day, or None when nothing is waiting."""
    draft = session.scalar(select(Draft).where(
        Draft.participant_id == participant_id, Draft.diary_date == day))
    return dict(draft.answers) if draft is not None else None
