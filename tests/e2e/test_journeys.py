"""A participant's and a caregiver's days on real phones (Chromium), in both languages."""

import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from diary.extensions import db
from diary.models import DiaryEntry, Draft, Originator, Participant
from tests.e2e.conftest import SIZES, shoot
from tests.e2e.test_phone import assert_fits_and_targets_are_big, tap
from tests.support.factories import make_caregiver, make_participant
from tests.web.participant.test_diary_flow import seed_yesterday

DAY = "2026-03-10"
TEXT = {"zh": {"next": "下一步", "resume": "继续填写（第4步，共9步）", "later": "稍后再填"},
        "en": {"next": "Next", "resume": "Continue (step 4 of 9)", "later": "Finish later"}}


def seed(app, clock, locale="zh", caregiver=False, **kw):
    clock.set("2026-03-10T20:30:00+08:00")
    with app.app_context():
        p = make_participant(db.session, phone="+8613800000001", locale=locale, **kw)
        if caregiver:
            make_caregiver(db.session, p, phone="+8613800000102", locale=locale)
        seed_yesterday(db.session, p)
        db.session.commit()
        return p.id


def sign_in(page, base, phone="138 0000 0001"):
    page.goto(base + "/login")
    page.fill("#phone", phone)
    page.fill("#pin", "246810")
    tap(page, "form.stack button.primary")


def stored(app, participant_id) -> dict[str, str]:
    with app.app_context():
        entry = db.session.scalar(select(DiaryEntry).where(
            DiaryEntry.participant_id == participant_id,
            DiaryEntry.diary_date == date(2026, 3, 10)))
        return entry.answer_map() if entry is not None else {}


def pick(page, name, value):
    page.click(f"input[name={name}][value='{value}'] + span")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("locale", ["zh", "en"])
def test_stable_day_is_ten_taps_from_home(live, phones, clock, locale, size):
    base, app = live
    participant_id = seed(app, clock, locale=locale)
    phone = phones(size, locale, scale=1 if os.environ.get("DIARY_README_SHOTS") else 2)
    sign_in(phone, base)
    taps = 0
    tap(phone, "a.button.primary.big")  # start today's diary
    taps += 1
    tap(phone, "button.primary")  # who is answering: the usual answer
    taps += 1
    for screen in ("warning", "symptoms", "events", "function", "rehab", "medicines", "devices"):
        assert_fits_and_targets_are_big(phone) if size == "360x640" else None
        if screen == "symptoms" and size == "360x640":
            readme_screenshot(phone, locale)
        tap(phone, "button.shortcut")
        taps += 1
    assert "/review" in phone.url
    tap(phone, "form.send button")
    taps += 1
    assert phone.url.endswith("/done")
    assert taps == 10
    assert stored(app, participant_id)["S14"] == "same"
    assert stored(app, participant_id)["E2"] == "not_measured"
    assert phone.errors == []


