"""One diary screen: what it shows, and saving it (draft, warning signs at once, the lost race)."""

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from diary.models import DiaryEntry, Draft, Originator, Participant
from diary.rules import answers as reading
from diary.rules import instrument, schedule, triggers
from diary.rules.instrument import WARNING_SIGNS, Section
from diary.services.diary import drafts, entries, safety

# A write that lost a race to its twin (a double tap, a second tab): the twin stored it.
# A database that fails (locked, full, gone) is no lost race: it reaches the 503 page, which
# keeps the answers to resend and, for a warning sign, shows the call to 120.
LOST_RACE = (IntegrityError, StaleDataError)


# What keeps a screen's taps without judging them: the language switch, Back, Finish later.
KEEPING = frozenset({"language", "back", "later"})


class Saved(enum.StrEnum):
    """Where a screen save leads."""

    NEXT = "next"        # stored in the draft: on to the next screen (or the review)
    INVALID = "invalid"  # something needs an answer: the screen again, with what was typed
    HELP = "help"        # a warning sign: stored at once, the emergency or crisis page now
    KEPT = "kept"        # kept unjudged: the language switched (the same screen again), or the
    #                      person left the screen with Back or Finish later


@dataclass(frozen=True)
class Screen:
    """One screen of a day, with what was saved so far and the last day's answers to copy."""

    sections: list[Section]
    section: Section
    saved: dict[str, str]
    draft: object | None
    previous_day: date | None
    previous: dict[str, str]
    day: date

    @property
    def index(self) -> int:
        return self.sections.index(self.section)

    @property
    def consecutive(self) -> bool:
        """Whether the last answered day is the day before (so "same as yesterday")."""
        return self.previous_day is not None and (self.day - self.previous_day).days == 1

    @property
    def copied(self) -> dict[str, str]:
        """What "same as …" would fill in on this screen."""
        return drafts.copy_section(self.section, self.previous, self.consecutive)

    @property
    def previous_step(self) -> str | None:
        """The screen before this one, or None on the first."""
        return self.sections[self.index - 1].id if self.index else None

    @property
    def next_step(self) -> str | None:
        """The next screen's id, or None when the review comes next."""
        after = self.index + 1
        return self.sections[after].id if after < len(self.sections) else None


@dataclass(frozen=True)
class Given:
    """What the person sent from a screen: the button pressed and the form's fields."""

    action: str
    form: Mapping


@dataclass
class ScreenOutcome:
    status: Saved
    screen: Screen
    errors: dict = field(default_factory=dict)
    values: Mapping = field(default_factory=dict)
    help: triggers.Outcome = field(default_factory=triggers.Outcome)


def sections(participant: Participant, day: date, window: schedule.WindowRules) -> list[Section]:
    """The sections this participant's day asks, trimmed to the core from month 4."""
    plan = schedule.section_plan(day, participant.diary_start_date, participant.infusion_dates,
                                 window)
    return [instrument.trim(instrument.BY_SECTION[sid], core) for sid, core in plan]


@dataclass(frozen=True)
class Stored:
    """What a day holds so far: its sent entry and its unsent draft, each None if it has none;
    and, when read with them, the last answered day before it and that day's answers."""

    entry: DiaryEntry | None
    draft: Draft | None
    previous: tuple[date | None, dict[str, str]] | None = None  # None: not read


_STORED = (select(DiaryEntry, Draft).select_from(Participant)
           .outerjoin(DiaryEntry, and_(DiaryEntry.participant_id == Participant.id,
                                       DiaryEntry.diary_date == bindparam("day")))
           .outerjoin(Draft, and_(Draft.participant_id == Participant.id,
                                  Draft.diary_date == bindparam("day")))
           .where(Participant.id == bindparam("participant_id")))  # built once
_STORED_AND_PREVIOUS = _STORED.add_columns(entries.LAST_ANSWERED_DAY,
                                           entries.LAST_ANSWERS_OBJECT)


def stored(session: Session, participant_id: int, day: date, *,
           previous: bool = False) -> Stored:
    """The day's entry and draft, read together (one statement); with `previous`, the last
    answered day's answers too (for a screen shown, to copy), in the same statement."""
    values = {"participant_id": participant_id, "day": day}
    if not previous:
        found = session.execute(_STORED, values).first()
        return Stored(None, None) if found is None else Stored(*found)
    found = session.execute(_STORED_AND_PREVIOUS,
                            {**values, **entries.last_answers_values(day)}).first()
    if found is None:
        return Stored(None, None)
    entry, draft, previous_day, answers = found
    return Stored(entry, draft, (previous_day, dict(answers or {}) if previous_day else {}))


