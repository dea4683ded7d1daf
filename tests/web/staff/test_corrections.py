"""Corrections and excusals: always with a reason, marked as staff's, counted right."""

from datetime import date

from sqlalchemy import select

from diary.models import AnswerRevision, AuditEvent, DayStatus, DiaryEntry, Submission
from diary.services.reporting import compliance
from tests.support.staff import add_days, full_answers

START = date(2026, 3, 1)


def _summary(session, participant):
    return compliance.summarize(session, [participant.id], date(2026, 3, 3))[participant.id]


def _entry(session, participant, day):
    return session.scalar(select(DiaryEntry).where(DiaryEntry.participant_id == participant.id,
                                                   DiaryEntry.diary_date == day))


def test_staff_enter_a_missed_day_with_a_reason(client, session, login_as, world, post):
    add_days(session, world.ours, "oommm", START)
    session.commit()
    assert _summary(session, world.ours).rate == 2 / 5
    login_as(world.coordinator)
    url = f"/staff/participants/{world.ours.id}/days/2026-03-04"
    answers = full_answers(world.ours, date(2026, 3, 4))
    response = post(url, {**answers, "reason": "Phone call, read from paper diary"}, page=url)
    assert response.status_code == 302
    entry = _entry(session, world.ours, date(2026, 3, 4))
    assert entry.status == DayStatus.LATE
    assert entry.staff_entered
    assert entry.staff_user_id == world.coordinator.id
    assert entry.reason == "Phone call, read from paper diary"
    assert entry.originator.value == "staff"
    assert entry.answer_map() == answers
    summary = _summary(session, world.ours)
    assert (summary.late, summary.missed, summary.rate) == (1, 2, 3 / 5)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "entry.create"))
    assert event.actor_type == "staff"
    assert event.detail["reason"].startswith("Phone call")


def test_correction_keeps_the_original_answers_in_the_history(client, session, login_as, world,
                                                              post, clock):
    from diary.models import Originator
    from diary.services.diary import entries

    day = date(2026, 3, 9)
    answers = full_answers(world.ours, day)
    clock.set("2026-03-09T20:30:00+08:00")
    entries.submit(session, world.ours, day, answers,
                   entries.Author(world.ours, Originator.PARTICIPANT), "t" * 32, clock())
    session.commit()
    clock.set("2026-03-11T10:00:00+08:00")
    login_as(world.coordinator)
    url = f"/staff/participants/{world.ours.id}/days/{day.isoformat()}"
    changed = {**answers, "S1": "3"}
    assert post(url, {**changed, "reason": "Participant called: weakness was severe"},
                page=url).status_code == 302
    entry = _entry(session, world.ours, day)
    assert entry.status == DayStatus.ON_TIME  # the day itself was sent on time
    assert entry.staff_entered
    assert entry.originator.value == "participant"
    (revision,) = session.scalars(select(AnswerRevision))
    assert (revision.item_id, revision.old_value, revision.new_value) == ("S1", "0", "3")
    reasons = [s.reason for s in session.scalars(select(Submission).order_by(Submission.id))]
    assert reasons == [None, "Participant called: weakness was severe"]
    page = client.get(f"/staff/participants/{world.ours.id}?month=2026-03").get_data(
        as_text=True)
    assert "1 changes" in page
    assert "Participant called: weakness was severe" in page


def test_correction_without_reason_is_refused_and_keeps_the_answers(client, session, login_as,
                                                                    world, post):
    login_as(world.coordinator)
    url = f"/staff/participants/{world.ours.id}/days/2026-03-04"
    answers = {**full_answers(world.ours, date(2026, 3, 4)), "S1": "2"}
    page = post(url, {**answers, "reason": ""}, page=url).get_data(as_text=True)
    assert "Please give a reason." in page
    assert 'name="S1" value="2" checked' in page
    assert _entry(session, world.ours, date(2026, 3, 4)) is None


