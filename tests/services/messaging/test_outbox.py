"""The outbox against a Twilio-compatible server and the real SDK: once, at most once."""

import socket
from datetime import date, timedelta

from sqlalchemy import func, select

from diary.models import (
    AuditEvent,
    Flag,
    FlagKind,
    MessageEvent,
    MessageStatus,
    OutboundMessage,
    PhoneState,
)
from diary.services.messaging import outbox, reachability, reminders
from diary.sms.twilio import TwilioGateway
from tests.support.factories import make_participant
from tests.support.sms import FROM_NUMBER

DAY = date(2026, 3, 10)
AT_20 = "2026-03-10T20:00:00+08:00"


def only_message(session) -> OutboundMessage:
    [message] = session.scalars(select(OutboundMessage)).all()
    session.refresh(message)
    return message


def history(session, message) -> list[str]:
    return list(session.scalars(select(MessageEvent.status).where(
        MessageEvent.message_id == message.id).order_by(MessageEvent.id)))


def participant(session, **kw):
    p = make_participant(session, diary_start_date=DAY, **kw)
    session.commit()
    return p


def test_accepted_send_stores_provider_id_and_asks_for_status_callbacks(
        session, run_tick, twilio_gateway, fake_twilio):
    p = participant(session)
    run_tick(AT_20, gateway=twilio_gateway)
    message = only_message(session)
    [sent] = fake_twilio.messages
    assert (message.status, message.provider_sid) == (MessageStatus.QUEUED, sent["sid"])
    assert (sent["to"], sent["from"], sent["body"]) == (p.phone, FROM_NUMBER, message.body)
    create = next(r for r in fake_twilio.requests if r["method"] == "POST")
    assert create["form"]["StatusCallback"] == "http://127.0.0.1:5000/sms/status"
    assert history(session, message) == ["sending", "queued"]


def test_messaging_service_can_replace_the_from_number(session, run_tick, fake_twilio):
    participant(session)
    gateway = TwilioGateway(fake_twilio.account_sid, fake_twilio.auth_token,
                            messaging_service_sid="MG" + "1" * 32, base_url=fake_twilio.base_url)
    run_tick(AT_20, gateway=gateway)
    [sent] = fake_twilio.messages
    assert (sent["from"], sent["messaging_service_sid"]) == (None, "MG" + "1" * 32)


def test_timeout_marks_unknown_and_next_tick_finds_it_without_resending(
        session, run_tick, fake_twilio):
    participant(session)
    impatient = TwilioGateway(fake_twilio.account_sid, fake_twilio.auth_token,
                              from_number=FROM_NUMBER, base_url=fake_twilio.base_url,
                              timeout=0.3)
    fake_twilio.timeout_next(1, seconds=2)
    report = run_tick(AT_20, gateway=impatient)
    assert report["delivery"] == {"unknown": 1}
    assert only_message(session).status == MessageStatus.UNKNOWN
    report = run_tick("2026-03-10T20:01:00+08:00", gateway=impatient)
    assert report["reconciled"] == {"found": 1}
    message = only_message(session)
    [sent] = fake_twilio.messages
    assert (message.status, message.provider_sid) == (MessageStatus.QUEUED, sent["sid"])


def test_server_error_marks_unknown_and_next_tick_resends_once(
        session, run_tick, twilio_gateway, fake_twilio):
    participant(session)
    fake_twilio.fail_next(1, status=500)
    assert run_tick(AT_20, gateway=twilio_gateway)["delivery"] == {"unknown": 1}
    assert only_message(session).error_code == "20500"
    report = run_tick("2026-03-10T20:01:00+08:00", gateway=twilio_gateway)
    assert report["reconciled"] == {"resend": 1}
    assert report["delivery"] == {"accepted": 1}
    assert len(fake_twilio.messages) == 1
    assert history(session, only_message(session)) == [
        "sending", "unknown", "not_found", "sending", "queued"]


def test_rate_limit_is_retried_with_backoff(session, run_tick, twilio_gateway, fake_twilio):
    participant(session)
    fake_twilio.fail_next(1, status=429)
    assert run_tick(AT_20, gateway=twilio_gateway)["delivery"] == {"retry": 1}
    message = only_message(session)
    assert message.status == MessageStatus.PENDING
    assert message.next_attempt_at - message.claimed_at == timedelta(seconds=60)
    run_tick("2026-03-10T20:00:30+08:00", gateway=twilio_gateway)
    assert fake_twilio.messages == []
    run_tick("2026-03-10T20:01:00+08:00", gateway=twilio_gateway)
    assert len(fake_twilio.messages) == 1
    assert only_message(session).attempts == 2


def test_connection_refused_before_sending_is_retried(session, run_tick, fake_twilio):
    participant(session)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    nowhere = TwilioGateway(fake_twilio.account_sid, fake_twilio.auth_token,
                            from_number=FROM_NUMBER, base_url=f"http://127.0.0.1:{closed_port}",
                            timeout=1)
    assert run_tick(AT_20, gateway=nowhere)["delivery"] == {"retry": 1}
    assert only_message(session).status == MessageStatus.PENDING


def test_opted_out_number_error_stops_messages_and_flags(
        session, run_tick, twilio_gateway, fake_twilio):
    p = participant(session)
    fake_twilio.opted_out.add(p.phone)
    run_tick(AT_20, gateway=twilio_gateway)
    message = only_message(session)
    assert (message.status, message.error_code) == (MessageStatus.SUPPRESSED, "21610")
    state = session.scalar(select(PhoneState).where(PhoneState.phone_hash == p.phone_hash))
    assert state.opted_out_at is not None
    assert session.scalar(select(Flag.kind).where(Flag.participant_id == p.id)) == (
        FlagKind.UNREACHABLE)
    assert session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "sms.opt_out")) == "sms.opt_out"
    run_tick("2026-03-11T09:00:00+08:00", gateway=twilio_gateway)
    assert len(fake_twilio.requests) == 1


