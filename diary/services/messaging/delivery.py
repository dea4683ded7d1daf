"""After the send: reconcile answers that never came, and apply the provider's status reports."""

from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from diary.models import MessageEvent, MessageStatus, OutboundMessage
from diary.rules.deployment import Rules
from diary.services.messaging import reachability
from diary.services.messaging.outbox import PROVIDER_STATUS, note, swap
from diary.sms.gateway import (
    INVALID_CODES,
    OPTED_OUT_CODES,
    Gateway,
    GatewayError,
    ProviderMessage,
)

RANK = {MessageStatus.PENDING: 0, MessageStatus.SENDING: 1, MessageStatus.UNKNOWN: 1,
        MessageStatus.QUEUED: 2, MessageStatus.SENT: 3, MessageStatus.DELIVERED: 4,
        MessageStatus.UNDELIVERED: 4, MessageStatus.FAILED: 4, MessageStatus.DROPPED: 5,
        MessageStatus.SUPPRESSED: 5}
UNSETTLED = (select(OutboundMessage.id, OutboundMessage.to_phone, OutboundMessage.to_hash,
                    OutboundMessage.body, OutboundMessage.claimed_at, OutboundMessage.status)
             .where(or_(OutboundMessage.status == MessageStatus.UNKNOWN,
                        and_(OutboundMessage.status == MessageStatus.SENDING,
                             OutboundMessage.claimed_at < bindparam("cutoff"))))
             .order_by(OutboundMessage.id).limit(bindparam("limit")))
# How far before the claim the provider's clock may run when we look for a lost send.
CLOCK_SLACK = timedelta(minutes=10)


def reconcile(session: Session, gateway: Gateway, now: datetime, rules: Rules) -> dict:
    """Look up sends with no clear answer at the provider: record them, or send them again."""
    cutoff = now - timedelta(seconds=rules.outbox.claim_timeout_seconds)
    rows = list(session.execute(UNSETTLED, {"cutoff": cutoff,
                                            "limit": rules.outbox.batch_limit}))
    if not rows:
        return {}
    session.commit()
    counts: dict[str, int] = {}
    for row in rows:
        try:
            listed = gateway.recent(row.to_phone, row.claimed_at - CLOCK_SLACK)
        except GatewayError:
            counts["still_unknown"] = counts.get("still_unknown", 0) + 1
            continue
        outcome = _settle(session, row, _match(session, row.body, listed), now, rules)
        session.commit()
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _match(session, body: str, listed: list[ProviderMessage]) -> ProviderMessage | None:
    """The provider's message with this text that no row of ours has claimed as its own."""
    candidates = [m for m in listed if m.body == body]
    if not candidates:
        return None
    known = set(session.scalars(select(OutboundMessage.provider_sid).where(
        OutboundMessage.provider_sid.in_([m.sid for m in candidates]))))
    return next((m for m in candidates if m.sid not in known), None)


def _settle(session, row, found: ProviderMessage | None, now, rules) -> str:
    if found is None:
        if swap(session, row.id, row.status, {"status": MessageStatus.PENDING,
                                              "next_attempt_at": now, "updated_at": now}):
            note(session, row.id, "not_found", now)
        return "resend"
    if swap(session, row.id, row.status, {"status": MessageStatus.QUEUED, "sent_at": row.claimed_at,
                                          "provider_sid": found.sid, "updated_at": now}):
        note(session, row.id, "found", now)
        apply_status(session, found.sid, found.status, found.error_code, now, rules)
    return "found"


def apply_status(session: Session, sid: str, status: str, error_code: int | None,
                 now: datetime, rules: Rules) -> bool:
    """Record a provider status once; move the message forward only. False if sid unknown."""
    message = session.scalar(select(OutboundMessage).where(OutboundMessage.provider_sid == sid))
    if message is None:
        return False
    seen = session.scalar(select(MessageEvent.id).where(
        MessageEvent.message_id == message.id, MessageEvent.status == status[:16],
        MessageEvent.error_code.is_(None) if error_code is None
        else MessageEvent.error_code == error_code).limit(1))
    if seen is not None:
        return True
    note(session, message.id, status, now, error_code)
    new = PROVIDER_STATUS.get(status)
    if new is None or RANK[new] <= RANK[message.status]:
        return True
    current, to_hash = message.status, message.to_hash
    if swap(session, message.id, current, {"status": new, "error_code": error_code,
                                           "updated_at": now}):
        _learn(session, to_hash, new, error_code, now, rules)
    return True


def _learn(session, to_hash, status, error_code, now, rules) -> None:
    """What a final status says about the number."""
    if error_code in OPTED_OUT_CODES:
        reachability.opt_out(session, to_hash, now, "provider", rules.flags)
    elif error_code in INVALID_CODES:
        reachability.mark_invalid(session, to_hash, now, error_code, rules.flags)
    if status == MessageStatus.DELIVERED:
        reachability.delivery_report(session, to_hash, True, now, rules.flags)
    elif status in (MessageStatus.UNDELIVERED, MessageStatus.FAILED):
        reachability.delivery_report(session, to_hash, False, now, rules.flags)
