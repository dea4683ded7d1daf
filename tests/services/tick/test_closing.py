"""Window closing: one missed row per empty closed day; streak and compliance flags, once."""

from datetime import date, timedelta

from sqlalchemy import func, select

from diary.models import (
    AuditEvent,
    DayStatus,
    DiaryEntry,
    Flag,
    FlagKind,
    OutboundMessage,
    ParticipantStatus,
    Site,
)
from diary.services.flags import opening
from diary.services.reporting import compliance
from tests.support.factories import CREATED, make_participant

START = date(2026, 3, 1)


def statuses(session, participant) -> dict[date, DayStatus]:
    return dict(session.execute(select(DiaryEntry.diary_date, DiaryEntry.status).where(
        DiaryEntry.participant_id == participant.id)).all())


def kinds(session, participant) -> list[FlagKind]:
    return sorted(session.scalars(select(Flag.kind).where(Flag.participant_id == participant.id)))


def test_day_becomes_missed_only_when_its_window_closes(session, run_tick):
    p = make_participant(session, diary_start_date=date(2026, 3, 9))
    session.commit()
    run_tick("2026-03-10T11:59:00+08:00")
    assert statuses(session, p) == {}
    run_tick("2026-03-10T12:00:00+08:00")
    assert statuses(session, p) == {date(2026, 3, 9): DayStatus.MISSED}


def test_closing_twice_keeps_one_row_per_day(session, run_tick):
    p = make_participant(session, diary_start_date=START)
    session.commit()
    first = run_tick("2026-03-10T12:00:00+08:00")
    second = run_tick("2026-03-10T12:01:00+08:00")
    assert (first["missed_days"], second["missed_days"]) == (9, 0)
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 9
    assert session.scalar(select(func.count()).where(
        AuditEvent.action == "entry.missed", AuditEvent.participant_id == p.id)) == 1


def test_answered_days_are_left_alone(session, run_tick, submit):
    p = make_participant(session, diary_start_date=date(2026, 3, 8))
    session.commit()
    submit(p, date(2026, 3, 8), "2026-03-08T20:00:00+08:00")
    submit(p, date(2026, 3, 9), "2026-03-10T09:00:00+08:00")  # late, still in the window
    run_tick("2026-03-10T12:00:00+08:00")
    assert statuses(session, p) == {date(2026, 3, 8): DayStatus.ON_TIME,
                                    date(2026, 3, 9): DayStatus.LATE}


def test_closing_follows_each_participants_time_zone(session, run_tick):
    beijing = make_participant(session, diary_start_date=date(2026, 3, 9))
    london = make_participant(session, diary_start_date=date(2026, 3, 9),
                              timezone="Europe/London")
    session.commit()
    run_tick("2026-03-10T12:00:00+08:00")  # 04:00 in London
    assert (len(statuses(session, beijing)), len(statuses(session, london))) == (1, 0)
    run_tick("2026-03-10T12:00:00+00:00")
    assert len(statuses(session, london)) == 1


def test_no_missed_days_for_paused_people_or_outside_the_diary_period(session, run_tick):
    paused = make_participant(session, diary_start_date=START, status=ParticipantStatus.PAUSED)
    ended = make_participant(session, diary_start_date=date(2026, 2, 1),
                             diary_end_date=date(2026, 2, 28))
    session.commit()
    run_tick("2026-03-10T12:00:00+08:00")
    assert statuses(session, paused) == {}
    assert len(statuses(session, ended)) == 28


def test_missed_streak_opens_one_flag_per_streak(session, run_tick, submit):
    p = make_participant(session, diary_start_date=date(2026, 3, 8))
    session.commit()
    submit(p, date(2026, 3, 8), "2026-03-08T20:00:00+08:00")
    run_tick("2026-03-10T12:00:00+08:00")  # 9 March missed: one day
    assert FlagKind.MISSED_STREAK not in kinds(session, p)
    run_tick("2026-03-11T12:00:00+08:00")  # 10 March missed: two in a row
    run_tick("2026-03-12T12:00:00+08:00")  # 11 March: the same streak goes on
    streaks = list(session.scalars(select(Flag).where(Flag.kind == FlagKind.MISSED_STREAK)))
    assert [(f.diary_date, f.detail) for f in streaks] == [(date(2026, 3, 10),
                                                            "missed_days:2")]


def test_a_new_streak_after_an_answered_day_opens_a_new_flag(session, run_tick, submit):
    p = make_participant(session, diary_start_date=date(2026, 3, 1))
    session.commit()
    run_tick("2026-03-03T12:00:00+08:00")
    submit(p, date(2026, 3, 3), "2026-03-03T20:00:00+08:00")
    run_tick("2026-03-06T12:00:00+08:00")
    assert session.scalar(select(func.count()).where(Flag.kind == FlagKind.MISSED_STREAK)) == 2


