"""A simulated fortnight: 50 participants, four time zones, 20 % of provider calls failing.

Participants in Beijing, Hong Kong, London (which changes to summer time on 29 March) and
Vancouver, with their own reminder times, caregivers (or both), clinic visits, habits from
steady to poor, and special cases: numbers the provider reports opted out or invalid, a STOP
and a later START by SMS, a number whose messages go undelivered, an urgent safety answer,
and paused, withdrawn and completed people. Diaries are submitted through the real service
and the Twilio SDK talks to the Twilio-compatible fake, which fails one create call in five
(HTTP 500), plus a few timeouts and 429s. The fortnight runs once per backend: Twilio, Alibaba
and Tencent (their real SDKs against their compatible servers, receipts pushed to the webhooks
over HTTP, the rest polled). At Alibaba, which has no refusal code for an unsubscribed number,
the numbers that unsubscribed at the provider said so by replying TD before the fortnight.

Databases: the Twilio fortnight runs on SQLite and on PostgreSQL; the Alibaba and Tencent ones,
whose difference is the gateway and not the database, on SQLite.

Time: the clock ticks every minute for ten minutes from each reminder time and each last call
in every zone, and in the minute after every submission or reply, and every fifteen minutes in
between, which includes every window close (12:00 local in zones a whole number of hours from
UTC): nothing falls due in the skipped minutes, and a retry still pending after ten minutes goes
out at the next quarter hour, well inside its useful window. DIARY_FORTNIGHT_STEP_MINUTES=1
ticks every simulated minute of the fortnight instead (20,160 ticks; the Twilio run then takes
some three minutes on two cores), and the same checks hold.

At the end every due reminder went out exactly once, none in quiet hours, none after a
submission, at most two a day per number, no text twice within a day, and the missed days
and flags are exactly the expected ones.
"""

import os
import random
from collections import Counter, defaultdict
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from diary.models import (
    DayStatus,
    DiaryEntry,
    Flag,
    FlagKind,
    MessageEvent,
    Originator,
    OutboundMessage,
)
from diary.rules import schedule
from diary.services.diary import entries
from diary.services.messaging import delivery, inbound
from diary.services.tick import ticking
from diary.sms import gateway_from_config
from diary.sms.templates import DIARY_KINDS, REMINDER_KINDS
from diary.sms.twilio import TwilioGateway
from tests.support import cohort
from tests.support.aliyun_fake import FakeAliyun
from tests.support.sms import FROM_NUMBER, mainland_config
from tests.support.tencent_fake import FakeTencent

pytestmark = pytest.mark.slow
STOP_AT = cohort.at(cohort.FIRST + timedelta(days=4), time(12, 30), "Asia/Shanghai")
START_AT = cohort.at(cohort.FIRST + timedelta(days=8), time(12, 30), "Asia/Shanghai")
URGENT_DAY = cohort.FIRST + timedelta(days=5)
# Besides the random 500s: answers that arrive too late (the message was sent) and two 429s.
TROUBLE = [(cohort.START + timedelta(days=d, hours=12), fault) for d, fault in (
    (2, "timeout"), (6, "timeout"), (8, "429"), (10, "timeout"))]


@pytest.fixture(params=["twilio", "aliyun", "tencent"])
def backend(request, app, clock):
    """The provider's fake and the real-SDK gateway; Twilio's answers time out after 0.25 s."""
    if request.param == "twilio":
        fake = request.getfixturevalue("fake_twilio")
        gateway = TwilioGateway(fake.account_sid, fake.auth_token, from_number=FROM_NUMBER,
                                base_url=fake.base_url, timeout=0.25)
        yield request.param, fake, gateway
        gateway.client.http_client.session.close()
        return
    fake = (FakeAliyun() if request.param == "aliyun" else FakeTencent()).start()
    fake.now = clock
    settings = mainland_config(request.param, fake)
    app.config.update(settings)
    yield request.param, fake, gateway_from_config(
        {**settings, "DIARY_SMS_HTTP_TIMEOUT_SECONDS": 0.25})
    fake.stop()


