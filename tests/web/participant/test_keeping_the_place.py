"""Nothing tapped is lost and nothing changed stays unsent: resume, return, switch, amend."""

from datetime import date

from sqlalchemy import select

from diary.models import DiaryEntry, Draft, Participant
from tests.support.factories import make_participant
from tests.support.walker import Walker
from tests.web.participant.test_diary_flow import (
    DAY,
    complete_stable_day,
    seed_yesterday,
    signed_in,
    stable_day_answers,
)

EVENING = "2026-03-10T20:30:00+08:00"
SYMPTOMS = {k: v for k, v in stable_day_answers().items() if k.startswith("S")}


def draft(session, p) -> dict:
    found = session.scalar(select(Draft).where(Draft.participant_id == p.id))
    return found.answers if found else {}


def stored(session, p) -> dict:
    entry = session.scalar(select(DiaryEntry).where(DiaryEntry.participant_id == p.id,
                                                    DiaryEntry.diary_date == date(2026, 3, 10)))
    return entry.answer_map() if entry else {}


def test_home_resumes_at_the_first_unanswered_screen(client, session, login_as, clock):
    _p, walker = signed_in(client, session, login_as, clock, EVENING, locale="en")
    walker.open(f"/diary/{DAY}/who")
    walker.press({"R1": "participant"})
    walker.press({"action": "none"})
    walker.press({"action": "same"})
    page = walker.open("/")
    assert "Continue (step 4 of 9)" in page
    assert "Your answers to the first 3 steps are saved." in page
    assert f'href="/diary/{DAY}/events"' in page
    assert "card-done" not in page


def test_home_in_chinese_says_where_the_diary_goes_on(client, session, login_as, clock):
    _p, walker = signed_in(client, session, login_as, clock, EVENING, locale="zh")
    walker.open(f"/diary/{DAY}/who")
    walker.press({"R1": "participant"})
    assert "继续填写（第2步，共9步）" in walker.open("/")


def test_change_on_the_review_comes_back_to_the_review(client, session, login_as, clock):
    p, walker = signed_in(client, session, login_as, clock, EVENING, locale="en")
    complete_stable_day(walker)
    review = walker.open(f"/diary/{DAY}/review")
    assert f"/diary/{DAY}/symptoms?return=review" in review
    page = walker.open(f"/diary/{DAY}/symptoms?return=review")
    assert "Back to checking" in page
    walker.press({**SYMPTOMS, "S6": "2", "return": "review", "action": "next"})
    assert walker.url == f"/diary/{DAY}/review"
    assert "Your changes are not sent yet." in walker.page
    walker.press({"token": walker.hidden("token"), "base": walker.hidden("base")})
    assert stored(session, p)["S6"] == "2"


def test_a_change_left_unsent_is_named_on_home_and_sent_in_one_tap(client, session, login_as,
                                                                  clock):
    p, walker = signed_in(client, session, login_as, clock, EVENING, locale="en")
    complete_stable_day(walker)
    walker.open(f"/diary/{DAY}/events")
    walker.press({"E1": "no", "E2": "not_measured", "E3": "clinic", "action": "next"})
    home = walker.open("/")
    assert "Your changes are not sent yet." in home
    assert "Done. Thank you." not in home
    assert stored(session, p)["E3"] == "no"
    walker.press({"token": walker.hidden("token"), "base": walker.hidden("base")},
                 url=f"/diary/{DAY}/review")
    assert walker.url == f"/diary/{DAY}/done"
    assert stored(session, p)["E3"] == "clinic"
    assert "Done. Thank you." in walker.open("/")


def test_the_language_switch_on_a_screen_keeps_its_taps(client, session, login_as, clock):
    p, walker = signed_in(client, session, login_as, clock, EVENING, locale="zh")
    walker.open(f"/diary/{DAY}/symptoms")
    page = walker.press({"S1": "3", "S2": "1", "locale": "en"})
    assert walker.url == f"/diary/{DAY}/symptoms"
    assert '<html lang="en">' in page
    assert 'name="S1" value="3" checked' in page
    assert "error-summary" not in page
    assert draft(session, p) == {"S1": "3", "S2": "1"}
    assert session.get(Participant, p.id).locale == "en"


def test_same_as_yesterday_means_about_the_same_and_copies_no_comparison(client, session,
                                                                         login_as, clock):
    p, walker = signed_in(client, session, login_as, clock, EVENING, locale="en")
    walker.open(f"/diary/{DAY}/symptoms")
    assert "What this fills in" in walker.page
    walker.press({"action": "same"})
    assert draft(session, p)["S14"] == "same"
    assert draft(session, p)["S1"] == "2"


