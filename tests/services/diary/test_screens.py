"""The screen save as a service: one read of the draft and the history, triggers once."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from diary.models import AuditEvent, DiaryEntry, Flag, FlagKind, OutboundMessage
from diary.rules import triggers
from diary.rules.deployment import Rules
from diary.services.diary import screens
from diary.services.diary.screens import Given, Saved
from diary.services.messaging import on_call
from tests.support.factories import make_participant
from tests.support.query_counter import count_queries
from tests.web.participant.test_diary_flow import seed_yesterday

DAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)  # 20:30 in Beijing
NO_SIGNS = {f"RF{n}": "no" for n in range(1, 13)}
RULES = Rules()


@pytest.fixture
def person(session):
    p = make_participant(session)
    seed_yesterday(session, p)
    return p


@pytest.fixture
def evaluations(monkeypatch):
    """Count the runs of the safety triggers (the real function, counted)."""
    calls = []
    real = triggers.evaluate

    def counted(*args, **kw):
        calls.append(args[1])
        return real(*args, **kw)

    monkeypatch.setattr(triggers, "evaluate", counted)
    return calls


def save(session, person, step, form, action="next"):
    outcome = screens.save_screen(session, person, person, DAY, step, Given(action, form), NOW,
                                  RULES)
    session.commit()
    return outcome


def drafts_read(statements) -> int:
    """Statements that read the draft (alone, or with the day's entry: screens.stored)."""
    return sum(1 for s in statements
               if s.lstrip().startswith("SELECT") and "draft.answers" in s.split("FROM")[0])


def medicines_read(statements) -> int:
    return sum(1 for s in statements if s.lstrip().startswith("SELECT medication.code"))


def history_read(statements) -> int:
    return sum(1 for s in statements if "SELECT diary_entry.diary_date, answer.item_id" in s
               and "LEFT OUTER JOIN" not in s)  # not the last day's answers to copy


def test_a_screen_save_reads_the_draft_once_and_neither_history_nor_medicines(
        session, person, evaluations):
    save(session, person, "who", {"R1": "participant"})
    save(session, person, "warning", {}, action="none")
    evaluations.clear()
    with count_queries(session) as counter:
        outcome = save(session, person, "symptoms", {}, action="same")
    assert outcome.status is Saved.NEXT
    assert outcome.screen.next_step == "events"
    assert drafts_read(counter.statements) == 1
    assert history_read(counter.statements) == 0  # no urgent cause reads earlier days
    assert medicines_read(counter.statements) == 0
    assert evaluations == []  # the same-day causes wait for the day to be sent
    # BEGIN, the participant (expired by the last commit), the day, the day to copy, the
    # draft's update; a write's turn besides on SQLite
    assert counter.count <= 6


def test_a_fall_with_a_head_strike_asks_the_medicine_list(session):
    person = make_participant(session, medicines=["warfarin"])
    seed_yesterday(session, person)
    save(session, person, "who", {"R1": "participant"})
    save(session, person, "warning", {}, action="none")
    fall = {"E1": "yes", "E1_COUNT": "1", "E1_INJURY": "bruise", "E2": "not_measured",
            "E3": "no"}
    with count_queries(session) as counter:  # without a head strike: no list asked
        outcome = save(session, person, "events", {**fall, "E1_HEAD": "no"})
    assert outcome.status is Saved.NEXT
    assert medicines_read(counter.statements) == 0
    with count_queries(session) as counter:
        outcome = save(session, person, "events", {**fall, "E1_HEAD": "yes"})
    assert outcome.status is Saved.HELP
    assert outcome.help.emergency == ["head_strike_anticoagulant"]
    assert medicines_read(counter.statements) == 1


def test_an_urgent_save_stores_the_day_and_evaluates_each_answer_set_once(session, person,
                                                                          evaluations):
    save(session, person, "who", {"R1": "participant"})
    evaluations.clear()
    with count_queries(session) as counter:
        outcome = save(session, person, "warning", {**NO_SIGNS, "RF2": "yes"})
    assert outcome.status is Saved.HELP
    assert outcome.help.emergency == ["RF2"]
    assert history_read(counter.statements) == 1
    assert drafts_read(counter.statements) == 1
    assert len(evaluations) == 1  # the answers stored, once; a screen asks only urgent causes
    inserts = [s for s in counter.statements if s.startswith("INSERT INTO answer ")]
    assert len(inserts) == 1  # the day's answers in one statement, not one per answer
    entry = session.scalar(select(DiaryEntry).where(DiaryEntry.diary_date == DAY))
    assert entry.warning_sign
    assert entry.answer_map()["RF2"] == "yes"
    assert session.scalar(select(Flag.detail)) == "RF2"


def test_an_unanswered_question_returns_what_was_typed(session, person):
    save(session, person, "who", {"R1": "participant"})
    outcome = save(session, person, "warning", {"RF1": "no"})
    assert outcome.status is Saved.INVALID
    assert set(outcome.errors) == {f"RF{n}" for n in range(2, 13)}
    assert outcome.values == {"RF1": "no"}


def test_a_screen_the_day_does_not_ask_is_none(session, person):
    assert save(session, person, "infusion", {}) is None


def report(session, person, day, codes=("RF1",)):
    form = {**NO_SIGNS, **dict.fromkeys(codes, "yes")}
    outcome = screens.report_warning(session, person, person, day, form, NOW, RULES)
    session.commit()
    return outcome


def urgent_flags(session):
    return list(session.scalars(select(Flag).where(Flag.kind == FlagKind.SAFETY_URGENT)))


def test_repeated_reports_for_a_closed_date_coalesce_into_one_flag_and_one_page(session,
                                                                               person):
    person.site.on_call_phone = "+8613900000999"
    session.commit()
    for _ in range(5):
        assert report(session, person, date(2000, 1, 1)).urgent  # help is always shown
    flags = urgent_flags(session)
    assert len(flags) == 1
    assert flags[0].diary_date == DAY  # dated today, not the year 2000
    again = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "flag.report_again"))
    assert again == 4
    on_call.queue_on_call(session, NOW, RULES)
    on_call.queue_on_call(session, NOW, RULES)
    session.commit()
    pages = session.scalar(select(func.count()).select_from(OutboundMessage).where(
        OutboundMessage.kind == "on_call"))
    assert pages == 1


