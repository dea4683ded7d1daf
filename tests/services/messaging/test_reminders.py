"""Reminders through the tick: right time, right language, once, and never when not wanted."""

from dataclasses import replace
from datetime import date, time

import pytest
from sqlalchemy import func, select, text

from diary.models import (
    ClinicVisit,
    DayStatus,
    DiaryEntry,
    MessageEvent,
    MessageStatus,
    OutboundMessage,
    ParticipantStatus,
    PhoneState,
)
from diary.rules.deployment import Rules
from diary.services.messaging import outbox, reminders
from tests.support.factories import make_caregiver, make_participant
from tests.support.sms import sent_to

DAY = date(2026, 3, 10)


def messages(session) -> list[OutboundMessage]:
    return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def events(session, message) -> list[str]:
    return list(session.scalars(select(MessageEvent.status).where(
        MessageEvent.message_id == message.id).order_by(MessageEvent.id)))


def test_reminder_sent_at_the_participants_time_and_only_once(session, run_tick, sms_outbox):
    p = make_participant(session, reminder_time=time(19, 30))
    session.commit()
    run_tick("2026-03-10T19:29:00+08:00")
    assert sent_to(sms_outbox, p.phone) == []
    run_tick("2026-03-10T19:30:00+08:00")
    run_tick("2026-03-10T19:30:00+08:00")
    run_tick("2026-03-10T19:31:00+08:00")
    [body] = sent_to(sms_outbox, p.phone)
    assert body.startswith("【研究日记】")
    assert "http" not in body
    [row] = [m for m in messages(session) if m.diary_date == DAY]
    assert row.idempotency_key == f"p{p.id}:diary:2026-03-10:evening"
    assert (row.status, row.kind) == (MessageStatus.SENT, "daily_missed")


def test_reminder_not_sent_when_entry_already_submitted(session, run_tick, submit, sms_outbox):
    p = make_participant(session, diary_start_date=DAY)
    session.commit()
    submit(p, DAY, "2026-03-10T19:00:00+08:00")
    run_tick("2026-03-10T20:00:00+08:00")
    run_tick("2026-03-11T09:00:00+08:00")
    assert sms_outbox.sent == []


def test_reminder_not_sent_when_entry_submitted_after_it_was_planned(
        session, clock, submit, rules, sms_outbox):
    p = make_participant(session, diary_start_date=DAY)
    session.commit()
    now = clock.set("2026-03-10T20:00:00+08:00")
    assert reminders.plan(session, now, rules)["queued"] == 1
    session.commit()
    submit(p, DAY, "2026-03-10T20:00:30+08:00")
    outbox.deliver(session, sms_outbox, clock(), rules)
    [row] = messages(session)
    assert row.status == MessageStatus.DROPPED
    assert events(session, row) == ["dropped:done"]
    assert sms_outbox.sent == []


def test_last_call_next_morning_only_if_yesterday_still_missing(
        session, run_tick, submit, sms_outbox):
    slow = make_participant(session, diary_start_date=DAY)
    done = make_participant(session, diary_start_date=DAY)
    session.commit()
    run_tick("2026-03-10T20:00:00+08:00")
    submit(done, DAY, "2026-03-10T23:00:00+08:00")
    run_tick("2026-03-11T09:00:00+08:00")
    assert len(sent_to(sms_outbox, slow.phone)) == 2
    assert "昨天的日记" in sent_to(sms_outbox, slow.phone)[1]
    assert len(sent_to(sms_outbox, done.phone)) == 1


def test_never_in_quiet_hours_a_late_reminder_time_moves_earlier(session, run_tick, sms_outbox):
    p = make_participant(session, reminder_time=time(23, 0), diary_start_date=DAY)
    session.commit()
    run_tick("2026-03-10T20:59:00+08:00")
    assert sms_outbox.sent == []
    run_tick("2026-03-10T21:00:00+08:00")
    assert len(sent_to(sms_outbox, p.phone)) == 1


def test_reminder_dropped_not_sent_after_an_outage(session, run_tick, sms_outbox):
    p = make_participant(session, diary_start_date=DAY)
    session.commit()
    report = run_tick("2026-03-10T23:00:00+08:00")
    assert sms_outbox.sent == []
    assert report["stale"] == 1
    [row] = messages(session)
    assert (row.status, row.participant_id) == (MessageStatus.DROPPED, p.id)
    assert events(session, row) == ["dropped:stale"]
    run_tick("2026-03-11T08:00:00+08:00")
    assert sms_outbox.sent == []


