"""Site-scoped CSV and ODM exports streamed row by row; study codes only, never phones or PINs."""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from flask_babel import force_locale
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from diary.models import (
    Answer,
    AnswerRevision,
    AuditEvent,
    DayStatus,
    DiaryEntry,
    Participant,
    Site,
    StaffUser,
    Submission,
)
from diary.rules import instrument, schedule
from diary.services import audit
from diary.services.people import scope
from diary.services.reporting import compliance, dashboard, item_export, odm
from diary.services.reporting.item_export import FORMULA_STARTS, neutralise  # noqa: F401

BATCH = 1000
PRIVATE_KEYS = frozenset({"identifier", "phone", "email", "name", "to", "from", "pin"})
ITEM_HEADER = item_export.HEADER
REVISION_HEADER = ("study_code", "site", "diary_date", "item_id", "old_value", "new_value",
                   "changed_at_utc", "actor_type", "originator", "reason")
DAY_COLUMNS = ("study_code", "site", "diary_date", "status", "originator", "staff_entered",
               "reason", "instrument_version", "submitted_at_utc", "last_changed_at_utc", "late")
COMPLIANCE_HEADER = ("study_code", "site", "status", "diary_start_date", "diary_end_date",
                     "on_time", "late", "missed", "excused", "expected", "compliance",
                     "on_time_rate", "last_7_days_rate", "missed_streak")
AUDIT_HEADER = ("id", "at_utc", "actor_type", "actor", "action", "site", "study_code", "target",
                "detail")
DICTIONARY_HEADER = ("item_id", "section", "section_en", "section_zh", "type", "label_en",
                     "label_zh", "caregiver_label_en", "caregiver_label_zh", "codes",
                     "decodes_en", "decodes_zh", "shown_if", "required", "core_from_month_4",
                     "minimum", "maximum")


def to_csv(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text chunks: a BOM for spreadsheet programs, the header, then a chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for n, row in enumerate(rows, 1):
        writer.writerow(_cell(v) for v in row)
        if n % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.3f}"
    return neutralise(str(getattr(value, "value", value)))


def record_export(session: Session, staff: StaffUser, name: str, now: datetime,
                  site_id: int | None) -> None:
    """Every export is an audit event (the caller commits before streaming)."""
    audit.record(session, now, "export", staff, site_id=site_id, target=name,
                 detail={"kind": name, "site_id": site_id})


def _stream(session: Session, query):
    return session.execute(query.execution_options(yield_per=BATCH))


def day_rows(session: Session, staff: scope.Viewer, site_id: int | None = None) -> Iterator[tuple]:
    """Wide format: one row per diary day, one column per instrument item."""
    query = (select(DiaryEntry.id, Participant.study_code, Site.code, DiaryEntry.diary_date,
                    DiaryEntry.status, DiaryEntry.originator, DiaryEntry.staff_entered,
                    DiaryEntry.reason, DiaryEntry.instrument_version,
                    DiaryEntry.first_submitted_at, DiaryEntry.last_submitted_at,
                    Answer.item_id, Answer.value)
             .join(Participant, Participant.id == DiaryEntry.participant_id)
             .join(Site, Site.id == Participant.site_id)
             .outerjoin(Answer, Answer.entry_id == DiaryEntry.id)
             .where(Participant.id.in_(scope.participant_ids(staff, site_id)))
             .order_by(Participant.study_code, DiaryEntry.diary_date, DiaryEntry.id))
    items = list(instrument.ITEMS)
    for _entry_id, group in groupby(_stream(session, query), key=lambda r: r[0]):
        rows = list(group)
        first = rows[0]
        answers = {r[11]: r[12] for r in rows if r[11] is not None}
        status = DayStatus(first[4])
        yield (*first[1:4], status, first[5], first[6], first[7], first[8], first[9],
               first[10], status == DayStatus.LATE, *(answers.get(i) for i in items))


def revision_rows(session: Session, staff: scope.Viewer,
                  site_id: int | None = None) -> Iterator[tuple]:
    """Every change to an answer, in order: old and new value (empty when none), when, who, why."""
    query = (select(Participant.study_code, Site.code, DiaryEntry.diary_date,
                    AnswerRevision.item_id, AnswerRevision.old_value, AnswerRevision.new_value,
                    Submission.received_at, Submission.actor_type, Submission.originator,
                    Submission.reason)
             .select_from(AnswerRevision)
             .join(Submission, Submission.id == AnswerRevision.submission_id)
             .join(DiaryEntry, DiaryEntry.id == AnswerRevision.entry_id)
             .join(Participant, Participant.id == DiaryEntry.participant_id)
             .join(Site, Site.id == Participant.site_id)
             .where(Participant.id.in_(scope.participant_ids(staff, site_id)))
             .order_by(Participant.study_code, DiaryEntry.diary_date, AnswerRevision.id))
    for row in _stream(session, query):
        yield tuple(row)


def day_header() -> tuple[str, ...]:
    """The wide file's columns: the day's facts, then every item id."""
    return (*DAY_COLUMNS, *instrument.ITEMS)


