"""Storing a diary day: create or amend, revisions, lateness, and the safety flags it raises."""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diary.models import (
    Answer,
    AnswerRevision,
    DayStatus,
    DiaryEntry,
    FlagKind,
    Originator,
    Participant,
    ParticipantStatus,
    Submission,
)
from diary.rules import instrument, schedule, triggers
from diary.services import audit
from diary.services.diary import drafts
from diary.services.flags import opening


@dataclass
class Author:
    """Who is submitting: the signed-in account and the originator they confirmed."""

    account: object
    originator: Originator

    @property
    def staff(self) -> bool:
        return self.account.kind == "staff"


@dataclass
class SubmitResult:
    status: str  # created | amended | duplicate | conflict | closed
    entry: DiaryEntry | None = None
    outcome: triggers.Outcome = field(default_factory=triggers.Outcome)


@dataclass(frozen=True)
class Rules:
    window: schedule.WindowRules = schedule.WindowRules()
    limits: triggers.Thresholds = triggers.Thresholds()
    due_hours: dict | None = None

    @classmethod
    def from_config(cls, config) -> "Rules":
        """The window, trigger and flag settings of this deployment."""
        return cls(schedule.WindowRules.from_config(config),
                   triggers.Thresholds.from_config(config), opening.due_hours_from_config(config))


def submission_count(session: Session, entry_id: int | None) -> int:
    """How many times the entry was sent; the review page carries it to detect stale tabs."""
    if entry_id is None:
        return 0
    return session.scalar(select(func.count()).where(Submission.entry_id == entry_id)) or 0


def submit(session: Session, participant: Participant, day: date, answers: dict[str, str],
           author: Author, token: str, now: datetime, rules: Rules = Rules(), *,
           client_at: datetime | None = None, base: int | None = None,
           reason: str | None = None, reported: frozenset = frozenset()) -> SubmitResult:
    """Store the day's answers once per token; amend with revisions; raise safety flags."""
    previous = session.scalar(select(Submission).where(Submission.token == token))
    if previous is not None:
        return SubmitResult("duplicate", session.get(DiaryEntry, previous.entry_id))
    open_now = schedule.is_open(day, participant.timezone, now, rules.window)
    in_period = schedule.in_diary_period(day, participant.diary_start_date,
                                         participant.diary_end_date)
    active = participant.status == ParticipantStatus.ACTIVE
    if not in_period or (not (open_now and active) and not author.staff):
        return SubmitResult("closed")
    entry = drafts.entry_for(session, participant.id, day)
    if entry is not None and base is not None and submission_count(session, entry.id) != base:
        return SubmitResult("conflict", entry)
    created = entry is None or not entry.answered
    if entry is None:
        entry = _new_entry(session, participant, day)
        if entry is None:
            return SubmitResult("conflict", drafts.entry_for(session, participant.id, day))
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
    outcome = _raise_flags(session, participant, entry, answers, before, submission, now, rules,
                           reported)
    entry.warning_sign = entry.warning_sign or outcome.urgent
    audit.record(session, now, "entry.create" if created else "entry.amend", author.account,
                 participant=participant, target=f"entry:{entry.id}",
                 detail={"diary_date": day.isoformat(), "late": late, "items": changed,
                         "originator": author.originator.value, "reason": reason})
    drafts.discard(session, participant.id, day)
    return SubmitResult("created" if created else "amended", entry, outcome)


def warn_outside_window(session: Session, participant: Participant, day: date,
                        answers: dict[str, str], author: Author, now: datetime,
                        rules: Rules = Rules()) -> triggers.Outcome:
    """A warning sign sent for a day that has closed: no entry, but an urgent flag all the same."""
    outcome = triggers.warning_signs(answers)
    codes = urgent_codes(outcome)
    if codes:
        kind = FlagKind.SAFETY_URGENT
        key = opening.flag_key(kind, f"p{participant.id}:closed:{now.isoformat()}", codes)
        opening.open_flag(session, participant, kind, key, now, detail=",".join(codes), day=day,
                          due_hours=rules.due_hours)
        audit.record(session, now, "entry.warning_after_close", author.account,
                     participant=participant, detail={"diary_date": day.isoformat(),
                                                      "items": codes})
    return outcome


def replayed(session: Session, participant: Participant, day: date, token: str) -> SubmitResult:
    """After a write lost a race: a duplicate if its token was stored, else a conflict."""
    if session.scalar(select(Submission.id).where(Submission.token == token)) is not None:
        return SubmitResult("duplicate", drafts.entry_for(session, participant.id, day))
    return SubmitResult("conflict", drafts.entry_for(session, participant.id, day))


def _new_entry(session, participant, day) -> DiaryEntry | None:
    entry = DiaryEntry(participant_id=participant.id, diary_date=day, status=DayStatus.ON_TIME)
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
    changed = []
    for item_id in sorted(set(current) | set(answers)):
        old = current[item_id].value if item_id in current else None
        new = answers.get(item_id)
        if old == new:
            continue
        changed.append(item_id)
        if record or old is not None:
            session.add(AnswerRevision(entry_id=entry.id, submission_id=submission.id,
                                       item_id=item_id, old_value=old, new_value=new))
        if new is None:
            session.delete(current[item_id])  # kept in the revision just written
        elif old is None:
            session.add(Answer(entry_id=entry.id, item_id=item_id, value=new))
        else:
            current[item_id].value = new
    return changed


def evaluate(session: Session, participant: Participant, day: date, answers: dict[str, str],
             rules: Rules = Rules()) -> triggers.Outcome:
    """Every safety trigger for a day's answers, with the recent days and the medicine list."""
    history = drafts.recent_history(session, participant.id, day)
    meds = [m.code for m in participant.medications if m.stop_date is None or m.stop_date >= day]
    return triggers.evaluate(day, answers, history, triggers.on_anticoagulant(meds), rules.limits)


def urgent_codes(outcome: triggers.Outcome) -> list[str]:
    """The causes that call for the emergency or crisis page and an urgent flag."""
    return outcome.emergency + (["RF12"] if outcome.crisis else [])


def _raise_flags(session, participant, entry, answers, before, submission, now, rules,
                 reported) -> triggers.Outcome:
    """Open safety flags; a cause that is new, or `reported` again just now, is never silent."""
    outcome = evaluate(session, participant, entry.diary_date, answers, rules)
    earlier = evaluate(session, participant, entry.diary_date, before, rules)
    for kind, codes, old in (
            (FlagKind.SAFETY_URGENT, urgent_codes(outcome), urgent_codes(earlier)),
            (FlagKind.SAFETY_SAME_DAY, outcome.same_day, earlier.same_day)):
        if not codes:
            continue
        key = opening.flag_key(kind, f"entry:{entry.id}", codes)
        if (set(codes) - set(old) or set(codes) & reported) and opening.is_resolved(session, key):
            # Reported again after the team closed the first flag: a new flag, not silence.
            key = opening.flag_key(kind, f"entry:{entry.id}:s{submission.id}", codes)
        opening.open_flag(session, participant, kind, key, now, detail=",".join(codes)[:200],
                        entry=entry, day=entry.diary_date, due_hours=rules.due_hours)
    return outcome
