"""The coordinator's dashboard: participants sorted by need, with a fixed number of queries."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from diary import schedule
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
from diary.services import compliance, days, scope

PER_PAGE = 50
RECENT_DAYS = 7
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


def build(session: Session, staff: StaffUser, now: datetime, rules: schedule.WindowRules, *,
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
    recent_since = schedule.local_today(now, default_tz) - timedelta(days=RECENT_DAYS)
    summary = compliance.summarize(session, in_scope, recent_since)
    streaks = missed_streaks(session, in_scope)
    for row in chosen:
        found = summary.get(row.participant_id, compliance.Compliance())
        row.recent_rate, row.rate, row.on_time_rate = (found.recent_rate, found.rate,
                                                       found.on_time_rate)
        row.streak = streaks.get(row.participant_id, 0)
    chosen.sort(key=Row.need)
    board.total = len(chosen)
    board.pages = max(1, -(-len(chosen) // per_page))
    board.page = min(max(page, 1), board.pages)
    board.rows = chosen[(board.page - 1) * per_page: board.page * per_page]
    _page_details(session, board.rows, todays, now, rules)
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
    query = select(DiaryEntry.participant_id, DiaryEntry.diary_date, DiaryEntry.status).where(
        DiaryEntry.participant_id.in_(in_scope), DiaryEntry.diary_date.in_(sorted(wanted)))
    out: dict[int, dict[date, str]] = {}
    for pid, day, status in session.execute(query):
        out.setdefault(pid, {})[day] = DayStatus(status)
    return out


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
