"""Completing, amending and re-sending a diary day through the real screens."""

from datetime import date

import pytest
from sqlalchemy import func, select

from diary.models import Answer, AnswerRevision, DayStatus, DiaryEntry, Originator, Submission
from tests.conftest import csrf
from tests.support.factories import CREATED, make_caregiver, make_participant
from tests.support.walker import Walker

DAY = "2026-03-10"


def stable_day_answers() -> dict[str, str]:
    from diary.demo import BASELINE

    return dict(BASELINE)


def seed_yesterday(session, participant, day=date(2026, 3, 9)):
    """A previous answered day, so "same as yesterday" has something to copy."""
    from diary.rules import instrument, schedule

    entry = DiaryEntry(participant_id=participant.id, diary_date=day, status=DayStatus.ON_TIME,
                       originator=Originator.PARTICIPANT, instrument_version="1.0",
                       created_at=CREATED)
    session.add(entry)
    session.flush()
    answers = {"R1": "participant", **{f"RF{n}": "no" for n in range(1, 13)},
               **stable_day_answers()}
    for sid, core in schedule.section_plan(day, participant.diary_start_date, [],
                                           schedule.WindowRules()):
        for item in instrument.trim(instrument.BY_SECTION[sid], core).items:
            if item.id in answers and instrument.is_shown(item, answers):
                session.add(Answer(entry_id=entry.id, item_id=item.id, value=answers[item.id]))
    session.commit()
    return entry


def complete_stable_day(walker: Walker) -> None:
    """Home → start → who → none → same … → send, as a person with a stable day would."""
    walker.open("/")
    walker.open(f"/diary/{DAY}/who")
    walker.press({"R1": "participant"})
    walker.press({"action": "none"})      # warning signs
    walker.press({"action": "same"})      # symptoms
    walker.press({"action": "none"})      # events
    walker.press({"action": "same"})      # function
    walker.press({"action": "same"})      # rehabilitation
    walker.press({"action": "same"})      # medicines
    walker.press({"action": "same"})      # devices
    walker.press({"token": walker.hidden("token"), "base": walker.hidden("base")})


def signed_in(client, session, login_as, clock, at: str, **kw):
    """A participant with yesterday answered, signed in at `at`; returns it and a walker."""
    clock.set(at)
    p = make_participant(session, **kw)
    seed_yesterday(session, p)
    login_as(p)
    return p, Walker(client)


def test_stable_day_takes_at_most_twelve_taps(client, session, login_as, clock):
    p, walker = signed_in(client, session, login_as, clock, "2026-03-10T20:30:00+08:00")
    complete_stable_day(walker)
    assert walker.url == f"/diary/{DAY}/done", walker.page
    assert walker.taps <= 12
    entry = session.scalar(select(DiaryEntry).where(DiaryEntry.diary_date == date(2026, 3, 10)))
    assert entry.status == DayStatus.ON_TIME
    assert entry.originator == Originator.PARTICIPANT
    assert entry.answer_map()["S1"] == "2"
    assert entry.answer_map()["RF1"] == "no"


def test_entry_after_midnight_is_kept_and_marked_late(client, session, login_as, clock):
    p, walker = signed_in(client, session, login_as, clock, "2026-03-11T09:15:00+08:00")
    complete_stable_day(walker)
    entry = session.scalar(select(DiaryEntry).where(DiaryEntry.diary_date == date(2026, 3, 10)))
    assert entry.status == DayStatus.LATE
    assert 'class="late-note"' in walker.page


def test_closed_day_shows_a_message_and_no_form(client, session, login_as, clock):
    clock.set("2026-03-11T12:00:00+08:00")
    p = make_participant(session)
    session.commit()
    login_as(p)
    page = client.get(f"/diary/{DAY}/who").get_data(as_text=True)
    assert "<form method=\"post\" novalidate class=\"screen\"" not in page
    assert 'name="R1"' not in page
    response = client.post(f"/diary/{DAY}/who", data={"R1": "participant",
                                                       "csrf_token": csrf(client, "/")})
    assert response.status_code == 200
    assert 'name="R1"' not in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 0


def test_future_and_malformed_dates_are_not_found(client, session, login_as, clock):
    p = make_participant(session)
    session.commit()
    login_as(p)
    assert client.get("/diary/2026-03-11/who").status_code == 404
    assert client.get("/diary/not-a-date/who").status_code == 404
    assert client.get(f"/diary/{DAY}/nonsense").status_code == 404