@pytest.fixture
def world(session, backend):
    name, fake, _ = backend
    rng = random.Random(20260321)
    people = cohort.build(session, rng)
    session.commit()
    for person in people:
        if person.role == "provider_opted_out" and name != "aliyun":
            fake.opted_out.add(person.participant.phone)
        if person.role == "invalid":
            fake.invalid_numbers.add(person.participant.phone)
        if person.role == "undelivered":
            fake.undeliverable = {person.participant.phone}
        if person.role == "urgent":
            person.plan[URGENT_DAY] = "after"
    fake.fail_rate(0.2, seed=7)
    return people


def step_minutes() -> int:
    """Every quarter hour between busy minutes, unless DIARY_FORTNIGHT_STEP_MINUTES says."""
    return int(os.environ.get("DIARY_FORTNIGHT_STEP_MINUTES", 15))


def timeline(people, step: int = 15, backend: str = "twilio"):
    """Every event and tick of the fortnight, in order."""
    events = [(cohort.START, 1, ("reply", person, "TD")) for person in people
              if backend == "aliyun" and person.role == "provider_opted_out"]
    for person in people:
        for day, habit in person.plan.items():
            when = cohort.submission_time(person, day, habit)
            if when is not None and cohort.START <= when <= cohort.END:
                events.append((when, 1, ("submit", person, day)))
        if person.role == "stop":
            events += [(STOP_AT, 1, ("reply", person, "退订")), (START_AT, 1,
                                                                ("reply", person, "START"))]
    # Tencent lists a send only with its receipt, so a lost answer is settled five minutes on:
    # tick every minute for half an hour after each due time, as the real scheduler does.
    busy = cohort.busy_minutes(people, 30 if backend == "tencent" else 10)
    minutes = busy | {
        (when + timedelta(minutes=1)).replace(second=0) for when, _, _ in events}
    quarter, now = set(), cohort.START
    while now <= cohort.END:
        quarter.add(now)
        now += timedelta(minutes=step)
    ticks = {m for m in minutes | quarter if cohort.START <= m <= cohort.END}
    return sorted(events + [(m, 2, ("tick",)) for m in ticks], key=lambda e: (e[0], e[1]))


def test_fortnight_of_reminders_missed_days_and_flags(app, client, session, clock, rules, world,
                                                     backend):
    name, fake, gateway = backend
    if name != "twilio" and session.get_bind().dialect.name != "sqlite":
        pytest.skip("the mainland fortnights run on SQLite: what they add is the gateway, and "
                    "the Twilio fortnight covers the outbox's PostgreSQL side")
    run = Run(session, clock, rules, gateway, fake, world)
    run.push = None if name == "twilio" else Push(client, name, fake)
    for when, _, event in timeline(world, step_minutes(), name):
        run.handle(when, event)

    sent = run.sent_rows()
    check_every_due_reminder_sent_exactly_once(world, sent, fake)
    check_never_in_quiet_hours_after_submission_over_cap_or_repeated(world, sent)
    check_missed_days(session, world)
    check_flags(session, world, run)
    check_failures_were_met_and_survived(session, fake, name)


class Push:
    """Alibaba's and Tencent's receipts, pushed to our webhook over HTTP as they would be."""

    def __init__(self, client, name, fake):
        self.client, self.fake, self.seen = client, fake, 0
        self.path = f"/sms/{name}/report" if name == "aliyun" else f"/sms/{name}/status"
        self.token = app_token(client)

    def report(self) -> None:
        messages = self.fake.messages
        for message in messages[self.seen:]:
            failed = message["to"] in self.fake.undeliverable
            self.fake.set_status(message["sid"], "undelivered" if failed else "delivered",
                                 "MK:0005" if failed else None)
            response = self.client.post(f"{self.path}?token={self.token}",
                                        json=[self.fake.receipt(message["sid"])])
            assert response.status_code == 200
        self.seen = len(messages)


