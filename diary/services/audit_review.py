"""The audit trail for review, with entries that look back-filled or odd highlighted."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diary.models import AuditEvent, DiaryEntry, Participant, StaffUser, Submission
from diary.services import exports


@dataclass(frozen=True)
class Thresholds:
    burst_days: int = 3          # this many diary days sent ...
    burst_minutes: int = 10      # ... within this many minutes look back-filled
    odd_start: time = time(1, 0)  # local hours when few people write a diary
    odd_end: time = time(5, 0)
    skew_minutes: int = 30       # the phone's clock this far from the server's

    @classmethod
    def from_config(cls, config) -> "Thresholds":
        """Read the thresholds from the settings."""
        return cls(int(config["DIARY_AUDIT_BURST_DAYS"]), int(config["DIARY_AUDIT_BURST_MINUTES"]),
                   time.fromisoformat(config["DIARY_AUDIT_ODD_START"]),
                   time.fromisoformat(config["DIARY_AUDIT_ODD_END"]),
                   int(config["DIARY_AUDIT_SKEW_MINUTES"]))


@dataclass
class Filters:
    study_code: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None
    timezone: str = "Asia/Shanghai"


@dataclass
class ReviewRow:
    event: AuditEvent
    study_code: str | None
    site: str | None
    marks: list[str] = field(default_factory=list)


def review(session: Session, staff: StaffUser, filters: Filters, thresholds: Thresholds,
           page: int = 1, per_page: int = 100) -> tuple[list[ReviewRow], int]:
    """One page of the filtered trail, newest first, with anomalies marked; and the total."""
    query = _filtered(staff, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = session.execute(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                            .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    rows = [ReviewRow(event, code, site) for event, code, site in found]
    marks = anomalies(session, [r.event for r in rows], thresholds)
    for row in rows:
        row.marks = marks.get((row.event.target, row.event.at), [])
    return rows, total


def _filtered(staff: StaffUser, filters: Filters):
    query = exports.audit_query(staff)
    if filters.study_code.strip():
        query = query.where(Participant.study_code == filters.study_code.strip().upper())
    if filters.actor.strip():
        text = filters.actor.strip()
        if text.startswith("staff:") and text[6:].isdigit():
            query = query.where(AuditEvent.actor_type == "staff",
                                AuditEvent.actor_id == int(text[6:]))
        else:
            query = query.where(AuditEvent.actor_label.ilike(f"%{text}%"))
    zone = ZoneInfo(filters.timezone)
    if filters.since:
        query = query.where(AuditEvent.at >= datetime.combine(filters.since, time(0), zone))
    if filters.until:
        query = query.where(AuditEvent.at < datetime.combine(
            filters.until + timedelta(days=1), time(0), zone))
    return query


def anomalies(session: Session, events: list[AuditEvent],
              thresholds: Thresholds) -> dict[tuple[str, datetime], list[str]]:
    """Marks for the entry events shown, keyed by (target, instant)."""
    entry_events = [e for e in events if (e.target or "").startswith("entry:")
                    and e.action.startswith("entry.") and e.participant_id]
    if not entry_events:
        return {}
    window = timedelta(minutes=thresholds.burst_minutes)
    first = min(e.at for e in entry_events) - window
    last = max(e.at for e in entry_events) + window
    rows = session.execute(
        select(Submission.entry_id, Submission.received_at, Submission.client_at,
               DiaryEntry.participant_id, DiaryEntry.diary_date, Participant.timezone)
        .join(DiaryEntry, DiaryEntry.id == Submission.entry_id)
        .join(Participant, Participant.id == DiaryEntry.participant_id)
        .where(DiaryEntry.participant_id.in_({e.participant_id for e in entry_events}),
               Submission.received_at.between(first, last))).all()
    by_participant = defaultdict(list)
    for row in rows:
        by_participant[row.participant_id].append(row)
    marks: dict[tuple[str, datetime], list[str]] = {}
    for row in rows:
        found = []
        near = {r.diary_date for r in by_participant[row.participant_id]
                if abs(r.received_at - row.received_at) <= window}
        if len(near) >= thresholds.burst_days:
            found.append("burst")
        local = row.received_at.astimezone(ZoneInfo(row.timezone)).time()
        if thresholds.odd_start <= local < thresholds.odd_end:
            found.append("odd_hour")
        if row.client_at is not None and abs(row.client_at - row.received_at) > timedelta(
                minutes=thresholds.skew_minutes):
            found.append("clock_skew")
        if found:
            marks[(f"entry:{row.entry_id}", row.received_at)] = found
    return marks