def compliance_rows(session: Session, staff: scope.Viewer, recent_since: date,
                    site_id: int | None = None) -> Iterator[tuple]:
    """One row per participant with the same numbers as the dashboard."""
    in_scope = scope.participant_ids(staff, site_id)
    summary = compliance.summarize(session, in_scope, recent_since)
    streaks = dashboard.missed_streaks(session, in_scope)
    query = (select(Participant.id, Participant.study_code, Site.code, Participant.status,
                    Participant.diary_start_date, Participant.diary_end_date)
             .join(Site, Site.id == Participant.site_id)
             .where(Participant.id.in_(in_scope)).order_by(Participant.study_code))
    for pid, code, site, status, start, end in session.execute(query):
        c = summary.get(pid, compliance.Compliance())
        yield (code, site, status, start, end, c.on_time, c.late, c.missed, c.excused,
               c.expected, c.rate, c.on_time_rate, c.recent_rate, streaks.get(pid, 0))


def scrub(detail):
    """Audit details without anything that could identify a person."""
    if isinstance(detail, dict):
        return {k: scrub(v) for k, v in detail.items() if k not in PRIVATE_KEYS}
    if isinstance(detail, list):
        return [scrub(v) for v in detail]
    return detail


def audit_query(staff: scope.Viewer, site_id: int | None = None):
    """Audit events about the staff member's sites (and, for all-site roles, staff events)."""
    sites = scope.site_ids(staff) if site_id is None else select(Site.id).where(
        Site.id == site_id, Site.id.in_(scope.site_ids(staff)))
    visible = or_(AuditEvent.site_id.in_(sites),
                  AuditEvent.participant_id.in_(scope.participant_ids(staff, site_id)))
    if staff.sees_all_sites and site_id is None:
        visible = or_(visible, AuditEvent.site_id.is_(None))
    return (select(AuditEvent, Participant.study_code, Site.code)
            .outerjoin(Participant, Participant.id == AuditEvent.participant_id)
            .outerjoin(Site, Site.id == AuditEvent.site_id).where(visible))


def actor_name(event: AuditEvent) -> str:
    """Staff by number, participants and caregivers by study code, never e-mail or name."""
    if event.actor_type == "staff":
        return f"staff:{event.actor_id}"
    return event.actor_label or event.actor_type


def audit_rows(session: Session, staff: scope.Viewer,
               site_id: int | None = None) -> Iterator[tuple]:
    """The audit trail, oldest first."""
    query = audit_query(staff, site_id).order_by(AuditEvent.at, AuditEvent.id)
    for event, code, site in _stream(session, query):
        yield (event.id, event.at, event.actor_type, actor_name(event), event.action, site,
               code, event.target,
               json.dumps(scrub(event.detail), ensure_ascii=False, sort_keys=True)
               if event.detail is not None else "")


def dictionary_rows() -> Iterator[tuple]:
    """The data dictionary from the instrument, labels in English and Chinese."""
    for section in instrument.SECTIONS:
        for item in section.items:
            en, zh = _both(item.label), _both(item.label, "zh")
            observed = (_both(item.observed), _both(item.observed, "zh")) \
                if item.observed is not None else ("", "")
            shown = f"{item.shown_if[0]} in {','.join(sorted(item.shown_if[1]))}" \
                if item.shown_if else ""
            yield (item.id, section.id, _both(section.title), _both(section.title, "zh"),
                   item.kind, en, zh, *observed, "|".join(item.codes()),
                   "|".join(f"{c.code}={_both(c.label)}" for c in item.choices),
                   "|".join(f"{c.code}={_both(c.label, 'zh')}" for c in item.choices),
                   shown, item.required, item.core,
                   f"{item.minimum:g}" if item.kind in ("temperature", "count") else None,
                   f"{item.maximum:g}" if item.kind in ("temperature", "count", "text")
                   else None)


def _both(text, locale: str = "en") -> str:
    with force_locale(locale):
        return str(text)


@dataclass(frozen=True)
class Selection:
    """What a download covers, as plain values: it outlives the request that asked for it."""

    viewer: scope.Viewer
    site_id: int | None
    now: datetime
    recent_since: date

    @classmethod
    def of(cls, staff: StaffUser, site_id: int | None, now: datetime, timezone: str,
           recent_days: int) -> "Selection":
        """The staff member's choice, with "recent" counted as the dashboard counts it."""
        today = schedule.local_today(now, timezone)
        return cls(scope.Viewer.of(staff), site_id, now,
                   compliance.recent_start(today - timedelta(days=1), recent_days))


@dataclass(frozen=True)
class Export:
    """One downloadable file: its type, its body on a session, and whether a site narrows it."""

    mimetype: str
    body: Callable[[Session, Selection], Iterator[str]]
    per_site: bool = True


def _csv(header: tuple[str, ...], rows: Callable[[Session, Selection], Iterable]) -> Export:
    return Export("text/csv", lambda session, q: to_csv(header, rows(session, q)))


EXPORTS: dict[str, Export] = {
    "items.csv": Export("text/csv", lambda s, q: item_export.csv_chunks(s, q.viewer, q.site_id)),
    "days.csv": _csv(day_header(), lambda s, q: day_rows(s, q.viewer, q.site_id)),
    "revisions.csv": _csv(REVISION_HEADER, lambda s, q: revision_rows(s, q.viewer, q.site_id)),
    "compliance.csv": _csv(COMPLIANCE_HEADER, lambda s, q: compliance_rows(
        s, q.viewer, q.recent_since, q.site_id)),
    "audit.csv": _csv(AUDIT_HEADER, lambda s, q: audit_rows(s, q.viewer, q.site_id)),
    "dictionary.csv": Export("text/csv", lambda s, q: to_csv(DICTIONARY_HEADER,
                                                             dictionary_rows()), per_site=False),
    "odm.xml": Export("application/xml",
                      lambda s, q: odm.document(s, q.viewer, q.now, q.site_id)),
}
