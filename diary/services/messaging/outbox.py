"""The outbox: store each message once, claim it, send after commit, record what happened."""

import contextlib
import logging
import math
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from diary.models import MessageEvent, MessageStatus, OutboundMessage
from diary.rules import schedule
from diary.rules.deployment import Rules
from diary.services.messaging import reachability, wording
from diary.services.sql import insert_ignoring, is_postgres
from diary.sms import templates
from diary.sms.gateway import Gateway, Outcome, SendResult, Wording

log = logging.getLogger("diary.sms")
PROVIDER_STATUS = {
    "accepted": MessageStatus.QUEUED, "scheduled": MessageStatus.QUEUED,
    "queued": MessageStatus.QUEUED, "sending": MessageStatus.QUEUED,
    "sent": MessageStatus.SENT, "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED, "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED, "canceled": MessageStatus.FAILED,
}


NEXT_DUE = (select(OutboundMessage)
            .where(OutboundMessage.status == MessageStatus.PENDING,
                   OutboundMessage.due_at <= bindparam("now"),
                   or_(OutboundMessage.next_attempt_at.is_(None),
                       OutboundMessage.next_attempt_at <= bindparam("now")))
            .order_by(OutboundMessage.due_at, OutboundMessage.id).limit(1))
NEXT_DUE_LOCKED = NEXT_DUE.with_for_update(skip_locked=True)


@dataclass(frozen=True)
class NewMessage:
    """A message to store: who, what, about which day, and when it is useful."""

    key: str
    recipient: str
    to: str
    to_hash: str
    kind: str
    locale: str
    variant: int
    body: str
    due_at: datetime
    expires_at: datetime
    diary_date: date | None = None
    local_date: date | None = None
    participant_id: int | None = None
    caregiver_id: int | None = None
    site_id: int | None = None
    sealed_to: str | None = None  # `to` as stored for its owner (`crypto.Sealed`), copied

    def row(self, now: datetime, status: MessageStatus) -> dict:
        """The outbound_message columns."""
        return {"idempotency_key": self.key, "recipient": self.recipient,
                "to_phone": self.sealed_to or self.to, "to_hash": self.to_hash,
                "kind": self.kind, "locale": self.locale,
                "variant": self.variant, "body": self.body, "due_at": self.due_at,
                "expires_at": self.expires_at, "diary_date": self.diary_date,
                "local_date": self.local_date, "participant_id": self.participant_id,
                "caregiver_id": self.caregiver_id, "site_id": self.site_id,
                "status": status.value, "attempts": 0, "created_at": now, "updated_at": now}


@dataclass(frozen=True)
class Claimed:
    id: int
    to: str
    to_hash: str
    body: str
    attempts: int
    key: str = ""  # the idempotency key, sent as the provider's reference (OutId, SessionContext)
    wording: Wording | None = None  # the registered template and its parameters


@dataclass(frozen=True)
class Claim:
    """A due message taken: `send` when it goes out now, else `outcome` says what became of it."""
    outcome: str  # "sending", "lost_race", or the status it was left in (dropped, suppressed…)
    send: Claimed | None = None


def enqueue(session: Session, new: list[NewMessage], now: datetime,
            dropped_because: str | None = None) -> int:
    """Insert each message unless its key exists; stale ones go in as dropped, with the reason."""
    status = MessageStatus.DROPPED if dropped_because else MessageStatus.PENDING
    inserted = insert_ignoring(session, OutboundMessage, [m.row(now, status) for m in new],
                               ["idempotency_key"], returning=[OutboundMessage.id])
    if dropped_because:
        for (message_id,) in inserted:
            note(session, message_id, f"dropped:{dropped_because}", now)
    return len(inserted)


def note(session: Session, message_id: int, status: str, now: datetime,
         error_code: str | None = None) -> None:
    """Keep one step of a message's history."""
    session.add(MessageEvent(message_id=message_id, status=status[:16], error_code=error_code,
                             at=now))


def deliver(session: Session, gateway: Gateway, now: datetime, rules: Rules) -> dict:
    """Claim and send due messages, each sent only after its claim is committed.

    With a send rate configured, several workers send at once (each claiming with its own
    session), paced to that rate: a provider that takes 100 ms per request still gets 50
    messages a second. Without one, messages go one by one.
    """
    if rules.outbox.send_rate <= 0:
        return _deliver_some(session, gateway, now, rules, Budget(rules.outbox.batch_limit))
    session.commit()  # SQLite: the workers' claims must not wait for this session's lock
    budget, pace = Budget(rules.outbox.batch_limit), Pace(rules.outbox.send_rate)
    workers = max(1, min(rules.outbox.send_concurrency, math.ceil(rules.outbox.send_rate)))
    bind = session.get_bind()
    # SQLite has one writer at a time: workers that queue for it in the database back off and
    # sleep, so they take turns here instead, and only the sends overlap.
    writes = contextlib.nullcontext() if is_postgres(session) else threading.Lock()

    def work() -> dict:
        with Session(bind) as own:
            return _deliver_some(own, gateway, now, rules, budget, pace, writes)

    counts: Counter = Counter()
    with ThreadPoolExecutor(workers, thread_name_prefix="sms-send") as pool:
        for found in pool.map(lambda _n: work(), range(workers)):
            counts.update(found)
    return dict(counts)