def saved_answers(session: Session, participant_id: int, day: date,
                  known: Stored | None = None):
    """The draft and the answers so far: the draft's, else the sent entry's (to amend).

    `known` is what the caller read of the day already (`stored`); otherwise it is read here.
    """
    known = known or stored(session, participant_id, day)
    if known.draft is not None:
        return known.draft, dict(known.draft.answers)
    return None, known.entry.answer_map() if known.entry is not None else {}


def screen(session: Session, participant: Participant, day: date, step: str,
           window: schedule.WindowRules, *, previous: bool = True,
           known: Stored | None = None) -> Screen | None:
    """The screen with this id on this day, or None when the day does not ask it.

    Without `previous`, the last answered day is left unread until `with_previous` (a save
    that goes on to the next screen never shows it).
    """
    asked = sections(participant, day, window)
    section = next((s for s in asked if s.id == step), None)
    if section is None:
        return None
    draft, saved = saved_answers(session, participant.id, day, known)
    shown = Screen(asked, section, saved, draft, None, {}, day)
    return with_previous(session, participant, shown, known) if previous else shown


def with_previous(session: Session, participant: Participant, shown: Screen,
                  known: Stored | None = None) -> Screen:
    """The screen with the last answered day's answers, for "same as …" and its preview
    (read here unless `known` holds them)."""
    if known is not None and known.previous is not None:
        previous_day, previous = known.previous
    else:
        previous_day, previous = entries.last_answers(session, participant.id, shown.day)
    return replace(shown, previous_day=previous_day, previous=previous)


def usual_medicines(session: Session, participant: Participant, day: date) -> list[str]:
    """The codes of the participant's own medicine list on that day, shown first on M2."""
    return safety.taking(session, participant.id, day)


def default_originator(participant: Participant, account) -> Originator:
    """Who is answering, as the login suggests."""
    if account.kind == "caregiver":
        return Originator.CAREGIVER
    if participant.reporting_mode.value == "assisted":
        return Originator.PARTICIPANT_HELPED
    return Originator.PARTICIPANT


def save_screen(session: Session, participant: Participant, account, day: date, step: str,
                given: Given, now: datetime, rules,
                known: Stored | None = None) -> ScreenOutcome | None:
    """Save one screen in the draft; a warning sign is stored at once and opens its flag.

    The draft is read once. Only the urgent causes are asked of a screen saved: the recent
    days (and, but after a fall with a head strike, the medicine list) are read only to store
    the day at once. Returns None when the day does not ask this screen.
    """
    shown = screen(session, participant, day, step, rules.window, previous=False, known=known)
    if shown is None:
        return None
    if given.action == "same":  # copies the last answered day's answers
        shown = with_previous(session, participant, shown)
    if given.action == "none" and reading.contradicts(shown.section.none_values, given.form):
        given = Given("next", given.form)  # "none of these" never undoes a "yes" tapped
    if given.action in KEEPING:
        # Every valid tap of this screen is kept (never a refused value); nothing is judged
        # until the person goes on. Leaving with a warning sign tapped still gets help.
        answers, refused = reading.read_section(shown.section, given.form, shown.saved)
        answers, errors = _kept(shown, answers, refused), {}
    else:
        answers, errors = _read(shown, given)
    # A warning sign is acted on even if other questions on the screen are unanswered.
    warned = shown.section.id == "warning" and triggers.warning_signs(answers).urgent
    if errors and not warned:
        if given.action == "next" and "" not in errors:  # a form of this screen's questions
            # Every valid tap is kept, whatever the person does next; a refused value is not.
            drafts.save(session, participant.id, day, shown.section,
                        _kept(shown, answers, errors), shown.saved, shown.draft, now)
        # What was typed comes back as typed; a shortcut shows what it would have filled in.
        values = given.form if given.action == "next" else {**shown.saved, **answers}
        if given.action != "same":
            shown = with_previous(session, participant, shown)
        return ScreenOutcome(Saved.INVALID, shown, errors, values)
    merged = drafts.save(session, participant.id, day, shown.section, answers, shown.saved,
                         shown.draft, now)
    if given.action == "language":  # the same screen again, in the other language
        return ScreenOutcome(Saved.KEPT, shown, values=merged)
    ctx = safety.context(session, participant, day)
    after = ctx.urgent(merged, rules.limits)
    before = ctx.urgent(shown.saved, rules.limits)
    new_codes = set(safety.urgent_codes(after)) - set(safety.urgent_codes(before))
    if not (warned or new_codes):
        settled = Saved.KEPT if given.action in KEEPING else Saved.NEXT
        return ScreenOutcome(settled, shown, values=merged)
    reported = frozenset(safety.urgent_codes(triggers.warning_signs(answers)))
    help_outcome = _store_at_once(session, participant, account, day, merged, now, rules,
                                  reported, ctx) or after
    return ScreenOutcome(Saved.HELP, shown, values=merged, help=help_outcome)