def test_a_new_cause_opens_its_own_flag(session, person):
    report(session, person, date(2026, 3, 9), ("RF1",))
    report(session, person, date(2026, 3, 9), ("RF3",))
    report(session, person, date(2026, 3, 9), ("RF1",))
    assert sorted(f.detail for f in urgent_flags(session)) == ["RF1", "RF3"]


def test_no_flag_outside_the_diary_period(session):
    ended = make_participant(session, diary_start_date=date(2025, 1, 1),
                             diary_end_date=date(2026, 1, 1))
    session.commit()
    assert report(session, ended, date(2025, 12, 31)).urgent
    assert urgent_flags(session) == []


def test_urgent_reports_while_the_day_is_open_join_the_open_flag(session, person):
    save(session, person, "who", {"R1": "participant"})
    save(session, person, "warning", {**NO_SIGNS, "RF2": "yes"})
    report(session, person, date(2001, 5, 5), ("RF2",))
    assert len(urgent_flags(session)) == 1


def test_the_last_answered_day_read_with_the_day_is_what_it_reads_alone(session, person):
    """The screen's one statement (the day's entry and draft, the last answered day's answers)
    gives the same last day and answers as the statement of its own; nothing for a new
    participant, and nothing from an answered day more than two weeks back."""
    from diary.services.diary import entries

    alone = entries.last_answers(session, person.id, DAY)
    assert alone[0] == date(2026, 3, 9)
    assert len(alone[1]) > 20
    assert screens.stored(session, person.id, DAY, previous=True).previous == alone
    assert screens.stored(session, person.id, DAY).previous is None  # not read
    later = date(2026, 3, 24)
    assert screens.stored(session, person.id, later, previous=True).previous == (None, {}) \
        == entries.last_answers(session, person.id, later)
    newcomer = make_participant(session)
    session.commit()
    assert screens.stored(session, newcomer.id, DAY, previous=True) == screens.Stored(
        None, None, (None, {}))
