"""Bad input gets a clear message in the person's language and keeps what was typed: shown back,
its valid taps kept in the draft; nothing is stored in the diary."""

from datetime import date

from sqlalchemy import func, select

from diary.models import DiaryEntry, Draft, Submission
from tests.support.factories import make_participant
from tests.support.walker import Walker
from tests.web.participant.test_diary_flow import DAY, seed_yesterday


def open_screen(client, session, login_as, clock, step, locale="en"):
    clock.set("2026-03-10T20:30:00+08:00")
    p = make_participant(session, locale=locale)
    seed_yesterday(session, p)
    login_as(p)
    walker = Walker(client)
    walker.open(f"/diary/{DAY}/{step}")
    return p, walker


def to_review(walker) -> None:
    """From the first screen to the review page, as on a stable day."""
    walker.press({"R1": "participant"})
    for action in ("none", "same", "none", "same", "same", "same", "same"):
        walker.press({"action": action})


def draft_answers(session, p):
    draft = session.scalar(select(Draft).where(Draft.participant_id == p.id))
    return draft.answers if draft else {}


def test_missing_answer_is_named_and_other_answers_are_kept(client, session, login_as, clock):
    p, walker = open_screen(client, session, login_as, clock, "events")
    page = walker.press({"E1": "no", "E3": "clinic", "action": "next"})
    assert walker.status == 200
    assert "Please answer this question." in page
    assert "One question still needs an answer" in page
    assert 'value="clinic" checked' in page
    assert draft_answers(session, p) == {"E1": "no", "E3": "clinic"}
    # Left for later, or reloaded: the taps are still there when the screen opens again.
    walker.open("/")
    assert 'value="clinic" checked' in walker.open(f"/diary/{DAY}/events")
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 1  # yesterday's


def test_out_of_range_temperature_is_refused_and_shown_back(client, session, login_as, clock):
    p, walker = open_screen(client, session, login_as, clock, "events")
    page = walker.press({"E1": "no", "E2": "45.3", "E3": "no", "action": "next"})
    assert "Enter a temperature between 35.0 and 42.0" in page
    assert "Please check the answers listed below" in page  # it was answered, not missed
    assert "still needs an answer" not in page
    assert 'inputmode="decimal" name="E2" value="45.3"' in page
    assert draft_answers(session, p) == {"E1": "no", "E3": "no"}  # never the refused value


def test_out_of_range_temperature_message_in_chinese(client, session, login_as, clock):
    _p, walker = open_screen(client, session, login_as, clock, "events", locale="zh")
    page = walker.press({"E1": "no", "E2": "abc", "E3": "no", "action": "next"})
    assert "35.0" in page
    assert "请检查下面列出的回答" in page
    assert "Enter a temperature" not in page


def test_value_that_is_not_an_option_is_refused(client, session, login_as, clock):
    p, walker = open_screen(client, session, login_as, clock, "symptoms")
    page = walker.press({"S1": "7", "action": "next"})
    assert "Please choose one of the options shown." in page
    assert draft_answers(session, p) == {}


def test_forged_item_id_from_another_screen_is_refused(client, session, login_as, clock):
    p, walker = open_screen(client, session, login_as, clock, "events")
    page = walker.press({"E1": "no", "E2": "not_measured", "E3": "no", "RF1": "yes",
                         "action": "next"})
    assert "did not match its questions" in page
    assert draft_answers(session, p) == {}
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 1  # yesterday only


def test_unknown_shortcut_and_garbage_fields_never_reach_a_500(client, session, login_as,
                                                               clock):
    _p, walker = open_screen(client, session, login_as, clock, "warning")
    page = walker.press({"action": "delete-everything", "RF1": "x" * 5000})
    assert walker.status == 200
    assert "Please choose one of the options shown." in page


def test_tampered_review_fields_are_harmless(client, session, login_as, clock):
    p, walker = open_screen(client, session, login_as, clock, "who")
    to_review(walker)
    walker.press({"token": "<script>", "base": "-1; DROP TABLE", "client_time": "yesterday"})
    assert walker.url.endswith("/done")
    submission = session.scalar(select(Submission))
    assert submission.token.isalnum()
    assert submission.client_at is None


def test_review_with_unanswered_questions_goes_back_to_them(client, session, login_as, clock):
    p, walker = open_screen(client, session, login_as, clock, "who")
    walker.press({"R1": "participant"})
    walker.open(f"/diary/{DAY}/review")
    walker.press({"token": walker.hidden("token"), "base": walker.hidden("base")})
    assert walker.url.startswith(f"/diary/{DAY}/warning?")
    # The screen says what is missing (none of it answered: once) and leads back to the review.
    assert 'id="error-summary"' in walker.page
    assert "No question on this page is answered yet" in walker.page
    assert "Back to checking" in walker.page
    assert session.scalar(select(func.count()).select_from(Submission)) == 0
    assert 'id="error-summary"' not in walker.open(f"/diary/{DAY}/warning")  # only when sent