def test_invalid_number_fails_and_flags(session, run_tick, twilio_gateway, fake_twilio):
    p = participant(session)
    fake_twilio.invalid_numbers.add(p.phone)
    run_tick(AT_20, gateway=twilio_gateway)
    message = only_message(session)
    assert (message.status, message.error_code) == (MessageStatus.FAILED, "21211")
    assert session.scalar(select(Flag.detail).where(Flag.participant_id == p.id)) == (
        "unreachable:participant:invalid")


def test_send_claimed_by_a_process_that_died_is_found_at_the_provider(
        session, clock, rules, run_tick, twilio_gateway, fake_twilio):
    participant(session)
    reminders.plan(session, clock.set(AT_20), rules)
    session.commit()
    claimed = outbox.claim_next(session, clock(), rules).send
    twilio_gateway.send(claimed.to, claimed.body, None)  # ...and the process was killed here
    run_tick("2026-03-10T20:03:00+08:00", gateway=twilio_gateway)
    assert only_message(session).status == MessageStatus.SENDING  # claim not yet expired
    report = run_tick("2026-03-10T20:06:00+08:00", gateway=twilio_gateway)
    assert report["reconciled"] == {"found": 1}
    assert len(fake_twilio.messages) == 1
    assert only_message(session).provider_sid == fake_twilio.messages[0]["sid"]


def test_send_claimed_by_a_process_that_died_before_sending_goes_out_once(
        session, clock, rules, run_tick, twilio_gateway, fake_twilio):
    participant(session)
    reminders.plan(session, clock.set(AT_20), rules)
    session.commit()
    outbox.claim_next(session, clock(), rules)
    run_tick("2026-03-10T20:06:00+08:00", gateway=twilio_gateway)
    run_tick("2026-03-10T20:07:00+08:00", gateway=twilio_gateway)
    assert len(fake_twilio.messages) == 1
    assert only_message(session).status == MessageStatus.QUEUED


def test_provider_listing_failure_leaves_the_send_unknown(session, run_tick, fake_twilio):
    participant(session)
    impatient = TwilioGateway(fake_twilio.account_sid, fake_twilio.auth_token,
                              from_number=FROM_NUMBER, base_url=fake_twilio.base_url,
                              timeout=0.3)
    fake_twilio.fail_next(1, status=503)
    run_tick(AT_20, gateway=impatient)
    fake_twilio.latency(1)  # the listing times out
    report = run_tick("2026-03-10T20:01:00+08:00", gateway=impatient)
    assert report["reconciled"] == {"still_unknown": 1}
    assert only_message(session).status == MessageStatus.UNKNOWN


def test_the_same_key_is_stored_once(session, clock, rules):
    participant(session)
    now = clock.set(AT_20)
    assert reminders.plan(session, now, rules)["queued"] == 1
    [message] = session.scalars(select(OutboundMessage)).all()
    again = outbox.NewMessage(message.idempotency_key, "participant", message.to_phone,
                              message.to_hash, "daily", "zh", 0, "x", now, now)
    assert outbox.enqueue(session, [again], now) == 0
    assert session.scalar(select(func.count()).select_from(OutboundMessage)) == 1


def test_a_claimed_message_cannot_be_claimed_again(session, clock, rules):
    participant(session)
    reminders.plan(session, clock.set(AT_20), rules)
    session.commit()
    assert outbox.claim_next(session, clock(), rules).send.body
    assert outbox.claim_next(session, clock(), rules) is None
    assert not outbox.swap(session, only_message(session).id, MessageStatus.PENDING,
                           {"status": MessageStatus.SENDING})


def test_a_claim_that_is_not_sent_says_what_became_of_the_message(session, clock, rules):
    p = participant(session)
    reminders.plan(session, clock.set(AT_20), rules)
    reachability.opt_out(session, p.phone_hash, clock(), "sms", rules.flags)
    session.commit()
    claim = outbox.claim_next(session, clock(), rules)
    assert (claim.outcome, claim.send) == ("suppressed", None)
    assert only_message(session).status == MessageStatus.SUPPRESSED
    assert outbox.claim_next(session, clock(), rules) is None


def test_a_send_rate_sends_concurrently_each_message_once(session, run_tick, rules,
                                                           twilio_gateway, fake_twilio):
    import dataclasses
    import threading

    class Watched:
        """The real gateway, counting how many sends are under way at once."""

        def __init__(self) -> None:
            self.now = self.most = 0
            self.lock = threading.Lock()

        def send(self, *args, **kwargs):
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            try:
                return twilio_gateway.send(*args, **kwargs)
            finally:
                with self.lock:
                    self.now -= 1

        def __getattr__(self, name):
            return getattr(twilio_gateway, name)

    people = [participant(session) for _ in range(12)]
    fake_twilio.latency(0.1)  # a provider that takes 100 ms to answer
    paced = dataclasses.replace(rules, outbox=dataclasses.replace(
        rules.outbox, send_rate=40, send_concurrency=8))
    watched = Watched()
    report = run_tick(AT_20, gateway=watched, tick_rules=paced)
    assert report["delivery"] == {"accepted": 12}
    assert sorted(m["to"] for m in fake_twilio.messages) == sorted(p.phone for p in people)
    assert session.scalar(select(func.count()).select_from(OutboundMessage).where(
        OutboundMessage.status == MessageStatus.QUEUED)) == 12
    assert watched.most > 1