def readme_screenshot(page, locale):
    """The README's pictures of a stable day, kept when DIARY_README_SHOTS names a folder."""
    folder = os.environ.get("DIARY_README_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"stable-day-{locale}.png"))


def test_full_day_with_follow_up_questions(live, phones, clock):
    base, app = live
    participant_id = seed(app, clock, locale="zh", medicines=["aspirin"])
    phone = phones()
    sign_in(phone, base)
    phone.goto(f"{base}/diary/{DAY}/who")
    tap(phone, "button[value=participant]")
    tap(phone, "button[value=none]")  # warning signs, after seeing all twelve
    for n, level in enumerate(("2", "1", "1", "0", "1", "0", "2", "1", "1", "0"), start=1):
        if n == 8:
            assert phone.locator("#q-S7_WHERE").is_visible()
            pick(phone, "S7_WHERE", "shoulder")
        pick(phone, f"S{n}", level)
    assert not phone.locator("#q-S7_WHERE .error").count()
    pick(phone, "S11", "fair")
    pick(phone, "S12", "0")
    pick(phone, "S13", "0")
    pick(phone, "S14", "worse")
    tap(phone, "button[value=next]")
    assert not phone.locator("#q-E1_HEAD").is_visible()
    pick(phone, "E1", "yes")
    phone.select_option("select[name=E1_COUNT]", "1")
    pick(phone, "E1_INJURY", "bruise")
    pick(phone, "E1_HEAD", "no")
    assert phone.get_attribute("input[name=E2][type=text]", "inputmode") == "decimal"
    phone.fill("input[name=E2][type=text]", "372")  # the point left out on the number pad
    pick(phone, "E3", "no")
    tap(phone, "button[value=next]")
    for item in ("F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8"):
        pick(phone, item, "some_help")
    pick(phone, "F7_WHEELCHAIR", "no")
    pick(phone, "F9", "none")
    pick(phone, "F10", "none")
    pick(phone, "F11", "no")
    tap(phone, "button[value=next]")
    pick(phone, "T1", "yes")
    pick(phone, "T2_PT", "31_60")
    pick(phone, "T3", "ward")
    tap(phone, "button[value=next]")
    pick(phone, "M1", "all")
    pick(phone, "M2", "yes")
    assert phone.locator("#q-M2_DRUGS .options-multi").first.is_visible()  # own medicines first
    phone.click("#q-M2_DRUGS details.group:has(input[value=baclofen]) summary")
    pick(phone, "M2_DRUGS", "baclofen")
    tap(phone, "button[value=next]")
    pick(phone, "D1", "quad_cane")
    tap(phone, "button[value=next]")
    assert "/review" in phone.url
    tap(phone, "form.send button")
    answers = stored(app, participant_id)
    assert answers["S7_WHERE"] == "shoulder"
    assert answers["E1_INJURY"] == "bruise"
    assert answers["E2"] == "37.2"
    assert answers["T2_PT"] == "31_60"
    assert answers["M2_DRUGS"] == "baclofen"
    assert "T2_OT" not in answers
    assert phone.errors == []


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_an_unanswered_question_is_named_at_the_top_and_takes_focus(live, phones, clock, locale):
    base, app = live
    seed(app, clock, locale=locale)
    phone = phones("360x640", locale)
    sign_in(phone, base)
    phone.goto(f"{base}/diary/{DAY}/symptoms")
    for n in (1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13):
        pick(phone, f"S{n}", "0")
    pick(phone, "S11", "good")
    pick(phone, "S14", "same")
    tap(phone, "button[value=next]")  # S6 left out
    summary = phone.locator("#error-summary")
    assert phone.evaluate("document.activeElement.id") == "error-summary"
    box = summary.bounding_box()
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= 640
    assert summary.locator("a").count() == 1
    assert phone.locator("[role=alert]").count() == 1  # one live region, not one per question
    shoot(phone, f"10-error-summary-{locale}")
    bar = phone.evaluate("getComputedStyle(document.getElementById('q-S6')).borderLeftWidth")
    assert bar == "6px"  # the question's own red bar shows
    summary.locator("a").click()
    assert phone.evaluate("document.activeElement.closest('fieldset').id") == "q-S6"
    # the screen's other answers were kept
    assert phone.locator("input[name=S1][value='0']").is_checked()


def test_changing_a_sent_day_ends_in_a_send(live, phones, clock):
    base, app = live
    participant_id = seed(app, clock, locale="zh")
    phone = phones()
    sign_in(phone, base)
    tap(phone, "a.button.primary.big")
    tap(phone, "button.primary")
    for _screen in range(7):
        tap(phone, "button.shortcut")
    tap(phone, "form.send button")
    assert stored(app, participant_id)["S6"] == "0"
    # From home: change answers → review → change symptoms → back to the review → send.
    phone.goto(base + "/")
    tap(phone, f"a[href='/diary/{DAY}/review']")
    tap(phone, "a.change[href*='/symptoms']")
    pick(phone, "S6", "2")
    tap(phone, "button[value=next]")
    assert phone.url.endswith(f"/diary/{DAY}/review"), phone.url
    assert phone.locator(".flash-info").first.is_visible()
    tap(phone, "form.send button")
    assert stored(app, participant_id)["S6"] == "2"
    # A change left on a screen: home says plainly it is not sent, and one tap sends it.
    phone.goto(f"{base}/diary/{DAY}/events")
    pick(phone, "E3", "clinic")
    tap(phone, "button[value=next]")
    phone.goto(base + "/")
    assert phone.locator(".status-pending").is_visible()
    assert stored(app, participant_id)["E3"] == "no"
    tap(phone, "section.card form.send button")
    assert stored(app, participant_id)["E3"] == "clinic"
    phone.goto(base + "/")
    assert phone.locator(".status-done").is_visible()
    assert phone.errors == []


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_finish_later_resumes_at_the_first_unanswered_screen(live, phones, clock, locale):
    base, app = live
    seed(app, clock, locale=locale)
    phone = phones("390x844", locale)
    sign_in(phone, base)
    tap(phone, "a.button.primary.big")
    tap(phone, "button.primary")
    tap(phone, "button.shortcut")  # warning signs
    tap(phone, "button.shortcut")  # symptoms
    assert phone.url.endswith("/events")
    phone.click("input[name=E1][value=no] + span")
    tap(phone, f"nav.steps button:has-text('{TEXT[locale]['later']}')")
    assert phone.url == base + "/"
    with app.app_context():  # the tap reached the study, not only this phone
        assert db.session.scalar(select(Draft.answers))["E1"] == "no"
    resume = phone.locator("section.card a.button.primary")
    assert resume.inner_text().strip() == TEXT[locale]["resume"]
    assert phone.locator("section.card").get_attribute("class").count("card-done") == 0
    tap(phone, "section.card a.button.primary")
    assert phone.url.endswith(f"/diary/{DAY}/events")


def test_a_warning_sign_shows_the_emergency_page_in_chinese(live, phones, clock):
    base, app = live
    seed(app, clock, locale="zh")
    phone = phones("390x844", "zh")
    sign_in(phone, base)
    phone.goto(f"{base}/diary/{DAY}/warning")
    for n in range(1, 13):
        pick(phone, f"RF{n}", "yes" if n == 3 else "no")
    tap(phone, "button[value=next]")
    assert "/help" in phone.url
    call = phone.locator("a[href='tel:120']")
    assert call.is_visible()
    assert call.bounding_box()["y"] < 844
    headings = phone.locator(".emergency h2").all_inner_texts()
    assert headings.index("“中风120”") < next(i for i, h in enumerate(headings) if "BE-FAST" in h)
    phone.goto(base + "/")
    assert "card-done" not in phone.locator("section.card").first.get_attribute("class")


def test_a_caregivers_day_is_marked_as_theirs(live, phones, clock):
    base, app = live
    participant_id = seed(app, clock, locale="zh", caregiver=True)
    phone = phones()
    sign_in(phone, base, phone="138 0000 0102")
    tap(phone, "a.button.primary.big")
    assert phone.locator("button.primary[value=caregiver]").is_visible()
    # The participant's own choice names the patient, never a bare 本人 ("myself").
    assert phone.locator("button[value=participant]").inner_text().startswith("患者本人")
    tap(phone, "button.primary")
    for _screen in range(7):
        tap(phone, "button.shortcut")
    tap(phone, "form.send button")
    with app.app_context():
        entry = db.session.scalar(select(DiaryEntry).where(
            DiaryEntry.participant_id == participant_id,
            DiaryEntry.diary_date == date(2026, 3, 10)))
        assert entry.originator == Originator.CAREGIVER
        assert entry.caregiver_id is not None


def test_the_language_switch_keeps_the_taps_and_persists(live, phones, clock):
    base, app = live
    participant_id = seed(app, clock, locale="zh")
    phone = phones()
    sign_in(phone, base)
    phone.goto(f"{base}/diary/{DAY}/symptoms")
    pick(phone, "S1", "3")
    pick(phone, "S2", "1")
    tap(phone, "header button[value=en]")
    assert phone.evaluate("document.documentElement.lang") == "en"
    assert phone.url.endswith(f"/diary/{DAY}/symptoms")
    assert phone.locator("input[name=S1][value='3']").is_checked()
    assert phone.locator("input[name=S2][value='1']").is_checked()
    assert phone.locator("#error-summary").count() == 0  # a switch is not a "Next"
    phone.goto(base + "/history")
    assert phone.evaluate("document.documentElement.lang") == "en"
    with app.app_context():
        assert db.session.get(Participant, participant_id).locale == "en"


def test_read_aloud_uses_the_phones_own_voice_only_where_it_has_one(live, phones, clock):
    base, app = live
    seed(app, clock, locale="zh")
    silent = phones()
    silent.add_init_script("""Object.defineProperty(window, 'speechSynthesis', {value: {
        getVoices: () => [{lang: 'en-US'}], speak() {}, cancel() {},
        addEventListener() {}}});""")
    sign_in(silent, base)
    silent.goto(f"{base}/diary/{DAY}/symptoms")
    assert silent.locator("button.speak:visible").count() == 0
    speaking = phones()
    speaking.add_init_script("""window.said = []; Object.defineProperty(window,
        'speechSynthesis', {value: {getVoices: () => [{lang: 'zh-CN'}],
        speak(u) { window.said.push([u.lang, u.text]); }, cancel() {},
        addEventListener() {}}});""")
    sign_in(speaking, base)
    speaking.goto(f"{base}/diary/{DAY}/symptoms")
    assert speaking.locator("button.speak:visible").count() >= 13
    assert_fits_and_targets_are_big(speaking)
    speaking.locator("#q-S6 button.speak").click()
    lang, text = speaking.evaluate("window.said[0]")
    assert lang == "zh-CN"
    assert text.startswith("头痛")
    assert speaking.errors == []


def test_a_past_day_opens_read_only_and_late_is_not_colour_only(live, phones, clock):
    base, app = live
    seed(app, clock, locale="zh")
    phone = phones()
    sign_in(phone, base)
    phone.goto(base + "/history")
    assert "2026年" in phone.locator("table.calendar caption").inner_text()
    tap(phone, "table.calendar a[href='/history/2026-03-09']")
    assert phone.locator("section.summary").count() >= 7
    assert phone.locator("a.change").count() == 0
    assert phone.locator("form").count() == 1  # the language switch only


def test_signing_out_asks_first_and_the_phone_remembers_the_number(live, phones, clock):
    base, app = live
    seed(app, clock, locale="zh")
    phone = phones()
    phone.goto(base + "/login")
    phone.fill("#phone", "138 0000 0001")
    phone.fill("#pin", "246810")
    phone.check("input[name=remember]")
    tap(phone, "form.stack button.primary")
    assert phone.locator("form[action='/logout']").count() == 0  # not on home
    phone.goto(base + "/settings")
    assert not phone.locator("details.signout button").is_visible()
    phone.click("details.signout summary")
    tap(phone, "details.signout button")
    phone.goto(base + "/login")
    assert phone.input_value("#phone") == "138 0000 0001"
    assert phone.evaluate("document.activeElement.id") == "pin"
