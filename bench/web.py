"""Web benchmark: the diary's pages under wrk beside a bare Flask ceiling, on SQLite and PostgreSQL.

gunicorn with 2 sync workers, wrk with 16 connections, the demo data, signed-in cookies. Each
diary row is reported with its ratio to the ceiling row measured in the same run.
Usage: .venv/bin/python bench/web.py [--seconds 10] [--backends sqlite,postgres] [--smoke]
"""

import argparse
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from diary.rules.instrument import SYMPTOMS  # noqa: E402

PARTICIPANTS = [f"+86138000000{n:02d}" for n in range(1, 13) if n != 2]  # XW-002 is proxied
PIN = "246810"
COORDINATOR = {"email": "coordinator@example.org", "password": "demo-coordinator-pw"}
# (row, ratio to which ceiling row, target ratio)
ROWS = [("bare Flask: template page (14 radio groups, Chinese)", None, None),
        ("bare Flask: one-row insert", None, None),
        ("diary: home, signed in", "page", 0.40),
        ("diary: symptoms screen", "page", 0.25),
        ("diary: save a screen (draft write)", "insert", 0.25),
        ("diary: staff dashboard, 12 participants", "page", 0.20)]


def symptom_answers() -> dict:
    """A complete, valid symptoms screen."""
    return {i.id: i.choices[0].code for i in SYMPTOMS.items if i.choices and not i.shown_if}


def ceiling_rows(url: str, folder: Path, seconds: float) -> dict:
    env = common.diary_env(url, CEILING_DATABASE_URL=url)
    found = {}
    with common.gunicorn("bench.ceiling:create_app()", env) as base:
        form = urlencode({"csrf_token": "x", "action": "next", **symptom_answers()})
        for key, request in (("page", ("GET", "/page", {}, "")),
                             ("insert", ("POST", "/insert", {
                                 "Content-Type": "application/x-www-form-urlencoded"}, form))):
            script = common.wrk_script([request], folder, f"ceiling-{key}")
            common.wrk(base, script, min(seconds, 1))  # warm up
            found[key] = common.wrk(base, script, seconds)
    return found


def warmed(base: str, browser, page: str):
    """A browser that has opened its first page, as a person's does before the next one: it
    keeps the cookie that page sets (the form token)."""
    browser.get(base + page, timeout=10)
    return browser


def diary_rows(url: str, folder: Path, seconds: float) -> dict:
    env = common.diary_env(url)
    common.migrate_and_seed(env)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    screen = f"/diary/{today}/symptoms"
    found = {}
    with common.gunicorn("wsgi:app", env) as base:
        people = [common.sign_in(base, "/login", {"phone": p, "pin": PIN, "remember": "y"})
                  for p in PARTICIPANTS]
        saves = []
        for browser in people:
            token = common.csrf_token(browser.get(base + screen, timeout=10).text)
            body = urlencode({"csrf_token": token, "action": "next", **symptom_answers()})
            headers = {**common.browser_headers(browser),
                       "Content-Type": "application/x-www-form-urlencoded"}
            check = browser.post(base + screen, data=body, headers=headers,
                                 allow_redirects=False, timeout=10)
            if check.status_code != 302:
                raise RuntimeError(f"a screen save answered {check.status_code}")
            saves.append(("POST", screen, headers, body))
        for browser in people:
            warmed(base, browser, "/")
        plans = {
            "home": lambda: [("GET", "/", common.browser_headers(b), "")
                             for b in people],
            "screen": lambda: [("GET", screen, common.browser_headers(b), "")
                               for b in people],
            "save": lambda: saves,
            # signed in just before its row, so the minute's "still in use" note is not due
            "dashboard": lambda: [("GET", "/staff/", common.browser_headers(
                warmed(base, common.sign_in(base, "/staff/login", COORDINATOR), "/staff/")), "")]}
        for key, plan in plans.items():
            script = common.wrk_script(plan(), folder, f"diary-{key}")
            common.wrk(base, script, min(seconds, 1))
            found[key] = common.wrk(base, script, seconds)
    return found


def run(backends: list[str], seconds: float) -> dict:
    results = {"machine_before": common.machine(), "seconds": seconds, "backends": {}}
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        folder = Path(tmp)
        for backend in backends:
            if backend == "sqlite":
                ceiling_url = common.sqlite_database(folder, "ceiling")
                diary_url = common.sqlite_database(folder, "diary")
            else:
                ceiling_url = common.postgres_database("diary_perf_bench_ceiling")
                diary_url = common.postgres_database("diary_perf_bench")
            found = ceiling_rows(ceiling_url, folder, seconds)
            found.update(diary_rows(diary_url, folder, seconds))
            results["backends"][backend] = found
    results["machine_after"] = common.machine()
    return results


def report(results: dict) -> str:
    keys = ["page", "insert", "home", "screen", "save", "dashboard"]
    backends = list(results["backends"])
    headers = ["what"] + [f"{b} {h}" for b in backends for h in ("req/s", "p99", "ratio")]
    lines = []
    for key, (label, ceiling, target) in zip(keys, ROWS, strict=True):
        cells = [label]
        for b in backends:
            found = results["backends"][b]
            row = found[key]
            ratio = f"{row['rps'] / found[ceiling]['rps']:.0%}" if ceiling else ""
            if target:
                ratio += f" (target {target:.0%})"
            errors = row["bad_status"] + row["socket_errors"]
            cells += [f"{row['rps']:,.0f}" + (f" ({errors} errors)" if errors else ""),
                      f"{row['p99_ms']:.0f} ms", ratio]
        lines.append(cells)
    load = results["machine_before"]["load_1_5_15"], results["machine_after"]["load_1_5_15"]
    return (common.table(headers, lines) + f"\n\n{results['machine_before']['cpus']} CPUs; "
            f"load average before {load[0][0]:.1f}, after {load[1][0]:.1f}; "
            f"{results['seconds']:g} s per row")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--smoke", action="store_true", help="2 s per row")
    args = parser.parse_args(argv)
    results = run(args.backends.split(","), 2 if args.smoke else args.seconds)
    print(report(results))
    print("results:", common.save_results("web", results))
    return results


if __name__ == "__main__":
    main()
