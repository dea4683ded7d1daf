"""Warning signs: the emergency or crisis page at once, the entry stored, an urgent flag."""

from datetime import date

import pytest
from sqlalchemy import select

from diary.models import DiaryEntry, Flag, FlagKind, FlagStatus
from tests.support.factories import make_participant
from tests.support.walker import Walker
from tests.web.participant.test_bad_input import draft_answers
from tests.web.participant.test_diary_flow import DAY, seed_yesterday, stable_day_answers

NO_SIGNS = {f"RF{n}": "no" for n in range(1, 13)}


def start(client, session, login_as, clock, **kw):
    clock.set("2026-03-10T20:30:00+08:00")
    p = make_participant(session, **kw)
    seed_yesterday(session, p)
    login_as(p)
    walker = Walker(client)
    walker.open(f"/diary/{DAY}/who")
    walker.press({"R1": "participant"})
    return p, walker


def test_warning_sign_shows_emergency_page_stores_entry_and_opens_urgent_flag(
        client, session, login_as, clock):
    p, walker = start(client, session, login_as, clock, locale="en")
    walker.press({**NO_SIGNS, "RF3": "yes", "action": "next"})
    assert walker.url.startswith(f"/diary/{DAY}/help")
    assert 'href="tel:120"' in walker.page
    assert "not watched around the clock" in walker.page
    entry = session.scalar(select(DiaryEntry).where(DiaryEntry.diary_date == date(2026, 3, 10)))
    assert entry.answer_map()["RF3"] == "yes"
    assert entry.warning_sign is True
    flag = session.scalar(select(Flag).where(Flag.participant_id == p.id))
    assert flag.kind == FlagKind.SAFETY_URGENT
    assert flag.detail == "RF3"


def test_emergency_page_is_in_the_persons_language(client, session, login_as, clock):
    _p, walker = start(client, session, login_as, clock, locale="zh")
    walker.press({**NO_SIGNS, "RF6": "yes", "action": "next"})
    assert '<html lang="zh-CN">' in walker.page
    assert "拨打120" in walker.page
    assert "中风120" in walker.page


def test_thoughts_of_self_harm_show_the_crisis_line(client, session, login_as, clock):
    p, walker = start(client, session, login_as, clock, locale="en")
    walker.press({**NO_SIGNS, "RF12": "yes", "action": "next"})
    assert 'href="tel:12356"' in walker.page
    assert 'href="tel:120"' in walker.page
    flag = session.scalar(select(Flag).where(Flag.participant_id == p.id))
    assert flag.kind == FlagKind.SAFETY_URGENT
    assert flag.detail == "RF12"


def test_resending_the_same_warning_opens_no_second_flag(client, session, login_as, clock):
    p, walker = start(client, session, login_as, clock)
    walker.press({**NO_SIGNS, "RF1": "yes", "action": "next"})
    walker.open(f"/diary/{DAY}/warning")
    walker.press({**NO_SIGNS, "RF1": "yes", "action": "next"})
    assert len(session.scalars(select(Flag)).all()) == 1


def test_diary_can_be_finished_after_the_emergency_page(client, session, login_as, clock):
    p, walker = start(client, session, login_as, clock)
    walker.press({**NO_SIGNS, "RF9": "yes", "action": "next"})
    walker.open(f"/diary/{DAY}/symptoms")
    for action in ("same", "none", "same", "same", "same", "same"):
        walker.press({"action": action})
    walker.press({"token": walker.hidden("token"), "base": walker.hidden("base")})
    assert walker.url.startswith(f"/diary/{DAY}/help") or walker.url.endswith("/done")
    entry = session.scalar(select(DiaryEntry).where(DiaryEntry.diary_date == date(2026, 3, 10)))
    assert entry.answer_map()["RF9"] == "yes"
    assert entry.answer_map()["S1"] == "2"


def test_fever_opens_a_same_day_flag_without_the_emergency_page(client, session, login_as,
                                                                clock):
    p, walker = start(client, session, login_as, clock)
    walker.press({"action": "none"})
    walker.press({"action": "same"})
    walker.press({"E1": "no", "E2": "38.4", "E3": "no", "action": "next"})
    for action in ("same", "same", "same", "same"):
        walker.press({"action": action})
    walker.press({"token": walker.hidden("token"), "base": walker.hidden("base")})
    assert walker.url.endswith("/done")
    assert "您的部分回答已转给研究团队查看" in walker.page  # not only "thank you"
    assert 'href="tel:120"' in walker.page
    flag = session.scalar(select(Flag))
    assert flag.kind == FlagKind.SAFETY_SAME_DAY
    assert flag.detail == "fever"
    flag.status = FlagStatus.RESOLVED
    session.commit()
    assert "研究团队查看" not in walker.open(walker.url)


