"""The item-level CSV (one row per answer), written straight from a streamed Core select.

The same bytes as `exports.to_csv(ITEM_HEADER, …)` over one tuple per answer, at a fraction of
the cost: an answer's day (study code, site, date, who, version, when, late, staff) is the same
for all its ~30 answers, so those cells are formatted once per day and only the item and the
value once per row. The columns are read raw (no enum, boolean or time-zone conversion per row)
and rows go to `csv.writer.writerows` a batch at a time.
"""

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

from sqlalchemy import Integer, String, select, type_coerce
from sqlalchemy.orm import Session

from diary.models import Answer, DiaryEntry, Participant, Site
from diary.services.people import scope

BATCH = 2000
HEADER = ("study_code", "site", "diary_date", "item_id", "value", "originator",
          "instrument_version", "submitted_at_utc", "late", "staff_entered")
# OWASP's rule for CSV injection: a cell a spreadsheet would read as a formula gets a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as typed, never runs: `=HYPERLINK(…)` becomes `'=HYPERLINK(…)`."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def query(staff: scope.Viewer, site_id: int | None = None):
    """Every answer in the staff member's scope with its day, raw (no per-row type conversion)."""
    entry, answer = DiaryEntry.__table__.c, Answer.__table__.c
    person, site = Participant.__table__.c, Site.__table__.c
    return (select(entry.id, person.study_code, site.code, type_coerce(entry.diary_date, String),
                   answer.item_id, answer.value, type_coerce(entry.originator, String),
                   entry.instrument_version, type_coerce(entry.first_submitted_at, String),
                   type_coerce(entry.status, String), type_coerce(entry.staff_entered, Integer))
            .select_from(Answer.__table__)
            .join(DiaryEntry.__table__, entry.id == answer.entry_id)
            .join(Participant.__table__, person.id == entry.participant_id)
            .join(Site.__table__, site.id == person.site_id)
            .where(entry.participant_id.in_(scope.participant_ids(staff, site_id)))
            .order_by(person.study_code, entry.diary_date, answer.item_id))


def csv_chunks(session: Session, staff: scope.Viewer,
               site_id: int | None = None) -> Iterator[str]:
    """The file as text chunks: a BOM, the header, then one chunk per batch of answers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(HEADER)
    # On the connection: a Core result, without the ORM's row wrapping (the scope is ORM-built).
    result = session.connection().execute(query(staff, site_id),
                                          execution_options={"yield_per": BATCH})
    items: dict[str, str] = {}
    current, head, tail = None, (), ()
    for batch in result.partitions():
        rows = []
        for (entry_id, code, site, day, item, value, origin, version, at, status,
             staff_entered) in batch:
            if entry_id != current:
                current = entry_id
                head = (_text(code), _text(site), _day(day))
                tail = (_text(origin), _text(version), _utc(at), "1" if status == "late" else "0",
                        "1" if staff_entered else "0")
            cell = items.get(item)
            if cell is None:
                cell = items[item] = neutralise(item)
            if value.startswith(FORMULA_STARTS):  # neutralise(), inline: once per answer
                value = f"'{value}"
            rows.append((*head, cell, value, *tail))
        writer.writerows(rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _text(value: str | None) -> str:
    return "" if value is None else neutralise(value)


def _day(value: str | date) -> str:
    """A DATE as read: text on SQLite, a date on PostgreSQL; ISO either way."""
    return (date.fromisoformat(value) if isinstance(value, str) else value).isoformat()


def _utc(value: str | datetime | None) -> str:
    """A stored UTC time as read (naive text on SQLite, aware on PostgreSQL) in ISO with Z."""
    if value is None:
        return ""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    if at.tzinfo is not None:
        at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")
