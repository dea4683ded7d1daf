"""Profile one page in process: N requests through the Flask test client under pyinstrument.

Demo data in a temporary SQLite file (or DIARY_DATABASE_URL), signed in through the real form.
Usage: .venv/bin/python bench/profile.py home|screen|save|dashboard|floor [-n 300] [--html out.html]
       [--plain: CPU time only | --calls: function calls, steady on a busy machine]
"""

import argparse
import os
import re
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.web import PIN, symptom_answers  # noqa: E402
from diary import create_app  # noqa: E402
from diary.demo import seed  # noqa: E402
from diary.extensions import db  # noqa: E402
from tests.support.query_counter import count_queries  # noqa: E402


def signed_in(app, path: str, fields: dict):
    client = app.test_client()
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post(path, data={**fields, "csrf_token": token}).status_code == 302
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("page", choices=["home", "screen", "save", "dashboard", "floor"])
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--html")
    parser.add_argument("--plain", action="store_true", help="time only, no profiler")
    parser.add_argument("--calls", action="store_true",
                        help="Python function calls per request (cProfile): the same count on "
                             "a busy machine as on a quiet one, unlike any time")
    args = parser.parse_args()
    from pyinstrument import Profiler

    folder = tempfile.mkdtemp(prefix="bench-profile-")
    url = os.environ.get("DIARY_DATABASE_URL", f"sqlite:///{folder}/diary.db")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "DIARY_ENCRYPTION_KEYS": os.environ.get("DIARY_ENCRYPTION_KEYS", "")
                      or None})
    with app.app_context():
        db.create_all()
        seed(db.session, datetime.now(ZoneInfo("UTC")))
        db.session.commit()
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    screen = f"/diary/{today}/symptoms"
    if args.page == "dashboard":
        client = signed_in(app, "/staff/login", {"email": "coordinator@example.org",
                                                 "password": "demo-coordinator-pw"})
        call = lambda: client.get("/staff/")  # noqa: E731
    else:
        client = signed_in(app, "/login", {"phone": "13800000001", "pin": PIN})
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                          client.get(screen).get_data(as_text=True)).group(1)
        body = {"csrf_token": token, "action": "next", **symptom_answers()}
        call = {"home": lambda: client.get("/"), "screen": lambda: client.get(screen),
                "floor": lambda: client.get("/manifest.webmanifest"),
                "save": lambda: client.post(screen, data=body)}[args.page]
    status = call().status_code
    with app.app_context(), count_queries(db.session) as counted:
        call()
    if args.calls:
        here = Path(__file__).resolve().parent  # this file's name hides the standard `profile`
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(lambda: [call() for _ in range(args.n)])
        stats = pstats.Stats(profiler)
        calls = stats.total_calls / args.n
        if os.environ.get("BENCH_CALLS_TOP"):
            order = os.environ.get("BENCH_CALLS_SORT", "tottime")  # or cumulative
            stats.sort_stats(order).print_stats(int(os.environ["BENCH_CALLS_TOP"]))
        if os.environ.get("BENCH_CALLEES"):  # what the functions matching this name call
            stats.sort_stats("cumulative").print_callees(os.environ["BENCH_CALLEES"])
        if os.environ.get("BENCH_CALLERS"):  # what calls the functions matching this name
            stats.sort_stats("cumulative").print_callers(os.environ["BENCH_CALLERS"])
        print(f"{args.page}: status {status}, {counted.count} queries, {calls:,.0f} Python "
              "function calls per request")
        return
    if args.plain:  # CPU time is what a loaded machine disturbs least
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.n):
            call()
        per = (time.perf_counter() - started) / args.n * 1000
        per_cpu = (time.process_time() - cpu) / args.n * 1000
        print(f"{args.page}: status {status}, {counted.count} queries, {per_cpu:.2f} ms CPU "
              f"({per:.2f} ms wall) per request (load {os.getloadavg()[0]:.1f})")
        return
    for statement in counted.statements:
        print("  SQL:", " ".join(statement.split())[:150])
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    profiler.start()
    for _ in range(args.n):
        call()
    profiler.stop()
    per = (time.perf_counter() - started) / args.n * 1000
    every_frame = bool(os.environ.get("BENCH_ALL"))  # also the libraries' own frames
    print(profiler.output_text(unicode=True, color=False, show_all=every_frame))
    print(f"{args.page}: status {status}, {counted.count} queries, {per:.2f} ms per request "
          f"(with the profiler; load {os.getloadavg()[0]:.1f})")
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
