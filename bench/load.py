"""Load test: participants finishing their day and coordinators working, at once, on gunicorn.

A bounded client (threads, loopback only): each participant signs in, walks every screen,
sends the day, then keeps amending it; each coordinator opens the dashboard, participants and
flags. Afterwards every acknowledged submission is looked up in the database: stored once.
Usage: .venv/bin/python bench/load.py [--seconds 60] [--participants 50] [--coordinators 5]
"""

import argparse
import itertools
import random
import re
import sys
import threading
import time
import uuid
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cohort, common  # noqa: E402
from diary.demo import BASELINE  # noqa: E402

FIELD = re.compile(r'name="([A-Z][A-Z0-9_]*)"')


class Stats:
    """Latencies and failures per kind of request, from every thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.server_errors = 0
        self.acknowledged: list[tuple[str, str]] = []  # (phone, token) answered "done"

    def add(self, name: str, seconds: float, status: int | None) -> None:
        with self.lock:
            self.times[name].append(seconds)
            if status is None or status >= 400:
                self.errors[name] += 1
            if status is not None and status >= 500:
                self.server_errors += 1


class User:
    addresses = itertools.count(1)

    def __init__(self, base: str, stats: Stats, until: float, think: float) -> None:
        self.base, self.stats, self.until, self.think = base, stats, until, think
        self.http = requests.Session()
        # As deployed, behind one proxy: each phone has its own address, so the sign-in
        # limits per address meet one person each, not the whole crowd on loopback.
        n = next(self.addresses)
        self.http.headers["X-Forwarded-For"] = f"10.0.{n // 250}.{n % 250 + 1}"
        self.rng = random.Random()

    def call(self, name: str, method: str, path: str, **kw) -> requests.Response | None:
        began = time.perf_counter()
        try:
            response = self.http.request(method, self.base + path, timeout=30,
                                         allow_redirects=False, **kw)
        except requests.RequestException:
            self.stats.add(name, time.perf_counter() - began, None)
            return None
        self.stats.add(name, time.perf_counter() - began, response.status_code)
        return response

    def ramp(self) -> None:
        """People arrive over the first seconds, not all in the same instant."""
        time.sleep(self.rng.uniform(0, min(10.0, (self.until - time.monotonic()) / 6)))

    def pause(self) -> None:
        time.sleep(self.rng.uniform(0, 2 * self.think))

    def sign_in(self, path: str, fields: dict) -> bool:
        page = self.call("sign-in page", "GET", path)
        if page is None:
            return False
        answer = self.call("sign in", "POST", path, data={
            **fields, "csrf_token": common.csrf_token(page.text)})
        return answer is not None and answer.status_code == 302


class Participant(User):
    def __init__(self, phone: str, *args) -> None:
        super().__init__(*args)
        self.phone = phone
        self.day = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()

    def run(self) -> None:
        self.ramp()
        if not self.sign_in("/login", {"phone": self.phone, "pin": cohort.PIN}):
            return
        first = True
        while time.monotonic() < self.until:
            self.call("home", "GET", "/")
            self.pause()
            self.walk(everything=first)
            first = False
            self.call("history", "GET", "/history")
            self.pause()

    def walk(self, everything: bool) -> None:
        """Every screen the first time; afterwards one screen changed, then send again."""
        path = f"/diary/{self.day}/who"
        while path and "/review" not in path and time.monotonic() < self.until:
            page = self.call("screen", "GET", path)
            if page is None or page.status_code != 200:
                return
            self.pause()
            answer = self.call("save a screen", "POST", path, data=self.answers(path, page.text))
            if answer is None or answer.status_code != 302:
                return
            path = answer.headers["Location"]
            if not everything:
                path = f"/diary/{self.day}/review"
        if path and "/review" in path and time.monotonic() < self.until:
            self.send(path)

    def answers(self, path: str, page: str) -> dict:
        token = common.csrf_token(page)
        if path.endswith("/who"):
            return {"csrf_token": token, "R1": "participant"}
        if path.endswith("/warning"):
            return {"csrf_token": token, "action": "none"}
        names = set(FIELD.findall(page))
        return {"csrf_token": token, "action": "next",
                **{n: BASELINE[n] for n in names if n in BASELINE}}

    def send(self, path: str) -> None:
        page = self.call("review", "GET", path)
        if page is None or page.status_code != 200:
            return
        base = re.search(r'name="base" value="(\d*)"', page.text)
        token = uuid.uuid4().hex
        self.pause()
        answer = self.call("send the day", "POST", path, data={
            "csrf_token": common.csrf_token(page.text), "token": token,
            "base": base.group(1) if base else ""})
        if answer is not None and answer.status_code == 302 and "/done" in answer.headers.get(
                "Location", ""):
            with self.stats.lock:
                self.stats.acknowledged.append((self.phone, token))


class Coordinator(User):
    def __init__(self, people: list[int], *args) -> None:
        super().__init__(*args)
        self.people = people

    def run(self) -> None:
        self.ramp()
        if not self.sign_in("/staff/login", {"email": "admin@example.org",
                                             "password": cohort.PASSWORD}):
            return
        while time.monotonic() < self.until:
            for name, path in (("dashboard", "/staff/"),
                               ("participant page",
                                f"/staff/participants/{self.rng.choice(self.people)}"),
                               ("flags", "/staff/flags")):
                self.call(name, "GET", path)
                self.pause()


def prepare(participants: int):
    """A fresh PostgreSQL database, migrated, with the cohort (30 days of history)."""
    from sqlalchemy import select

    from bench.scale import make_app
    from diary.extensions import db
    from diary.models import Participant as Person

    app = make_app("postgres", "load", Path("."))
    with app.app_context():
        cohort.seed(db.session, participants=participants, days=30, small=0,
                    today=datetime.now(ZoneInfo("Asia/Shanghai")).date())
        people = [(pid, phone) for pid, phone in db.session.execute(
            select(Person.id, Person.phone))]
        url = db.engine.url.render_as_string(hide_password=False)
        db.engine.dispose()
    return url, people


def check(url: str, stats: Stats) -> dict:
    """Every acknowledged token stored exactly once, and one entry per participant and day."""
    from sqlalchemy import create_engine, func, select

    from diary.models import DiaryEntry, Submission

    engine = create_engine(url)
    tokens = [t for _phone, t in stats.acknowledged]
    with engine.connect() as connection:
        stored = dict(connection.execute(
            select(Submission.token, func.count()).where(Submission.token.in_(tokens))
            .group_by(Submission.token)).all()) if tokens else {}
        twins = connection.scalar(select(func.count()).select_from(
            select(DiaryEntry.participant_id, DiaryEntry.diary_date).group_by(
                DiaryEntry.participant_id, DiaryEntry.diary_date)
            .having(func.count() > 1).subquery()))
    engine.dispose()
    return {"acknowledged": len(tokens), "missing": sum(1 for t in tokens if t not in stored),
            "stored_twice": sum(1 for n in stored.values() if n > 1), "duplicate_days": twins}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0


def run(seconds: float, participants: int, coordinators: int, think: float) -> dict:
    url, people = prepare(participants)
    stats = Stats()
    with common.gunicorn("wsgi:app", common.diary_env(url, DIARY_TRUSTED_PROXIES="1")) as base:
        until = time.monotonic() + seconds
        users = [Participant(phone, base, stats, until, think) for _id, phone in people]
        users += [Coordinator([pid for pid, _ in people], base, stats, until, think)
                  for _ in range(coordinators)]
        threads = [threading.Thread(target=u.run) for u in users]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 60)
        elapsed = time.monotonic() - began
    rows = {name: {"requests": len(times), "errors": stats.errors[name],
                   "p50_ms": percentile(times, 0.5), "p95_ms": percentile(times, 0.95),
                   "p99_ms": percentile(times, 0.99)} for name, times in stats.times.items()}
    return {"machine": common.machine(), "seconds": round(elapsed, 1),
            "participants": participants, "coordinators": coordinators, "think_s": think,
            "server_errors": stats.server_errors, "rows": rows, "stored": check(url, stats)}


def report(found: dict) -> str:
    lines = [[name, r["requests"], r["errors"], f"{r['p50_ms']:.0f} ms", f"{r['p95_ms']:.0f} ms",
              f"{r['p99_ms']:.0f} ms"] for name, r in sorted(found["rows"].items())]
    stored = found["stored"]
    return (common.table(["request", "requests", "errors", "p50", "p95", "p99"], lines)
            + f"\n\n{found['participants']} participants and {found['coordinators']} "
              f"coordinators for {found['seconds']} s on PostgreSQL; server errors: "
              f"{found['server_errors']}; acknowledged submissions {stored['acknowledged']}, "
              f"missing {stored['missing']}, stored twice {stored['stored_twice']}, "
              f"days stored twice {stored['duplicate_days']}; "
              f"load average {found['machine']['load_1_5_15'][0]:.1f}")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--coordinators", type=int, default=5)
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between taps (s)")
    parser.add_argument("--smoke", action="store_true", help="10 s, 5 participants, 1 coordinator")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.participants, args.coordinators = 10, 5, 1
    found = run(args.seconds, args.participants, args.coordinators, args.think)
    print(report(found))
    print("results:", common.save_results("load", found))
    return found


if __name__ == "__main__":
    main()
