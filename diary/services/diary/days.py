"""What each diary day looks like to the participant: open, done, late, missed, upcoming."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from diary.models import DiaryEntry, Participant, ParticipantStatus
from diary.rules import schedule

_ENTRIES_BETWEEN = select(DiaryEntry).where(  # built once: see entries
    DiaryEntry.participant_id == bindparam("participant_id"),
    DiaryEntry.diary_date >= bindparam("first"), DiaryEntry.diary_date <= bindparam("last"))


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
    entries = {e.diary_date: e for e in session.scalars(_ENTRIES_BETWEEN, {
        "participant_id": participant.id, "first": first, "last": last})}
    count = (last - first).days + 1
    return [Day(d, status_of(participant, d, entries.get(d), now, rules), entries.get(d))
            for d in (first + timedelta(days=n) for n in range(count))]


def open_days(session: Session, participant: Participant, now: datetime,
              rules: schedule.WindowRules) -> list[Day]:
    """Today and, until the window closes, yesterday — those the participant may still fill."""
    candidates = schedule.open_days(participant.timezone, now, rules)
    found = days_between(session, participant, min(candidates), max(candidates), now, rules)
    in_period = [d for d in found if d.status != "not_expected" or d.entry is not None]
    return sorted(in_period, key=lambda d: d.day, reverse=True)


def calendar(session: Session, participant: Participant, now: datetime,
             rules: schedule.WindowRules, weeks: int = 4) -> list[list[Day]]:
    """The last weeks as rows of seven days, Monday first, ending with the current week."""
    today = schedule.local_today(now, participant.timezone)
    last = today + timedelta(days=6 - today.weekday())
    first = last - timedelta(days=7 * weeks - 1)
    found = days_between(session, participant, first, last, now, rules)
    return [found[i:i + 7] for i in range(0, len(found), 7)]
