"""What each diary day looks like to the participant: open, done, late, missed, upcoming."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from diary.models import DiaryEntry, Draft, Participant, ParticipantStatus
from diary.rules import schedule

_ENTRIES_BETWEEN = select(DiaryEntry).where(  # built once: see entries
    DiaryEntry.participant_id == bindparam("participant_id"),
    DiaryEntry.diary_date >= bindparam("first"), DiaryEntry.diary_date <= bindparam("last"))
# The same days' entries beside their drafts (each entry with each draft: two open days at most,
# so four rows at most), built once.
_ENTRIES_AND_DRAFTS_BETWEEN = (
    select(DiaryEntry, Draft.diary_date, Draft.answers).select_from(Participant)
    .outerjoin(DiaryEntry, and_(DiaryEntry.participant_id == Participant.id,
                                DiaryEntry.diary_date.between(bindparam("first"),
                                                              bindparam("last"))))
    .outerjoin(Draft, and_(Draft.participant_id == Participant.id,
                           Draft.diary_date.between(bindparam("first"), bindparam("last"))))
    .where(Participant.id == bindparam("participant_id")))


@dataclass(frozen=True)
class Day:
    day: date
    status: str  # on_time | late | missed | excused | open | upcoming | not_expected
    entry: DiaryEntry | None = None

    @property
    def fillable(self) -> bool:
        return self.status == "open"


def status_of(participant: Participant, day: date, entry: DiaryEntry | None, now: datetime,
              rules: schedule.WindowRules) -> str:
    """The status a day shows, whether or not the scheduler has closed it yet."""
    if entry is not None:
        return entry.status.value
    if not schedule.in_diary_period(day, participant.diary_start_date,
                                    participant.diary_end_date):
        return "not_expected"
    if schedule.is_open(day, participant.timezone, now, rules):
        if participant.status != ParticipantStatus.ACTIVE:
            return "not_expected"
        return "open"
    if day > schedule.local_today(now, participant.timezone):
        return "upcoming"
    return "missed"


def days_between(session: Session, participant: Participant, first: date, last: date,
                 now: datetime, rules: schedule.WindowRules) -> list[Day]:
    """Every day from first to last with its status, in one query."""
    entries = session.scalars(_ENTRIES_BETWEEN, _between(participant, first, last))
    return _days(participant, first, last, entries, now, rules)


def _between(participant: Participant, first: date, last: date) -> dict:
    return {"participant_id": participant.id, "first": first, "last": last}


def _days(participant: Participant, first: date, last: date, entries, now: datetime,
          rules: schedule.WindowRules) -> list[Day]:
    by_day = {e.diary_date: e for e in entries}
    count = (last - first).days + 1
    return [Day(d, status_of(participant, d, by_day.get(d), now, rules), by_day.get(d))
            for d in (first + timedelta(days=n) for n in range(count))]


def open_days_and_drafts(session: Session, participant: Participant, now: datetime,
                         rules: schedule.WindowRules) -> tuple[list[Day], dict[date, dict]]:
    """Today and, until the window closes, yesterday — those the participant may still fill,
    latest first — and the unsent answers of those that have some, read in one statement."""
    candidates = schedule.open_days(participant.timezone, now, rules)
    first, last = min(candidates), max(candidates)
    entries, unsent = set(), {}
    for entry, draft_day, answers in session.execute(_ENTRIES_AND_DRAFTS_BETWEEN,
                                                     _between(participant, first, last)):
        if entry is not None:
            entries.add(entry)
        if draft_day is not None:
            unsent[draft_day] = dict(answers)
    found = [d for d in _days(participant, first, last, entries, now, rules)
             if d.status != "not_expected" or d.entry is not None]
    return (sorted(found, key=lambda d: d.day, reverse=True),
            {d.day: unsent[d.day] for d in found if d.day in unsent})


def calendar(session: Session, participant: Participant, now: datetime,
             rules: schedule.WindowRules, weeks: int = 4) -> list[list[Day]]:
    """The last weeks as rows of seven days, Monday first, ending with the current week."""
    today = schedule.local_today(now, participant.timezone)
    last = today + timedelta(days=6 - today.weekday())
    first = last - timedelta(days=7 * weeks - 1)
    found = days_between(session, participant, first, last, now, rules)
    return [found[i:i + 7] for i in range(0, len(found), 7)]
