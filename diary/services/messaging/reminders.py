"""Planning reminders: which slots are due now, for whom, in which language — stored once."""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    Integer,
    Row,
    String,
    Text,
    Time,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from diary import crypto
from diary.models import (
    Caregiver,
    ClinicVisit,
    DiaryEntry,
    OutboundMessage,
    Participant,
    ParticipantStatus,
    ReminderRecipients,
)
from diary.rules import schedule
from diary.rules.deployment import Rules
from diary.services import sql
from diary.services.messaging import outbox, reachability, wording
from diary.services.sql import DrivingJoin, is_postgres, one_of
from diary.sms import templates


@dataclass(frozen=True)
class Target:
    """One number that receives a participant's reminders, in its owner's language."""

    code: str  # p12 (the participant) or c7 (a caregiver)
    recipient: str
    person: Row  # the participant's row: id, site_id, diary_start_date, diary_end_date
    caregiver_id: int | None
    locale: str
    phone_hash: str


ACTIVE = Participant.status == ParticipantStatus.ACTIVE
# Built once: the tick runs every minute and these are its standing questions.
ROSTER = (select(Participant.id, Participant.site_id, Participant.timezone,
                 Participant.reminder_time, Participant.diary_start_date,
                 Participant.diary_end_date).where(ACTIVE).order_by(Participant.id))
GROUPS = select(Participant.timezone, Participant.reminder_time).where(ACTIVE).distinct()
HAS_CAREGIVER = exists().where(Caregiver.participant_id == Participant.id, Caregiver.active)


def roster(session: Session) -> list[Row]:
    """Active participants with what closing their windows needs (no decryption, one query)."""
    return list(session.execute(ROSTER))


def plan(session: Session, now: datetime, rules: Rules) -> dict:
    """Store every reminder due now that is not stored yet; too old ones are stored as dropped.

    Thousands of people share a time zone and a reminder time, so the slots are worked out
    once per pair, and the database answers who in each pair still lacks the slot's message:
    a minute with nothing new costs one query, whatever the size of the roster.

    A tick stores at most `plan_limit` messages (more than a minute can send); the following
    ticks store the rest, so a cohort's first evening never holds one minute's transaction
    for seconds. `more` says that the limit was reached."""
    slots = [(tz, at, slot) for tz, at in session.execute(GROUPS)
             for slot in schedule.slots_around(now, tz, at, rules.reminders, rules.window)]
    if not slots:
        return {"queued": 0, "stale": 0}
    limit = rules.outbox.plan_limit
    found = _unplanned(session, slots, limit)
    if not found:
        return {"queued": 0, "stale": 0}
    new = _compose(session, [(_target(row), slots[row.slot][2]) for row in found], rules)
    fresh = [m for m in new if now < m.expires_at]
    stale = [m for m in new if now >= m.expires_at]
    report = {"queued": outbox.enqueue(session, fresh, now),
              "stale": outbox.enqueue(session, stale, now, dropped_because="stale")}
    if len(found) == limit:
        report["more"] = True
    return report


def _unplanned(session: Session, slots: list, limit: int) -> list[Row]:
    """Up to `limit` participants and caregivers to remind about a due slot whose message is
    not stored yet: one statement, each person met only with the slots of their own zone and
    time.

    Exactly who gets one, as `wording.choose_kind` decides (which picks the wording): were
    the statement to find more, a tick's `limit` could fill with people who get nothing and
    the rest would wait forever."""
    postgres = is_postgres(session)
    due = [(n, tz, at, slot.diary_date, slot.diary_date + timedelta(days=1),
            int(slot.name != "last_call"), f":diary:{slot.diary_date.isoformat()}:{slot.name}")
           for n, (tz, at, slot) in enumerate(slots)]
    if postgres:
        params = {name: [row[i] for row in due] for i, name in enumerate(DUE_COLUMNS)}
    else:  # one JSON parameter; times and dates in the text form SQLite stores them in
        dialect = session.get_bind().dialect
        stored_time = Time().dialect_impl(dialect).bind_processor(dialect)
        params = {"due": [[n, tz, stored_time(at), day.isoformat(), after.isoformat(), visits,
                           suffix] for n, tz, at, day, after, visits, suffix in due]}
    params["limit"] = limit
    return list(session.execute(_unplanned_statement(postgres), params))


# `visits`: 1 when the slot also tells of tomorrow's clinic visit (every slot but the last call)
DUE_COLUMNS = {"n": Integer, "tz": String, "at": Time, "day": Date, "next_day": Date,
               "visits": Integer, "suffix": String}


