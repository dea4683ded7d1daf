"""Pure reminder rules: slots, quiet hours, look-back, which wording a day needs, rotation."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from diary.models import DayStatus
from diary.rules import schedule
from diary.services.messaging.wording import Facts, choose_kind, pick_wording, preferred_variant
from diary.sms.templates import TextSettings

RULES = schedule.ReminderRules()
WINDOW = schedule.WindowRules()
BJ = "Asia/Shanghai"
DAY = date(2026, 3, 10)
PERIOD = (date(2026, 3, 1), date(2026, 12, 31))


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


@pytest.mark.parametrize(("local", "quiet"), [
    ("21:29", False), ("21:30", True), ("23:59", True), ("00:00", True), ("07:59", True),
    ("08:00", False), ("20:00", False),
])
def test_quiet_hours_span_midnight(local, quiet):
    assert schedule.in_quiet_hours(schedule.parse_hhmm(local), RULES) is quiet


def test_quiet_hours_may_also_lie_within_a_day():
    rules = schedule.ReminderRules(quiet_start=time(13, 0), quiet_end=time(14, 0))
    assert schedule.in_quiet_hours(time(13, 30), rules)
    assert not schedule.in_quiet_hours(time(22, 0), rules)


@pytest.mark.parametrize(("chosen", "effective"), [
    (time(20, 0), time(20, 0)), (time(22, 0), time(21, 0)), (time(6, 30), time(8, 0)),
])
def test_reminder_time_in_quiet_hours_moves_out_of_them(chosen, effective):
    assert schedule.waking_time(chosen, RULES) == effective


def test_evening_reminder_is_useful_until_its_window_ends_or_quiet_hours_begin():
    slot = schedule.evening_slot(DAY, time(20, 0), BJ, RULES)
    assert slot.due_at == at("2026-03-10T20:00:00+08:00")
    assert slot.expires_at == at("2026-03-10T21:30:00+08:00")  # quiet start before 22:00
    early = schedule.evening_slot(DAY, time(18, 0), BJ, RULES)
    assert early.expires_at == at("2026-03-10T20:00:00+08:00")  # two hours


def test_last_call_is_about_yesterday_and_ends_when_its_window_closes():
    rules = schedule.ReminderRules(last_call_time=time(11, 0))
    slot = schedule.last_call_slot(DAY, BJ, rules, WINDOW)
    assert (slot.diary_date, slot.local_date) == (DAY - timedelta(days=1), DAY)
    assert slot.expires_at == at("2026-03-10T12:00:00+08:00")


def test_slots_follow_the_participants_own_time_zone():
    now = at("2026-03-10T20:00:00+00:00")
    london = schedule.slots_around(now, "Europe/London", time(20, 0), RULES, WINDOW)
    assert [s.name for s in london if s.local_date == DAY] == ["last_call", "evening"]
    beijing = schedule.slots_around(at("2026-03-10T11:59:00+00:00"), BJ, time(20, 0), RULES,
                                    WINDOW)
    assert [(s.name, s.local_date) for s in beijing] == [
        ("evening", date(2026, 3, 9)), ("last_call", date(2026, 3, 10))]


def test_slots_are_due_only_from_their_time_on():
    before = schedule.slots_around(at("2026-03-10T19:59:00+08:00"), BJ, time(20, 0), RULES,
                                   WINDOW)
    assert all(s.due_at <= at("2026-03-10T19:59:00+08:00") for s in before)
    assert ("evening", DAY) not in {(s.name, s.local_date) for s in before}


def test_slots_older_than_the_look_back_are_forgotten():
    rules = schedule.ReminderRules(lookback_hours=1)
    found = schedule.slots_around(at("2026-03-10T20:30:00+08:00"), BJ, time(20, 0), rules,
                                  WINDOW)
    assert [s.name for s in found] == ["evening"]


def test_slots_across_a_daylight_saving_change_keep_the_local_time():
    # Europe/London springs forward on 29 March 2026.
    before = schedule.evening_slot(date(2026, 3, 28), time(20, 0), "Europe/London", RULES)
    after = schedule.evening_slot(date(2026, 3, 29), time(20, 0), "Europe/London", RULES)
    assert before.due_at.hour == 20
    assert after.due_at.hour == 19


@pytest.mark.parametrize(("hour", "closed"), [(11, date(2026, 3, 8)), (12, date(2026, 3, 9))])
def test_latest_closed_day_turns_at_the_close_hour(hour, closed):
    now = at(f"2026-03-10T{hour:02d}:00:00+08:00")
    assert schedule.latest_closed_day(now, BJ, WINDOW) == closed


def test_retry_delay_grows_and_is_capped():
    delays = [schedule.retry_delay(n, 60, 900).total_seconds() for n in range(1, 7)]
    assert delays == [60, 120, 240, 480, 900, 900]


def facts(statuses=None, visits=()) -> Facts:
    return Facts({(1, d): s for d, s in (statuses or {}).items()}, frozenset(visits))


def test_reminder_not_needed_when_the_day_is_already_submitted():
    done = facts({DAY: DayStatus.ON_TIME})
    assert choose_kind("evening", 1, DAY, PERIOD, done) is None
    assert choose_kind("last_call", 1, DAY, PERIOD, facts({DAY: DayStatus.LATE})) is None


def test_excused_days_get_no_reminder():
    assert choose_kind("evening", 1, DAY, PERIOD, facts({DAY: DayStatus.EXCUSED})) is None


def test_missed_yesterday_changes_the_wording():
    yesterday = DAY - timedelta(days=1)
    assert choose_kind("evening", 1, DAY, PERIOD, facts({yesterday: DayStatus.MISSED})) == (
        "daily_missed")
    assert choose_kind("evening", 1, DAY, PERIOD, facts({yesterday: DayStatus.ON_TIME})) == (
        "daily")


def test_first_diary_day_is_not_a_missed_one():
    assert choose_kind("evening", 1, DAY, (DAY, PERIOD[1]), facts()) == "daily"


def test_visit_tomorrow_is_announced_whether_or_not_the_diary_is_done():
    visit = {(1, DAY + timedelta(days=1))}
    assert choose_kind("evening", 1, DAY, PERIOD, facts(visits=visit)) == "visit_daily"
    assert choose_kind("evening", 1, DAY, PERIOD,
                       facts({DAY: DayStatus.ON_TIME}, visit)) == "visit"
    after_diary = (PERIOD[0], DAY - timedelta(days=5))
    assert choose_kind("evening", 1, DAY, after_diary, facts(visits=visit)) == "visit"


def test_no_reminder_outside_the_diary_period():
    assert choose_kind("evening", 1, DAY, (DAY + timedelta(days=1), PERIOD[1]), facts()) is None
    assert choose_kind("last_call", 1, DAY, (DAY + timedelta(days=1), PERIOD[1]),
                       facts()) is None


def test_wording_rotates_by_day_and_skips_texts_sent_recently():
    assert preferred_variant("daily", DAY) != preferred_variant("daily", DAY + timedelta(1))
    texts = TextSettings()
    first = pick_wording("daily", "zh", "+8613900000000", 0, set(), texts)
    second = pick_wording("daily", "zh", "+8613900000000", 0, {first[1]}, texts)
    assert first[0] == 0
    assert second[0] == 1
    assert pick_wording("daily", "zh", "+8613900000000", 0, {first[1], second[1]}, texts) is None
