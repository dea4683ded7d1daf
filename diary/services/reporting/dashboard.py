"""The coordinator's dashboard: participants sorted by need, with a fixed number of queries."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from operator import itemgetter

from sqlalchemy import String, bindparam, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from diary.models import (
    DayStatus,
    DiaryEntry,
    Flag,
    FlagKind,
    FlagStatus,
    OutboundMessage,
    Participant,
    ParticipantStatus,
    Site,
    StaffUser,
)
from diary.rules import schedule
from diary.rules.deployment import Rules
from diary.services import sql
from diary.services.diary import days as days_
from diary.services.people import scope
from diary.services.reporting import compliance, recent

PER_PAGE = 50
ANSWERED = (DayStatus.ON_TIME, DayStatus.LATE)
STATUS_FILTERS = ("active", "paused", "withdrawn", "completed", "all")


@dataclass
class Row:
    participant_id: int
    study_code: str
    site_code: str
    status: str
    timezone: str
    diary_start_date: date
    diary_end_date: date
    today_status: str = "not_expected"
    last_entry_at: datetime | None = None
    recent_rate: float | None = None
    rate: float | None = None
    on_time_rate: float | None = None
    streak: int = 0
    last_sms: str | None = None
    flags: Counter = field(default_factory=Counter)
    urgent: int = 0
    overdue: int = 0

    @property
    def shown(self) -> tuple:
        """Everything the row shows: two rows alike here look alike on the page."""
        return (self.participant_id, self.study_code, self.status, self.timezone,
                self.today_status, self.last_entry_at, self.recent_rate, self.rate,
                self.on_time_rate, self.streak, self.last_sms, tuple(sorted(self.flags.items())),
                self.urgent, self.overdue)


@dataclass
class Dashboard:
    rows: list[Row]
    total: int
    page: int
    pages: int
    active: int = 0
    done_today: int = 0
    missed_yesterday: int = 0
    open_flags: Counter = field(default_factory=Counter)


def build(session: Session, staff: StaffUser, now: datetime, rules: Rules, *,
          site_id: int | None = None, status: str = "active", page: int = 1,
          per_page: int = PER_PAGE, default_tz: str = "Asia/Shanghai") -> Dashboard:
    """One page of the dashboard and the counts above it; query count is independent of size.

    Everyone in scope is ranked, so everyone's recent days are read, but as one integer each
    (`recent`); rows with names and numbers are made only for the page shown.
    """
    reach, values = scope.Reach.of(staff, site_id)
    local_today = schedule.local_today(now, default_tz)
    recent_since = compliance.recent_start(local_today - timedelta(days=1), rules.recent_days)
    span = recent.Span(local_today + timedelta(days=1))
    everyone = sql.rows(session, _everyone(reach, session.get_bind().dialect.name),
                        {**values, **span.values, "now": now})
    longer_recent = recent_since < span.start  # then counted by the database
    rates = _longer_recent_rates(session, reach, values, recent_since) if longer_recent else {}
    first = max((recent_since - span.start).days, 0)
    board = Dashboard([], 0, 1, 1)
    todays = _LocalDays(now, span)
    chosen, unresolved, days = [], [], {}
    active = ParticipantStatus.ACTIVE.value
    for found in everyone:
        pid, person_status, tz = found[0], found[3], found[4]
        person, packed = found[:_PERSON], int(found[_PERSON] or 0)
        counts = _flag_counts(found) if found[-1] is not None else None
        if counts:
            board.open_flags.update({k: n for k, n in counts.items() if not k.startswith("_")})
        board.active += person_status == active
        if packed:
            days[pid] = packed
            today, yesterday = todays.bits(tz)
            board.done_today += span.answered_on(packed, today)
            board.missed_yesterday += span.missed_on(packed, yesterday)
        if status != "all" and person_status != status:
            continue
        streak, answered, expected = span.figures(packed, first)
        if streak is None:
            unresolved.append(pid)
        rate = rates.get(pid) if longer_recent else answered / expected if expected else None
        chosen.append((person, counts or {}, rate, streak))
    # Those with no answered day in the span: their streak over the whole history.
    longer = missed_streaks(session, unresolved)
    ranked = []
    for person, counts, rate, streak in chosen:
        streak = longer.get(person[0], 0) if streak is None else streak
        # Urgent flags, overdue flags, missed streak, lowest recent compliance, study code.
        need = (-counts.get("_urgent", 0), -counts.get("_overdue", 0), -streak,
                rate if rate is not None else 2.0, person[1])
        ranked.append((need, person, counts, rate, streak))
    ranked.sort(key=itemgetter(0))
    board.total = len(ranked)
    board.pages = max(1, -(-len(ranked) // per_page))
    board.page = min(max(page, 1), board.pages)
    board.rows = [_row(*entry[1:]) for entry in
                  ranked[(board.page - 1) * per_page: board.page * per_page]]
    # The whole history and the last SMS are read only for the rows shown.
    _page_details(session, board.rows, recent_since, span, days, todays, now, rules.window)
    return board


def _longer_recent_rates(session, reach, values, since: date) -> dict[int, float | None]:
    """Recent compliance of everyone when the recent window is longer than the span."""
    return {pid: c.recent_rate for pid, c in compliance.summarize(
        session, reach.participant_ids, since, since=since, values=values).items()}


class _LocalDays:
    """Today and yesterday in a time zone at this instant (participants share a few zones)."""

    def __init__(self, now: datetime, span: recent.Span):
        self.now, self.span, self.seen, self.seen_bits = now, span, {}, {}

    def of(self, tz: str) -> tuple[date, date]:
        found = self.seen.get(tz)
        if found is None:
            today = schedule.local_today(self.now, tz)
            found = self.seen[tz] = (today, today - timedelta(days=1))
        return found

    def bits(self, tz: str) -> tuple[int | None, int | None]:
        """Today's and yesterday's positions in the span."""
        found = self.seen_bits.get(tz)
        if found is None:
            found = self.seen_bits[tz] = tuple(self.span.bit(d) for d in self.of(tz))
        return found


def _row(person: tuple, counts: dict, rate: float | None, streak: int) -> Row:
    pid, code, site, status, tz, start, end = person
    flags = Counter({k: n for k, n in counts.items() if not k.startswith("_")})
    return Row(pid, code, site, status, tz, _date(start), _date(end), recent_rate=rate,
               streak=streak, flags=flags, urgent=counts.get("_urgent", 0),
               overdue=counts.get("_overdue", 0))


_PERSON = 7  # the columns of a participant in `_everyone`; then their days and flags
_KINDS = tuple(FlagKind)


@cache
def _everyone(reach: scope.Reach, dialect: str):
    """Everyone in scope as plain tuples, read raw (made into rows only when shown), each with
    their recent days as one integer (`recent`) and their open flags counted by kind: one
    statement, built once per shape of scope and database."""
    person = Participant.__table__.c
    days = recent.packed_days(reach, dialect).subquery()
    flags = _open_flags(reach).subquery()
    joined = (Participant.__table__.join(Site.__table__, Site.__table__.c.id == person.site_id)
              .outerjoin(days, days.c.participant_id == person.id)
              .outerjoin(flags, flags.c.participant_id == person.id))
    return (select(person.id, person.study_code, Site.__table__.c.code,
                   type_coerce(person.status, String), person.timezone,
                   type_coerce(person.diary_start_date, String),
                   type_coerce(person.diary_end_date, String), days.c.packed,
                   *(flags.c[kind.value] for kind in _KINDS), flags.c.overdue)
            .select_from(joined)
            .where(person.id.in_(reach.participant_ids)).order_by(person.study_code))


def _date(value: str | date) -> date:
    """A DATE as read raw: ISO text on SQLite, a date on PostgreSQL."""
    return date.fromisoformat(value) if isinstance(value, str) else value


@cache
def _open_flags(reach: scope.Reach):
    """Open and acknowledged flags per participant: a count per kind, and how many are
    overdue (``now`` a bound parameter)."""
    return (select(Flag.participant_id,
                   *(func.count(case((Flag.kind == kind, 1))).label(kind.value)
                     for kind in _KINDS),
                   func.sum(case((Flag.due_at < bindparam("now"), 1), else_=0)).label("overdue"))
            .where(Flag.participant_id.in_(reach.participant_ids),
                   Flag.status != FlagStatus.RESOLVED)
            .group_by(Flag.participant_id))


def _flag_counts(found) -> Counter:
    """A participant's open flags by kind, their overdue ones (``_overdue``) and the urgent
    ones (``_urgent``), from their `_everyone` row."""
    counts = Counter({kind.value: int(n) for kind, n in
                      zip(_KINDS, found[_PERSON + 1:-1], strict=True) if n})
    counts["_overdue"] = int(found[-1])
    counts["_urgent"] = counts[FlagKind.SAFETY_URGENT.value]
    return counts


def missed_streaks(session, in_scope) -> dict[int, int]:
    """Missed days since the last answered day (excused days neither count nor break it).

    `in_scope` is a list of participant ids (the statement is built once) or a subquery.
    """
    if isinstance(in_scope, list | tuple | set | frozenset):
        if not in_scope:
            return {}
        return {pid: int(n)
                for pid, n in sql.rows(session, _STREAKS_OF, {"ids": list(in_scope)})}
    return {pid: int(n) for pid, n in sql.rows(session, _streaks(in_scope))}


def _streaks(in_scope):
    last_ok = (select(DiaryEntry.participant_id.label("pid"),
                      func.max(DiaryEntry.diary_date).label("last_ok"))
               .where(DiaryEntry.participant_id.in_(in_scope), DiaryEntry.status.in_(ANSWERED))
               .group_by(DiaryEntry.participant_id).subquery())
    query = (select(DiaryEntry.participant_id, func.count())
             .outerjoin(last_ok, last_ok.c.pid == DiaryEntry.participant_id)
             .where(DiaryEntry.participant_id.in_(in_scope),
                    DiaryEntry.status == DayStatus.MISSED,
                    or_(last_ok.c.last_ok.is_(None), DiaryEntry.diary_date > last_ok.c.last_ok))
             .group_by(DiaryEntry.participant_id))
    return query


_IDS = bindparam("ids", expanding=True)
_STREAKS_OF = _streaks(_IDS)


@cache
def _shown():
    """For the rows shown: the last SMS's status, then the whole history's figures
    (`compliance`), by participant id (``ids``)."""
    person = Participant.__table__.c
    summary = compliance.for_ids().subquery()
    last_sms = (select(OutboundMessage.status).where(OutboundMessage.participant_id == person.id)
                .order_by(OutboundMessage.id.desc()).limit(1).scalar_subquery())
    return (select(person.id, last_sms, *list(summary.c)[1:])
            .select_from(Participant.__table__.outerjoin(
                summary, summary.c.participant_id == person.id))
            .where(person.id.in_(_IDS)))


def _page_details(session, rows: list[Row], recent_since: date, span: recent.Span,
                  days: dict[int, int], todays, now, rules) -> None:
    """The whole history's figures, today's status and the last SMS status for the rows on
    this page only."""
    ids = [r.participant_id for r in rows]
    if not ids:
        return
    shown = {found[0]: found for found in sql.rows(
        session, _shown(), {"ids": ids, "recent_since": recent_since})}
    for row in rows:
        found = shown[row.participant_id]
        history = compliance.of_columns(found[2:])
        row.rate, row.on_time_rate = history.rate, history.on_time_rate
        row.last_entry_at = history.last_entry_at
        row.last_sms = getattr(found[1], "value", found[1])
        today = todays.of(row.timezone)[0]
        stored = span.status(days.get(row.participant_id, 0), today)
        row.today_status = stored.value if stored is not None else days_.status_of(
            row, today, None, now, rules)
