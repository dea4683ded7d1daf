"""Everything the participant page shows, in a fixed number of queries whatever the history."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from diary.models import (
    Answer,
    AnswerRevision,
    AuditEvent,
    DayStatus,
    DiaryEntry,
    Flag,
    MessageEvent,
    MessageStatus,
    OutboundMessage,
    OutreachLog,
    Participant,
    StaffUser,
    Submission,
)
from diary.rules import answers, schedule
from diary.rules.calendar import DayCell, month_starts, next_month
from diary.rules.deployment import Rules
from diary.services.diary import days, screens
from diary.services.people.care import PAUSED_REASON
from diary.services.reporting import compliance, dashboard

MESSAGES_SHOWN = 60
MAX_MONTHS = 48  # a diary lasts at most three years; a longer legacy one is drawn in part
NOT_DELIVERED = {MessageStatus.UNDELIVERED, MessageStatus.FAILED, MessageStatus.SUPPRESSED,
                 MessageStatus.DROPPED}
REACHED = {MessageStatus.DELIVERED, MessageStatus.SENT}
SENT = {DayStatus.ON_TIME, DayStatus.LATE}


@dataclass
class EntryView:
    entry: DiaryEntry
    answers: dict[str, str] = field(default_factory=dict)
    submissions: list[Submission] = field(default_factory=list)
    revisions: list[tuple[AnswerRevision, Submission | None]] = field(default_factory=list)
    unanswered: int = 0  # questions of a sent day left without an answer (a day stored early)


@dataclass
class Page:
    participant: Participant
    cells: dict[date, DayCell]
    first_month: date
    last_month: date
    today: date
    month: date
    entries: list[EntryView]
    messages: list[tuple[OutboundMessage, list[MessageEvent]]]
    flags: list[Flag]
    outreach: list[OutreachLog]
    staff_names: dict[int, str]
    summary: compliance.Compliance
    streak: int

    def month_days(self) -> list[tuple[DayCell, EntryView | None]]:
        """The chosen month's days, newest first, each with its entry if any."""
        by_day = {v.entry.diary_date: v for v in self.entries}
        return [(cell, by_day.get(day)) for day, cell in sorted(self.cells.items(), reverse=True)
                if day.year == self.month.year and day.month == self.month.month]

    def months(self) -> list[date]:
        """The first day of every month the calendar shows."""
        return month_starts(self.first_month, self.last_month)

    def neighbour_months(self) -> tuple[date | None, date | None]:
        """The months before and after the chosen one, within the calendar."""
        before = (self.month - timedelta(days=1)).replace(day=1) \
            if self.month > self.first_month else None
        after = next_month(self.month) if self.month < self.last_month else None
        return before, after


