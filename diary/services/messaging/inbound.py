"""Replies to our SMS: STOP and START change what we may send, HELP answers, the rest is kept."""

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from diary import crypto
from diary.models import Caregiver, InboundMessage, Participant
from diary.rules import phones, schedule
from diary.rules.deployment import Rules
from diary.services import audit
from diary.services.messaging import outbox, reachability, wording
from diary.services.sql import insert_ignoring
from diary.sms import templates

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE",
                        "OPTOUT", "退订", "TD", "T", "N"})  # T, N: mainland carriers' words
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_WORDS = frozenset({"HELP", "INFO", "帮助"})
HELP_VALID = timedelta(hours=1)
_TRIM = re.compile(r"^[\s\W_]+|[\s\W_]+$")


def keyword(body: str) -> str:
    """stop, start, help or other, from the whole reply (case, spaces and punctuation ignored)."""
    word = _TRIM.sub("", body or "").upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return "help" if word in HELP_WORDS else "other"


def receive(session: Session, sid: str, sender: str, body: str, now: datetime,
            rules: Rules) -> str:
    """Store the reply once (by provider id) and act on its keyword; returns the keyword."""
    word = keyword(body)
    phone_hash = crypto.lookup_hash(sender)
    participant, caregiver = _owner(session, phone_hash)
    inserted = insert_ignoring(session, InboundMessage, [{
        "provider_sid": sid, "from_phone": sender, "from_hash": phone_hash, "body": body,
        "keyword": word, "received_at": now,
        "participant_id": participant.id if participant else None,
        "caregiver_id": caregiver.id if caregiver else None}], ["provider_sid"],
        returning=[InboundMessage.id])
    if not inserted:
        return word  # the provider retried a webhook we already handled
    if word == "stop":
        reachability.opt_out(session, phone_hash, now, "inbound", rules.flags)
    elif word == "start":
        reachability.opt_in(session, phone_hash, now)
    elif word == "help":
        _answer_help(session, sid, sender, phone_hash, participant, caregiver, now, rules)
    return word


def unseen(session: Session, site_ids: list[int]) -> list[InboundMessage]:
    """Replies from the sites' participants and caregivers that no staff member has seen."""
    return list(session.scalars(
        select(InboundMessage).join(Participant, Participant.id == InboundMessage.participant_id)
        .where(Participant.site_id.in_(site_ids), InboundMessage.seen_at.is_(None))
        .order_by(InboundMessage.received_at)))


def _owner(session, phone_hash) -> tuple[Participant | None, Caregiver | None]:
    participant = session.scalar(select(Participant).where(Participant.phone_hash == phone_hash))
    caregiver = session.scalar(select(Caregiver).where(Caregiver.phone_hash == phone_hash))
    if participant is None and caregiver is not None:
        participant = caregiver.participant
    return participant, caregiver


def _answer_help(session, sid, sender, phone_hash, participant, caregiver, now, rules) -> None:
    """Queue a short reply in the sender's language (the tick sends it within a minute)."""
    known = caregiver or participant
    locale = known.locale if known else ("zh" if phones.is_mainland(sender) else "en")
    tz = participant.timezone if participant else "Asia/Shanghai"
    variant = wording.preferred_variant("help", None)
    outbox.enqueue(session, [outbox.NewMessage(
        key=f"sender:help:{schedule.local_today(now, tz)}:{sid}", recipient="sender", to=sender,
        to_hash=phone_hash, kind="help", locale=locale, variant=variant,
        body=templates.render("help", locale, variant, sender, rules.texts), due_at=now,
        expires_at=now + HELP_VALID, local_date=schedule.local_today(now, tz),
        participant_id=participant.id if participant else None,
        caregiver_id=caregiver.id if caregiver else None,
        site_id=participant.site_id if participant else None)], now)


def replies_for_staff(session: Session, participant_ids, include_seen: bool = False,
                      limit: int = 100) -> list[tuple[InboundMessage, str]]:
    """Replies from the staff member's participants and caregivers, newest first, with codes."""
    query = (select(InboundMessage, Participant.study_code)
             .join(Participant, Participant.id == InboundMessage.participant_id)
             .where(InboundMessage.participant_id.in_(participant_ids))
             .order_by(InboundMessage.received_at.desc()).limit(limit))
    if not include_seen:
        query = query.where(InboundMessage.seen_at.is_(None))
    return [(row[0], row[1]) for row in session.execute(query)]


def mark_seen(session: Session, staff, message: InboundMessage, now: datetime) -> None:
    """Record that a staff member has read a reply (audited)."""
    if message.seen_at is None:
        message.seen_at = now
        audit.record(session, now, "sms.reply_seen", staff,
                     participant=session.get(Participant, message.participant_id),
                     target=f"inbound:{message.id}", detail={"keyword": message.keyword})
