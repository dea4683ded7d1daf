"""A dropped connection in the middle of the diary: nothing tapped is lost, the day arrives once."""

from sqlalchemy import func, select

from diary.extensions import db
from diary.models import DiaryEntry, Submission
from tests.e2e.conftest import shoot
from tests.support.browser import DAY, answer_screen, seed_participant, sign_in, tap


def checked(page) -> dict[str, list[str]]:
    return page.evaluate("""() => { const o = {};
        document.querySelectorAll('form.screen input:checked').forEach(i =>
            (o[i.name] = o[i.name] || []).push(i.value)); return o; }""")


def test_offline_mid_diary_reload_finish_send_then_one_entry_when_back_online(
        live, phone, clock):
    base, app = live
    participant_id = seed_participant(app, clock)
    sign_in(phone, base)
    phone.wait_for_selector("html[data-offline-ready]")
    phone.wait_for_function("navigator.serviceWorker.controller !== null")
    tap(phone, "a.button.primary.big")
    tap(phone, "button.primary")  # who: as signed in
    tap(phone, "button.shortcut")  # warning signs: none
    assert phone.url.endswith("/symptoms")

    phone.context.set_offline(True)
    picked = answer_screen(phone)
    assert len(picked) >= 14
    status = phone.locator("#sync-status")
    assert status.is_visible()
    shoot(phone, "offline-01-symptoms-saved-zh")
    before = checked(phone)
    phone.reload()
    assert checked(phone) == before  # restored from the phone after a reload without network
    tap(phone, "button[value=next]")
    assert phone.url.endswith("/events")  # the next screen, kept on the phone
    for _screen in ("events", "function", "rehab", "medicines", "devices"):
        tap(phone, "button.shortcut")
    assert phone.url.endswith("/review")
    tap(phone, "form.send button")
    assert "/offline" in phone.url
    assert status.get_attribute("data-state") == "waiting"
    shoot(phone, "offline-02-sent-offline-zh")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 0

    phone.context.set_offline(False)
    phone.wait_for_selector("#sync-status[data-state=sent]", timeout=15000)
    shoot(phone, "offline-03-reached-zh")
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
    assert [e for e in phone.errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
