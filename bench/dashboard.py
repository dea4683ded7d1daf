"""Benchmark: the dashboard's first page with 1,000 participants × 365 days of entries.

Seeds a SQLite file with bulk inserts, signs in through the real form and times GET /staff/
with the test client; prints the median of N runs and the query counts for a big and a small
site. Usage: .venv/bin/python bench/dashboard.py [--participants 1000] [--days 365] [--runs 15]
"""

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import insert, select, text
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diary import create_app, crypto  # noqa: E402
from diary.extensions import db  # noqa: E402
from diary.models import (  # noqa: E402
    DiaryEntry,
    Flag,
    OutboundMessage,
    Participant,
    Site,
    StaffRole,
    StaffUser,
)
from tests.support.staff import count_queries  # noqa: E402

PASSWORD = "benchmark-password"  # noqa: S105 - a throwaway account in a temporary database
NOW = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)  # 12:00 in Beijing
STATUSES = ("on_time",) * 85 + ("late",) * 5 + ("missed",) * 8 + ("excused",) * 2


def make_app(path: Path):
    key_file = path.with_suffix(".key")  # kept beside the database so a reused file decrypts
    if not key_file.exists():
        key_file.write_text(Fernet.generate_key().decode())
    return create_app({"DIARY_ENV": "testing", "TESTING": True, "SECRET_KEY": "bench",
                       "DIARY_ENCRYPTION_KEYS": key_file.read_text().strip(),
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                       "WTF_CSRF_ENABLED": True, "DIARY_CLOCK": lambda: NOW})


def seed(session, participants: int, days: int, small: int) -> None:
    """Two sites (a big one and a small one), an admin, participants, day rows, flags, SMS."""
    rng = random.Random(7)
    big_site, small_site = Site(code="XW", name_en="Big", name_zh="大"), Site(
        code="SM", name_en="Small", name_zh="小")
    session.add_all([big_site, small_site])
    session.flush()
    admin = StaffUser(email="admin@example.org", display_name="Admin", role=StaffRole.ADMIN)
    admin.set_secret(PASSWORD)
    session.add(admin)
    pin = generate_password_hash("246810")
    today = date(2026, 11, 26)
    start = today - timedelta(days=days)
    people = []
    for n in range(participants + small):
        site = big_site if n < participants else small_site
        phone = f"+86139{n:08d}"
        people.append({"study_code": f"{site.code}-{n:04d}", "site_id": site.id,
                       "phone": phone, "phone_hash": crypto.lookup_hash(phone),
                       "locale": "zh", "timezone": "Asia/Shanghai", "diary_start_date": start,
                       "diary_end_date": start + timedelta(days=365), "secret_hash": pin})
    session.execute(insert(Participant), people)
    ids = list(session.scalars(select(Participant.id).order_by(Participant.id)))
    batch = []
    for pid in ids:
        for offset in range(days):
            day = start + timedelta(days=offset)
            status = rng.choice(STATUSES)
            at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
            answered = status in ("on_time", "late")
            batch.append({"participant_id": pid, "diary_date": day, "status": status,
                          "staff_entered": False, "warning_sign": False, "created_at": at,
                          "first_submitted_at": at if answered else None,
                          "last_submitted_at": at if answered else None})
            if len(batch) >= 50_000:
                session.execute(insert(DiaryEntry.__table__), batch)
                batch = []
    if batch:
        session.execute(insert(DiaryEntry.__table__), batch)
    flags = [{"participant_id": pid, "kind": rng.choice(("missed_streak", "safety_same_day",
                                                         "low_compliance")),
              "status": "open", "dedupe_key": f"bench:{pid}", "opened_at": NOW,
              "due_at": NOW + timedelta(hours=rng.randint(-10, 40))} for pid in ids[::10]]
    session.execute(insert(Flag.__table__), flags)
    messages = [{"idempotency_key": f"bench:{pid}:{k}", "participant_id": pid,
                 "recipient": "participant", "to_phone": crypto.encrypt("+8613900000000"),
                 "to_hash": "x", "kind": "reminder", "diary_date": today - timedelta(days=k),
                 "locale": "zh", "variant": 0, "body": "…", "attempts": 1,
                 "status": rng.choice(("delivered",) * 9 + ("undelivered",)),
                 "due_at": NOW, "expires_at": NOW, "created_at": NOW, "updated_at": NOW}
                for pid in ids for k in range(1, 8)]
    session.execute(insert(OutboundMessage.__table__), messages)
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--small", type=int, default=10, help="participants at the small site")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", type=Path, help="reuse (or keep) the seeded SQLite file here")
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp(prefix="diary-bench-")) / "bench.db"
    reuse = path.exists()
    app = make_app(path)
    started = time.perf_counter()
    with app.app_context():
        if not reuse:
            from flask_migrate import upgrade

            upgrade()
            seed(db.session, args.participants, args.days, args.small)
        rows = db.session.scalar(select(db.func.count()).select_from(DiaryEntry))
        small_id = db.session.scalar(select(Site.id).where(Site.code == "SM"))
        big_id = db.session.scalar(select(Site.id).where(Site.code == "XW"))
    print(f"{'reused' if reuse else 'seeded'} {args.participants + args.small} participants, "
          f"{rows} day rows in {time.perf_counter() - started:.1f} s ({path})")

    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    signed_in = client.post("/staff/login", data={"email": "admin@example.org",
                                                  "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302, "sign-in failed"

    def timed(url: str) -> float:
        began = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - began
        assert response.status_code == 200, url
        return elapsed

    url = f"/staff/?site={big_id}"
    timed(url)  # warm the caches (templates, statements)
    samples = [timed(url) for _ in range(args.runs)]
    print(f"dashboard first page ({args.participants} participants × {args.days} days): "
          f"median {statistics.median(samples) * 1000:.0f} ms, "
          f"min {min(samples) * 1000:.0f} ms, max {max(samples) * 1000:.0f} ms "
          f"over {args.runs} runs")

    with app.app_context():
        engine = db.engine
        first = db.session.scalar(select(Participant.id).order_by(Participant.id))
    person = f"/staff/participants/{first}"
    timed(person)
    samples = [timed(person) for _ in range(args.runs)]
    print(f"participant page ({args.days} days): median "
          f"{statistics.median(samples) * 1000:.0f} ms over {args.runs} runs")
    counts = {}
    for label, target in (("big site", f"/staff/?site={big_id}"),
                          ("small site", f"/staff/?site={small_id}")):
        with count_queries(engine) as seen:
            client.get(target)
        counts[label] = len(seen)
    print(f"queries per dashboard page: {args.participants} participants → {counts['big site']}, "
          f"{args.small} participants → {counts['small site']}")


if __name__ == "__main__":
    main()
