"""A pause is excused on resume: the scheduler never closes its days as missed nor flags them."""

from datetime import date, timedelta

from sqlalchemy import select

from diary.models import AuditEvent, DayStatus, DiaryEntry, Flag
from diary.rules.deployment import Rules
from diary.services.diary import corrections
from diary.services.messaging import reminders
from diary.services.people import care
from diary.services.reporting import compliance
from diary.services.tick import closing
from tests.support.staff import add_days

PAUSE = [date(2026, 3, 5) + timedelta(days=n) for n in range(15)]  # 5 to 19 March


def _close(app, session, clock, participant) -> dict:
    """Run the scheduler's closing for one participant, as the tick would."""
    people = [p for p in reminders.roster(session) if p.id == participant.id]
    done = closing.close_windows(session, clock(), Rules.from_config(app.config), people)
    session.commit()
    return done


def _days(session, participant) -> dict:
    return {e.diary_date: (e.status, e.reason) for e in session.scalars(
        select(DiaryEntry).where(DiaryEntry.participant_id == participant.id))}


def _pause_and_resume(app, session, world, clock) -> None:
    """Answered 1–4 March; paused on the 5th; in hospital on the 8th; resumed on the 20th."""
    add_days(session, world.ours, "oooo", date(2026, 3, 1))
    clock.set("2026-03-05T09:00:00+08:00")
    care.change_status(session, world.ours, "pause", world.coordinator, clock())
    session.commit()
    clock.set("2026-03-09T10:00:00+08:00")
    corrections.excuse_day(session, world.ours, date(2026, 3, 8), world.coordinator,
                           "In hospital", clock())
    session.commit()
    assert world.ours.id not in {p.id for p in reminders.roster(session)}  # skipped while paused
    clock.set("2026-03-20T10:00:00+08:00")
    care.change_status(session, world.ours, "resume", world.coordinator, clock())
    session.commit()


def test_days_of_a_pause_are_not_closed_as_missed_after_resuming(app, session, world, clock):
    _pause_and_resume(app, session, world, clock)
    clock.set("2026-03-20T13:00:00+08:00")  # the 19th has closed
    assert _close(app, session, clock, world.ours) == {"missed_days": 0, "flags": 0}
    days = _days(session, world.ours)
    assert {day: days[day] for day in PAUSE} == {
        day: (DayStatus.EXCUSED, "In hospital" if day == date(2026, 3, 8) else "paused")
        for day in PAUSE}
    assert session.scalars(select(Flag)).all() == []
    summary = compliance.summarize(session, [world.ours.id], date(2026, 3, 13))[world.ours.id]
    assert (summary.on_time, summary.missed, summary.excused, summary.rate) == (4, 0, 15, 1.0)
    assert summary.recent_expected == 0


def test_resuming_excuses_the_pause_in_one_audited_change(app, session, world, clock):
    _pause_and_resume(app, session, world, clock)
    (event,) = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "entry.excuse_paused"))
    assert event.actor_id == world.coordinator.id
    assert event.detail == {"diary_dates": [d.isoformat() for d in PAUSE
                                            if d != date(2026, 3, 8)], "reason": "paused"}
    # The resume day itself is an ordinary day again: it is open, not excused.
    assert date(2026, 3, 20) not in _days(session, world.ours)


def test_a_day_after_resuming_is_missed_as_usual(app, session, world, clock):
    _pause_and_resume(app, session, world, clock)
    clock.set("2026-03-22T13:00:00+08:00")
    assert _close(app, session, clock, world.ours)["missed_days"] == 2  # the 20th and 21st
    assert {d for d, (status, _r) in _days(session, world.ours).items()
            if status == DayStatus.MISSED} == {date(2026, 3, 20), date(2026, 3, 21)}


def test_paused_days_read_as_paused_to_staff(app, client, session, login_as, world, clock):
    _pause_and_resume(app, session, world, clock)
    login_as(world.coordinator)
    page = client.get(f"/staff/participants/{world.ours.id}?month=2026-03").get_data(
        as_text=True)
    assert 'class="d d-paused"><title>Mar 6, 2026: Paused</title>' in page
    assert "Reason: The participant was paused" in page
    assert "Reason: In hospital" in page
    login_as(world.investigator)
    trail = client.get("/staff/audit").get_data(as_text=True)
    assert "Days of a pause excused" in trail
