"""Pure time rules: diary windows, lateness, screens, reminder slots (no Flask, no DB)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WindowRules:
    """Window and schedule settings; defaults are DESIGN.md's."""

    close_hour: int = 12
    full_diary_days: int = 90
    function_weekday: int = 6
    infusion_follow_days: int = 7

    @classmethod
    def from_config(cls, config) -> "WindowRules":
        """Read the rules from the application's settings."""
        return cls(close_hour=int(config["DIARY_WINDOW_CLOSE_HOUR"]),
                   full_diary_days=int(config["DIARY_FULL_DIARY_DAYS"]),
                   function_weekday=int(config["DIARY_FUNCTION_WEEKDAY"]),
                   infusion_follow_days=int(config["DIARY_INFUSION_FOLLOW_DAYS"]))


@lru_cache(maxsize=8192)
def local_at(day: date, at: time, tz: str) -> datetime:
    """The UTC instant of a local wall-clock time on a local date."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def local_today(now: datetime, tz: str) -> date:
    """The participant's local calendar date at this instant."""
    return now.astimezone(ZoneInfo(tz)).date()


def day_ends_at(day: date, tz: str) -> datetime:
    """After this instant an entry for the day is late."""
    return local_at(day + timedelta(days=1), time(0), tz)


def window_closes_at(day: date, tz: str, rules: WindowRules) -> datetime:
    """After this instant the day is closed to participants and, if empty, missed."""
    return local_at(day + timedelta(days=1), time(rules.close_hour), tz)


def is_open(day: date, tz: str, now: datetime, rules: WindowRules) -> bool:
    """Whether a participant may still submit or amend this day."""
    return local_at(day, time(0), tz) <= now < window_closes_at(day, tz, rules)


def is_late(day: date, tz: str, now: datetime) -> bool:
    """Whether a submission at this instant is late for the day."""
    return now >= day_ends_at(day, tz)


def open_days(tz: str, now: datetime, rules: WindowRules) -> list[date]:
    """The days a participant can fill in now, newest first."""
    today = local_today(now, tz)
    yesterday = today - timedelta(days=1)
    return [today] + ([yesterday] if is_open(yesterday, tz, now, rules) else [])


def in_diary_period(day: date, start: date, end: date) -> bool:
    """Whether the day is one the participant is expected to fill in."""
    return start <= day <= end


def is_core_day(day: date, start: date, rules: WindowRules) -> bool:
    """From month 4 the diary asks only the short daily core."""
    return (day - start).days >= rules.full_diary_days


def is_infusion_day(day: date, infusions: Sequence[date], rules: WindowRules) -> bool:
    """Days 0–7 after any infusion date ask the infusion items."""
    return any(0 <= (day - i).days <= rules.infusion_follow_days for i in infusions)


def section_plan(day: date, start: date, infusions: Sequence[date],
                 rules: WindowRules) -> list[tuple[str, bool]]:
    """The screens the day asks, in order, each with whether it is trimmed to the core."""
    core = is_core_day(day, start, rules)
    plan = [("who", False), ("warning", False), ("symptoms", core), ("events", core)]
    if not core or day.weekday() == rules.function_weekday:
        plan.append(("function", False))
    plan += [("rehab", core), ("medicines", core), ("devices", core)]
    if is_infusion_day(day, infusions, rules):
        plan.append(("infusion", False))
    return plan


def parse_hhmm(value: str) -> time:
    """A wall-clock time from "HH:MM"."""
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class ReminderRules:
    """When reminders are due and how long each stays useful; defaults are DESIGN.md's."""

    last_call_time: time = time(9, 0)
    quiet_start: time = time(21, 30)
    quiet_end: time = time(8, 0)
    valid_minutes: int = 120
    lookback_hours: int = 24

    @classmethod
    def from_config(cls, config) -> "ReminderRules":
        """Read the rules from the application's settings."""
        return cls(last_call_time=parse_hhmm(config["DIARY_LAST_CALL_TIME"]),
                   quiet_start=parse_hhmm(config["DIARY_QUIET_START"]),
                   quiet_end=parse_hhmm(config["DIARY_QUIET_END"]),
                   valid_minutes=int(config["DIARY_REMINDER_VALID_MINUTES"]),
                   lookback_hours=int(config["DIARY_REMINDER_LOOKBACK_HOURS"]))


