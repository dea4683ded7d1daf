"""Planning reminders: which slots are due now, for whom, in which language — stored once."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from diary.models import (
    Caregiver,
    OutboundMessage,
    Participant,
    ParticipantStatus,
    ReminderRecipients,
)
from diary.rules import schedule
from diary.rules.deployment import Rules
from diary.services.messaging import outbox, reachability, wording
from diary.services.sql import is_postgres, one_of
from diary.sms import templates


@dataclass(frozen=True)
class Target:
    """One number that receives a participant's reminders, in its owner's language."""

    code: str  # p12 (the participant) or c7 (a caregiver)
    recipient: str
    person: Row  # the participant's roster row
    caregiver_id: int | None
    locale: str
    phone_hash: str
    blocked: bool  # opted out or invalid


# Built once: the tick runs every minute and these are its standing questions.
ROSTER = (select(Participant.id, Participant.site_id, Participant.timezone,
                 Participant.reminder_time, Participant.reminder_recipients, Participant.locale,
                 Participant.phone_hash, Participant.diary_start_date, Participant.diary_end_date,
                 reachability.is_blocked(Participant.phone_hash).label("blocked"))
          .where(Participant.status == ParticipantStatus.ACTIVE).order_by(Participant.id))
CAREGIVERS = (select(Caregiver.id, Caregiver.participant_id, Caregiver.locale,
                     Caregiver.phone_hash,
                     reachability.is_blocked(Caregiver.phone_hash).label("blocked"))
              .join(Participant, Participant.id == Caregiver.participant_id)
              .where(Caregiver.active, Participant.status == ParticipantStatus.ACTIVE))
EXISTING_KEYS = {postgres: select(OutboundMessage.idempotency_key).where(clause)
                 for postgres, clause in one_of(OutboundMessage.idempotency_key, "keys").items()}


def roster(session: Session) -> list[Row]:
    """Active participants with what scheduling needs (no decryption, one query)."""
    return list(session.execute(ROSTER))


def targets(session: Session, people: list[Row]) -> list[Target]:
    """Participant, caregiver or both; the participant when no caregiver is active."""
    carers: dict[int, list[Row]] = {}
    for row in session.execute(CAREGIVERS):
        carers.setdefault(row.participant_id, []).append(row)
    found = []
    for p in people:
        wants_carer = p.reminder_recipients != ReminderRecipients.PARTICIPANT
        mine = carers.get(p.id, []) if wants_carer else []
        if p.reminder_recipients != ReminderRecipients.CAREGIVER or not mine:
            found.append(Target(f"p{p.id}", "participant", p, None, p.locale, p.phone_hash,
                                p.blocked))
        found += [Target(f"c{c.id}", "caregiver", p, c.id, c.locale, c.phone_hash,
                         c.blocked)
                  for c in mine]
    return found


def plan(session: Session, now: datetime, rules: Rules,
         people: list[Row] | None = None) -> dict:
    """Store every reminder due now that is not stored yet; too old ones are stored as dropped."""
    people = roster(session) if people is None else people
    slots: dict[tuple, list[schedule.Slot]] = {}  # thousands of people share a zone and a time
    due = [(t, slot) for t in targets(session, people) if not t.blocked
           for slot in _slots(slots, now, t.person.timezone, t.person.reminder_time, rules)]
    if not due:
        return {"queued": 0, "stale": 0}
    existing = set(session.scalars(EXISTING_KEYS[is_postgres(session)],
                                   {"keys": list({_key(t, s) for t, s in due})}))
    todo = [(t, s) for t, s in due if _key(t, s) not in existing]
    if not todo:
        return {"queued": 0, "stale": 0}
    new = _compose(session, todo, rules)
    fresh = [m for m in new if now < m.expires_at]
    stale = [m for m in new if now >= m.expires_at]
    return {"queued": outbox.enqueue(session, fresh, now),
            "stale": outbox.enqueue(session, stale, now, dropped_because="stale")}


def _slots(cache: dict, now: datetime, tz: str, at, rules: Rules) -> list[schedule.Slot]:
    found = cache.get((tz, at))
    if found is None:
        found = cache[tz, at] = schedule.slots_around(now, tz, at, rules.reminders, rules.window)
    return found


def _key(target: Target, slot: schedule.Slot) -> str:
    """Recipient, kind, diary date and slot: the idempotency key."""
    return f"{target.code}:diary:{slot.diary_date.isoformat()}:{slot.name}"


def _compose(session, todo, rules) -> list[outbox.NewMessage]:
    """The messages the due slots need, with a first choice of wording."""
    first = min(s.diary_date for _, s in todo) - timedelta(days=1)
    last = max(s.diary_date for _, s in todo)
    facts = wording.load_facts(session, {t.person.id for t, _ in todo}, first, last)
    wanted = [(target, slot, kind) for target, slot in todo if (kind := wording.choose_kind(
        slot.name, target.person.id, slot.diary_date,
        (target.person.diary_start_date, target.person.diary_end_date), facts))]
    if not wanted:
        return []
    phones = _phones(session, [target for target, _, _ in wanted])
    return [_message(target, slot, kind, phones[target.code], rules)
            for target, slot, kind in wanted]


def _message(target: Target, slot: schedule.Slot, kind: str, to: str,
             rules: Rules) -> outbox.NewMessage:
    p = target.person
    variant = wording.preferred_variant(kind, slot.local_date)
    return outbox.NewMessage(
        key=_key(target, slot), recipient=target.recipient, to=to, to_hash=target.phone_hash,
        kind=kind, locale=target.locale, variant=variant,
        body=templates.render(kind, target.locale, variant, to, rules.texts),
        due_at=slot.due_at, expires_at=slot.expires_at, diary_date=slot.diary_date,
        local_date=slot.local_date, participant_id=p.id, caregiver_id=target.caregiver_id,
        site_id=p.site_id)


def _phones(session, wanted: list[Target]) -> dict[str, str]:
    """Decrypt only the numbers about to get a message."""
    pids = {t.person.id for t in wanted if t.caregiver_id is None}
    cids = {t.caregiver_id for t in wanted if t.caregiver_id is not None}
    found = {}
    if pids:
        found.update({f"p{i}": phone for i, phone in session.execute(
            select(Participant.id, Participant.phone).where(Participant.id.in_(pids)))})
    if cids:
        found.update({f"c{i}": phone for i, phone in session.execute(
            select(Caregiver.id, Caregiver.phone).where(Caregiver.id.in_(cids)))})
    return found