def app_token(client) -> str:
    return client.application.config["DIARY_SMS_CALLBACK_TOKEN"]


class Run:
    """Plays the timeline: submissions, replies, ticks and the provider's status reports."""

    def __init__(self, session, clock, rules, gateway, fake, people):
        self.session, self.clock, self.rules = session, clock, rules
        self.gateway, self.fake, self.people = gateway, fake, people
        self.seen, self.trouble = 0, list(TROUBLE)
        self.undelivered = {p.participant.phone for p in people if p.role == "undelivered"}
        self.urgent_at = None
        self.push = None  # Alibaba and Tencent: receipts pushed over HTTP

    def handle(self, when, event) -> None:
        self.clock.set(when.isoformat())
        if event[0] == "submit":
            self.submit(when, *event[1:])
        elif event[0] == "reply":
            person = event[1].participant
            inbound.receive(self.session, f"SMreply{when.timestamp():.0f}-{person.id}",
                            person.phone, event[2], when, self.rules)
            self.session.commit()
        else:
            self.tick(when)

    def submit(self, when, person, day) -> None:
        urgent = person.role == "urgent" and day == URGENT_DAY
        answers = {"R1": "participant", **({"RF1": "yes"} if urgent else {})}
        result = entries.submit(self.session, person.participant, day, answers,
                                entries.Author(person.participant, Originator.PARTICIPANT),
                                f"sim-{person.participant.id}-{day}", when)
        self.session.commit()
        if result.status == "created":
            person.answered[day] = when
            self.urgent_at = when if urgent else self.urgent_at

    def tick(self, when) -> None:
        while self.trouble and self.trouble[0][0] <= when:
            if self.trouble.pop(0)[1] == "timeout":
                self.fake.timeout_next(1, seconds=0.5)
            else:
                self.fake.fail_next(2, status=429)
        ticking.tick(self.session, when, self.gateway, self.rules)
        self.session.commit()
        if self.push is not None:
            self.push.report()
        else:
            self.report_statuses(when)

    def report_statuses(self, when) -> None:
        """Deliver the provider's status callbacks for messages it accepted since last time."""
        messages = self.fake.messages
        pending = []
        for message in messages[self.seen:]:
            failed = message["to"] in self.undelivered
            status = "undelivered" if failed else "delivered"
            if not delivery.apply_status(self.session, message["sid"], status,
                                         "30003" if failed else None, when, self.rules):
                pending.append(message)  # our answer timed out: its id is not recorded yet
        self.session.commit()
        self.seen = len(messages) - len(pending) if not pending else messages.index(pending[0])

    def sent_rows(self) -> list[OutboundMessage]:
        self.session.expire_all()
        return list(self.session.scalars(select(OutboundMessage).where(
            OutboundMessage.provider_sid.is_not(None))))


def check_every_due_reminder_sent_exactly_once(people, sent, fake) -> None:
    stop = (STOP_AT, START_AT)
    expected = {}
    for person in people:
        if person.role not in ("provider_opted_out", "invalid"):
            expected.update(cohort.needed_slots(person, stop))
    reminders = {row.idempotency_key: row.kind for row in sent if row.recipient != "on_call"}
    assert reminders == expected, history(set(expected) ^ set(reminders))
    # Alibaba lists no id for a send found by its reference: that row keeps "ref:" + its key.
    by_reference = {m.get("reference"): m["sid"] for m in fake.messages}
    assert Counter(m["sid"] for m in fake.messages) == Counter(
        by_reference[row.idempotency_key] if row.provider_sid.startswith("ref:")
        else row.provider_sid for row in sent)
    on_call = [m for m in fake.messages if m["to"] == cohort.ON_CALL]
    assert len(on_call) == 1
    urgent = next(p for p in people if p.role == "urgent").participant
    assert urgent.study_code in on_call[0]["body"]
    assert len(expected) > 400