def test_a_day_without_a_safety_cause_is_only_thanked_for(client, session, login_as, clock):
    _p, walker = start(client, session, login_as, clock)
    for action in ("none", "same", "none", "same", "same", "same", "same"):
        walker.press({"action": action})
    walker.press({"token": walker.hidden("token"), "base": walker.hidden("base")})
    assert walker.url.endswith("/done")
    assert "big-mark" in walker.page
    assert "研究团队查看" not in walker.page


def test_head_strike_on_an_anticoagulant_shows_help_as_soon_as_the_events_are_saved(
        client, session, login_as, clock):
    p, walker = start(client, session, login_as, clock, medicines=["warfarin"])
    walker.press({"action": "none"})
    walker.press({"action": "same"})
    walker.press({"E1": "yes", "E1_COUNT": "1", "E1_INJURY": "bruise", "E1_HEAD": "yes",
                  "E2": "not_measured", "E3": "no", "action": "next"})
    assert walker.url.startswith(f"/diary/{DAY}/help")
    flag = session.scalar(select(Flag).where(Flag.kind == FlagKind.SAFETY_URGENT))
    assert flag.detail == "head_strike_anticoagulant"
    # Going on with the diary does not bring the same emergency page back.
    walker.open(f"/diary/{DAY}/function")
    walker.press({"action": "same"})
    assert walker.url == f"/diary/{DAY}/rehab"


def test_one_warning_sign_is_enough_even_with_other_questions_unanswered(client, session,
                                                                          login_as, clock):
    p, walker = start(client, session, login_as, clock, locale="en")
    walker.press({"RF3": "yes", "action": "next"})
    assert walker.url.startswith(f"/diary/{DAY}/help")
    assert session.scalar(select(Flag.detail)) == "RF3"


def test_warning_sent_just_after_the_day_closed_still_gets_help_and_a_flag(
        client, session, login_as, clock):
    from tests.conftest import csrf

    p, walker = start(client, session, login_as, clock)
    clock.set("2026-03-11T12:00:30+08:00")  # the screen was opened before noon, sent after
    response = client.post(f"/diary/{DAY}/warning", data={**NO_SIGNS, "RF5": "yes",
                                                            "csrf_token": csrf(client, "/")})
    assert response.headers["Location"].startswith(f"/diary/{DAY}/help")
    flag = session.scalar(select(Flag))
    assert (flag.kind, flag.detail, flag.entry_id) == (FlagKind.SAFETY_URGENT, "RF5", None)
    assert session.scalar(select(DiaryEntry).where(
        DiaryEntry.diary_date == date(2026, 3, 10))) is None


def test_a_warning_reported_again_after_its_flag_was_resolved_opens_a_new_flag(
        client, session, login_as, clock):
    from diary.models import FlagStatus

    p, walker = start(client, session, login_as, clock)
    walker.press({**NO_SIGNS, "RF3": "yes", "action": "next"})
    first = session.scalar(select(Flag))
    first.status = FlagStatus.RESOLVED
    session.commit()
    for answer in ("no", "yes"):
        walker.open(f"/diary/{DAY}/warning")
        walker.press({**NO_SIGNS, "RF3": answer, "action": "next"})
    statuses = sorted(f.status.value for f in session.scalars(select(Flag)))
    assert statuses == ["open", "resolved"]


def test_every_page_says_the_diary_is_not_watched_around_the_clock(client, session, login_as,
                                                                   clock):
    p = make_participant(session, locale="en")
    session.commit()
    for url in ("/login", "/offline"):
        page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "not watched around the clock" in page
    login_as(p)
    for url in ("/", "/history", "/settings", f"/diary/{DAY}/who"):
        assert "not watched around the clock" in client.get(url).get_data(as_text=True)


def test_home_offers_to_continue_a_day_stored_early_for_a_warning(client, session, login_as,
                                                                  clock):
    _p, walker = start(client, session, login_as, clock, locale="en")
    walker.press({**NO_SIGNS, "RF2": "yes", "action": "next"})
    page = walker.open("/")
    assert "Done. Thank you." not in page
    assert f"/diary/{DAY}/symptoms" in page