@functools.cache
def _unplanned_statement(postgres: bool):
    """Built once per database kind: the due slots arrive as arrays (PostgreSQL) or as one
    JSON list (SQLite), so the statement never changes shape with their number."""
    if postgres:
        table = func.unnest(*(bindparam(name, type_=ARRAY(kind))
                              for name, kind in DUE_COLUMNS.items())).table_valued(
            *DUE_COLUMNS).render_derived(name="due")
    else:  # read out of the JSON once into a table of its own: SQLite would otherwise take
        # each value out of its slot's text again for every person it checks, at every use
        listed = func.json_each(bindparam("due", type_=JSON)).table_valued("value").alias("listed")
        table = select(*(func.json_extract(listed.c.value, f"$[{n}]").label(name)
                         for n, name in enumerate(DUE_COLUMNS))).cte("due")
        table = table.prefix_with("MATERIALIZED")
    due = {name: table.c[name] for name in DUE_COLUMNS}
    group = and_(Participant.timezone == due["tz"], Participant.reminder_time == due["at"])
    wanted = (ACTIVE, _needs(due["day"], due["next_day"], due["visits"] == 1))
    # The slots drive: each finds its group through the index, then each person is checked.
    in_slots = DrivingJoin(table, Participant.__table__, group)
    participants = select(
        due["n"].label("slot"), cast(null(), Integer).label("caregiver_id"), Participant.locale,
        Participant.phone_hash, *PERSON).select_from(in_slots).where(
        *wanted, ~reachability.is_blocked(Participant.phone_hash),
        or_(Participant.reminder_recipients != ReminderRecipients.CAREGIVER, ~HAS_CAREGIVER),
        ~_stored("p", Participant.id, due["suffix"]))
    caregivers = select(
        due["n"].label("slot"), Caregiver.id.label("caregiver_id"), Caregiver.locale,
        Caregiver.phone_hash, *PERSON).select_from(DrivingJoin(
            in_slots, Caregiver.__table__, Caregiver.participant_id == Participant.id)).where(
        *wanted, Caregiver.active, ~reachability.is_blocked(Caregiver.phone_hash),
        Participant.reminder_recipients != ReminderRecipients.PARTICIPANT,
        ~_stored("c", Caregiver.id, due["suffix"]))
    return union_all(participants, caregivers).limit(bindparam("limit", type_=Integer))


PERSON = (Participant.id, Participant.site_id, Participant.diary_start_date,
          Participant.diary_end_date)


def _needs(day, next_day, visits) -> ColumnElement[bool]:
    """SQL: a reminder about `day` is wanted: the day is in the period and not done, or the
    slot tells of visits and one is tomorrow (`wording.choose_kind`, in SQL)."""
    done = exists().where(DiaryEntry.participant_id == Participant.id,
                          DiaryEntry.diary_date == day, DiaryEntry.status.in_(wording.DONE))
    visit = exists().where(ClinicVisit.participant_id == Participant.id,
                           ClinicVisit.visit_date == next_day)
    return or_(and_(Participant.diary_start_date <= day, Participant.diary_end_date >= day,
                    ~done), and_(visits, visit))


def _stored(prefix: str, id_column, suffix) -> ColumnElement[bool]:
    """SQL: the message with this recipient's idempotency key (see `_key`) exists."""
    key = literal(prefix, String) + cast(id_column, String) + suffix
    return exists().where(OutboundMessage.idempotency_key == key)


def _target(row: Row) -> Target:
    if row.caregiver_id is None:
        return Target(f"p{row.id}", "participant", row, None, row.locale, row.phone_hash)
    return Target(f"c{row.caregiver_id}", "caregiver", row, row.caregiver_id, row.locale,
                  row.phone_hash)


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
    return [_message(target, slot, kind, *phones[target.code], rules)
            for target, slot, kind in wanted]


def _message(target: Target, slot: schedule.Slot, kind: str, to: str, sealed: crypto.Sealed,
             rules: Rules) -> outbox.NewMessage:
    p = target.person
    variant = wording.preferred_variant(kind, slot.local_date)
    return outbox.NewMessage(
        key=_key(target, slot), recipient=target.recipient, to=to, sealed_to=sealed,
        to_hash=target.phone_hash, kind=kind, locale=target.locale, variant=variant,
        body=templates.render(kind, target.locale, variant, to, rules.texts),
        due_at=slot.due_at, expires_at=slot.expires_at, diary_date=slot.diary_date,
        local_date=slot.local_date, participant_id=p.id, caregiver_id=target.caregiver_id,
        site_id=p.site_id)


def _phones(session, wanted: list[Target]) -> dict[str, tuple[str, crypto.Sealed]]:
    """The numbers about to get a message, each decrypted once (to choose the wording) and
    kept as stored too, so its ciphertext is copied into the outbox as it is."""
    postgres = is_postgres(session)
    pids = {t.person.id for t in wanted if t.caregiver_id is None}
    cids = {t.caregiver_id for t in wanted if t.caregiver_id is not None}
    found = {}
    for prefix, model, ids in (("p", Participant, pids), ("c", Caregiver, cids)):
        if ids:
            listed = select(model.id, type_coerce(model.phone, Text)).where(
                one_of(model.id, "ids")[postgres])
            found.update({f"{prefix}{i}": (crypto.decrypt(token), crypto.Sealed(token))
                          for i, token in sql.rows(session, listed, {"ids": list(ids)})})
    return found
