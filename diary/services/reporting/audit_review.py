"""The audit trail for review, with entries that look back-filled or odd highlighted."""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from diary.models import AuditEvent, Caregiver, DiaryEntry, Participant, StaffUser, Submission
from diary.services.people import scope
from diary.services.reporting import exports


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
    actor_code: str | None = None  # the study code behind a participant or caregiver actor


@dataclass
class Review:
    rows: list[ReviewRow]
    total: int
    page: int
    pages: int


def review(session: Session, staff: StaffUser, filters: Filters, thresholds: Thresholds,
           page: int = 1, per_page: int = 100) -> Review:
    """One page of the filtered trail, newest first, with anomalies marked; and the total."""
    query = _filtered(staff, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    found = session.execute(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                            .limit(per_page).offset((page - 1) * per_page)).all()
    rows = [ReviewRow(event, code, site) for event, code, site in found]
    marks = anomalies(session, [r.event for r in rows], thresholds)
    codes = actor_codes(session, [r.event for r in rows])
    for row in rows:
        row.marks = marks.get((row.event.target, row.event.at), [])
        row.actor_code = codes.get((row.event.actor_type, row.event.actor_id))
    return Review(rows, total, page, pages)


def actor_codes(session: Session, events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    """The study code behind each participant or caregiver actor, in two queries at most."""
    wanted = {kind: {e.actor_id for e in events if e.actor_type == kind and e.actor_id}
              for kind in ("participant", "caregiver")}
    codes: dict[tuple[str, int], str] = {}
    if wanted["participant"]:
        codes.update((("participant", pid), code) for pid, code in session.execute(
            select(Participant.id, Participant.study_code)
            .where(Participant.id.in_(wanted["participant"]))))
    if wanted["caregiver"]:
        codes.update((("caregiver", cid), code) for cid, code in session.execute(
            select(Caregiver.id, Participant.study_code)
            .join(Participant, Participant.id == Caregiver.participant_id)
            .where(Caregiver.id.in_(wanted["caregiver"]))))
    return codes


def _filtered(staff: StaffUser, filters: Filters):
    query = exports.audit_query(staff)
    if filters.study_code.strip():
        query = query.where(Participant.study_code == filters.study_code.strip().upper())
    if filters.actor.strip():
        query = query.where(_actor_clause(filters.actor.strip()))
    zone = ZoneInfo(filters.timezone)
    # A bound before the year 2 or after 9998 cannot be an instant: it filters nothing out.
    if filters.since and (since := _midnight(filters.since, zone)) is not None:
        query = query.where(AuditEvent.at >= since)
    if filters.until and (until := _midnight(filters.until, zone, days_after=1)) is not None:
        query = query.where(AuditEvent.at < until)
    return query


def _actor_clause(text: str):
    """staff:ID picks one staff member (an id no column can hold matches nobody); else a label."""
    number = re.fullmatch(r"staff:([0-9]+)", text)
    if number is None:
        return AuditEvent.actor_label.ilike(f"%{text}%")
    if int(number.group(1)) > scope.MAX_ID:
        return false()
    return (AuditEvent.actor_type == "staff") & (AuditEvent.actor_id == int(number.group(1)))


def _midnight(day: date, zone: ZoneInfo, days_after: int = 0) -> datetime | None:
    """The instant a local day starts (days_after later), or None beyond the datetime range."""
    try:
        return (datetime.combine(day, time(0), zone) + timedelta(days=days_after)).astimezone(UTC)
    except OverflowError:
        return None


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


