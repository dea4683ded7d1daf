"""Window and schedule rules at their edges, in Beijing and in zones with daylight saving."""

from datetime import UTC, date, datetime, timedelta

import pytest

from diary.rules import schedule

RULES = schedule.WindowRules()
D = date(2026, 3, 10)


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


@pytest.mark.parametrize(("instant", "open_", "late"), [
    ("2026-03-09T23:59:59+08:00", False, False),   # the day before: not yet open
    ("2026-03-10T00:00:00+08:00", True, False),
    ("2026-03-10T23:59:00+08:00", True, False),
    ("2026-03-10T23:59:59+08:00", True, False),
    ("2026-03-11T00:00:00+08:00", True, True),     # after 23:59 of D: late
    ("2026-03-11T11:59:59+08:00", True, True),
    ("2026-03-11T12:00:00+08:00", False, True),    # window closed at 12:00 of D+1
])
def test_window_edges_in_shanghai(instant, open_, late):
    assert schedule.is_open(D, "Asia/Shanghai", at(instant), RULES) is open_
    assert schedule.is_late(D, "Asia/Shanghai", at(instant)) is late


def test_window_close_hour_is_a_setting():
    rules = schedule.WindowRules(close_hour=9)
    assert schedule.is_open(D, "Asia/Shanghai", at("2026-03-11T08:59:00+08:00"), rules)
    assert not schedule.is_open(D, "Asia/Shanghai", at("2026-03-11T09:00:00+08:00"), rules)


def test_window_follows_local_time_in_new_york_across_daylight_saving():
    # 2026-03-08 is the spring-forward day in New York: the day is 23 hours long.
    day = date(2026, 3, 8)
    assert schedule.day_ends_at(day, "America/New_York") == at("2026-03-09T00:00:00-04:00")
    assert schedule.window_closes_at(day, "America/New_York", RULES) == \
        at("2026-03-09T12:00:00-04:00")
    assert schedule.is_open(day, "America/New_York", at("2026-03-09T11:59:00-04:00"), RULES)
    assert not schedule.is_open(day, "America/New_York", at("2026-03-09T12:00:00-04:00"), RULES)


def test_local_today_differs_between_zones_at_the_same_instant():
    instant = at("2026-03-10T20:00:00+00:00")
    assert schedule.local_today(instant, "Asia/Shanghai") == date(2026, 3, 11)
    assert schedule.local_today(instant, "Europe/London") == date(2026, 3, 10)


def test_open_days_are_today_and_yesterday_until_noon():
    morning = at("2026-03-11T11:00:00+08:00")
    afternoon = at("2026-03-11T12:00:00+08:00")
    assert schedule.open_days("Asia/Shanghai", morning, RULES) == [date(2026, 3, 11), D]
    assert schedule.open_days("Asia/Shanghai", afternoon, RULES) == [date(2026, 3, 11)]


def test_full_diary_for_three_months_then_the_short_core():
    start = date(2026, 1, 1)
    full = schedule.section_plan(start + timedelta(days=89), start, [], RULES)
    assert all(not core for _, core in full)
    assert "function" in [s for s, _ in full]
    core_day = start + timedelta(days=90)
    if core_day.weekday() == RULES.function_weekday:
        core_day += timedelta(days=1)
    core = schedule.section_plan(core_day, start, [], RULES)
    assert "function" not in [s for s, _ in core]
    assert dict(core)["symptoms"] is True


def test_function_screen_returns_weekly_in_the_core_period():
    start = date(2026, 1, 1)
    sunday = next(start + timedelta(days=n) for n in range(90, 97)
                  if (start + timedelta(days=n)).weekday() == 6)
    assert "function" in [s for s, _ in schedule.section_plan(sunday, start, [], RULES)]


@pytest.mark.parametrize(("offset", "asked"), [(-1, False), (0, True), (7, True), (8, False)])
def test_infusion_items_on_days_zero_to_seven(offset, asked):
    infusion = date(2026, 2, 1)
    plan = schedule.section_plan(infusion + timedelta(days=offset), date(2026, 1, 1),
                                 [infusion], RULES)
    assert ("infusion" in [s for s, _ in plan]) is asked