def test_same_as_an_older_day_asks_the_comparison_itself(client, session, login_as, clock):
    clock.set(EVENING)
    p = make_participant(session, locale="en")
    seed_yesterday(session, p, day=date(2026, 3, 7))
    login_as(p)
    walker = Walker(client)
    walker.open(f"/diary/{DAY}/symptoms")
    assert "is not copied: please answer it below" in walker.page
    page = walker.press({"action": "same"})
    assert 'href="#q-S14"' in page
    assert 'name="S1" value="2" checked' in page  # what was copied is shown
    walker.press({"action": "same", "S14": "worse"})
    assert walker.url == f"/diary/{DAY}/events"
    assert draft(session, p)["S14"] == "worse"


def test_the_events_shortcut_keeps_a_typed_temperature(client, session, login_as, clock):
    p, walker = signed_in(client, session, login_as, clock, EVENING, locale="en")
    walker.open(f"/diary/{DAY}/events")
    assert "temperature not measured unless you enter it below" in walker.page
    walker.press({"action": "none", "E2": "37.9"})
    assert draft(session, p)["E2"] == "37.9"
    walker.open(f"/diary/{DAY}/events")
    walker.press({"action": "none", "E2": ""})
    assert draft(session, p)["E2"] == "not_measured"
    walker.open(f"/diary/{DAY}/events")
    page = walker.press({"action": "none", "E2": "45"})
    assert "Enter a temperature between 35.0 and 42.0" in page


def test_a_temperature_typed_without_its_point_is_read(client, session, login_as, clock):
    p, walker = signed_in(client, session, login_as, clock, EVENING, locale="en")
    walker.open(f"/diary/{DAY}/events")
    assert 'inputmode="decimal"' in walker.page
    walker.press({"E1": "no", "E2": ["368", "not_measured"], "E3": "no", "action": "next"})
    assert draft(session, p)["E2"] == "36.8"


def test_unanswered_questions_are_listed_once_at_the_top(client, session, login_as, clock):
    _p, walker = signed_in(client, session, login_as, clock, EVENING, locale="en")
    walker.open(f"/diary/{DAY}/symptoms")
    page = walker.press({"S1": "0", "action": "next"})
    assert page.count('role="alert"') == 1
    assert page.index('id="error-summary"') < page.index("<h1>")
    assert "13 questions still need an answer" in page
    assert page.count('href="#q-S') == 13
    assert 'aria-describedby="err-S2"' in page


def test_warning_signs_offer_none_only_after_the_list_in_the_questions_words(
        client, session, login_as, clock):
    _p, walker = signed_in(client, session, login_as, clock, EVENING, locale="en")
    page = walker.open(f"/diary/{DAY}/warning")
    assert page.index('name="RF12"') < page.index("None of these since my last entry")
    assert "None of these today" not in page


def test_a_caregiver_is_offered_none_since_the_last_entry_not_my_last(
        client, session, login_as, clock):
    from tests.support.factories import make_caregiver

    clock.set(EVENING)
    carer = make_caregiver(session, make_participant(session), locale="en")
    session.commit()
    login_as(carer)
    page = client.get(f"/diary/{DAY}/warning").get_data(as_text=True)
    assert "None of these since the last entry" in page
    assert "my last entry" not in page


def test_a_sent_day_opens_read_only_from_the_calendar(client, session, login_as, clock):
    p, walker = signed_in(client, session, login_as, clock, EVENING, locale="en")
    history = walker.open("/history")
    assert 'href="/history/2026-03-09"' in history
    assert "March 2026" in history
    page = walker.open("/history/2026-03-09")
    assert "Symptoms today" in page
    assert "This is yesterday's diary" in page  # its "today" is that day's
    assert "?return=review" not in page
    assert client.get("/history/2026-03-01").status_code == 404


def test_sign_out_is_in_settings_behind_a_confirmation(client, session, login_as, clock):
    _p, walker = signed_in(client, session, login_as, clock, EVENING, locale="en")
    assert "/logout" not in walker.open("/")
    settings = walker.open("/settings")
    assert '<details class="signout">' in settings
    assert "Yes, sign out" in settings


def test_a_chinese_summary_keeps_names_that_hold_a_comma_of_their_own_apart(client, session,
                                                                            login_as, clock):
    """说话、找词或理解困难 and 疲劳、没力气 each hold 、: the list between them uses ；."""
    _p, walker = signed_in(client, session, login_as, clock, EVENING, locale="zh")
    walker.open(f"/diary/{DAY}/symptoms")
    walker.press({**SYMPTOMS, "S3": "1", "S9": "1", "action": "next"})
    page = walker.open(f"/diary/{DAY}/review")
    assert "；说话、找词或理解困难；" in page
    assert "；疲劳、没力气</dd>" in page
