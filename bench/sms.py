"""SMS benchmark: due reminders handed to a Twilio-compatible server that answers in 100 ms.

The reminders are planned by the scheduler's own service, then delivered at a configured send
rate by one scheduler process, and again by two at once (PostgreSQL); afterwards every message
is matched with what the server received: no duplicate, no miss.
Usage: .venv/bin/python bench/sms.py [--rate 50] [--participants 600] [--smoke]
"""

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cohort, common  # noqa: E402
from bench.scale import make_app, seeded  # noqa: E402
from diary.extensions import db  # noqa: E402
from diary.models import OutboundMessage  # noqa: E402

NOW = cohort.NOW + timedelta(hours=8)  # 20:00 in Beijing: the evening reminders are due


def rules_for(app, rate: float):
    from diary.rules.deployment import Rules

    rules = Rules.from_config(app.config)
    return dataclasses.replace(rules, outbox=dataclasses.replace(
        rules.outbox, send_rate=rate, batch_limit=1_000_000))


def gateway(base_url: str, sid: str, token: str):
    from diary.sms.twilio import TwilioGateway

    return TwilioGateway(sid, token, from_number="+15005550006", base_url=base_url, timeout=10)


def planned(backend: str, folder: Path, name: str, participants: int):
    """A fresh cohort with its reminders stored as due (not yet sent)."""
    from diary.services.messaging import reminders

    app = make_app(backend, name, folder)
    seeded(app, participants=participants, days=0, small=0, flags=False, messages_per_person=0)
    with app.app_context():
        report = reminders.plan(db.session, NOW, rules_for(app, 0))
        db.session.commit()
    return app, report["queued"]


def deliver(app, fake, rate: float) -> dict:
    from diary.services.messaging import outbox

    with app.app_context():
        began = time.monotonic()
        counts = outbox.deliver(db.session, gateway(fake.base_url, fake.account_sid,
                                                    fake.auth_token), NOW, rules_for(app, rate))
        return {"seconds": time.monotonic() - began, "counts": counts}


def verdict(app, fake, due: int, seconds: float, rate: float) -> dict:
    with app.app_context():
        rows = dict(db.session.execute(select(OutboundMessage.status, func.count()).group_by(
            OutboundMessage.status)).all())
        sids = set(db.session.scalars(select(OutboundMessage.provider_sid).where(
            OutboundMessage.provider_sid.is_not(None))))
    received = fake.messages
    recipients = [m["to"] for m in received]
    sent = len(received)
    return {"due": due, "sent": sent, "seconds": round(seconds, 2),
            "rate": round(sent / seconds, 1) if seconds else 0, "configured_rate": rate,
            "share_of_rate": round(sent / seconds / rate, 3) if seconds else 0,
            "duplicates": len(recipients) - len(set(recipients)),
            "misses": due - len({m["sid"] for m in received} & sids),
            "statuses": {getattr(k, "value", k): v for k, v in rows.items()}}


def one_process(backend: str, folder: Path, participants: int, rate: float) -> dict:
    from tests.support.twilio_fake import FakeTwilio

    app, due = planned(backend, folder, "sms_one", participants)
    with FakeTwilio() as fake:
        fake.latency(0.1)
        found = deliver(app, fake, rate)
        return verdict(app, fake, due, found["seconds"], rate)


def two_processes(folder: Path, participants: int, rate: float) -> dict:
    """Two scheduler processes delivering the same outbox at once, each at half the rate."""
    from tests.support.twilio_fake import FakeTwilio

    app, due = planned("postgres", folder, "sms_two", participants)
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
        db.engine.dispose()
    with FakeTwilio() as fake:
        fake.latency(0.1)
        start = time.time() + 3  # both begin together, once both have started
        workers = [subprocess.Popen([sys.executable, __file__, "--worker", url, fake.base_url,
                                     fake.account_sid, fake.auth_token, str(rate / 2),
                                     str(start)], cwd=common.ROOT, stdout=subprocess.PIPE,
                                    text=True) for _ in range(2)]
        spans = [json.loads(worker.communicate(timeout=600)[0].splitlines()[-1])
                 for worker in workers]
        # As for one process: from the first delivery's start to the last one's return.
        seconds = max(s["ended"] for s in spans) - min(s["began"] for s in spans)
        found = verdict(app, fake, due, seconds, rate)
        found["per_process"] = [round(s["ended"] - s["began"], 2) for s in spans]
        return found


def worker(url: str, base_url: str, sid: str, token: str, rate: str, start: str) -> None:
    """One scheduler process: wait for the common start, then deliver everything due; prints
    when its delivery began and returned (its start-up and exit are not sending)."""
    from diary import create_app
    from diary.services.messaging import outbox

    app = create_app({"DIARY_ENV": "testing", "SECRET_KEY": "bench",
                      "DIARY_ENCRYPTION_KEYS": common.ENCRYPTION_KEY,
                      "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        time.sleep(max(0.0, float(start) - time.time()))
        began = time.time()
        outbox.deliver(db.session, gateway(base_url, sid, token), NOW,
                       rules_for(app, float(rate)))
        print(json.dumps({"began": began, "ended": time.time()}), flush=True)


def report(found: dict) -> str:
    rows = [[label, r["due"], r["sent"], f"{r['rate']} /s", f"{r['share_of_rate']:.0%}",
             r["duplicates"], r["misses"]] for label, r in found["runs"].items()]
    return (common.table(["scheduler", "due", "sent", "rate", "of configured", "duplicates",
                          "misses"], rows)
            + f"\nconfigured rate {found['rate']}/s in all; provider latency 100 ms; "
              f"load average {found['machine']['load_1_5_15'][0]:.1f}")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--participants", type=int, default=600)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--smoke", action="store_true", help="100 participants")
    parser.add_argument("--worker", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return {}
    participants = 100 if args.smoke else args.participants
    found = {"rate": args.rate, "machine": common.machine(), "runs": {}}
    with tempfile.TemporaryDirectory(prefix="bench-sms-") as tmp:
        for backend in args.backends.split(","):
            found["runs"][f"one process, {backend}"] = one_process(
                backend, Path(tmp), participants, args.rate)
        if "postgres" in args.backends:
            found["runs"]["two processes, postgres"] = two_processes(
                Path(tmp), participants, args.rate)
    print(report(found))
    print("results:", common.save_results("sms", found))
    return found


if __name__ == "__main__":
    main()
