"""Storing a diary day: create or amend, revisions, lateness, and the safety flags it raises."""

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import String, bindparam, cast, func, insert, null, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diary.models import (
    Answer,
    AnswerRevision,
    DayStatus,
    DiaryEntry,
    Originator,
    Participant,
    ParticipantStatus,
    Submission,
)
from diary.rules import instrument, schedule, triggers
from diary.rules.deployment import Rules
from diary.services import audit, sql
from diary.services.diary import drafts, safety

# The reads every diary page makes, built once: a statement built per call costs more to build
# and to look up in the compiled cache than to run.
_DAY_ENTRY = select(DiaryEntry).where(DiaryEntry.participant_id == bindparam("participant_id"),
                                      DiaryEntry.diary_date == bindparam("day"))
_SUBMISSIONS = select(func.count()).where(Submission.entry_id == bindparam("entry_id"))
# The answers of some entries and the send counts of others, in one statement: an answer is
# a row with its item, a count a row with no item.
_ANSWERS_AND_SENDS = union_all(
    select(Answer.entry_id, Answer.item_id, Answer.value)
    .where(Answer.entry_id.in_(bindparam("answered", expanding=True))),
    select(Submission.entry_id, cast(null(), String), cast(func.count(), String))
    .where(Submission.entry_id.in_(bindparam("sent", expanding=True)))
    .group_by(Submission.entry_id))
_LAST_ANSWERED = (select(DiaryEntry.id)
                  .where(DiaryEntry.participant_id == bindparam("participant_id"),
                         DiaryEntry.diary_date < bindparam("before"),
                         DiaryEntry.diary_date >= bindparam("since"),
                         DiaryEntry.status.in_([DayStatus.ON_TIME, DayStatus.LATE]))
                  .order_by(DiaryEntry.diary_date.desc()).limit(1).scalar_subquery())
_LAST_ANSWERS = (select(DiaryEntry.diary_date, Answer.item_id, Answer.value)
                 .outerjoin(Answer, Answer.entry_id == DiaryEntry.id)
                 .where(DiaryEntry.id == _LAST_ANSWERED))
# The same as two columns of a larger statement (never correlated with its tables): the last
# answered day, and its answers as one JSON object.
_LAST_ANSWERED_APART = _LAST_ANSWERED.correlate(None)
LAST_ANSWERED_DAY = (select(DiaryEntry.diary_date).where(DiaryEntry.id == _LAST_ANSWERED_APART)
                     .scalar_subquery().correlate(None))
LAST_ANSWERS_OBJECT = (select(sql.object_of(Answer.item_id, Answer.value))
                       .where(Answer.entry_id == _LAST_ANSWERED_APART)
                       .scalar_subquery().correlate(None))


@dataclass
class Author:
    """Who is submitting: the signed-in account and the originator they confirmed."""

    account: object
    originator: Originator

    @property
    def staff(self) -> bool:
        return self.account.kind == "staff"


class Sent(enum.StrEnum):
    """What became of a submission."""

    CREATED = "created"
    AMENDED = "amended"
    DUPLICATE = "duplicate"  # the same token was stored before: nothing new
    CONFLICT = "conflict"    # another screen sent the day since this one was shown
    CLOSED = "closed"        # the day can no longer be sent by this person


@dataclass
class SubmitResult:
    status: Sent
    entry: DiaryEntry | None = None
    outcome: triggers.Outcome = field(default_factory=triggers.Outcome)


DEFAULT_RULES = Rules()


def submission_count(session: Session, entry_id: int | None) -> int:
    """How many times the entry was sent; the review page carries it to detect stale tabs."""
    if entry_id is None:
        return 0
    return session.scalar(_SUBMISSIONS, {"entry_id": entry_id}) or 0


def answers_and_sends(session: Session, answered: list[int],
                      sent: list[int]) -> tuple[dict[int, dict[str, str]], dict[int, int]]:
    """The answers of the `answered` entries, keyed by item id as ``DiaryEntry.answer_map``
    gives them, and how many times each of the `sent` entries was sent (one statement;
    entries with neither are left out)."""
    answers: dict[int, dict[str, str]] = {}
    sends: dict[int, int] = {}
    if answered or sent:
        for entry_id, item_id, value in sql.rows(session, _ANSWERS_AND_SENDS,
                                                 {"answered": answered, "sent": sent}):
            if item_id is None:
                sends[entry_id] = int(value)
            else:
                answers.setdefault(entry_id, {})[item_id] = value
    return answers, sends