def test_pending_reminder_that_outlives_its_window_is_dropped(session, clock, rules,
                                                              sms_outbox):
    make_participant(session, diary_start_date=DAY)
    session.commit()
    reminders.plan(session, clock.set("2026-03-10T20:00:00+08:00"), rules)
    session.commit()
    outbox.deliver(session, sms_outbox, clock.set("2026-03-10T21:45:00+08:00"), rules)
    [row] = messages(session)
    assert (row.status, events(session, row)) == (MessageStatus.DROPPED, ["dropped:stale"])


def test_we_missed_you_wording_after_a_missed_day(session, run_tick, submit, sms_outbox):
    p = make_participant(session, diary_start_date=date(2026, 3, 9))
    session.commit()
    run_tick("2026-03-10T12:00:00+08:00")  # closes 9 March: missed
    assert session.scalar(select(DiaryEntry.status).where(
        DiaryEntry.participant_id == p.id)) == DayStatus.MISSED
    run_tick("2026-03-10T20:00:00+08:00")
    assert "昨天" in sent_to(sms_outbox, p.phone)[-1]
    submit(p, date(2026, 3, 11), "2026-03-11T08:30:00+08:00")
    run_tick("2026-03-12T20:00:00+08:00")
    assert "昨天" not in sent_to(sms_outbox, p.phone)[-1]


def test_visit_reminder_the_day_before_a_clinic_visit(session, run_tick, submit, sms_outbox):
    p = make_participant(session, diary_start_date=DAY)
    session.add(ClinicVisit(participant_id=p.id, visit_date=date(2026, 3, 12)))
    session.commit()
    run_tick("2026-03-10T20:00:00+08:00")  # two days before: an ordinary reminder
    assert "随访" not in sent_to(sms_outbox, p.phone)[0]
    submit(p, date(2026, 3, 10), "2026-03-10T20:30:00+08:00")
    submit(p, date(2026, 3, 11), "2026-03-11T10:00:00+08:00")
    run_tick("2026-03-11T20:00:00+08:00")
    body = sent_to(sms_outbox, p.phone)[1]
    assert "随访" in body
    assert "日记" not in body.replace("【研究日记】", "")


def test_visit_reminder_also_asks_for_the_diary_when_it_is_open(session, run_tick, sms_outbox):
    p = make_participant(session, diary_start_date=DAY)
    session.add(ClinicVisit(participant_id=p.id, visit_date=date(2026, 3, 11)))
    session.commit()
    run_tick("2026-03-10T20:00:00+08:00")
    [body] = sent_to(sms_outbox, p.phone)
    assert "随访" in body
    assert "日记" in body.replace("【研究日记】", "")


def test_caregiver_only_gets_reminders_in_their_own_language(session, run_tick, sms_outbox):
    p = make_participant(session, reminder_recipients="caregiver", diary_start_date=DAY)
    carer = make_caregiver(session, p, locale="en", phone="+447700900001")
    session.commit()
    run_tick("2026-03-10T20:00:00+08:00")
    assert sent_to(sms_outbox, p.phone) == []
    [body] = sent_to(sms_outbox, carer.phone)
    assert body.startswith("[Study Diary] ")
    assert body.endswith("http://127.0.0.1:5000/")


def test_both_recipients_each_in_their_own_language(session, run_tick, sms_outbox):
    p = make_participant(session, reminder_recipients="both", locale="en", diary_start_date=DAY)
    carer = make_caregiver(session, p, locale="zh")
    session.commit()
    run_tick("2026-03-10T20:00:00+08:00")
    [mine] = sent_to(sms_outbox, p.phone)
    [theirs] = sent_to(sms_outbox, carer.phone)
    assert mine.startswith("[Study Diary]")
    assert "http" not in mine
    assert theirs.startswith("【研究日记】")


def test_no_active_caregiver_falls_back_to_the_participant(session, run_tick, sms_outbox):
    p = make_participant(session, reminder_recipients="caregiver", diary_start_date=DAY)
    make_caregiver(session, p, active=False)
    session.commit()
    run_tick("2026-03-10T20:00:00+08:00")
    assert len(sent_to(sms_outbox, p.phone)) == 1


@pytest.mark.parametrize("status", [ParticipantStatus.PAUSED, ParticipantStatus.WITHDRAWN,
                                    ParticipantStatus.COMPLETED])