def calendar_months(participant: Participant) -> tuple[date, date]:
    """The first and last month of the calendar: the diary start's month to the end's."""
    first = participant.diary_start_date.replace(day=1)
    index = min(first.year * 12 + first.month - 1 + MAX_MONTHS - 1, 9999 * 12 + 11)
    return first, min(participant.diary_end_date.replace(day=1),
                      date(index // 12, index % 12 + 1, 1))


def chosen_month(participant: Participant, today: date, asked: date | None) -> date:
    """The month asked for if the calendar has it, else the current one (within the diary)."""
    first, last = calendar_months(participant)
    if asked is not None and first <= asked.replace(day=1) <= last:
        return asked.replace(day=1)
    current = min(max(today, participant.diary_start_date), participant.diary_end_date)
    return min(max(current.replace(day=1), first), last)


def build(session: Session, participant: Participant, now: datetime,
          rules: Rules, month: date | None = None) -> Page:
    """The calendar of the whole diary, the chosen month's entries, messages, flags, calls."""
    today = schedule.local_today(now, participant.timezone)
    first, last_month = calendar_months(participant)
    last = next_month(last_month) - timedelta(days=1)
    month = chosen_month(participant, today, month)
    pid = participant.id
    statuses = {day: (status, reason) for day, status, reason in session.execute(
        select(DiaryEntry.diary_date, DiaryEntry.status, DiaryEntry.reason).where(
            DiaryEntry.participant_id == pid, DiaryEntry.diary_date.between(first, last)))}
    cells = _cells(participant, first, last, statuses, _undelivered(session, pid),
                   _paused(session, participant), now, rules.window)
    entries = _entries(session, pid, month)
    for view in entries:
        if view.entry.status in SENT:
            view.unanswered = len(answers.missing_items(
                screens.sections(participant, view.entry.diary_date, rules.window), view.answers))
    messages = _messages(session, pid)
    flags = list(session.scalars(select(Flag).where(Flag.participant_id == pid)
                                 .order_by(Flag.opened_at.desc())))
    outreach = list(session.scalars(select(OutreachLog).where(OutreachLog.participant_id == pid)
                                    .order_by(OutreachLog.at.desc())))
    staff_ids = ({f.acknowledged_by_id for f in flags} | {f.resolved_by_id for f in flags}
                 | {o.staff_user_id for o in outreach}
                 | {e.entry.staff_user_id for e in entries}) - {None}
    names = dict(session.execute(select(StaffUser.id, StaffUser.display_name)
                                 .where(StaffUser.id.in_(sorted(staff_ids)))).all())
    recent = compliance.recent_start(today - timedelta(days=1), rules.recent_days)
    summary = compliance.summarize(session, [pid], recent).get(pid, compliance.Compliance())
    streak = dashboard.missed_streaks(session, [pid])
    return Page(participant, cells, first, last_month, today, month, entries, messages, flags,
                outreach, names, summary, streak.get(pid, 0))


def _cells(participant, first, last, statuses, undelivered, paused, now, rules):
    """Each day's status; days excused because the participant was paused show as paused."""
    cells = {}
    day = first
    while day <= last:
        if day in statuses:
            stored, reason = statuses[day]
            status = getattr(stored, "value", stored)
            if status == "excused" and reason == PAUSED_REASON:
                status = "paused"
        else:  # only a day without a row needs the clock and the window
            status = days.status_of(participant, day, None, now, rules)
            if status == "missed" and any(a <= day <= b for a, b in paused):
                status = "paused"
        cells[day] = DayCell(day, status, day in undelivered and status != "on_time")
        day += timedelta(days=1)
    return cells


def _undelivered(session, pid) -> set[date]:
    """Diary days whose reminders all failed to arrive (at least one failed, none arrived)."""
    rows = session.execute(select(OutboundMessage.diary_date, OutboundMessage.status).where(
        OutboundMessage.participant_id == pid, OutboundMessage.diary_date.is_not(None),
        OutboundMessage.recipient.in_(["participant", "caregiver"])))
    failed, reached = set(), set()
    for day, status in rows:
        status = MessageStatus(status)
        (failed if status in NOT_DELIVERED else reached if status in REACHED else set()).add(day)
    return failed - reached


def _paused(session, participant) -> list[tuple[date, date]]:
    """Periods the participant was paused, from the audited status changes."""
    rows = session.execute(select(AuditEvent.at, AuditEvent.detail).where(
        AuditEvent.participant_id == participant.id, AuditEvent.action == "participant.status")
        .order_by(AuditEvent.at, AuditEvent.id))
    periods, since = [], None
    for at, detail in rows:
        change = (detail or {}).get("status", {})
        local = schedule.local_today(at, participant.timezone)
        if change.get("after") == "paused":
            since = local
        elif change.get("before") == "paused" and since is not None:
            periods.append((since, local))
            since = None
    if since is not None:
        periods.append((since, date.max))
    return periods


def _entries(session, pid, month: date) -> list[EntryView]:
    end = next_month(month)
    in_month = (DiaryEntry.participant_id == pid, DiaryEntry.diary_date >= month,
                DiaryEntry.diary_date < end)
    views = {e.id: EntryView(e) for e in session.scalars(
        select(DiaryEntry).where(*in_month).order_by(DiaryEntry.diary_date.desc()))}
    for entry_id, item_id, value in session.execute(
            select(Answer.entry_id, Answer.item_id, Answer.value)
            .join(DiaryEntry, DiaryEntry.id == Answer.entry_id).where(*in_month)):
        views[entry_id].answers[item_id] = value
    for sub in session.scalars(select(Submission).join(DiaryEntry, DiaryEntry.id ==
                                                      Submission.entry_id)
                               .where(*in_month).order_by(Submission.received_at)):
        views[sub.entry_id].submissions.append(sub)
    subs = {s.id: s for v in views.values() for s in v.submissions}
    for rev in session.scalars(select(AnswerRevision).join(DiaryEntry, DiaryEntry.id ==
                                                          AnswerRevision.entry_id)
                               .where(*in_month).order_by(AnswerRevision.id)):
        views[rev.entry_id].revisions.append((rev, subs.get(rev.submission_id)))
    return list(views.values())


def _messages(session, pid) -> list[tuple[OutboundMessage, list[MessageEvent]]]:
    recent = list(session.scalars(select(OutboundMessage).where(
        OutboundMessage.participant_id == pid).order_by(OutboundMessage.id.desc())
        .limit(MESSAGES_SHOWN)))
    events = defaultdict(list)
    for event in session.scalars(select(MessageEvent).where(
            MessageEvent.message_id.in_([m.id for m in recent])).order_by(MessageEvent.at)):
        events[event.message_id].append(event)
    return [(m, events[m.id]) for m in recent]
