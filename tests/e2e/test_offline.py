"""A dropped connection in the middle of the diary: nothing tapped is lost, the day arrives once."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import DiaryEntry, Draft, Submission
from tests.e2e.conftest import shoot
from tests.support.browser import DAY, PHONES, answer_screen, seed_participant, sign_in, tap


def slow_phone(context, page) -> None:
    """A budget phone's processor (4× slower): reads of the phone's storage end after the page
    has loaded, as they do on such phones, so nothing may depend on them ending before."""
    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 4})


def controlled(page) -> bool:
    """The service worker is active and answers for this page (what offline needs)."""
    return page.evaluate("""() => navigator.serviceWorker.ready.then(r =>
        r.active !== null && navigator.serviceWorker.controller !== null)""")


def checked(page) -> dict[str, list[str]]:
    return page.evaluate("""() => { const o = {};
        document.querySelectorAll('form.screen input:checked').forEach(i =>
            (o[i.name] = o[i.name] || []).push(i.value)); return o; }""")


@pytest.mark.parametrize(("locale", "size"), [("zh", "360x640"), ("en", "390x844")])
def test_offline_mid_diary_reload_finish_send_then_one_entry_when_back_online(
        live, browser, clock, locale, size):
    base, app = live
    participant_id = seed_participant(app, clock, locale=locale)
    context = browser.new_context(viewport=PHONES[size], is_mobile=True, has_touch=True,
                                  locale="zh-CN" if locale == "zh" else "en-GB")
    phone = context.new_page()
    slow_phone(context, phone)
    errors: list[str] = []
    phone.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(phone, base)
    phone.wait_for_selector("html[data-offline-ready]")  # the open day's screens are kept
    tap(phone, "a.button.primary.big")
    tap(phone, "button.primary")  # who: as signed in
    tap(phone, "button.shortcut")  # warning signs: none
    assert phone.url.endswith("/symptoms")
    assert controlled(phone)  # the service worker answers for this very page

    phone.context.set_offline(True)
    picked = answer_screen(phone)
    assert len(picked) >= 14
    status = phone.locator("#sync-status")
    assert status.is_visible()
    assert status.text_content() == status.get_attribute("data-saved")
    shoot(phone, f"offline-01-symptoms-saved-{locale}")
    before = checked(phone)
    phone.reload()
    assert controlled(phone)
    # Put back from the phone before the page has finished loading: nothing to wait for.
    assert checked(phone) == before
    assert status.get_attribute("data-state") == "saved"
    tap(phone, "button[value=next]")
    assert phone.url.endswith("/events")  # the next screen, kept on the phone
    for _screen in ("events", "function", "rehab", "medicines", "devices"):
        tap(phone, "button.shortcut")
    assert phone.url.endswith("/review")
    # The phone's queue is read after the page shows: the line says so as soon as it knows.
    expect(status).to_have_attribute("data-state", "review")  # the page kept before the answers
    tap(phone, "form.send button")
    assert "/offline" in phone.url
    expect(status).to_have_attribute("data-state", "waiting")
    shoot(phone, f"offline-02-sent-offline-{locale}")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 0

    phone.context.set_offline(False)
    phone.wait_for_url("**/done", timeout=15000)  # the study's own confirmation
    assert status.get_attribute("data-state") == "sent"
    shoot(phone, f"offline-03-reached-{locale}")
    phone.reload()  # a second page load replays nothing
    with app.app_context():
        entries = db.session.scalars(select(DiaryEntry).where(
            DiaryEntry.participant_id == participant_id, DiaryEntry.diary_date == DAY)).all()
        assert len(entries) == 1
        answers = entries[0].answer_map()
        assert {k: answers.get(k) for k in picked} == picked
        assert answers["E1"] == "no"
        assert db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.entry_id == entries[0].id)) == 1
    assert errors == []
    context.close()


def test_taps_kept_on_the_phone_survive_a_language_switch(live, phone, clock):
    base, app = live
    seed_participant(app, clock)
    sign_in(phone, base)
    phone.goto(base + f"/diary/{DAY.isoformat()}/symptoms")
    phone.click("input[name=S1][value='2'] + span")
    phone.click("input[name=S6][value='1'] + span")
    tap(phone, "button[name=locale][value=en]")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert checked(phone) == {"S1": ["2"], "S6": ["1"]}
    assert phone.locator("#sync-status").text_content() == \
        "Your answers on this screen are saved on this phone."


def offline_on(live, phone, clock, step: str):
    """Signed in, the open day kept on the phone, on one of its screens; then no network."""
    base, app = live
    seed_participant(app, clock, locale="en")
    sign_in(phone, base)
    phone.wait_for_selector("html[data-offline-ready]")
    phone.goto(base + f"/diary/{DAY.isoformat()}/{step}")
    assert controlled(phone)
    phone.context.set_offline(True)
    return base, app


def test_finish_later_offline_goes_home_and_the_taps_reach_the_study_when_back(
        live, phone, clock):
    base, app = offline_on(live, phone, clock, "symptoms")
    phone.click("input[name=S1][value='2'] + span")
    tap(phone, "nav.steps button[value=later]")
    assert phone.url == base + "/"  # home, from the phone's copy
    phone.context.set_offline(False)
    with app.app_context():
        for _ in range(150):
            draft = db.session.scalar(select(Draft.answers))
            if draft and draft.get("S1") == "2":
                break
            db.session.rollback()
            phone.wait_for_timeout(100)
        assert draft == {**draft, "S1": "2"}
    back = phone.goto(base + f"/diary/{DAY.isoformat()}/symptoms")
    assert back.ok
    tap(phone, "nav.steps button[value=back]")
    assert phone.url.endswith("/warning")


def test_thoughts_of_self_harm_offline_show_the_support_line_from_the_phone(live, phone, clock):
    offline_on(live, phone, clock, "warning")
    for n in range(1, 13):
        phone.click(f"input[name=RF{n}][value={'yes' if n == 12 else 'no'}] + span")
    tap(phone, "button[value=next]")
    assert phone.url.endswith("/help?kind=crisis")
    assert phone.locator("a[href='tel:12356']").is_visible()
    phone.context.set_offline(False)