def test_closed_day_cannot_be_sent_even_from_an_old_review_page(client, session, login_as,
                                                                clock):
    p, walker = open_screen(client, session, login_as, clock, "who")
    to_review(walker)
    clock.set("2026-03-11T12:00:01+08:00")  # the window closed while the page was open
    walker.press({"token": walker.hidden("token"), "base": walker.hidden("base")})
    assert session.scalar(select(func.count()).select_from(Submission)) == 0
    assert "closed" in walker.page


def test_malformed_phone_number_gets_a_clear_message(client):
    from tests.conftest import csrf

    response = client.post("/login", data={"phone": "12345", "pin": "246810",
                                           "csrf_token": csrf(client)},
                           headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "does not look like a mobile phone number" in page
    assert 'value="12345"' in page


def test_oversized_request_is_refused_without_a_500(client, session, login_as, clock):
    _p, walker = open_screen(client, session, login_as, clock, "symptoms")
    response = client.post(f"/diary/{DAY}/symptoms", data={"S1": "1" * (300 * 1024)})
    assert response.status_code == 413


def test_far_away_dates_are_not_found(client, session, login_as, clock):
    _p, _walker = open_screen(client, session, login_as, clock, "who")
    for url in ("/diary/0001-01-01/who", "/diary/0001-01-01/review", "/diary/9999-12-31/done"):
        assert client.get(url).status_code == 404


def test_unusual_digits_in_a_count_get_a_message(client, session, login_as, clock):
    p, walker = open_screen(client, session, login_as, clock, "events")
    for count in ("²", "9" * 5000):
        page = walker.press({"E1": "yes", "E1_COUNT": count, "E1_INJURY": "no", "E1_HEAD": "no",
                             "E2": "not_measured", "E3": "no", "action": "next"})
        assert walker.status == 200
        assert "Enter a number between 1 and 20." in page


def test_odd_review_fields_and_far_phone_clocks_are_ignored(client, session, login_as, clock):
    p, walker = open_screen(client, session, login_as, clock, "who")
    to_review(walker)
    walker.press({"token": walker.hidden("token"), "base": "²",
                  "client_time": "0001-01-01T00:00:00+05:00"})
    assert walker.url.endswith("/done")
    assert session.scalar(select(Submission.client_at)) is None


def test_rehabilitation_yes_names_at_least_one_kind(client, session, login_as, clock):
    p, walker = open_screen(client, session, login_as, clock, "rehab")
    page = walker.press({"T1": "yes", "T3": "home", "action": "next"})
    assert walker.status == 200
    assert "at least one kind of rehabilitation" in page
    assert draft_answers(session, p) == {"T1": "yes", "T3": "home"}  # the taps are kept
    walker.press({"T1": "yes", "T2_HOME": "15_30", "T3": "home", "action": "next"})
    assert walker.url.endswith("/medicines")
    assert draft_answers(session, p)["T2_HOME"] == "15_30"


def test_rehabilitation_no_needs_no_kind_and_the_message_is_chinese(
        client, session, login_as, clock):
    p, walker = open_screen(client, session, login_as, clock, "rehab", locale="zh")
    page = walker.press({"T1": "yes", "action": "next"})
    assert "请至少为一种康复训练选择时长" in page
    walker.press({"T1": "no", "action": "next"})
    assert walker.url.endswith("/medicines")
    assert draft_answers(session, p)["T1"] == "no"


def test_a_core_day_asks_only_whether_there_was_rehabilitation(session):
    from diary.rules import answers as reading
    from diary.rules import schedule
    from diary.services.diary import screens

    p = make_participant(session, diary_start_date=date(2025, 1, 1))
    session.commit()
    core = {s.id: s for s in screens.sections(p, date(2026, 3, 10), schedule.WindowRules())}
    full = {s.id: s for s in screens.sections(make_participant(session), date(2026, 3, 10),
                                              schedule.WindowRules())}
    assert reading.read_section(core["rehab"], {"T1": "yes"}, {}) == ({"T1": "yes"}, {})
    assert "T2_PT" in reading.read_section(full["rehab"], {"T1": "yes"}, {})[1]


def test_a_refused_value_is_not_kept_by_the_language_switch(client, session, login_as, clock):
    """Kept, "abc" would reach the checking page and be sent as a temperature."""
    p, walker = open_screen(client, session, login_as, clock, "events")
    walker.press({"E1": "no", "E2": "abc", "E3": "no", "locale": "zh"})
    assert walker.url.endswith("/events")
    assert draft_answers(session, p) == {"E1": "no", "E3": "no"}


def test_next_with_nothing_answered_says_so_once(client, session, login_as, clock):
    """Twelve red links and twelve red lines put the green button six screens down."""
    for locale, words in (("en", "No question on this page is answered yet"),
                          ("zh", "这一页的问题还都没有回答")):
        _p, walker = open_screen(client, session, login_as, clock, "warning", locale=locale)
        page = walker.press({"action": "next"})
        assert words in page
        assert page.count('class="error"') == 0
        assert 'href="#q-RF' not in page
        page = walker.press({"RF1": "no", "action": "next"})  # one answered: each one named
        assert "11 questions still need an answer" in page or "还有11个问题" in page
        client.post("/logout", data={"csrf_token": walker.csrf()})
