"""Everyone's last fortnight of diary days as one integer per participant, for the dashboard.

The dashboard ranks all participants in scope by their missed streak and recent compliance and
counts who answered today and who missed yesterday, each in their own time zone. Reading the
day rows themselves would bring some 15 rows per participant into Python (150,000 at 10,000
participants). Instead one GROUP BY sums, per participant, one bit per day row: bit
`FIELD * k + n` is set when the day `start + n` has the k-th status of `STATUSES`. The
streak, a day's status and the recent counts are then bit operations in Python.

Only days up to the day after today (in the default time zone) are read: no later day can be
answered or missed yet, so later rows (days excused ahead) change none of the figures.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import BigInteger, Date, Integer, bindparam, case, cast, func, literal, select

from diary.models import DayStatus, DiaryEntry
from diary.services.people import scope

FIELD = 15  # days per status: four statuses × 15 bits fit a signed 64-bit integer
STATUSES = (DayStatus.ON_TIME, DayStatus.LATE, DayStatus.MISSED, DayStatus.EXCUSED)
DAYS = (1 << FIELD) - 1


@dataclass(frozen=True)
class Span:
    """The `FIELD` days that end on `end`, and how to read a participant's integer.

    Called for every participant in scope on each dashboard, so plain bit operations.
    """

    end: date

    @property
    def start(self) -> date:
        return self.end - timedelta(days=FIELD - 1)

    @property
    def values(self) -> dict:
        """The bound parameters of `packed_days`."""
        return {"span_start": self.start, "span_end": self.end}

    def bit(self, day: date) -> int | None:
        """The day's position in the span, or None outside it."""
        n = (day - self.start).days
        return n if 0 <= n < FIELD else None

    def status(self, packed: int, day: date) -> DayStatus | None:
        """The stored status of a day, if the span holds it and it has a row."""
        n = self.bit(day)
        if n is None:
            return None
        return next((s for k, s in enumerate(STATUSES) if packed >> (FIELD * k + n) & 1), None)

    @staticmethod
    def answered_on(packed: int, bit: int | None) -> bool:
        """Whether the day at this position was answered (on time or late)."""
        return bit is not None and bool((packed >> bit | packed >> (FIELD + bit)) & 1)

    @staticmethod
    def missed_on(packed: int, bit: int | None) -> bool:
        """Whether the day at this position is missed."""
        return bit is not None and bool(packed >> (2 * FIELD + bit) & 1)

    @staticmethod
    def figures(packed: int, first: int) -> tuple[int | None, int, int]:
        """The missed streak, then the answered and the answered-or-missed days from
        position `first` on.

        The streak counts missed days since the last answered one (excused days neither
        count nor break it); None when no day in the span is answered, as then only the
        whole history can tell.
        """
        answered = (packed | packed >> FIELD) & DAYS
        missed = packed >> 2 * FIELD & DAYS
        streak = (missed >> answered.bit_length()).bit_count() if answered else None
        recent = answered >> first
        return streak, recent.bit_count(), (recent | missed >> first).bit_count()


@cache
def packed_days(reach: scope.Reach, dialect: str):
    """Each participant's id and integer (``packed``) for the span, as a statement (the
    dashboard's subquery): the participants are those of `reach` (its values bound), the
    span's dates are bound from `Span.values`; built once per shape of scope and database."""
    start = bindparam("span_start", type_=Date)
    offset = _days_after(dialect, DiaryEntry.diary_date, start)
    field = case(*((DiaryEntry.status == s, FIELD * k) for k, s in enumerate(STATUSES)),
                 else_=0)
    bit = cast(literal(1), BigInteger).op("<<")(offset).op("<<")(field)
    return (select(DiaryEntry.participant_id, func.sum(bit).label("packed"))
            .where(DiaryEntry.participant_id.in_(reach.participant_ids),
                   DiaryEntry.diary_date.between(start, bindparam("span_end", type_=Date)))
            .group_by(DiaryEntry.participant_id))


def _days_after(dialect: str, column, start):
    """Whole days from `start` to the date in `column`, as an integer, on either database."""
    if dialect == "sqlite":  # dates are ISO text there
        return cast(func.julianday(column) - func.julianday(start), Integer)
    return column - start
