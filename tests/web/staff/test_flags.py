"""The flag queue: urgent first, time left, acknowledge, resolve with a code and a note."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from diary.models import AuditEvent, Flag, FlagKind, FlagStatus


def _flag(session, participant, kind, key, now, hours):
    flag = Flag(participant_id=participant.id, kind=kind, dedupe_key=key, opened_at=now,
                due_at=now + timedelta(hours=hours), detail=key)
    session.add(flag)
    session.flush()
    return flag


def test_flag_lifecycle_open_acknowledge_resolve(client, session, login_as, world, post, clock):
    now = clock()
    flag = _flag(session, world.ours, FlagKind.SAFETY_SAME_DAY, "fever", now, 8)
    session.commit()
    login_as(world.coordinator)
    assert post(f"/staff/flags/{flag.id}/acknowledge", {"note": "calling now"},
                page="/staff/flags").status_code == 302
    session.refresh(flag)
    assert flag.status == FlagStatus.ACKNOWLEDGED
    assert flag.acknowledged_by_id == world.coordinator.id
    again = post(f"/staff/flags/{flag.id}/acknowledge", page="/staff/flags",
                 follow_redirects=True).get_data(as_text=True)
    assert "already been acknowledged" in again
    url = f"/staff/flags/{flag.id}/resolve"
    missing = post(url, {"code": "", "note": "typed note"}, page=url).get_data(as_text=True)
    assert "Please choose a resolution." in missing
    assert "typed note</textarea>" in missing
    assert post(url, {"code": "contacted_ok", "note": "Fever down, paracetamol"},
                page=url).status_code == 302
    session.refresh(flag)
    assert flag.status == FlagStatus.RESOLVED
    assert (flag.resolution_code, flag.resolution_note) == ("contacted_ok",
                                                           "Fever down, paracetamol")
    actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["flag.acknowledge", "flag.resolve"]
    resolved = client.get("/staff/flags?show=resolved").get_data(as_text=True)
    assert "Fever down, paracetamol" in resolved
    assert f'id="flag-{flag.id}"' not in client.get("/staff/flags").get_data(as_text=True)


def test_queue_puts_urgent_first_and_overdue_stands_out(client, session, login_as, world,
                                                        clock):
    now = clock()
    routine = _flag(session, world.ours, FlagKind.MISSED_STREAK, "streak", now, -3)
    urgent = _flag(session, world.ours, FlagKind.SAFETY_URGENT, "urgent", now, 1)
    same_day = _flag(session, world.ours, FlagKind.SAFETY_SAME_DAY, "same", now, 8)
    _flag(session, world.theirs, FlagKind.SAFETY_URGENT, "other-site", now, 1)
    session.commit()
    login_as(world.coordinator)
    page = client.get("/staff/flags").get_data(as_text=True)
    order = [page.index(f'id="flag-{f.id}"') for f in (urgent, same_day, routine)]
    assert order == sorted(order)
    assert "other-site" not in page
    assert "1 h 0 min left" in page
    assert "overdue by 3 h 0 min" in page
    assert page.count("is-overdue") == 1


def test_resolving_twice_is_refused(session, world, clock):
    import pytest

    from diary.services.flags import actions

    flag = _flag(session, world.ours, FlagKind.UNREACHABLE, "x", clock(), 48)
    actions.resolve(session, flag, world.admin, "no_action_needed", "ok", clock())
    with pytest.raises(actions.FlagActionError):
        actions.resolve(session, flag, world.admin, "other", "again", clock())
    with pytest.raises(actions.FlagActionError):
        actions.acknowledge(session, flag, world.admin, clock())



@pytest.mark.parametrize(("kind", "detail", "words"), [
    (FlagKind.SAFETY_URGENT, "RF4", "RF4 New or worse weakness or numbness of an arm or leg"),
    (FlagKind.SAFETY_SAME_DAY, "fever,symptom_jump:S5",
     "Fever; Dizziness or unsteadiness much worse than usual"),
    (FlagKind.MISSED_STREAK, "missed_days:3", "3 days missed in a row"),
    (FlagKind.LOW_COMPLIANCE, "recent:4/7", "4 of the last 7 days answered"),
    (FlagKind.UNREACHABLE, "unreachable:caregiver:opted_out", "Caregiver: opted out of SMS"),
])
def test_flag_causes_are_shown_in_words(client, session, login_as, world, clock, kind, detail,
                                        words):
    from diary.services.flags import opening

    opening.open_flag(session, world.ours, kind, f"{kind}:{detail}", clock(), detail=detail)
    session.commit()
    login_as(world.coordinator)
    assert words in client.get("/staff/flags").get_data(as_text=True)
