"""A participant on a 360 px phone, one thumb, real Chromium: sign in, a stable day, a warning."""

from datetime import date

import pytest
from sqlalchemy import select

from diary.extensions import db
from diary.models import DiaryEntry, Flag
from tests.e2e.conftest import shoot
from tests.support.factories import make_participant
from tests.web.participant.test_diary_flow import seed_yesterday

TARGET_MIN = 48


def seed(app, clock, locale="zh"):
    clock.set("2026-03-10T20:30:00+08:00")
    with app.app_context():
        p = make_participant(db.session, phone="+8613800000001", locale=locale)
        seed_yesterday(db.session, p)
        db.session.commit()
        return p.id


def tap(page, selector: str) -> None:
    """Press a button or link that loads the next page, and wait for that page."""
    with page.expect_navigation():
        page.click(selector)


def sign_in(page, base, taps):
    page.goto(base + "/")
    page.fill("#phone", "138 0000 0001")
    page.fill("#pin", "246810")
    taps.append("sign in")
    tap(page, "button.primary")


def assert_fits_and_targets_are_big(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"horizontal scrolling on {page.url}"
    small = page.evaluate("""(min) => [...document.querySelectorAll(
        'button, a.button, .tile span, select, input[type=text], input[type=password]')]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.textContent.trim().slice(0, 20), e.getBoundingClientRect().height])
        .filter(([, h]) => h < min)""", TARGET_MIN)
    assert small == [], f"targets under {TARGET_MIN}px on {page.url}: {small}"
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 18


def test_stable_day_on_a_phone_in_chinese(live, phone, clock):
    base, app = live
    participant_id = seed(app, clock)
    taps: list[str] = []
    sign_in(phone, base, taps)
    assert_fits_and_targets_are_big(phone)
    shoot(phone, "01-home-zh")
    taps.append("start")
    tap(phone, "a.button.primary.big")
    shoot(phone, "02-who-zh")
    assert_fits_and_targets_are_big(phone)
    taps.append("who")
    tap(phone, "button.primary")
    shoot(phone, "03-warning-zh")
    assert_fits_and_targets_are_big(phone)
    for name in ("warning", "symptoms", "events", "function", "rehab", "medicines", "devices"):
        taps.append(name)
        tap(phone, "button.shortcut")
        if name == "symptoms":
            shoot(phone, "04-events-zh")
    shoot(phone, "05-review-zh")
    assert_fits_and_targets_are_big(phone)
    taps.append("send")
    tap(phone, "form.send button")
    assert phone.url.endswith("/done")
    shoot(phone, "06-done-zh")
    assert len(taps) - 1 <= 12  # taps after signing in, from the home screen
    assert phone.errors == []
    with app.app_context():
        entry = db.session.scalar(select(DiaryEntry).where(
            DiaryEntry.participant_id == participant_id,
            DiaryEntry.diary_date == date(2026, 3, 10)))
        assert entry.answer_map()["S14"] == "same"
        assert entry.client_submitted_at is not None  # the phone's clock, from diary.js


def test_warning_sign_on_a_phone_shows_the_emergency_page(live, phone, clock):
    base, app = live
    participant_id = seed(app, clock, locale="en")
    sign_in(phone, base, [])
    tap(phone, "a.button.primary.big")
    tap(phone, "button.primary")
    for n in range(1, 13):
        phone.click(f"input[name=RF{n}][value={'yes' if n == 4 else 'no'}] + span")
    tap(phone, "button[value=next]")
    assert "/help" in phone.url
    shoot(phone, "07-emergency-en")
    call = phone.locator("a[href='tel:120']")
    assert call.is_visible()
    assert call.bounding_box()["height"] >= 64
    assert phone.errors == []
    with app.app_context():
        assert db.session.scalar(select(Flag.detail).where(
            Flag.participant_id == participant_id)) == "RF4"


def test_follow_up_questions_appear_only_when_they_apply(live, phone, clock):
    base, app = live
    seed(app, clock, locale="en")
    sign_in(phone, base, [])
    phone.goto(base + "/diary/2026-03-10/events")
    assert not phone.locator("#q-E1_HEAD").is_visible()
    phone.click("input[name=E1][value=yes] + span")
    assert phone.locator("#q-E1_HEAD").is_visible()
    shoot(phone, "08-events-fall-en")
    assert_fits_and_targets_are_big(phone)


def test_pages_fit_a_phone_without_javascript(live, browser, clock):
    base, app = live
    seed(app, clock, locale="en")
    context = browser.new_context(viewport={"width": 320, "height": 640},
                                  java_script_enabled=False)
    page = context.new_page()
    sign_in(page, base, [])
    for url in ("/", "/history", "/settings", "/diary/2026-03-10/who",
                "/diary/2026-03-10/symptoms", "/diary/2026-03-10/help?kind=emergency"):
        page.goto(base + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, url
    page.goto(base + "/history")
    shoot(page, "09-history-en")
    context.close()


@pytest.mark.parametrize(("locale", "beneath"), [("en", True), ("zh", False)])
def test_warning_signs_answers_sit_beneath_english_questions_beside_chinese_ones(
        live, phone, clock, locale, beneath):
    """English questions run five lines or more in the narrow column beside Yes and No."""
    base, app = live
    seed(app, clock, locale=locale)
    sign_in(phone, base, [])
    phone.goto(base + "/diary/2026-03-10/warning")
    for n in (1, 5, 7):
        question = phone.locator(f"#q-RF{n} > legend").bounding_box()
        yes = phone.locator(f"input[name=RF{n}][value=yes] + span").bounding_box()
        assert (yes["y"] >= question["y"] + question["height"] - 1) is beneath, n
        assert question["height"] < 4 * 26, n  # at most three lines
    assert_fits_and_targets_are_big(phone)
