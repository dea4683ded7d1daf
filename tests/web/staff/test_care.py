"""Looking after a participant: settings, PIN reset, unlock, status changes, contact log."""

import re
from datetime import timedelta

from sqlalchemy import select

from diary.models import AuditEvent, OutreachLog, ParticipantStatus, SignInThrottle
from diary.services.people import sign_in
from tests.support.factories import PIN

SETTINGS = {"phone": "+86 139 0000 7777", "locale": "en", "timezone": "Asia/Urumqi",
            "reminder_time": "19:00", "reminder_recipients": "caregiver",
            "reporting_mode": "proxy", "diary_end_date": "2027-02-01",
            "infusions": "2026-03-04", "visits": "2026-04-01 Month 1"}


def _events(session, action):
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_settings_change_is_audited_with_before_and_after(client, session, login_as, world,
                                                          post):
    login_as(world.coordinator)
    url = f"/staff/participants/{world.ours.id}/settings"
    assert post(url, SETTINGS, page=url).status_code == 302
    session.refresh(world.ours)
    assert world.ours.phone == "+8613900007777"
    assert world.ours.timezone == "Asia/Urumqi"
    assert [i.infusion_date.isoformat() for i in world.ours.infusions] == ["2026-03-04"]
    (event,) = _events(session, "participant.settings")
    assert event.detail["timezone"] == {"before": "Asia/Shanghai", "after": "Asia/Urumqi"}
    assert event.detail["reminder_time"] == {"before": "20:00", "after": "19:00"}
    assert event.detail["phone"]["after"] == "…7777"
    assert event.detail["visits"] == {"before": [], "after": ["2026-04-01 Month 1"]}
    assert "13900007777" not in str(event.detail)


def test_settings_error_keeps_what_was_typed(client, session, login_as, world, post):
    login_as(world.coordinator)
    url = f"/staff/participants/{world.ours.id}/settings"
    page = post(url, {**SETTINGS, "phone": "555", "visits": "soon"}, page=url).get_data(
        as_text=True)
    assert 'value="555"' in page
    assert "soon</textarea>" in page
    assert "Each line must start with a date" in page
    assert _events(session, "participant.settings") == []


def test_pin_reset_shows_a_new_pin_that_works(client, session, login_as, world, post, clock):
    login_as(world.coordinator)
    page = post(f"/staff/participants/{world.ours.id}/pin").get_data(as_text=True)
    pin = re.search(r'<p class="pin"[^>]*>(\d{6})</p>', page).group(1)
    lockout = sign_in.Lockout()
    assert sign_in.sign_in_phone(session, world.ours.phone, PIN, clock(), lockout).account is None
    assert sign_in.sign_in_phone(session, world.ours.phone, pin, clock(),
                                 lockout).account.id == world.ours.id
    assert len(_events(session, "pin.reset")) == 1


def test_unlock_clears_the_lockout(client, session, login_as, world, post, clock):
    lockout = sign_in.Lockout(max_failures=2)
    for _ in range(2):
        sign_in.sign_in_phone(session, world.ours.phone, "000000", clock(), lockout)
    session.commit()
    assert sign_in.sign_in_phone(session, world.ours.phone, PIN, clock(), lockout).locked
    session.commit()
    login_as(world.coordinator)
    assert post(f"/staff/participants/{world.ours.id}/unlock").status_code == 302
    assert all(t.locked_until is None for t in session.scalars(select(SignInThrottle)))
    assert sign_in.sign_in_phone(session, world.ours.phone, PIN, clock(), lockout).account


def test_pause_resume_complete_and_withdraw_needs_a_reason(client, session, login_as, world,
                                                           post, clock):
    login_as(world.coordinator)
    base = f"/staff/participants/{world.ours.id}/status"
    post(f"{base}/pause")
    session.refresh(world.ours)
    assert world.ours.status == ParticipantStatus.PAUSED
    post(f"{base}/resume")
    page = post(f"{base}/withdraw", {"reason": "  "}, follow_redirects=True).get_data(
        as_text=True)
    assert "Please give a reason." in page
    session.refresh(world.ours)
    assert world.ours.status == ParticipantStatus.ACTIVE
    post(f"{base}/withdraw", {"reason": "Moved away"})
    session.refresh(world.ours)
    assert world.ours.status == ParticipantStatus.WITHDRAWN
    refused = post(f"{base}/complete", follow_redirects=True).get_data(as_text=True)
    assert "This change is not possible in the current status." in refused
    changes = [e.detail for e in _events(session, "participant.status")]
    assert [c["status"]["after"] for c in changes] == ["paused", "active", "withdrawn"]
    assert changes[-1]["reason"] == "Moved away"
    assert sign_in.sign_in_phone(session, world.ours.phone, PIN, clock() + timedelta(hours=1),
                                 sign_in.Lockout()).account is None


def test_outreach_is_logged_and_shown(client, session, login_as, world, post):
    login_as(world.coordinator)
    post(f"/staff/participants/{world.ours.id}/outreach",
         {"channel": "phone", "result": "no_answer", "note": "Try after 18:00"})
    (log,) = session.scalars(select(OutreachLog))
    assert (log.channel, log.result, log.staff_user_id) == ("phone", "no_answer",
                                                            world.coordinator.id)
    page = client.get(f"/staff/participants/{world.ours.id}").get_data(as_text=True)
    assert "Try after 18:00" in page
    assert len(_events(session, "outreach.log")) == 1


def test_settings_refuse_an_end_date_beyond_three_years_and_keep_it(client, session, login_as,
                                                                    world, post):
    login_as(world.coordinator)
    url = f"/staff/participants/{world.ours.id}/settings"
    page = post(url, {**SETTINGS, "diary_end_date": "9999-12-31"}, page=url).get_data(
        as_text=True)
    assert "The end date must be on or before 2029-03-01: a diary lasts at most three years." \
        in page
    assert 'value="9999-12-31"' in page
    session.refresh(world.ours)
    assert world.ours.diary_end_date.isoformat() == "2027-03-01"
    assert _events(session, "participant.settings") == []


def test_a_pin_reset_and_completion_open_first_so_a_stray_tap_does_nothing(client, session,
                                                                             login_as, world):
    """Neither can be taken back: like withdrawal, each button (the caregiver's PIN reset too)
    is inside a closed panel, and the participant's panels first say what it does."""
    login_as(world.coordinator)
    page = client.get(f"/staff/participants/{world.ours.id}").get_data(as_text=True)
    panels = re.findall(r"<details class=\"panel\">\s*<summary>([^<]+)</summary>(.*?)</details>",
                        page, re.S)
    pins = [body for summary, body in panels if summary == "Reset PIN"]
    assert len(pins) == 2  # the participant's and the caregiver's
    assert f'/participants/{world.ours.id}/pin"' in pins[0]
    assert "stops working at once" in pins[0]
    assert "/caregivers/" in pins[1]
    (done,) = [body for summary, body in panels if summary == "Mark completed"]
    assert "complete" in done
    assert "cannot be undone" in done
    outside = re.sub(r"<details.*?</details>", "", page, flags=re.S)
    assert '/pin"' not in outside
    assert "complete" not in outside.split("</h1>", 1)[1].split("<h2>", 1)[0]
