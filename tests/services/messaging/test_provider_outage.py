"""An hour of ticks with the SMS provider down or too slow: no tick held, nothing lost, no burst.

The provider is the Twilio-compatible server answering 503 to everything, answering after the
client's HTTP timeout, or not listening at all (connection refused); the scheduler's clock
moves a minute at a time as it would. Afterwards each number gets what the rules allow: once,
within the daily cap, and stale reminders are dropped with their reason instead of sent late.
"""

import collections
import socket
import time
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from diary.models import MessageEvent, MessageStatus, OutboundMessage
from diary.sms.twilio import TwilioGateway
from tests.support.factories import make_participant
from tests.support.sms import FROM_NUMBER

pytestmark = pytest.mark.slow
DAY = date(2026, 3, 10)
PEOPLE = 24
TIMEOUT = 0.25
# With every send waiting out its timeout, one tick for 24 people would take 24 × 0.25 s (and as
# long again to reconcile); at 86 people and the 10 s default, a quarter of an hour.
TICK_BUDGET_SECONDS = 2.5


@pytest.fixture
def cohort(session):
    people = [make_participant(session, diary_start_date=DAY) for _ in range(PEOPLE)]
    session.commit()
    return [p.phone for p in people]


def gateway_to(fake, base_url: str | None = None) -> TwilioGateway:
    return TwilioGateway(fake.account_sid, fake.auth_token, from_number=FROM_NUMBER,
                         base_url=base_url or fake.base_url, timeout=TIMEOUT)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def ticks(run_tick, gateway, first: str, minutes: int, every: int = 1) -> list[float]:
    """Tick every `every` minutes from `first` (local ISO time) for `minutes`; wall seconds each."""
    start = datetime.fromisoformat(first)
    spent = []
    for n in range(0, minutes + 1, every):
        began = time.monotonic()
        run_tick((start + timedelta(minutes=n)).isoformat(), gateway=gateway)
        spent.append(time.monotonic() - began)
    return spent


def settled(session) -> collections.Counter:
    """Every stored message ends sent or dropped with a reason: none pending or in doubt."""
    session.expire_all()
    rows = session.scalars(select(OutboundMessage)).all()
    assert len(rows) >= PEOPLE
    assert not {r.status for r in rows} & {MessageStatus.PENDING, MessageStatus.SENDING,
                                           MessageStatus.UNKNOWN}
    return collections.Counter(r.status for r in rows)


def accepted_by_provider(fake) -> collections.Counter:
    return collections.Counter(m["to"] for m in fake.messages)


def test_provider_answering_503_for_an_hour_holds_no_tick_and_then_sends_each_once(
        session, run_tick, cohort, fake_twilio):
    gateway = gateway_to(fake_twilio)
    fake_twilio.down(503)
    spent = ticks(run_tick, gateway, "2026-03-10T20:00:00+08:00", 60)
    assert max(spent) < TICK_BUDGET_SECONDS
    assert fake_twilio.messages == []
    fake_twilio.down(None)
    ticks(run_tick, gateway, "2026-03-10T21:01:00+08:00", 10)
    assert accepted_by_provider(fake_twilio) == collections.Counter(cohort)
    assert settled(session) == {MessageStatus.QUEUED: PEOPLE}


def test_provider_slower_than_the_timeout_for_an_hour_duplicates_nothing(
        session, run_tick, cohort, fake_twilio):
    gateway = gateway_to(fake_twilio)
    fake_twilio.latency(TIMEOUT * 4)  # it takes each message, but answers too late
    spent = ticks(run_tick, gateway, "2026-03-10T20:00:00+08:00", 60, every=2)
    assert max(spent) < TICK_BUDGET_SECONDS + TIMEOUT * 4
    fake_twilio.latency(0)
    ticks(run_tick, gateway, "2026-03-10T21:01:00+08:00", 10)
    # Those sent while the answer never came are found at the provider, not sent again.
    assert accepted_by_provider(fake_twilio) == collections.Counter(cohort)
    assert settled(session) == {MessageStatus.QUEUED: PEOPLE}
    found = session.scalar(select(MessageEvent.id).where(MessageEvent.status == "found").limit(1))
    assert found is not None


def test_provider_unreachable_into_quiet_hours_drops_the_evening_and_keeps_the_cap(
        session, run_tick, cohort, fake_twilio):
    nowhere = gateway_to(fake_twilio, closed_port_url())
    spent = ticks(run_tick, nowhere, "2026-03-10T20:00:00+08:00", 105)  # until 21:45
    assert max(spent) < TICK_BUDGET_SECONDS
    working = gateway_to(fake_twilio)
    ticks(run_tick, working, "2026-03-10T21:46:00+08:00", 30)  # back, but in quiet hours
    assert fake_twilio.messages == []  # no burst of stale reminders
    stale = session.scalars(select(OutboundMessage).where(
        OutboundMessage.status == MessageStatus.DROPPED)).all()
    assert len(stale) == PEOPLE
    ticks(run_tick, working, "2026-03-11T08:55:00+08:00", 10)
    # Next morning: the one last call about the missed day, once each, nothing for the evening.
    assert accepted_by_provider(fake_twilio) == collections.Counter(cohort)
    per_day = collections.Counter((r.to_hash, r.local_date) for r in session.scalars(
        select(OutboundMessage).where(OutboundMessage.status == MessageStatus.QUEUED)))
    assert max(per_day.values()) <= 2
    assert settled(session) == {MessageStatus.QUEUED: PEOPLE, MessageStatus.DROPPED: PEOPLE}
