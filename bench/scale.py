"""Scaling benchmark: big cohorts made by bulk inserts, then the pages and jobs that must stay flat.

- dashboard first page and a participant's page at N participants × D days, with query counts
  for a big and a small site (the count must not grow with the rows);
- the item-level export: rows per second and peak Python memory at two cohort sizes;
- deciding who is due for a reminder at 100,000 participants (the scheduler's minute).
Usage: .venv/bin/python bench/scale.py [--backend sqlite|postgres] [--smoke]
"""

import argparse
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cohort, common  # noqa: E402
from diary import create_app  # noqa: E402
from diary.extensions import db  # noqa: E402
from diary.models import OutboundMessage, Participant, Site, StaffUser  # noqa: E402
from tests.support.query_counter import count_queries  # noqa: E402


def make_app(backend: str, name: str, folder: Path):
    """An app on a fresh, migrated database, its clock fixed at the cohort's 'now'."""
    url = (common.postgres_database(f"diary_perf_{name}") if backend == "postgres"
           else common.sqlite_database(folder, name))
    app = create_app({"DIARY_ENV": "testing", "TESTING": True, "SECRET_KEY": "bench",
                      "DIARY_ENCRYPTION_KEYS": common.ENCRYPTION_KEY,
                      "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": True,
                      "DIARY_CLOCK": lambda: cohort.NOW})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return app


