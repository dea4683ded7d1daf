"""Safety triggers of a day and the flags they open: once per cause, repeats join the open flag."""

from datetime import date, datetime, timedelta
from functools import cached_property

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from diary.models import Answer, DiaryEntry, Flag, FlagKind, FlagStatus, Medication, Participant
from diary.rules import schedule, triggers
from diary.services import audit, sql
from diary.services.flags import opening

HISTORY_DAYS = 7
# Read on every screen saved, so built once (a statement built per call costs more to build
# and to find in the compiled cache than to run).
_HISTORY = (select(DiaryEntry.diary_date, Answer.item_id, Answer.value)
            .join(Answer, Answer.entry_id == DiaryEntry.id)
            .where(DiaryEntry.participant_id == bindparam("participant_id"),
                   DiaryEntry.diary_date < bindparam("day"),
                   DiaryEntry.diary_date >= bindparam("since"),
                   Answer.item_id.in_(triggers.HISTORY_ITEMS)))
_TAKING = (select(Medication.code)
           .where(Medication.participant_id == bindparam("participant_id"),
                  or_(Medication.stop_date.is_(None), Medication.stop_date >= bindparam("day")))
           .order_by(Medication.id))


class Context:
    """What the triggers read besides the day's answers: read when first needed, then kept for
    the rest of the save (a screen saved asks only the urgent causes, which read neither the
    recent days nor, but after a fall with a head strike, the medicine list)."""

    def __init__(self, session: Session, participant_id: int, day: date) -> None:
        self.day = day
        self._session, self._participant_id = session, participant_id
        self._seen: dict = {}

    @cached_property
    def history(self) -> dict[date, dict[str, str]]:
        """The recent days' answers that the trend triggers read, in one statement."""
        rows = sql.rows(self._session, _HISTORY, {
            "participant_id": self._participant_id, "day": self.day,
            "since": self.day - timedelta(days=HISTORY_DAYS)})
        history: dict[date, dict[str, str]] = {}
        for diary_date, item_id, value in rows:
            history.setdefault(diary_date, {})[item_id] = value
        return history

    @cached_property
    def on_anticoagulant(self) -> bool:
        return triggers.on_anticoagulant(taking(self._session, self._participant_id, self.day))

    def evaluate(self, answers: dict[str, str], limits: triggers.Thresholds) -> triggers.Outcome:
        """Every safety trigger for these answers of the day; each set of answers runs once."""
        if not answers:
            return triggers.Outcome()
        key = (frozenset(answers.items()), limits)
        if key not in self._seen:
            self._seen[key] = triggers.evaluate(self.day, answers, self.history,
                                                self.on_anticoagulant, limits)
        return self._seen[key]

    def urgent(self, answers: dict[str, str], limits: triggers.Thresholds) -> triggers.Outcome:
        """Only the causes that call for the emergency or crisis page now."""
        return triggers.urgent(answers, lambda: self.on_anticoagulant, limits)


def context(session: Session, participant: Participant, day: date) -> Context:
    """The triggers' context of a participant's day; nothing is read until it is needed."""
    return Context(session, participant.id, day)


def taking(session: Session, participant_id: int, day: date) -> list[str]:
    """The codes on the participant's own medicine list that day (not stopped before it)."""
    return list(sql.rows(session, _TAKING, {"participant_id": participant_id,
                                            "day": day}).scalars())


def urgent_codes(outcome: triggers.Outcome) -> list[str]:
    """The causes that call for the emergency or crisis page and an urgent flag."""
    return outcome.emergency + (["RF12"] if outcome.crisis else [])


def raise_flags(session: Session, participant: Participant, entry: DiaryEntry,
                outcome: triggers.Outcome, earlier: triggers.Outcome, submission_id: int,
                now: datetime, due_hours, reported: frozenset = frozenset()) -> None:
    """Open safety flags; a cause that is new, or `reported` again just now, is never silent."""
    for kind, codes, old in (
            (FlagKind.SAFETY_URGENT, urgent_codes(outcome), urgent_codes(earlier)),
            (FlagKind.SAFETY_SAME_DAY, outcome.same_day, earlier.same_day)):
        if not codes:
            continue
        fresh = set(codes) - set(old) or set(codes) & reported
        if kind == FlagKind.SAFETY_URGENT and fresh and _add_to_open(
                session, participant, codes, entry.diary_date, now):
            continue
        key = opening.flag_key(kind, f"entry:{entry.id}", codes)
        if fresh and opening.is_resolved(session, key):
            # Reported again after the team closed the first flag: a new flag, not silence.
            key = opening.flag_key(kind, f"entry:{entry.id}:s{submission_id}", codes)
        opening.open_flag(session, participant, kind, key, now, detail=",".join(codes)[:200],
                          entry=entry, day=entry.diary_date, due_hours=due_hours)


def report_after_close(session: Session, participant: Participant, day: date,
                       outcome: triggers.Outcome, account, now: datetime,
                       window: schedule.WindowRules, due_hours) -> None:
    """A warning sign sent for a day no longer open: help is shown; the flag goes to a real day.

    The flag is dated the day asked for when it lies in the diary period and is open, else
    today (when today is in the period); a date outside the diary opens nothing. Repeats of a
    cause join the flag that is still open, so the on-call phone is paged once.
    """
    codes = urgent_codes(outcome)
    flag_day = _flag_day(participant, day, now, window)
    if not codes or flag_day is None:
        return
    if _add_to_open(session, participant, codes, flag_day, now):
        return
    kind = FlagKind.SAFETY_URGENT
    key = opening.flag_key(kind, f"p{participant.id}:closed:{flag_day.isoformat()}", codes)
    if opening.is_resolved(session, key):
        key = opening.flag_key(kind, f"p{participant.id}:closed:{now.isoformat()}", codes)
    opening.open_flag(session, participant, kind, key, now, detail=",".join(codes), day=flag_day,
                      due_hours=due_hours)
    audit.record(session, now, "entry.warning_after_close", account, participant=participant,
                 detail={"diary_date": day.isoformat(), "flag_date": flag_day.isoformat(),
                         "items": codes})


def _flag_day(participant: Participant, day: date, now: datetime,
              window: schedule.WindowRules) -> date | None:
    today = schedule.local_today(now, participant.timezone)
    for candidate in (day, today):
        in_period = schedule.in_diary_period(candidate, participant.diary_start_date,
                                             participant.diary_end_date)
        if in_period and (candidate == today or
                          schedule.is_open(candidate, participant.timezone, now, window)):
            return candidate
    return None


def _add_to_open(session: Session, participant: Participant, codes: list[str], day: date,
                 now: datetime) -> bool:
    """Add a repeated report to the participant's unresolved urgent flag for the same causes."""
    open_flags = session.scalars(select(Flag).where(
        Flag.participant_id == participant.id, Flag.kind == FlagKind.SAFETY_URGENT,
        Flag.status != FlagStatus.RESOLVED).order_by(Flag.id))
    for flag in open_flags:
        if set(codes) <= set((flag.detail or "").split(",")):
            audit.record(session, now, "flag.report_again", None, participant=participant,
                         target=f"flag:{flag.id}",
                         detail={"diary_date": day.isoformat(), "items": codes})
            return True
    return False
