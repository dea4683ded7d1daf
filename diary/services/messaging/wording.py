"""What a message says at the moment it goes out — or why it does not go out at all."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from diary.models import (
    Caregiver,
    ClinicVisit,
    DayStatus,
    DiaryEntry,
    MessageStatus,
    OutboundMessage,
    Participant,
    ParticipantStatus,
)
from diary.rules import schedule
from diary.rules.deployment import Rules
from diary.services.messaging import reachability
from diary.services.sql import is_postgres, one_of
from diary.sms import templates

DONE = frozenset({DayStatus.ON_TIME, DayStatus.LATE, DayStatus.EXCUSED})
HANDED_OVER = (MessageStatus.SENDING, MessageStatus.UNKNOWN, MessageStatus.QUEUED,
               MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNDELIVERED)

STATUSES = {postgres: select(DiaryEntry.participant_id, DiaryEntry.diary_date, DiaryEntry.status)
            .where(clause, DiaryEntry.diary_date >= bindparam("first"),
                   DiaryEntry.diary_date <= bindparam("last"))
            for postgres, clause in one_of(DiaryEntry.participant_id, "ids").items()}
VISITS = {postgres: select(ClinicVisit.participant_id, ClinicVisit.visit_date)
          .where(clause, ClinicVisit.visit_date > bindparam("first"),
                 ClinicVisit.visit_date <= bindparam("last"))
          for postgres, clause in one_of(ClinicVisit.participant_id, "ids").items()}


@dataclass(frozen=True)
class Facts:
    """Day statuses and clinic visits of some participants around some dates."""

    statuses: dict
    visits: frozenset

    def done(self, participant_id: int, day: date) -> bool:
        """Answered (on time or late) or excused: no reminder about it any more."""
        return self.statuses.get((participant_id, day)) in DONE


def load_facts(session: Session, participant_ids: Iterable[int], first: date,
               last: date) -> Facts:
    """Statuses from `first` to `last` and visits on the day after each, in two queries."""
    postgres, ids = is_postgres(session), list(participant_ids)
    statuses = {(pid, day): status for pid, day, status in session.execute(
        STATUSES[postgres], {"ids": ids, "first": first, "last": last})}
    visits = session.execute(VISITS[postgres],
                             {"ids": ids, "first": first, "last": last + timedelta(days=1)})
    return Facts(statuses, frozenset((pid, day) for pid, day in visits))


def choose_kind(slot: str, participant_id: int, day: date, period: tuple[date, date],
                facts: Facts) -> str | None:
    """The wording a slot needs for this diary day, or None when nothing is to be said."""
    def due(d: date) -> bool:
        return period[0] <= d <= period[1] and not facts.done(participant_id, d)

    if slot == "last_call":
        return "last_call" if due(day) else None
    if (participant_id, day + timedelta(days=1)) in facts.visits:
        return "visit_daily" if due(day) else "visit"
    if not due(day):
        return None
    return "daily_missed" if due(day - timedelta(days=1)) else "daily"


def preferred_variant(kind: str, day: date | None, salt: int = 0) -> int:
    """Rotate wordings day by day so consecutive days never repeat a text."""
    return ((day.toordinal() if day else 0) + salt) % templates.variant_count(kind)


def pick_wording(kind: str, locale: str, to: str, preferred: int, recent: set[str],
                 texts: templates.TextSettings, code: str = "") -> tuple[int, str] | None:
    """The first wording from `preferred` on that the number has not had recently."""
    count = templates.variant_count(kind)
    for step in range(count):
        variant = (preferred + step) % count
        body = templates.render(kind, locale, variant, to, texts, code)
        if body not in recent:
            return variant, body
    return None


@dataclass(frozen=True)
class Verdict:
    status: MessageStatus  # SENDING: go ahead; DROPPED or SUPPRESSED: not sent, see reason
    reason: str | None = None
    kind: str | None = None
    variant: int = 0
    body: str | None = None
    params: tuple[tuple[str, str], ...] = ()  # the template's parameters, for template gateways


def review(session: Session, message: OutboundMessage, now: datetime,
           rules: Rules) -> Verdict:
    """Decide at claim time: still useful, reachable, needed, under the cap, not a repeat."""
    if now >= message.expires_at:
        return Verdict(MessageStatus.DROPPED, "stale")
    blocked = reachability.blocked(session, message.to_hash)
    if blocked and message.kind != "on_call":  # a safety alert is always attempted
        return Verdict(MessageStatus.SUPPRESSED, blocked)
    participant = session.get(Participant, message.participant_id) if (
        message.participant_id) else None
    kind = message.kind
    if kind in templates.REMINDER_KINDS:
        kind, reason = _still_needed(session, message, participant, now, rules)
        if reason:
            return Verdict(MessageStatus.DROPPED, reason)
    recent = _recent(session, message, now, rules)
    if kind in templates.REMINDER_KINDS and _over_cap(message, recent, rules):
        return Verdict(MessageStatus.DROPPED, "cap")
    since = now - timedelta(hours=rules.outbox.repeat_hours)
    code = participant.study_code if participant is not None and kind == "on_call" else ""
    # Safety alerts are exempt from the repeat rule: the third alert in a day must still go.
    sent_lately = set() if kind == "on_call" else {
        m.body for m in recent if m.claimed_at >= since}
    picked = pick_wording(kind, message.locale, message.to_phone, message.variant, sent_lately,
                          rules.texts, code)
    if picked is None:
        return Verdict(MessageStatus.DROPPED, "repeat")
    params = templates.parameters(kind, templates.language(message.locale), picked[0], code)
    return Verdict(MessageStatus.SENDING, None, kind, *picked, params=params)


def _still_needed(session, message, participant, now, rules) -> tuple[str, str | None]:
    if participant is None or participant.status != ParticipantStatus.ACTIVE:
        return message.kind, "inactive"
    if message.caregiver_id and not session.get(Caregiver, message.caregiver_id).active:
        return message.kind, "inactive"
    if schedule.is_quiet(now, participant.timezone, rules.reminders):
        return message.kind, "quiet"
    day = message.diary_date
    facts = load_facts(session, [participant.id], day - timedelta(days=1), day)
    slot = "last_call" if message.kind == "last_call" else "evening"
    kind = choose_kind(slot, participant.id, day,
                       (participant.diary_start_date, participant.diary_end_date), facts)
    return (kind, None) if kind else (message.kind, "done")


def _recent(session, message, now, rules) -> list:
    """Messages handed to the provider for the same number lately (two days at least)."""
    return list(session.execute(
        select(OutboundMessage.body, OutboundMessage.kind, OutboundMessage.local_date,
               OutboundMessage.claimed_at)
        .where(OutboundMessage.to_hash == message.to_hash, OutboundMessage.id != message.id,
               or_(OutboundMessage.status.in_(HANDED_OVER),
                   OutboundMessage.provider_sid.is_not(None)),
               OutboundMessage.claimed_at >= now - timedelta(
                   hours=max(48, rules.outbox.repeat_hours)))))


def _over_cap(message, recent, rules) -> bool:
    same_day = [m for m in recent if m.kind in templates.REMINDER_KINDS
                and m.local_date == message.local_date]
    return len(same_day) >= rules.outbox.max_per_day