def test_amending_keeps_every_change_as_a_revision(client, session, login_as, clock):
    p, walker = signed_in(client, session, login_as, clock, "2026-03-10T20:30:00+08:00")
    complete_stable_day(walker)
    clock.set("2026-03-10T21:00:00+08:00")
    walker.open(f"/diary/{DAY}/symptoms")
    answers = {k: v for k, v in stable_day_answers().items() if k.startswith("S")}
    answers.update({"S6": "2", "action": "next"})
    walker.press(answers)
    walker.open(f"/diary/{DAY}/review")
    walker.press({"token": walker.hidden("token"), "base": walker.hidden("base")})
    assert walker.url == f"/diary/{DAY}/done"
    revision = session.scalar(select(AnswerRevision).where(AnswerRevision.item_id == "S6"))
    assert (revision.old_value, revision.new_value) == ("0", "2")
    assert revision.submission.actor_type == "participant"
    assert session.scalar(select(func.count()).select_from(Submission)) == 2


@pytest.mark.parametrize(("locale", "heading", "change"), [
    ("en", "What you changed", "<s>None</s> → <span class=\"sr\">Now: </span><strong>Moderate"),
    ("zh", "您修改了这些", "<s>无</s> → <span class=\"sr\">现在： </span><strong>中")])
def test_a_change_not_yet_sent_is_shown_with_its_answer_before(
        client, session, login_as, clock, locale, heading, change):
    p, walker = signed_in(client, session, login_as, clock, "2026-03-10T20:30:00+08:00",
                          locale=locale)
    complete_stable_day(walker)
    page = walker.open(f"/diary/{DAY}/review")
    assert heading not in page  # sent as it stands: nothing to show
    walker.open(f"/diary/{DAY}/symptoms")
    answers = {k: v for k, v in stable_day_answers().items() if k.startswith("S")}
    walker.press({**answers, "S6": "2", "action": "next"})
    page = walker.open(f"/diary/{DAY}/review")
    changed = page.split(heading, 1)[1].split("</section>", 1)[0]
    assert change in changed
    assert changed.count('class="row"') == 1  # only the headache, not the unchanged answers


def test_double_submit_with_the_same_token_stores_once(client, session, login_as, clock):
    p, walker = signed_in(client, session, login_as, clock, "2026-03-10T20:30:00+08:00")
    complete_stable_day(walker)
    token = session.scalar(select(Submission.token))
    again = client.post(f"/diary/{DAY}/review", data={
        "csrf_token": walker.csrf(), "token": token, "base": "0"})
    assert again.status_code == 302
    assert session.scalar(select(func.count()).select_from(Submission)) == 1


def test_second_tab_sending_a_stale_review_gets_a_clear_message(client, session, login_as,
                                                                 clock):
    p, first = signed_in(client, session, login_as, clock, "2026-03-10T20:30:00+08:00", locale="en")
    complete_stable_day(first)
    # A second tab had the review page open before the first one sent it (base 0).
    response = client.post(f"/diary/{DAY}/review", data={
        "csrf_token": first.csrf(), "token": "b" * 32, "base": "0"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "already sent from another screen" in page
    assert session.scalar(select(func.count()).select_from(Submission)) == 1


def test_caregiver_answers_are_marked_as_theirs(client, session, login_as, clock):
    clock.set("2026-03-10T20:30:00+08:00")
    p = make_participant(session)
    carer = make_caregiver(session, p)
    seed_yesterday(session, p)
    login_as(carer)
    walker = Walker(client)
    walker.open(f"/diary/{DAY}/who")
    assert 'value="caregiver" class="button big primary"' in walker.page
    walker.press({"R1": "caregiver"})
    for action in ("none", "same", "none", "same", "same", "same", "same"):
        walker.press({"action": action})
    walker.press({"token": walker.hidden("token"), "base": walker.hidden("base")})
    entry = session.scalar(select(DiaryEntry).where(DiaryEntry.diary_date == date(2026, 3, 10)))
    assert entry.originator == Originator.CAREGIVER
    assert entry.caregiver_id == carer.id
    assert session.scalar(select(Submission.actor_type)) == "caregiver"


def test_same_as_names_the_day_it_copies_when_that_was_not_yesterday(client, session, login_as,
                                                                     clock):
    clock.set("2026-03-10T20:30:00+08:00")
    p = make_participant(session, locale="en")
    seed_yesterday(session, p, day=date(2026, 3, 7))
    login_as(p)
    page = client.get(f"/diary/{DAY}/symptoms").get_data(as_text=True)
    assert "Same as yesterday" not in page
    assert "Same as on Sat, Mar 7" in page