def _deliver_some(session: Session, gateway: Gateway, now: datetime, rules: Rules,
                  budget: "Budget", pace: "Pace | None" = None,
                  writes: contextlib.AbstractContextManager | None = None) -> dict:
    writes = writes or contextlib.nullcontext()
    counts: dict[str, int] = {}
    failures = 0
    while budget.take():
        try:
            with writes:
                claim = claim_next(session, now, rules)
        except OperationalError:  # SQLite's lock not had in time: another worker claims it
            session.rollback()
            counts["busy"] = counts.get("busy", 0) + 1
            continue
        if claim is None:
            break
        if claim.send is None:
            counts[claim.outcome] = counts.get(claim.outcome, 0) + 1
            continue
        claimed = claim.send
        if pace is not None:
            pace.wait()
        result = gateway.send(claimed.to, claimed.body, rules.outbox.status_callback,
                              wording=claimed.wording, reference=claimed.key)
        try:
            with writes:
                outcome = record(session, claimed, result, now, rules)
                session.commit()
        except OperationalError:  # still claimed: reconciled with the provider, never resent
            session.rollback()
            outcome = "unrecorded"
        counts[outcome] = counts.get(outcome, 0) + 1
        failures = failures + 1 if outcome in (Outcome.RETRY, Outcome.UNKNOWN) else 0
        if failures >= rules.outbox.pause_after_failures:
            # The provider is down or too slow: waiting out every timeout would hold the tick
            # for the whole batch. The rest waits for the next tick (and is dropped if stale).
            counts["paused"] = 1
            budget.stop()
            break
    return counts


class Budget:
    """How many claims a delivery round may still make, shared by its workers."""

    def __init__(self, limit: int) -> None:
        self.left, self.lock = limit, threading.Lock()

    def take(self) -> bool:
        with self.lock:
            self.left -= 1
            return self.left >= 0

    def stop(self) -> None:
        """No more claims this round: every worker stops before its next message."""
        with self.lock:
            self.left = 0


class Pace:
    """Evenly spaced sends at a rate (messages per second), whichever worker sends."""

    def __init__(self, rate: float) -> None:
        self.gap, self.next, self.lock = 1 / rate, time.monotonic(), threading.Lock()

    def wait(self) -> None:
        with self.lock:
            at = max(self.next, time.monotonic())
            self.next = at + self.gap
        time.sleep(max(0.0, at - time.monotonic()))


def claim_next(session: Session, now: datetime, rules: Rules) -> Claim | None:
    """Take the next due message, None when none is due (SKIP LOCKED on PostgreSQL,
    compare-and-set everywhere)."""
    postgres = is_postgres(session)
    message = session.scalar(NEXT_DUE_LOCKED if postgres else NEXT_DUE, {"now": now})
    if message is None:
        session.commit()
        return None
    if postgres:  # claims for one number take turns, so the cap and the repeat rule see them
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(message.to_hash))))
    verdict = wording.review(session, message, now, rules)
    values = {"status": verdict.status, "updated_at": now}
    if verdict.status == MessageStatus.SENDING:
        values.update(kind=verdict.kind, variant=verdict.variant, body=verdict.body,
                      claimed_at=now, attempts=message.attempts + 1)
    claimed = Claimed(message.id, message.to_phone, message.to_hash, verdict.body or "",
                      message.attempts + 1, message.idempotency_key, Wording(
                          verdict.kind or message.kind, verdict.variant,
                          templates.language(message.locale), verdict.params))
    if not swap(session, message.id, MessageStatus.PENDING, values):
        session.rollback()
        return Claim("lost_race")
    note(session, message.id, _event_name(verdict), now)
    session.commit()
    if verdict.status != MessageStatus.SENDING:
        return Claim(verdict.status.value)
    return Claim(verdict.status.value, claimed)


def record(session: Session, claimed: Claimed, result: SendResult, now: datetime,
           rules: Rules) -> str:
    """Store what the provider answered; returns the outcome for the tick's report."""
    values: dict = {"error_code": result.error_code, "updated_at": now}
    if result.outcome == Outcome.ACCEPTED:
        status = PROVIDER_STATUS.get(result.status or "", MessageStatus.QUEUED)
        values.update(status=status, provider_sid=result.sid, sent_at=now)
    elif result.outcome == Outcome.RETRY:
        values.update(status=MessageStatus.PENDING, next_attempt_at=now + schedule.retry_delay(
            claimed.attempts, rules.outbox.retry_base_seconds, rules.outbox.retry_max_seconds))
    elif result.outcome == Outcome.UNKNOWN:
        values.update(status=MessageStatus.UNKNOWN)
    elif result.outcome == Outcome.OPTED_OUT:
        values.update(status=MessageStatus.SUPPRESSED)
        reachability.opt_out(session, claimed.to_hash, now, "provider", rules.flags)
    else:
        values.update(status=MessageStatus.FAILED)
        if result.outcome == Outcome.INVALID:
            reachability.mark_invalid(session, claimed.to_hash, now, result.error_code,
                                      rules.flags)
    if not swap(session, claimed.id, MessageStatus.SENDING, values):
        log.warning("sms %s: result %s arrived after the claim expired", claimed.id,
                    result.outcome)
    note(session, claimed.id, result.status or result.outcome, now, result.error_code)
    return result.outcome


def _event_name(verdict: wording.Verdict) -> str:
    if verdict.reason is None:
        return verdict.status.value
    dropped = verdict.status == MessageStatus.DROPPED
    return f"dropped:{verdict.reason}" if dropped else verdict.reason


def swap(session: Session, message_id: int, expected: MessageStatus, values: dict) -> bool:
    """Compare-and-set: change the row only if it still has the expected status."""
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id, OutboundMessage.status == expected)
        .values(**values).execution_options(synchronize_session=False))
    return result.rowcount == 1