def seeded(app, **sizes) -> dict:
    started = time.perf_counter()
    with app.app_context():
        counts = cohort.seed(db.session, **sizes)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def staff_client(app):
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post("/staff/login", data={"email": "admin@example.org",
                                               "password": cohort.PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, "sign-in failed"
    return client


def median_ms(client, url: str, runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of this process (on a shared machine the CPU time is
    the steadier figure; on SQLite it includes the database's work, on PostgreSQL not)."""
    def once() -> tuple[float, float]:
        began, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        assert response.status_code == 200, url
        return (time.perf_counter() - began) * 1000, (time.process_time() - cpu) * 1000

    once()  # warm: templates, statements
    walls, cpus = zip(*(once() for _ in range(runs)), strict=True)
    return round(statistics.median(walls), 1), round(statistics.median(cpus), 1)


def pages(backend: str, folder: Path, participants: int, days: int, runs: int) -> dict:
    app = make_app(backend, "scale_pages", folder)
    counts = seeded(app, participants=participants, days=days)
    client = staff_client(app)
    with app.app_context():
        big = db.session.scalar(select(Site.id).where(Site.code == "XW"))
        small = db.session.scalar(select(Site.id).where(Site.code == "SM"))
        person = db.session.scalar(select(Participant.id).order_by(Participant.id))
        engine = db.engine
    queries = {}
    for label, site in (("big", big), ("small", small)):
        # Each request in its own application context, as in a server (its own transaction).
        with count_queries(SimpleNamespace(get_bind=lambda: engine)) as seen:
            client.get(f"/staff/?site={site}")
        queries[label] = seen.count
    dashboard_ms, dashboard_cpu = median_ms(client, f"/staff/?site={big}", runs)
    participant_ms, participant_cpu = median_ms(client, f"/staff/participants/{person}", runs)
    return {"cohort": counts, "dashboard_ms": dashboard_ms, "dashboard_cpu_ms": dashboard_cpu,
            "participant_ms": participant_ms, "participant_cpu_ms": participant_cpu,
            "queries_big_site": queries["big"], "queries_small_site": queries["small"]}


def export(backend: str, folder: Path, participants: int, days: int, answer_days: int) -> dict:
    """Rows per second of the item-level CSV, and the peak memory while it streams."""
    from diary.services.people import scope
    from diary.services.reporting import exports

    app = make_app(backend, f"scale_export_{participants}", folder)
    counts = seeded(app, participants=participants, days=days, answer_days=answer_days,
                    flags=False, messages_per_person=0)
    with app.app_context():
        staff = db.session.scalar(select(StaffUser))
        # The download's own body, as the view streams it (all sites of an admin).
        selection = exports.Selection(scope.Viewer.of(staff), None, cohort.NOW, cohort.TODAY)

        def stream() -> int:
            rows = 0
            for chunk in exports.EXPORTS["items.csv"].body(db.session, selection):
                rows += chunk.count("\n")
            db.session.rollback()
            return rows - 1

        began, cpu = time.perf_counter(), time.process_time()
        rows = stream()
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        tracemalloc.start()
        stream()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {"cohort": counts, "rows": rows, "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds), "cpu_rows_per_s": round(rows / max(cpu, 1e-6)),
            "peak_mib": round(peak / 2**20, 1)}


def due(backend: str, folder: Path, participants: int) -> dict:
    """The tick's planning at 20:00 in Beijing (a fifth of everyone is due): minute after
    minute until all are stored (a tick stores at most DIARY_SMS_PLAN_LIMIT), then again."""
    from diary import memory
    from diary.rules.deployment import Rules
    from diary.services.messaging import reminders

    app = make_app(backend, "scale_due", folder)
    counts = seeded(app, participants=participants, days=0, small=0, flags=False,
                    messages_per_person=0)
    now = cohort.NOW + timedelta(hours=8)  # 20:00 local
    minutes = []
    memory.settle()  # as the scheduler process does once it has started
    with app.app_context():
        rules = Rules.from_config(app.config)
        while True:
            began = time.perf_counter()
            report = reminders.plan(db.session, now + timedelta(minutes=len(minutes)), rules)
            db.session.commit()
            minutes.append((round(time.perf_counter() - began, 2), report))
            if not report.get("more"):
                break
        began = time.perf_counter()
        again = reminders.plan(db.session, now + timedelta(minutes=len(minutes)), rules)
        again_s = round(time.perf_counter() - began, 2)
        stored = db.session.scalar(select(func.count()).select_from(OutboundMessage))
    return {"cohort": counts, "limit": rules.outbox.plan_limit, "minutes": len(minutes),
            "plan_s": minutes[0][0], "slowest_s": max(s for s, _ in minutes),
            "queued": sum(r["queued"] for _, r in minutes), "again_s": again_s,
            "again": again, "stored": stored}


SIZES = {"full": {"pages": (10_000, 365), "export": ((1_000, 10_000), 7, 3),
                  "due": 100_000},
         "smoke": {"pages": (200, 30), "export": ((50, 200), 14, 7), "due": 2_000}}


def run(backend: str, size: str, runs: int, parts: set[str]) -> dict:
    plan = SIZES[size]
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        folder = Path(tmp)
        found = {"machine_before": common.machine(), "backend": backend, "size": size}
        if "pages" in parts:
            found["pages"] = pages(backend, folder, *plan["pages"], runs)
        if "export" in parts:
            sizes, days, answer_days = plan["export"]
            found["export"] = [export(backend, folder, n, days, answer_days) for n in sizes]
        if "due" in parts:
            found["due"] = due(backend, folder, plan["due"])
        found["machine_after"] = common.machine()
    return found


def report(found: dict) -> str:
    rows = []
    if "pages" in found:
        rows += _page_rows(found["pages"])
    if "export" in found:
        rows += _export_rows(found["export"])
    if "due" in found:
        rows += _due_rows(found["due"])
    load = found["machine_before"]["load_1_5_15"][0], found["machine_after"]["load_1_5_15"][0]
    return (f"{found['backend']}:\n" + common.table(["what", "size", "measured", "target"], rows)
            + f"\nload average before {load[0]:.1f}, after {load[1]:.1f}")


def _page_rows(p: dict) -> list:
    return [["dashboard first page", f"{p['cohort']['participants']:,} × "
             f"{p['cohort']['days'] // max(p['cohort']['participants'], 1)} days",
             f"{p['dashboard_ms']} ms (CPU {p['dashboard_cpu_ms']} ms)", "< 300 ms"],
            ["dashboard queries (big site / small site)", "", f"{p['queries_big_site']} / "
             f"{p['queries_small_site']}", "equal"],
            ["participant page", "", f"{p['participant_ms']} ms (CPU {p['participant_cpu_ms']} ms)",
             "< 100 ms"]]


def _export_rows(e: list) -> list:
    rows = [[f"item export, {x['cohort']['participants']:,} participants", f"{x['rows']:,} rows",
              f"{x['rows_per_s']:,} rows/s ({x['cpu_rows_per_s']:,} per CPU second of this "
              f"process), peak {x['peak_mib']} MiB", "≥ 50,000 rows/s"]
             for x in e]
    if len(e) == 2 and e[0]["peak_mib"]:
        growth = e[1]["peak_mib"] / e[0]["peak_mib"] - 1
        rows.append(["export peak memory growth", "", f"{growth:+.0%}", "≤ +20 %"])
    return rows


def _due_rows(d: dict) -> list:
    return [["deciding who is due, first minute", f"{d['cohort']['participants']:,}",
             f"{d['plan_s']} s (stores {d['limit']:,})", "< 1 s"],
            ["each minute until all are stored", "",
             f"slowest {d['slowest_s']} s; {d['queued']:,} stored in {d['minutes']} minutes, "
             f"{d['stored']:,} in the table", "< 1 s"],
            ["deciding again (nothing new)", "", f"{d['again_s']} s", "< 1 s"]]


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--smoke", action="store_true", help="the smallest sizes")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--parts", default="pages,export,due")
    args = parser.parse_args(argv)
    results = []
    for backend in args.backends.split(","):
        found = run(backend, "smoke" if args.smoke else "full", args.runs,
                    set(args.parts.split(",")))
        print(report(found), flush=True)
        results.append(found)
    print("results:", common.save_results("scale", {"runs": results}))
    return results


if __name__ == "__main__":
    main()