def history(keys) -> dict:
    """What happened to the messages a check is about, to say why in a failure."""
    from diary.extensions import db

    found = {}
    for key in keys:
        row = db.session.scalar(select(OutboundMessage).where(
            OutboundMessage.idempotency_key == key))
        found[key] = None if row is None else [
            (e.status, e.error_code, e.at.isoformat()) for e in db.session.scalars(
                select(MessageEvent).where(MessageEvent.message_id == row.id))]
    return found


def check_never_in_quiet_hours_after_submission_over_cap_or_repeated(people, sent) -> None:
    by_id = {p.participant.id: p for p in people}
    per_day, bodies = Counter(), defaultdict(list)
    quiet = schedule.ReminderRules()
    for row in sent:
        if row.kind not in REMINDER_KINDS:
            continue
        person = by_id[row.participant_id]
        local = row.claimed_at.astimezone(ZoneInfo(person.tz))
        assert not schedule.in_quiet_hours(local.time(), quiet), row.idempotency_key
        if row.kind in DIARY_KINDS and row.diary_date in person.answered:
            assert row.claimed_at < person.answered[row.diary_date], row.idempotency_key
        per_day[(row.to_hash, local.date())] += 1
        bodies[row.to_hash].append((row.claimed_at, row.body))
    assert max(per_day.values()) <= 2
    for history in bodies.values():
        history.sort()
        for (first_at, first), (later_at, later) in zip(history, history[1:], strict=False):
            assert first != later or later_at - first_at >= timedelta(hours=24)


def check_missed_days(session, people) -> None:
    stored = set(session.execute(select(DiaryEntry.participant_id, DiaryEntry.diary_date).where(
        DiaryEntry.status == DayStatus.MISSED)))
    expected = {(p.participant.id, d) for p in people for d in cohort.missed_days(p)}
    assert stored == expected
    assert len(expected) > 50


def check_flags(session, people, run) -> None:
    flags = list(session.scalars(select(Flag)))
    count = Counter((f.participant_id, f.kind) for f in flags)
    for person in people:
        pid = person.participant.id
        assert count[(pid, FlagKind.MISSED_STREAK)] == cohort.streaks(person), pid
        assert count[(pid, FlagKind.LOW_COMPLIANCE)] == cohort.low_compliance_flags(person), pid
    unreachable = {f.participant_id for f in flags if f.kind == FlagKind.UNREACHABLE}
    expected = {p.participant.id for p in people if p.role in (
        "provider_opted_out", "invalid", "stop", "undelivered")}
    assert unreachable == expected
    assert len([f for f in flags if f.kind == FlagKind.UNREACHABLE]) == len(expected)
    [urgent] = [f for f in flags if f.kind == FlagKind.SAFETY_URGENT]
    assert urgent.notified_at - run.urgent_at <= timedelta(minutes=1)
    assert sum(count[k] for k in count if k[1] == FlagKind.MISSED_STREAK) > 3
    assert sum(count[k] for k in count if k[1] == FlagKind.LOW_COMPLIANCE) > 3


def check_failures_were_met_and_survived(session, fake, backend: str = "twilio") -> None:
    events = Counter(session.scalars(select(MessageEvent.status)))
    creates = ([r for r in fake.requests if r["method"] == "POST"] if backend == "twilio"
               else fake.sends)
    failed = sum(r["status"] >= 500 for r in creates)
    assert 0.15 < failed / len(creates) < 0.3
    assert events["unknown"] == failed + 3  # the 5xx answers and three timeouts
    # Each unknown send was looked up: found (a timed-out send that had arrived) is recorded,
    # not found (a 5xx, or a timeout on a number the provider then refused) goes again.
    assert events["found"] + events["not_found"] == events["unknown"]
    assert events["found"] >= 2
    assert events["not_found"] >= failed
    assert events["retry"] == 2  # the two 429s
