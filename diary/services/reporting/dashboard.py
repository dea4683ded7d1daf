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
    everyone = sql.rows(session, _participants(reach), values).all()
    flags = _flags(session, reach, values, now)
    local_today = schedule.local_today(now, default_tz)
    recent_since = compliance.recent_start(local_today - timedelta(days=1), rules.recent_days)
    span = recent.Span(local_today + timedelta(days=1))
    days = recent.read(session, reach, values, span)
    longer_recent = recent_since < span.start  # then counted by the database
    rates = _longer_recent_rates(session, reach, values, recent_since) if longer_recent else {}
    first = max((recent_since - span.start).days, 0)
    board = Dashboard([], 0, 1, 1)
    todays = _LocalDays(now, span)
    chosen, unresolved = [], []
    active = ParticipantStatus.ACTIVE.value
    for person in everyone:
        pid, person_status, tz = person[0], person[3], person[4]
        packed = days.get(pid, 0)
        counts = flags.get(pid)
        if counts:
            board.open_flags.update({k: n for k, n in counts.items() if not k.startswith("_")})
        board.active += person_status == active
        if packed:
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
    # The whole history is read only for the rows shown.
    summary = compliance.summarize(session, [r.participant_id for r in board.rows],
                                   recent_since)
    for row in board.rows:
        found = summary.get(row.participant_id, compliance.Compliance())
        row.rate, row.on_time_rate = found.rate, found.on_time_rate
        row.last_entry_at = found.last_entry_at
    _page_details(session, board.rows, span, days, todays, now, rules.window)
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


@cache
def _participants(reach: scope.Reach):
    """Everyone in scope as plain tuples, read raw: made into rows only when shown."""
    person = Participant.__table__.c
    return (select(person.id, person.study_code, Site.__table__.c.code,
                   type_coerce(person.status, String), person.timezone,
                   type_coerce(person.diary_start_date, String),
                   type_coerce(person.diary_end_date, String))
            .join(Site.__table__, Site.__table__.c.id == person.site_id)
            .where(person.id.in_(reach.participant_ids)).order_by(person.study_code))


def _date(value: str | date) -> date:
    """A DATE as read raw: ISO text on SQLite, a date on PostgreSQL."""
    return date.fromisoformat(value) if isinstance(value, str) else value


@cache
def _open_flags(reach: scope.Reach):
    return (select(Flag.participant_id, Flag.kind, func.count(),
                   func.sum(case((Flag.due_at < bindparam("now"), 1), else_=0)))
            .where(Flag.participant_id.in_(reach.participant_ids),
                   Flag.status != FlagStatus.RESOLVED)
            .group_by(Flag.participant_id, Flag.kind))


def _flags(session, reach, values, now) -> dict[int, Counter]:
    out: dict[int, Counter] = {}
    for pid, kind, count, overdue in sql.rows(session, _open_flags(reach),
                                              {**values, "now": now}):
        counter = out.setdefault(pid, Counter())
        counter[FlagKind(kind).value] += count
        counter["_overdue"] += int(overdue or 0)
        if kind == FlagKind.SAFETY_URGENT:
            counter["_urgent"] += count
    return out


def missed_streaks(session, in_scope) -> dict[int, int]:
    """Missed days since the last answered day (excused days neither count nor break it).

    `in_scope` is a list of participant ids (the statement is built once) or a subquery.
    """
    if isinstance(in_scope, list | tuple | set | frozenset):
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
_LAST_SMS = (select(OutboundMessage.participant_id, OutboundMessage.status)
             .where(OutboundMessage.id.in_(
                 select(func.max(OutboundMessage.id))
                 .where(OutboundMessage.participant_id.in_(_IDS))
                 .group_by(OutboundMessage.participant_id))))


def _page_details(session, rows: list[Row], span: recent.Span, days: dict[int, int], todays,
                  now, rules) -> None:
    """Today's status and the last SMS status for the rows on this page only."""
    ids = [r.participant_id for r in rows]
    if not ids:
        return
    last_sms = dict(sql.rows(session, _LAST_SMS, {"ids": ids}).all())
    for row in rows:
        sms = last_sms.get(row.participant_id)
        row.last_sms = getattr(sms, "value", sms)
        today = todays.of(row.timezone)[0]
        stored = span.status(days.get(row.participant_id, 0), today)
        row.today_status = stored.value if stored is not None else days_.status_of(
            row, today, None, now, rules)
