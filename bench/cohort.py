"""A large cohort in seconds: bulk inserts of sites, participants, days, answers, flags and SMS.

Not through the services (that would take hours at 10,000 × 365): rows shaped like theirs.
"""

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select, text
from werkzeug.security import generate_password_hash

from diary import crypto
from diary.models import (
    Answer,
    DiaryEntry,
    Flag,
    OutboundMessage,
    Participant,
    Site,
    StaffRole,
    StaffUser,
)

PASSWORD = "benchmark-password"  # noqa: S105 - a throwaway account in a benchmark database
PIN = "246810"
NOW = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)  # 12:00 in Beijing
TODAY = date(2026, 11, 26)
STATUSES = ("on_time",) * 85 + ("late",) * 5 + ("missed",) * 8 + ("excused",) * 2
ANSWERS = {"R1": "participant", **{f"RF{n}": "no" for n in range(1, 13)},
           **{f"S{n}": "1" for n in range(1, 11)}, "S11": "fair", "S12": "0", "S13": "0"}
TIMES = [time(19, 0), time(19, 30), time(20, 0), time(20, 30), time(21, 0)]
CHUNK = 50_000


def seed(session, participants: int, days: int, small: int = 10, answer_days: int = 0,
         flags: bool = True, messages_per_person: int = 3, today: date = TODAY) -> dict:
    """Two sites (a big and a small one), an admin, people, their days; returns row counts."""
    rng = random.Random(7)
    big, little = (Site(code="XW", name_en="Big", name_zh="大", created_at=NOW),
                   Site(code="SM", name_en="Small", name_zh="小", created_at=NOW))
    session.add_all([big, little])
    session.flush()
    admin = StaffUser(email="admin@example.org", display_name="Admin", role=StaffRole.ADMIN,
                      created_at=NOW)
    admin.set_secret(PASSWORD)
    session.add(admin)
    ids = _people(session, big.id, little.id, participants, small, today - timedelta(days=days))
    counts = {"participants": len(ids), "days": 0, "answers": 0}
    counts["days"], answered = _days(session, ids, today, days, answer_days, rng)
    counts["answers"] = _answers(session, answered)
    if flags:
        session.execute(insert(Flag.__table__), [
            {"participant_id": pid, "kind": rng.choice(("missed_streak", "safety_same_day",
                                                        "low_compliance")),
             "status": "open", "dedupe_key": f"bench:{pid}", "opened_at": NOW,
             "due_at": NOW + timedelta(hours=rng.randint(-10, 40))} for pid in ids[::10]])
    _messages(session, ids, messages_per_person, rng)
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()
    return counts


def _people(session, big_id: int, small_id: int, participants: int, small: int,
            start: date) -> list[int]:
    pin = generate_password_hash(PIN)
    rows = []
    for n in range(participants + small):
        site, code = (big_id, "XW") if n < participants else (small_id, "SM")
        phone = f"+86139{n:08d}"
        rows.append({"study_code": f"{code}-{n:06d}", "site_id": site, "phone": phone,
                     "phone_hash": crypto.lookup_hash(phone), "locale": "zh",
                     "timezone": "Asia/Shanghai", "reminder_time": TIMES[n % len(TIMES)],
                     "reminder_recipients": "participant", "reporting_mode": "self",
                     "status": "active", "diary_start_date": start,
                     "diary_end_date": start + timedelta(days=2 * 365),
                     "secret_hash": pin, "created_at": NOW})
    for chunk in range(0, len(rows), CHUNK):
        session.execute(insert(Participant), rows[chunk:chunk + CHUNK])
    return list(session.scalars(select(Participant.id).order_by(Participant.id)))


def _days(session, ids: list[int], today: date, days: int, answer_days: int,
          rng) -> tuple[int, list]:
    """Every past day of everyone: a status, and for the last `answer_days` the entry ids."""
    start = today - timedelta(days=days)
    batch, total = [], 0
    for pid in ids:
        for offset in range(days):
            day = start + timedelta(days=offset)
            status = rng.choice(STATUSES)
            at = datetime.combine(day, time(12), UTC)
            answered = status in ("on_time", "late")
            batch.append({"participant_id": pid, "diary_date": day, "status": status,
                          "originator": "participant" if answered else None,
                          "instrument_version": "1.0" if answered else None,
                          "staff_entered": False, "warning_sign": False, "created_at": at,
                          "first_submitted_at": at if answered else None,
                          "last_submitted_at": at if answered else None})
            if len(batch) >= CHUNK:
                session.execute(insert(DiaryEntry.__table__), batch)
                total, batch = total + len(batch), []
    if batch:
        session.execute(insert(DiaryEntry.__table__), batch)
        total += len(batch)
    if not answer_days:
        return total, []
    since = today - timedelta(days=answer_days)
    answered = session.scalars(select(DiaryEntry.id).where(
        DiaryEntry.diary_date >= since, DiaryEntry.status.in_(("on_time", "late"))))
    return total, list(answered)


def _answers(session, entry_ids: list[int]) -> int:
    batch, total = [], 0
    for entry_id in entry_ids:
        batch += [{"entry_id": entry_id, "item_id": k, "value": v} for k, v in ANSWERS.items()]
        if len(batch) >= CHUNK:
            session.execute(insert(Answer.__table__), batch)
            total, batch = total + len(batch), []
    if batch:
        session.execute(insert(Answer.__table__), batch)
        total += len(batch)
    return total


def _messages(session, ids: list[int], per_person: int, rng) -> None:
    phone = "+8613900000000"  # encrypted by the column type, as the service would
    batch = []
    for pid in ids:
        for k in range(1, per_person + 1):
            batch.append({
                "idempotency_key": f"bench:{pid}:{k}", "participant_id": pid,
                "recipient": "participant", "to_phone": phone, "to_hash": f"h{pid}",
                "kind": "daily", "diary_date": TODAY - timedelta(days=k), "locale": "zh",
                "variant": 0, "body": "…", "attempts": 1,
                "status": rng.choice(("delivered",) * 9 + ("undelivered",)),
                "due_at": NOW, "expires_at": NOW, "created_at": NOW, "updated_at": NOW})
            if len(batch) >= CHUNK:
                session.execute(insert(OutboundMessage.__table__), batch)
                batch = []
    if batch:
        session.execute(insert(OutboundMessage.__table__), batch)