def submit(session: Session, participant: Participant, day: date, answers: dict[str, str],
           author: Author, token: str, now: datetime, rules: Rules = DEFAULT_RULES, *,
           client_at: datetime | None = None, base: int | None = None,
           reason: str | None = None, reported: frozenset = frozenset(),
           triggers_context: safety.Context | None = None) -> SubmitResult:
    """Store the day's answers once per token; amend with revisions; raise safety flags."""
    previous = session.scalar(select(Submission).where(Submission.token == token))
    if previous is not None:
        return SubmitResult(Sent.DUPLICATE, session.get(DiaryEntry, previous.entry_id))
    open_now = schedule.is_open(day, participant.timezone, now, rules.window)
    in_period = schedule.in_diary_period(day, participant.diary_start_date,
                                         participant.diary_end_date)
    active = participant.status == ParticipantStatus.ACTIVE
    if not in_period or (not (open_now and active) and not author.staff):
        return SubmitResult(Sent.CLOSED)
    entry = entry_for(session, participant.id, day)
    if entry is not None and base is not None and submission_count(session, entry.id) != base:
        return SubmitResult(Sent.CONFLICT, entry)
    created = entry is None or not entry.answered
    if entry is None:
        entry = _new_entry(session, participant, day, now)
        if entry is None:
            return SubmitResult(Sent.CONFLICT, entry_for(session, participant.id, day))
    late = schedule.is_late(day, participant.timezone, now)
    if created:
        entry.status = DayStatus.LATE if late else DayStatus.ON_TIME
        entry.originator = author.originator
        entry.first_submitted_at = now
        entry.instrument_version = instrument.VERSION
    if author.staff:
        entry.staff_entered, entry.staff_user_id, entry.reason = True, author.account.id, reason
    if author.account.kind == "caregiver":
        entry.caregiver_id = author.account.id
    entry.last_submitted_at, entry.client_submitted_at = now, client_at
    submission = Submission(entry_id=entry.id, token=token, received_at=now, client_at=client_at,
                            originator=author.originator, actor_type=author.account.kind,
                            actor_id=author.account.id, reason=reason)
    session.add(submission)
    session.flush()
    before = entry.answer_map() if not created else {}
    changed = _store_answers(session, entry, answers, submission, record=not created)
    ctx = triggers_context or safety.context(session, participant, day)
    outcome = ctx.evaluate(answers, rules.limits)
    safety.raise_flags(session, participant, entry, outcome, ctx.evaluate(before, rules.limits),
                       submission.id, now, rules.due_hours, reported)
    entry.warning_sign = entry.warning_sign or outcome.urgent
    audit.record(session, now, "entry.create" if created else "entry.amend", author.account,
                 participant=participant, target=f"entry:{entry.id}",
                 detail={"diary_date": day.isoformat(), "late": late, "items": changed,
                         "originator": author.originator.value, "reason": reason})
    drafts.discard(session, participant.id, day)
    return SubmitResult(Sent.CREATED if created else Sent.AMENDED, entry, outcome)


def replayed(session: Session, participant: Participant, day: date, token: str) -> SubmitResult:
    """After a write lost a race: a duplicate if its token was stored, else a conflict."""
    if session.scalar(select(Submission.id).where(Submission.token == token)) is not None:
        return SubmitResult(Sent.DUPLICATE, entry_for(session, participant.id, day))
    return SubmitResult(Sent.CONFLICT, entry_for(session, participant.id, day))


def _new_entry(session, participant, day, now) -> DiaryEntry | None:
    entry = DiaryEntry(participant_id=participant.id, diary_date=day, status=DayStatus.ON_TIME,
                       created_at=now)
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        return None  # the same day was stored from another tab a moment ago
    return entry


def _store_answers(session, entry, answers, submission, record) -> list[str]:
    """Write the answers; on amendment keep each change as a revision. Returns changed ids."""
    current = {a.item_id: a for a in session.scalars(
        select(Answer).where(Answer.entry_id == entry.id))}
    changed, added, revisions = [], [], []
    for item_id in sorted(set(current) | set(answers)):
        old = current[item_id].value if item_id in current else None
        new = answers.get(item_id)
        if old == new:
            continue
        changed.append(item_id)
        if record or old is not None:
            revisions.append({"entry_id": entry.id, "submission_id": submission.id,
                              "item_id": item_id, "old_value": old, "new_value": new})
        if new is None:
            session.delete(current[item_id])  # kept in the revision just written
        elif old is None:
            added.append({"entry_id": entry.id, "item_id": item_id, "value": new})
        else:
            current[item_id].value = new
    # A day's answers go in as one statement each way, not one INSERT per answer.
    for model, rows in ((AnswerRevision, revisions), (Answer, added)):
        if rows:
            session.execute(insert(model), rows)
    if added:
        session.expire(entry, ["answers"])
    return changed


LOOKBACK_DAYS = 14  # how far back "same as …" looks for an answered day


def last_answers_values(before: date, lookback_days: int = LOOKBACK_DAYS) -> dict:
    """The bound parameters of the last answered day before `before` (besides the
    participant's id): for `last_answers` and the columns `LAST_ANSWERED_DAY` and
    `LAST_ANSWERS_OBJECT`."""
    return {"before": before, "since": before - timedelta(days=lookback_days)}


def entry_for(session: Session, participant_id: int, day: date) -> DiaryEntry | None:
    """The day's entry, if it has one."""
    return session.scalar(_DAY_ENTRY, {"participant_id": participant_id, "day": day})


def last_answers(session: Session, participant_id: int, before: date,
                 lookback_days: int = LOOKBACK_DAYS) -> tuple[date | None, dict[str, str]]:
    """The most recent answered day and its answers, for "same as yesterday" (one query)."""
    rows = sql.rows(session, _LAST_ANSWERS, {
        "participant_id": participant_id, **last_answers_values(before, lookback_days)}).all()
    if not rows:
        return None, {}
    return rows[0][0], {item_id: value for _day, item_id, value in rows if item_id is not None}
