"""Where a diary day stands for its person: not begun, to resume, changes not sent, or done."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from diary.models import DiaryEntry, Participant
from diary.rules import answers as reading
from diary.rules import schedule
from diary.services.diary import drafts, entries, screens


@dataclass(frozen=True)
class Progress:
    state: str  # new | resume | pending (a sent day changed, not sent again) | done
    step: str  # the screen to open next; "review" once every question is answered
    number: int  # that screen's step number, of `total` (the review counts as the last step)
    total: int
    kept: int  # screens already answered before `step`
    sent: bool  # part of the day is stored already (a warning sign is sent at once)
    base: int  # submissions so far, carried by a send from the home page


def of_day(session: Session, participant: Participant, day: date, entry: DiaryEntry | None,
           rules: schedule.WindowRules) -> Progress:
    """The day's state from its draft and its stored entry; the first screen still to answer."""
    return of_days(session, participant, [(day, entry)], rules)[day]


def of_days(session: Session, participant: Participant,
            days: list[tuple[date, DiaryEntry | None]],
            rules: schedule.WindowRules, unsent: dict[date, dict] | None = None
            ) -> dict[date, Progress]:
    """Each day's state, in at most two statements however many days are asked for: the
    drafts (unless given as `unsent`, read with the days), then the stored answers and the
    send counts of the days that have an entry."""
    if not days:
        return {}
    if unsent is None:
        unsent = drafts.drafts_of(session, participant.id, [day for day, _entry in days])
    kept = [entry.id for _day, entry in days if entry is not None]
    answered = [entry.id for _day, entry in days if entry is not None and entry.answered]
    stored, sends = entries.answers_and_sends(session, answered, kept)
    return {day: _progress(screens.sections(participant, day, rules), unsent.get(day),
                           stored.get(entry.id, {}) if entry is not None else {},
                           sends.get(entry.id, 0) if entry is not None else 0)
            for day, entry in days}


def _progress(sections, draft: dict[str, str] | None, stored: dict[str, str],
              base: int) -> Progress:
    ids = [s.id for s in sections]
    answers = draft if draft is not None else stored
    missing = set(reading.missing_items(sections, answers))
    step = next((s.id for s in sections if any(i.id in missing for i in s.items)), "review")
    number = ids.index(step) + 1 if step in ids else len(ids) + 1
    asked = {i.id for s in sections for i in s.items}
    complete_before = bool(stored) and not reading.missing_items(sections, stored)
    changed = draft is not None and _only(draft, asked) != _only(stored, asked)
    if not answers:
        state = "new"
    elif complete_before and changed:
        state = "pending"
    elif missing or not stored or changed:
        state = "resume"
    else:
        state = "done"
    return Progress(state, step, number, len(ids) + 1, number - 1, bool(stored), base)


def _only(answers: dict[str, str], asked: set[str]) -> dict[str, str]:
    return {k: v for k, v in answers.items() if k in asked}
