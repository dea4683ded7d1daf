"""Real tick processes (`flask --app wsgi diary tick --now …`) against a Twilio-compatible server.

Two processes started together send each due message once; a process killed with SIGKILL in
the middle of sending, then restarted after the claim timeout, loses none and duplicates none.
The long-running scheduler (`python -m jobs`) killed the same way and started again does the
same, on the real clock. These tests sleep and spawn processes on purpose; everything else
injects time.
"""

import collections
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from datetime import time as time_of_day
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from diary.models import MessageStatus, OutboundMessage
from tests.conftest import TEST_KEY
from tests.support.factories import make_participant
from tests.support.sms import FROM_NUMBER

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
DAY = date(2026, 3, 10)
DUE = "2026-03-10T12:00:00Z"  # 20:00 in Beijing
# Offsets from -8 to +13 hours: one of them is always in the daytime, outside quiet hours.
ZONES = ("Asia/Shanghai", "Europe/London", "America/New_York", "Asia/Tokyo", "Europe/Berlin",
         "America/Los_Angeles", "Pacific/Auckland", "Asia/Kolkata", "America/Sao_Paulo",
         "Asia/Dubai")


def process_env(app, fake) -> dict:
    return {**os.environ, "DIARY_ENV": "testing", "DIARY_SECRET_KEY": "test-secret",
           "DIARY_ENCRYPTION_KEYS": TEST_KEY,
           "DIARY_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "DIARY_SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": fake.account_sid,
           "TWILIO_AUTH_TOKEN": fake.auth_token, "TWILIO_FROM_NUMBER": FROM_NUMBER,
           "TWILIO_API_BASE_URL": fake.base_url}


def tick_process(app, fake, now: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "diary", "tick",
                             "--now", now], cwd=ROOT, env=process_env(app, fake),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def scheduler_process(app, fake) -> subprocess.Popen:
    """The long-running scheduler; a claim older than a second counts as its dead process's."""
    env = {**process_env(app, fake), "DIARY_SMS_CLAIM_TIMEOUT_SECONDS": "1"}
    return subprocess.Popen([sys.executable, "-m", "jobs"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


@pytest.fixture
def cohort(session):
    """Twelve participants whose reminders are all due at the same instant."""
    people = [make_participant(session, diary_start_date=DAY) for _ in range(12)]
    session.commit()
    phones = [p.phone for p in people]
    session.close()
    return phones


@pytest.fixture
def cohort_due_now(session):
    """Twelve participants whose reminder time is this very minute, on the real clock."""
    now = datetime.now(UTC)
    zone = next(z for z in ZONES if 9 <= now.astimezone(ZoneInfo(z)).hour < 19)
    local = now.astimezone(ZoneInfo(zone))
    people = [make_participant(session, timezone=zone, diary_start_date=local.date(),
                               reminder_time=time_of_day(local.hour, local.minute))
              for _ in range(12)]
    session.commit()
    phones = [p.phone for p in people]
    session.close()
    return phones


def wait_for(predicate, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def assert_each_sent_once(session, fake, phones) -> None:
    creates = [r for r in fake.requests if r["method"] == "POST"]
    assert collections.Counter(m["to"] for m in fake.messages) == collections.Counter(phones)
    assert len(creates) == len(phones)
    session.expire_all()
    rows = session.scalars(select(OutboundMessage)).all()
    assert {r.status for r in rows} == {MessageStatus.QUEUED}
    assert {r.provider_sid for r in rows} == {m["sid"] for m in fake.messages}


def test_two_tick_processes_started_together_send_each_message_once(
        app, session, cohort, fake_twilio):
    fake_twilio.latency(0.1)
    first, second = tick_process(app, fake_twilio, DUE), tick_process(app, fake_twilio, DUE)
    outputs = finish(first) + finish(second)
    assert outputs.count("tick 2026-03-10T12:00:00+00:00") == 2
    assert_each_sent_once(session, fake_twilio, cohort)


def test_tick_killed_mid_send_loses_none_and_duplicates_none(app, session, cohort, fake_twilio):
    fake_twilio.latency(0.4)
    victim = tick_process(app, fake_twilio, DUE)
    deadline = time.monotonic() + 60
    while len(fake_twilio.messages) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)  # the third request has reached the provider
    victim.communicate(timeout=10)
    assert victim.returncode == -signal.SIGKILL
    assert 3 <= len(fake_twilio.messages) < len(cohort)
    session.expire_all()
    in_flight = session.scalars(select(OutboundMessage).where(
        OutboundMessage.status == MessageStatus.SENDING)).all()
    assert len(in_flight) == 1
    session.rollback()  # end this read: SQLite transactions are writers (BEGIN IMMEDIATE)
    fake_twilio.latency(0)
    finish(tick_process(app, fake_twilio, "2026-03-10T12:06:00Z"))  # after the claim timeout
    assert_each_sent_once(session, fake_twilio, cohort)


def test_scheduler_killed_mid_send_and_started_again_loses_none_and_duplicates_none(
        app, session, cohort_due_now, fake_twilio):
    fake_twilio.latency(0.4)
    victim = scheduler_process(app, fake_twilio)
    wait_for(lambda: len(fake_twilio.messages) >= 3)
    victim.send_signal(signal.SIGKILL)  # the third request has reached the provider
    victim.communicate(timeout=10)
    assert victim.returncode == -signal.SIGKILL
    assert 3 <= len(fake_twilio.messages) < len(cohort_due_now)
    fake_twilio.latency(0)
    time.sleep(1.1)  # the dead process's claim is now older than the claim timeout
    successor = scheduler_process(app, fake_twilio)
    try:
        wait_for(lambda: len(fake_twilio.messages) >= len(cohort_due_now))
        time.sleep(1)  # anything it would send twice would arrive now
    finally:
        successor.terminate()
        output, _ = successor.communicate(timeout=20)
    assert "scheduler started" in output
    assert "'found': 1" in output  # the send in flight was found at the provider, not resent
    assert_each_sent_once(session, fake_twilio, cohort_due_now)