def test_nothing_for_paused_withdrawn_or_completed_people(session, run_tick, sms_outbox,
                                                          status):
    make_participant(session, status=status, diary_start_date=DAY)
    session.commit()
    run_tick("2026-03-10T20:00:00+08:00")
    run_tick("2026-03-11T09:00:00+08:00")
    assert sms_outbox.sent == []
    assert messages(session) == []


def test_nothing_for_opted_out_numbers(session, run_tick, sms_outbox, clock):
    p = make_participant(session, diary_start_date=DAY)
    session.add(PhoneState(phone_hash=p.phone_hash, opted_out_at=clock(), updated_at=clock()))
    session.commit()
    run_tick("2026-03-10T20:00:00+08:00")
    assert sms_outbox.sent == []


def test_participant_paused_after_planning_gets_nothing(session, clock, rules, sms_outbox):
    p = make_participant(session, diary_start_date=DAY)
    session.commit()
    reminders.plan(session, clock.set("2026-03-10T20:00:00+08:00"), rules)
    p.status = ParticipantStatus.PAUSED
    session.commit()
    outbox.deliver(session, sms_outbox, clock(), rules)
    assert sms_outbox.sent == []
    assert events(session, messages(session)[0]) == ["dropped:inactive"]


def test_at_most_the_daily_cap_per_number(app, session, run_tick, sms_outbox):
    p = make_participant(session, diary_start_date=date(2026, 3, 9))
    session.commit()
    one_a_day = Rules.from_config({**app.config, "DIARY_MAX_SMS_PER_DAY": 1})
    run_tick("2026-03-10T09:00:00+08:00", tick_rules=one_a_day)
    run_tick("2026-03-10T20:00:00+08:00", tick_rules=one_a_day)
    assert len(sent_to(sms_outbox, p.phone)) == 1
    today = [m for m in messages(session) if m.local_date == DAY]
    assert [(m.kind, events(session, m)[-1]) for m in today] == [
        ("last_call", "sent"), ("daily_missed", "dropped:cap")]


def test_never_the_same_text_to_the_same_number_within_a_day(session, run_tick, sms_outbox):
    make_participant(session, reminder_time=time(8, 0), diary_start_date=DAY)
    session.commit()
    for iso in ("2026-03-10T08:00:00+08:00", "2026-03-11T08:00:00+08:00",
                "2026-03-11T09:00:00+08:00", "2026-03-12T08:00:00+08:00",
                "2026-03-12T09:00:00+08:00"):
        run_tick(iso)
    sent = [m for m in messages(session) if m.status == MessageStatus.SENT]
    assert len(sent) >= 4
    for a in sent:
        for b in sent:
            if a.id < b.id and abs((b.claimed_at - a.claimed_at).total_seconds()) < 86400:
                assert a.body != b.body


def test_ticking_twice_at_the_same_instant_stores_and_sends_once(session, run_tick, sms_outbox):
    make_participant(session, reminder_recipients="both", diary_start_date=DAY)
    session.commit()
    run_tick("2026-03-10T20:00:00+08:00")
    run_tick("2026-03-10T20:00:00+08:00")
    assert len(sms_outbox.sent) == 1
    assert session.scalar(select(func.count()).select_from(OutboundMessage)) == 1


@pytest.mark.parametrize("people", [3, 30])
def test_a_minute_with_nothing_new_costs_two_statements_whatever_the_roster(
        session, clock, rules, people):
    from tests.support.query_counter import count_queries

    times = [time(19, 0), time(19, 30), time(20, 0)]
    carers = [make_participant(session, reminder_time=times[n % 3], reminder_recipients="both")
              for n in range(people)]
    for p in carers[::2]:
        make_caregiver(session, p)
    session.commit()
    first = reminders.plan(session, clock.set("2026-03-10T20:00:00+08:00"), rules)
    session.commit()
    assert first["queued"] == people + len(carers[::2])  # each of them, once, at its time
    with count_queries(session) as counted:
        again = reminders.plan(session, clock.set("2026-03-10T20:01:00+08:00"), rules)
    assert again == {"queued": 0, "stale": 0}
    asked = [s for s in counted.statements if not s.startswith("BEGIN")]
    assert len(asked) == 2, asked  # the zones and times in use, then who still lacks a message