@dataclass(frozen=True)
class Slot:
    """One reminder opportunity: the evening reminder or the next morning's last call."""

    name: str  # evening | last_call
    local_date: date  # the recipient's date when it is due (the daily cap counts it there)
    diary_date: date  # the diary day it is about
    due_at: datetime
    expires_at: datetime


def in_quiet_hours(at: time, rules: ReminderRules) -> bool:
    """Whether a local wall-clock time falls in the quiet hours (which may span midnight)."""
    start, end = rules.quiet_start, rules.quiet_end
    return start <= at < end if start <= end else (at >= start or at < end)


def is_quiet(instant: datetime, tz: str, rules: ReminderRules) -> bool:
    """Whether an instant is in the recipient's quiet hours."""
    return in_quiet_hours(instant.astimezone(ZoneInfo(tz)).time(), rules)


def latest_reminder(rules: ReminderRules) -> time:
    """The latest reminder time: half an hour before quiet hours begin."""
    minutes = max(rules.quiet_start.hour * 60 + rules.quiet_start.minute - 30, 0)
    return time(minutes // 60, minutes % 60)


def reminder_bounds(rules: ReminderRules) -> tuple[time, time]:
    """The earliest and latest reminder time the study allows: outside quiet hours."""
    return rules.quiet_end, latest_reminder(rules)


def waking_time(at: time, rules: ReminderRules) -> time:
    """A reminder time moved out of quiet hours: evenings earlier, early mornings later."""
    if not in_quiet_hours(at, rules):
        return at
    if rules.quiet_start > rules.quiet_end and at >= rules.quiet_start:
        return latest_reminder(rules)
    return rules.quiet_end


def next_quiet_start(after: datetime, tz: str, rules: ReminderRules) -> datetime:
    """The first start of quiet hours after an instant."""
    day = after.astimezone(ZoneInfo(tz)).date()
    start = local_at(day, rules.quiet_start, tz)
    return start if start > after else local_at(day + timedelta(days=1), rules.quiet_start, tz)


def useful_until(due: datetime, tz: str, rules: ReminderRules) -> datetime:
    """A reminder not sent by then is dropped: its window has passed or quiet hours began."""
    return min(due + timedelta(minutes=rules.valid_minutes), next_quiet_start(due, tz, rules))


def evening_slot(day: date, reminder_time: time, tz: str, rules: ReminderRules) -> Slot:
    """The reminder at the participant's chosen time about the same day."""
    due = local_at(day, waking_time(reminder_time, rules), tz)
    return Slot("evening", day, day, due, useful_until(due, tz, rules))


def last_call_slot(day: date, tz: str, rules: ReminderRules, window: WindowRules) -> Slot:
    """The morning reminder about yesterday, useful until yesterday's window closes."""
    due = local_at(day, waking_time(rules.last_call_time, rules), tz)
    closes = window_closes_at(day - timedelta(days=1), tz, window)
    return Slot("last_call", day, day - timedelta(days=1), due,
                min(useful_until(due, tz, rules), closes))


@lru_cache(maxsize=8192)
def day_slots(day: date, reminder_time: time, tz: str, rules: ReminderRules,
              window: WindowRules) -> tuple[Slot, Slot]:
    """The morning last call and the evening reminder of one local date."""
    return (last_call_slot(day, tz, rules, window),
            evening_slot(day, reminder_time, tz, rules))


def slots_around(now: datetime, tz: str, reminder_time: time, rules: ReminderRules,
                 window: WindowRules) -> list[Slot]:
    """Slots already due at `now` and not older than the look-back (to record stale ones)."""
    today = local_today(now, tz)
    oldest = now - timedelta(hours=rules.lookback_hours)
    return [slot for day in (today - timedelta(days=1), today)
            for slot in day_slots(day, reminder_time, tz, rules, window)
            if oldest < slot.due_at <= now]


def latest_closed_day(now: datetime, tz: str, rules: WindowRules) -> date:
    """The newest diary day whose window has closed at this instant."""
    local = now.astimezone(ZoneInfo(tz))
    return local.date() - timedelta(days=1 if local.hour >= rules.close_hour else 2)


def retry_delay(attempts: int, base_seconds: int, max_seconds: int) -> timedelta:
    """Exponential back-off after a refused or unreachable provider call."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), max_seconds))


EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def day_from_url(value: str) -> date | None:
    """A diary date typed into a URL, or None when unreadable or absurdly far away."""
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None
    return parsed if EARLIEST_DAY <= parsed <= LATEST_DAY else None
