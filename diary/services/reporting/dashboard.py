"""The coordinator's dashboard: participants sorted by need, with a fixed number of queries."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import groupby

from sqlalchemy import String, case, func, or_, select, type_coerce
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
from diary.services.diary import days
from diary.services.people import scope
from diary.services.reporting import compliance

PER_PAGE = 50
STREAK_WINDOW = 14  # most streaks end within two weeks; longer ones are counted in full
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

    def need(self) -> tuple:
        """Sort key: urgent flags, overdue flags, missed streak, lowest 7-day compliance."""
        recent = self.recent_rate if self.recent_rate is not None else 2.0
        return (-self.urgent, -self.overdue, -self.streak, recent, self.study_code)


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
    """One page of the dashboard and the counts above it; query count is independent of size."""
    in_scope = scope.participant_ids(staff, site_id)
    everyone = _participants(session, in_scope)
    flags = _flags(session, in_scope, now)
    todays = _days(session, in_scope, everyone, now)
    board = Dashboard([], 0, 1, 1)
    for row in everyone.values():
        row.flags = flags.get(row.participant_id, Counter())
        row.urgent = row.flags.pop("_urgent", 0)
        row.overdue = row.flags.pop("_overdue", 0)
        board.open_flags.update(row.flags)
        today = schedule.local_today(now, row.timezone)
        found = todays.get(row.participant_id, {})
        board.active += row.status == ParticipantStatus.ACTIVE.value
        board.done_today += found.get(today) in ANSWERED
        board.missed_yesterday += found.get(today - timedelta(days=1)) == DayStatus.MISSED
    chosen = [r for r in everyone.values() if status == "all" or r.status == status]
    local_today = schedule.local_today(now, default_tz)
    recent_since = compliance.recent_start(local_today - timedelta(days=1), rules.recent_days)
    # Sorting needs the recent rate and the streak of everyone: both read only recent rows.
    recent = compliance.summarize(session, in_scope, recent_since, since=recent_since)
    streaks = recent_streaks(session, in_scope, [r.participant_id for r in chosen],
                             local_today - timedelta(days=STREAK_WINDOW))
    for row in chosen:
        row.recent_rate = recent.get(row.participant_id, compliance.Compliance()).recent_rate
        row.streak = streaks.get(row.participant_id, 0)
    chosen.sort(key=Row.need)
    board.total = len(chosen)
    board.pages = max(1, -(-len(chosen) // per_page))
    board.page = min(max(page, 1), board.pages)
    board.rows = chosen[(board.page - 1) * per_page: board.page * per_page]
    # The whole history is read only for the rows shown.
    summary = compliance.summarize(session, [r.participant_id for r in board.rows],
                                   recent_since)
    for row in board.rows:
        found = summary.get(row.participant_id, compliance.Compliance())
        row.rate, row.on_time_rate = found.rate, found.on_time_rate
    _page_details(session, board.rows, todays, now, rules.window)
    return board


def _participants(session, in_scope) -> dict[int, Row]:
    query = (select(Participant.id, Participant.study_code, Site.code, Participant.status,
                    Participant.timezone, Participant.diary_start_date,
                    Participant.diary_end_date)
             .join(Site, Site.id == Participant.site_id)
             .where(Participant.id.in_(in_scope)).order_by(Participant.study_code))
    return {pid: Row(pid, code, site, getattr(st, "value", st), tz, start, end)
            for pid, code, site, st, tz, start, end in session.execute(query)}


def _flags(session, in_scope, now) -> dict[int, Counter]:
    query = (select(Flag.participant_id, Flag.kind, func.count(),
                    func.sum(case((Flag.due_at < now, 1), else_=0)))
             .where(Flag.participant_id.in_(in_scope), Flag.status != FlagStatus.RESOLVED)
             .group_by(Flag.participant_id, Flag.kind))
    out: dict[int, Counter] = {}
    for pid, kind, count, overdue in session.execute(query):
        counter = out.setdefault(pid, Counter())
        counter[FlagKind(kind).value] += count
        counter["_overdue"] += int(overdue or 0)
        if kind == FlagKind.SAFETY_URGENT:
            counter["_urgent"] += count
    return out


def _days(session, in_scope, everyone: dict[int, Row], now) -> dict[int, dict[date, str]]:
    """Statuses of yesterday and today (each participant's local dates)."""
    wanted = set()
    for row in everyone.values():
        today = schedule.local_today(now, row.timezone)
        wanted |= {today, today - timedelta(days=1)}
    if not wanted:
        return {}
    query = select(DiaryEntry.participant_id, DiaryEntry.diary_date,
                   type_coerce(DiaryEntry.status, String)).where(
        DiaryEntry.participant_id.in_(in_scope), DiaryEntry.diary_date.in_(sorted(wanted)))
    out: dict[int, dict[date, str]] = {}
    for pid, day, status in session.execute(query):
        out.setdefault(pid, {})[day] = DayStatus(status)
    return out


def recent_streaks(session, in_scope, ids: list[int], window_start: date) -> dict[int, int]:
    """Missed streaks from the recent rows; the few with no answered day in the window are
    counted over their whole history (one more query, issued whatever the numbers)."""
    # The status as plain text: converting thousands of rows to the enumeration costs more
    # than the query itself.
    rows = session.execute(
        select(DiaryEntry.participant_id, type_coerce(DiaryEntry.status, String))
        .where(DiaryEntry.participant_id.in_(in_scope), DiaryEntry.diary_date >= window_start)
        .order_by(DiaryEntry.participant_id, DiaryEntry.diary_date))
    streaks: dict[int, int] = {}
    for pid, statuses in groupby(rows, key=lambda r: r[0]):
        missed, answered = 0, False
        for _pid, status in statuses:
            if status in ANSWERED:
                missed, answered = 0, True
            elif status == DayStatus.MISSED:
                missed += 1
        if answered:
            streaks[pid] = missed
    unresolved = [pid for pid in ids if pid not in streaks]
    streaks.update(missed_streaks(session, unresolved))
    return streaks


def missed_streaks(session, in_scope) -> dict[int, int]:
    """Missed days since the last answered day (excused days neither count nor break it)."""
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
    return {pid: int(n) for pid, n in session.execute(query)}


def _page_details(session, rows: list[Row], todays, now, rules) -> None:
    """Last entry, today's status and last SMS status for the rows on this page only."""
    ids = [r.participant_id for r in rows]
    if not ids:
        return
    last_entry = dict(session.execute(
        select(DiaryEntry.participant_id, func.max(DiaryEntry.last_submitted_at))
        .where(DiaryEntry.participant_id.in_(ids)).group_by(DiaryEntry.participant_id)).all())
    latest = (select(func.max(OutboundMessage.id)).where(OutboundMessage.participant_id.in_(ids))
              .group_by(OutboundMessage.participant_id))
    last_sms = dict(session.execute(
        select(OutboundMessage.participant_id, OutboundMessage.status)
        .where(OutboundMessage.id.in_(latest))).all())
    for row in rows:
        raw = last_entry.get(row.participant_id)
        row.last_entry_at = _aware(raw)
        sms = last_sms.get(row.participant_id)
        row.last_sms = getattr(sms, "value", sms)
        today = schedule.local_today(now, row.timezone)
        found = todays.get(row.participant_id, {}).get(today)
        row.today_status = found.value if found is not None else days.status_of(
            row, today, None, now, rules)


def _aware(value: datetime | None) -> datetime | None:
    """max() over a UTC column comes back naive (or as text) on SQLite."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