def test_incomplete_correction_names_the_missing_answers(client, session, login_as, world,
                                                         post):
    login_as(world.coordinator)
    url = f"/staff/participants/{world.ours.id}/days/2026-03-04"
    answers = full_answers(world.ours, date(2026, 3, 4))
    del answers["S2"]
    page = post(url, {**answers, "E2": "45", "reason": "call"}, page=url).get_data(as_text=True)
    assert "Some answers need attention." in page
    assert page.count('class="error" id="err-') == 2  # each named at its question
    assert _entry(session, world.ours, date(2026, 3, 4)) is None


def test_future_day_cannot_be_entered(session, world, clock):
    import pytest

    from diary.services.diary import corrections

    with pytest.raises(corrections.CorrectionError):
        corrections.staff_entry(session, world.ours, date(2026, 3, 12), {}, world.coordinator,
                                "call", clock())


def test_excused_day_leaves_the_denominator(client, session, login_as, world, post):
    add_days(session, world.ours, "oommm", START)
    session.commit()
    login_as(world.coordinator)
    url = f"/staff/participants/{world.ours.id}/days/2026-03-04/excuse"
    page = f"/staff/participants/{world.ours.id}/days/2026-03-04"
    assert post(url, {"excuse-reason": "In hospital"}, page=page).status_code == 302
    entry = _entry(session, world.ours, date(2026, 3, 4))
    assert (entry.status, entry.reason, entry.staff_user_id) == (
        DayStatus.EXCUSED, "In hospital", world.coordinator.id)
    summary = _summary(session, world.ours)
    assert (summary.expected, summary.excused, summary.rate) == (4, 1, 2 / 4)
    # A past day with no row yet (the scheduler has not closed it) can be excused too.
    post(f"/staff/participants/{world.ours.id}/days/2026-03-07/excuse",
         {"excuse-reason": "In hospital"}, page=page)
    assert _entry(session, world.ours, date(2026, 3, 7)).status == DayStatus.EXCUSED
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "entry.excuse")))
    assert events[0].detail["status"] == {"before": "missed", "after": "excused"}
    assert events[1].detail["status"] == {"before": None, "after": "excused"}


def test_answered_day_cannot_be_excused_and_reason_is_required(client, session, login_as,
                                                               world, post):
    add_days(session, world.ours, "o", START)
    session.commit()
    login_as(world.coordinator)
    page = f"/staff/participants/{world.ours.id}/days/2026-03-01"
    refused = post(page + "/excuse", {"excuse-reason": "x"}, page=page,
                   follow_redirects=True).get_data(as_text=True)
    assert "This day has answers and cannot be excused." in refused
    empty = post(f"/staff/participants/{world.ours.id}/days/2026-03-02/excuse",
                 {"excuse-reason": " "}, page=page, follow_redirects=True).get_data(as_text=True)
    assert "Please give a reason." in empty
    assert _entry(session, world.ours, date(2026, 3, 2)) is None
    assert _entry(session, world.ours, date(2026, 3, 1)).status == DayStatus.ON_TIME


def test_future_day_cannot_be_excused(client, session, login_as, world, post):
    login_as(world.coordinator)
    page = f"/staff/participants/{world.ours.id}/days/2026-03-11"
    assert "Excuse the day" not in client.get(page).get_data(as_text=True)
    refused = post(page + "/excuse", {"excuse-reason": "Planned surgery"}, page=page,
                   follow_redirects=True).get_data(as_text=True)
    assert "Entries cannot be made for days still to come." in refused
    assert _entry(session, world.ours, date(2026, 3, 11)) is None
    # Today has begun: it may be excused (e.g. admitted this morning).
    post(f"/staff/participants/{world.ours.id}/days/2026-03-10/excuse",
         {"excuse-reason": "Admitted this morning"}, page=page)
    assert _entry(session, world.ours, date(2026, 3, 10)).status == DayStatus.EXCUSED