def test_the_due_slots_drive_the_search_and_each_finds_its_people_through_the_index(
        session, clock, rules):
    """SQLite left to itself scans everyone and tries each slot per person (0.9 s at 100,000
    people); the slots must come first, each group reached through its index."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("the join order is SQLite's planner's choice; PostgreSQL picks well")
    for n in range(40):
        make_participant(session, reminder_time=[time(19, 0), time(20, 0)][n % 2])
    session.commit()
    session.execute(text("ANALYZE"))  # statistics, as a big roster would have them
    from tests.support.query_counter import count_queries

    with count_queries(session) as counted:
        reminders.plan(session, clock.set("2026-03-10T20:00:00+08:00"), rules)
    planning = next(s for s in counted.statements if "json_each" in s)
    params = counted.parameters[counted.statements.index(planning)]
    steps = [row[3] for row in session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + planning, params).all()]
    assert "MATERIALIZE due" in steps, steps  # the slots read out of their JSON once
    scans = [s for s in steps if s.startswith(("SCAN", "SEARCH participant", "SEARCH caregiver"))
             and not s.startswith("SCAN listed")]  # the JSON list, read into `due`
    assert scans[0].startswith("SCAN due"), steps
    assert "participant" in scans[1], steps
    assert not any(s.startswith(("SCAN participant", "SCAN caregiver")) for s in steps), steps


def test_a_tick_stores_at_most_its_limit_and_the_next_ticks_store_the_rest(
        session, clock, rules, submit):
    """Those found for a tick are exactly those who get a message: were people who get none
    (yesterday done, a visit today, at the last call) found first, they would fill every tick's
    limit and the others would never get theirs."""
    visiting = [make_participant(session, diary_start_date=DAY) for _ in range(3)]
    slow = [make_participant(session, diary_start_date=DAY) for _ in range(2)]
    for p in visiting:
        session.add(ClinicVisit(participant_id=p.id, visit_date=date(2026, 3, 11)))
    session.commit()
    reminders.plan(session, clock.set("2026-03-10T20:00:00+08:00"), rules)
    session.commit()
    for p in visiting:
        submit(p, DAY, "2026-03-10T21:00:00+08:00")
    one_a_tick = replace(rules, outbox=replace(rules.outbox, plan_limit=1))
    reports = []
    for minute in range(3):
        reports.append(reminders.plan(
            session, clock.set(f"2026-03-11T09:0{minute}:00+08:00"), one_a_tick))
        session.commit()
    assert reports == [{"queued": 1, "stale": 0, "more": True},
                       {"queued": 1, "stale": 0, "more": True}, {"queued": 0, "stale": 0}]
    last_calls = session.scalars(select(OutboundMessage.participant_id).where(
        OutboundMessage.idempotency_key.like("%:last_call")))
    assert sorted(last_calls) == [p.id for p in slow]


def test_the_outbox_keeps_the_number_as_its_owner_stores_it(session, clock, rules):
    p = make_participant(session, phone="+8613912345678", reminder_recipients="both")
    make_caregiver(session, p, phone="+85291234567")
    session.commit()
    reminders.plan(session, clock.set("2026-03-10T20:00:00+08:00"), rules)
    session.commit()
    raw = session.connection().exec_driver_sql
    stored = {row[0] for row in raw("SELECT phone FROM participant UNION ALL "
                                    "SELECT phone FROM caregiver")}
    copied = {row[0] for row in raw("SELECT to_phone FROM outbound_message")}
    assert copied == stored
    assert len(copied) == 2
    by_number = {m.to_phone: m.body for m in messages(session)}
    assert set(by_number) == {"+8613912345678", "+85291234567"}
    assert "http" in by_number["+85291234567"]
    assert "http" not in by_number["+8613912345678"]


@pytest.mark.parametrize(("settings", "valid"), [
    ({}, True), ({"DIARY_SMS_PLAN_LIMIT": 150}, False),
    ({"DIARY_SMS_SEND_RATE": 50, "DIARY_SMS_PLAN_LIMIT": 3000}, True),
    ({"DIARY_SMS_SEND_RATE": 50, "DIARY_SMS_PLAN_LIMIT": 2999}, False),
])
def test_ticks_may_not_store_fewer_reminders_than_they_can_send(tmp_path, settings, valid):
    from diary import config

    loaded = config.load(str(tmp_path), {"SECRET_KEY": "k", "DIARY_ENCRYPTION_KEYS": "k",
                                         **settings})
    if valid:
        config.validate(loaded, str(tmp_path))
    else:
        with pytest.raises(config.ConfigError, match="DIARY_SMS_PLAN_LIMIT"):
            config.validate(loaded, str(tmp_path))