def test_a_day_stored_early_for_a_warning_shows_staff_how_much_is_unanswered(client, session,
                                                                               login_as, clock):
    """Stored at once for the warning sign and never finished, the day is sent (it counts), and
    the participant's page tells the coordinator how many questions it left open."""
    import re

    from tests.conftest import csrf
    from tests.support.factories import make_staff

    p, walker = start(client, session, login_as, clock, locale="en")
    walker.press({**NO_SIGNS, "RF2": "yes", "action": "next"})
    client.post("/logout", data={"csrf_token": csrf(client, "/settings")})
    coordinator = make_staff(session, sites=[p.site], locale="en")
    session.commit()
    login_as(coordinator)
    page = client.get(f"/staff/participants/{p.id}?month=2026-03").get_data(as_text=True)
    today = page.split(f'id="d-{DAY}"', 1)[1].split("</li>", 1)[0]
    assert re.search(r"\d+ questions not answered", today)
    yesterday = page.split('id="d-2026-03-09"', 1)[1].split("</li>", 1)[0]
    assert "not answered" not in yesterday  # a whole day, seeded complete


def test_a_yes_tapped_before_none_of_these_stands(client, session, login_as, clock):
    """The green "none" button after the twelve signs: a sign tapped "yes" on the way to it is
    acted on, never stored as "no"."""
    p, walker = start(client, session, login_as, clock, locale="en")
    walker.press({"RF3": "yes", "action": "none"})
    assert walker.url.endswith("/help?kind=emergency")
    assert session.scalar(select(Flag.detail).where(Flag.participant_id == p.id)) == "RF3"
    entry = session.scalar(select(DiaryEntry).where(DiaryEntry.participant_id == p.id,
                                                    DiaryEntry.diary_date == date(2026, 3, 10)))
    assert entry.answer_map()["RF3"] == "yes"


def test_a_fall_tapped_before_none_of_these_today_is_asked_about(client, session, login_as,
                                                                 clock):
    p, walker = start(client, session, login_as, clock, locale="en")
    walker.press({**NO_SIGNS, "action": "next"})
    walker.open(f"/diary/{DAY}/events")
    page = walker.press({"E1": "yes", "action": "none"})
    assert walker.url.endswith("/events")  # the fall's own questions, not "no fall"
    assert "How many falls?" in page
    assert 'name="E1" value="yes" checked' in page
    assert draft_answers(session, p)["E1"] == "yes"


@pytest.mark.parametrize(("action", "lands"), [("back", "/warning"), ("later", "/")])
def test_back_and_finish_later_keep_the_screens_taps(client, session, login_as, clock, action,
                                                     lands):
    p, walker = start(client, session, login_as, clock, locale="en")
    walker.press({**NO_SIGNS, "action": "next"})
    walker.press({"S1": "2", "S6": "1", "action": action})
    assert walker.url == (f"/diary/{DAY}{lands}" if lands != "/" else "/")
    assert {k: draft_answers(session, p)[k] for k in ("S1", "S6")} == {"S1": "2", "S6": "1"}


def test_back_to_checking_keeps_a_change(client, session, login_as, clock):
    """A change made from the checking page reaches it with Back, so Send sends the change."""
    p, walker = start(client, session, login_as, clock, locale="en")
    walker.press({**NO_SIGNS, "action": "next"})
    walker.open(f"/diary/{DAY}/events?return=review")
    walker.press({"E1": "no", "E2": "not_measured", "E3": "clinic", "action": "back",
                  "return": "review"})
    assert walker.url == f"/diary/{DAY}/review"
    assert draft_answers(session, p)["E3"] == "clinic"


def test_leaving_with_a_warning_sign_tapped_still_gets_help(client, session, login_as, clock):
    p, walker = start(client, session, login_as, clock, locale="en")
    walker.press({"RF9": "yes", "action": "later"})
    assert walker.url.endswith("/help?kind=emergency")
    assert session.scalar(select(Flag.detail).where(Flag.participant_id == p.id)) == "RF9"


def test_same_as_yesterday_keeps_what_was_tapped(client, session, login_as, clock):
    p, walker = start(client, session, login_as, clock, locale="en")
    walker.press({**NO_SIGNS, "action": "next"})
    walker.press({"S1": "3", "S14": "same", "action": "same"})
    saved = draft_answers(session, p)
    assert saved["S1"] == "3"  # tapped: stands
    assert saved["S2"] == stable_day_answers()["S2"]  # untapped: copied


def test_a_stroke_sign_and_thoughts_of_self_harm_offer_120_and_12356_at_the_top(
        client, session, login_as, clock):
    _p, walker = start(client, session, login_as, clock, locale="en")
    walker.press({**NO_SIGNS, "RF1": "yes", "RF12": "yes", "action": "next"})
    page = walker.page
    assert walker.url.endswith("both=1")
    assert page.index('href="tel:120"') < page.index('href="tel:12356"') < page.index(
        "While you wait")
    assert page.count('href="tel:12356"') == 1