def test_low_recent_compliance_opens_a_flag_once(session, run_tick, submit):
    p = make_participant(session, diary_start_date=date(2026, 3, 1))
    session.commit()
    for n in (1, 2, 4, 6):
        day = date(2026, 3, n)
        submit(p, day, f"{day.isoformat()}T20:00:00+08:00")
    run_tick("2026-03-08T12:00:00+08:00")  # 4 of 7 answered
    run_tick("2026-03-09T12:00:00+08:00")
    low = list(session.scalars(select(Flag).where(Flag.kind == FlagKind.LOW_COMPLIANCE)))
    assert [f.detail for f in low] == ["recent:4/7"]
    rate = compliance.summarize(session, [p.id], date(2026, 3, 1), date(2026, 3, 7))[p.id]
    assert rate.recent_rate < 0.8


def test_good_compliance_opens_no_flag(session, run_tick, submit):
    p = make_participant(session, diary_start_date=date(2026, 3, 1))
    session.commit()
    for n in range(1, 9):
        day = date(2026, 3, n)
        if n != 5:
            submit(p, day, f"{day.isoformat()}T20:00:00+08:00")
    run_tick("2026-03-09T12:00:00+08:00")
    assert kinds(session, p) == []


def test_urgent_safety_flag_sends_the_on_call_number_the_study_code_only(
        session, run_tick, sms_outbox, submit):
    site = Site(code="BJ", name_en="Beijing", name_zh="北京", on_call_phone="+8613800009999",
                created_at=CREATED)
    session.add(site)
    session.flush()
    p = make_participant(session, site=site, diary_start_date=date(2026, 3, 10))
    session.commit()
    result = submit(p, date(2026, 3, 10), "2026-03-10T23:10:00+08:00",
                    {"R1": "participant", "RF1": "yes"})
    assert result.outcome.urgent
    run_tick("2026-03-10T23:11:00+08:00")  # quiet hours do not hold back staff alerts
    run_tick("2026-03-10T23:12:00+08:00")
    [alert] = sent_to_on_call = [m.body for m in sms_outbox.sent if m.to == "+8613800009999"]
    assert p.study_code in alert
    assert len(sent_to_on_call) == 1
    flag = session.scalars(select(Flag).where(Flag.kind == FlagKind.SAFETY_URGENT)).one()
    assert flag.notified_at is not None
    row = session.scalars(select(OutboundMessage).where(
        OutboundMessage.recipient == "on_call")).one()
    assert row.site_id == site.id


def test_old_urgent_flags_do_not_page_the_on_call_number(session, run_tick, sms_outbox, clock):
    site = Site(code="BJ", name_en="Beijing", name_zh="北京", on_call_phone="+8613800009999",
                created_at=CREATED)
    session.add(site)
    session.flush()
    p = make_participant(session, site=site)
    opening.open_flag(session, p, FlagKind.SAFETY_URGENT, "old", clock() - timedelta(days=3))
    session.commit()
    run_tick()
    assert [m for m in sms_outbox.sent if m.to == "+8613800009999"] == []


def _urgent_site(session):
    site = Site(code="BJ", name_en="Beijing", name_zh="北京", on_call_phone="+8613800009999",
                created_at=CREATED)
    session.add(site)
    session.flush()
    return site


def test_every_urgent_alert_reaches_the_on_call_number_even_the_third_in_a_day(
        session, run_tick, sms_outbox, submit):
    p = make_participant(session, site=_urgent_site(session), diary_start_date=date(2026, 3, 9))
    session.commit()
    for when, day, signs in (("2026-03-10T20:00:00+08:00", date(2026, 3, 10), ["RF3"]),
                             ("2026-03-10T21:00:00+08:00", date(2026, 3, 10), ["RF3", "RF4"]),
                             ("2026-03-11T08:00:00+08:00", date(2026, 3, 11), ["RF1"])):
        submit(p, day, when, {"R1": "participant", **{s: "yes" for s in signs}})
        run_tick(when.replace(":00:00+", ":01:00+"))
        run_tick(when.replace(":00:00+", ":02:00+"))
    assert len([m for m in sms_outbox.sent if m.to == "+8613800009999"]) == 3


def test_an_opted_out_on_call_number_is_still_paged(session, run_tick, sms_outbox, submit,
                                                     clock, rules):
    from diary import crypto
    from diary.services.messaging import reachability

    p = make_participant(session, site=_urgent_site(session), diary_start_date=date(2026, 3, 10))
    reachability.opt_out(session, crypto.lookup_hash("+8613800009999"), clock(), "inbound",
                         rules.flags)
    session.commit()
    submit(p, date(2026, 3, 10), "2026-03-10T20:00:00+08:00", {"R1": "participant",
                                                               "RF3": "yes"})
    run_tick("2026-03-10T20:01:00+08:00")
    run_tick("2026-03-10T20:02:00+08:00")
    assert [m.to for m in sms_outbox.sent] == ["+8613800009999"]
