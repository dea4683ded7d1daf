"""Compliance: a GROUP BY over day rows (on time, late, missed, excused), never a loop."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from diary.models import DayStatus, DiaryEntry
from diary.services import sql


@dataclass(frozen=True)
class Compliance:
    on_time: int = 0
    late: int = 0
    missed: int = 0
    excused: int = 0
    recent_answered: int = 0
    recent_expected: int = 0
    last_entry_at: datetime | None = None  # the last time any of the days was sent

    @property
    def expected(self) -> int:
        """Closed days that count: answered or missed (excused days leave the denominator)."""
        return self.on_time + self.late + self.missed

    @property
    def rate(self) -> float | None:
        """(on time + late) ÷ (closed days − excused)."""
        return (self.on_time + self.late) / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None

    @property
    def recent_rate(self) -> float | None:
        """The same rate over the recent window (DIARY_COMPLIANCE_RECENT_DAYS)."""
        return self.recent_answered / self.recent_expected if self.recent_expected else None


def recent_start(last_day: date, days: int) -> date:
    """The first day of the recent window: the `days` days ending on `last_day`."""
    return last_day - timedelta(days=days - 1)


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def summarize(session: Session, participant_ids, recent_since: date,
              until: date | None = None, since: date | None = None, *,
              values: dict | None = None) -> dict[int, Compliance]:
    """Compliance per participant in one query; `participant_ids` may be a list or a subquery
    (whose bound parameters come in `values`).

    With `since`, only days from then on are read (the index serves it): enough for the
    recent rate of many participants at once. For a list, the statement is built once.
    """
    params = {**(values or {}), "recent_since": recent_since, "until": until, "since": since}
    if isinstance(participant_ids, list | tuple | set | frozenset):
        statement = for_ids(until is not None, since is not None)
        params["ids"] = list(participant_ids)
    else:
        statement = _statement(participant_ids, until is not None, since is not None)
    return {row[0]: of_columns(row[1:]) for row in sql.rows(session, statement, params)}


def of_columns(columns) -> Compliance:
    """A participant's figures from the statement's columns after the id (all None when the
    statement is outer-joined and they have no day)."""
    if columns[0] is None:
        return Compliance()
    return Compliance(*(int(v) for v in columns[:6]), last_entry_at=_aware(columns[6]))


def _statement(participant_ids, until: bool, since: bool):
    """The GROUP BY, its dates as bound parameters (``recent_since``, ``until``, ``since``)."""
    answered = DiaryEntry.status.in_([DayStatus.ON_TIME, DayStatus.LATE])
    counted = DiaryEntry.status.in_([DayStatus.ON_TIME, DayStatus.LATE, DayStatus.MISSED])
    recent = DiaryEntry.diary_date >= bindparam("recent_since")
    query = (
        select(DiaryEntry.participant_id,
               _count(DiaryEntry.status == DayStatus.ON_TIME),
               _count(DiaryEntry.status == DayStatus.LATE),
               _count(DiaryEntry.status == DayStatus.MISSED),
               _count(DiaryEntry.status == DayStatus.EXCUSED),
               _count(answered & recent),
               _count(counted & recent),
               func.max(DiaryEntry.last_submitted_at))
        .where(DiaryEntry.participant_id.in_(participant_ids))
        .group_by(DiaryEntry.participant_id))
    if until:
        query = query.where(DiaryEntry.diary_date <= bindparam("until"))
    if since:
        query = query.where(DiaryEntry.diary_date >= bindparam("since"))
    return query


@cache
def for_ids(until: bool = False, since: bool = False):
    """The statement for a list of participant ids (bound as ``ids``), built once; also a
    subquery of a larger statement."""
    return _statement(bindparam("ids", expanding=True), until, since)


def _aware(value: datetime | str | None) -> datetime | None:
    """max() over a UTC column comes back naive (or as text) on SQLite."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