def _kept(shown: Screen, answers: dict, refused: dict) -> dict:
    """The screen's valid taps; for a refused one, what was saved before (all of it when the
    form is not this screen's own)."""
    saved = {i.id: shown.saved[i.id] for i in shown.section.items if i.id in shown.saved}
    if "" in refused:
        return saved
    return {**{k: v for k, v in answers.items() if k not in refused},
            **{k: v for k, v in saved.items() if k in refused}}


def _read(shown: Screen, given: Given) -> tuple[dict, dict]:
    section = shown.section
    if given.action == "none" and section.shortcut == "none":
        return reading.none_of_these(section, given.form)
    if given.action == "same" and section.shortcut == "same":
        copied = shown.copied
        if not copied:
            return copied, {"": reading.MISSING}
        # What was tapped on this screen stands ("same" fills in the rest), the answers that
        # compare with yesterday above all: they are never copied.
        typed, refused = reading.read_section(section, given.form, {**shown.saved, **copied})
        copied.update({k: v for k, v in typed.items() if v and k not in refused})
        missing = reading.missing_items([section], copied)
        return copied, {m: reading.MISSING for m in missing}
    return reading.read_section(section, given.form, shown.saved)


def _store_at_once(session, participant, account, day, merged, now, rules, reported,
                   ctx) -> triggers.Outcome | None:
    """Store the answers before the rest of the diary; None when a twin stored them first.

    Help is shown whatever happens to the write: a double tap that loses the race to its
    twin must still land on the emergency page, never on an error.
    """
    author = entries.Author(account, Originator(merged.get("R1") or
                                                default_originator(participant, account)))
    try:
        with session.begin_nested():
            result = entries.submit(session, participant, day, merged, author, _token(), now,
                                    rules, reported=reported, triggers_context=ctx)
    except LOST_RACE:
        return None
    return result.outcome


def report_warning(session: Session, participant: Participant, account, day: date,
                   form: Mapping, now: datetime, rules) -> triggers.Outcome | None:
    """A warning sign sent for a day no longer open: the outcome for the help page, else None."""
    given, _errors = reading.read_section(WARNING_SIGNS, form, {})
    outcome = triggers.warning_signs(given)
    if not outcome.urgent:
        return None
    safety.report_after_close(session, participant, day, outcome, account, now, rules.window,
                              rules.due_hours)
    return outcome


@dataclass
class Sending:
    """A request to send the day from the review page."""

    token: str
    client_at: datetime | None = None
    base: int | None = None


@dataclass
class SendOutcome:
    result: entries.SubmitResult | None
    missing_step: str | None = None


def send_day(session: Session, participant: Participant, account, day: date, sending: Sending,
             now: datetime, rules, known: Stored | None = None) -> SendOutcome:
    """Send the day's answers once: every question answered, else the first screen missing."""
    asked = sections(participant, day, rules.window)
    _draft, saved = saved_answers(session, participant.id, day, known)
    missing = reading.missing_items(asked, saved)
    if missing:
        return SendOutcome(None, next(s.id for s in asked
                                      if any(i.id == missing[0] for i in s.items)))
    asked_ids = {i.id for s in asked for i in s.items}
    answers = {k: v for k, v in saved.items() if k in asked_ids}
    author = entries.Author(account, Originator(answers.get("R1")))
    try:
        with session.begin_nested():
            result = entries.submit(session, participant, day, answers, author, sending.token,
                                    now, rules, client_at=sending.client_at, base=sending.base)
    except LOST_RACE:  # the same tap arrived twice and its twin stored it
        result = entries.replayed(session, participant, day, sending.token)
    return SendOutcome(result)


def first_unanswered(participant: Participant, day: date, answers: dict[str, str],
                     window: schedule.WindowRules) -> str | None:
    """The first screen with a question still unanswered, or None when all are answered."""
    asked = sections(participant, day, window)
    missing = reading.missing_items(asked, answers)
    if not missing:
        return None
    return next(s.id for s in asked if any(i.id == missing[0] for i in s.items))


def _token() -> str:
    return uuid.uuid4().hex
