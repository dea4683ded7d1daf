"""Pure time rules: diary windows, lateness and which screens a day asks (no Flask, no DB)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
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


def is_infusion_day(day: date, infusions: list[date], rules: WindowRules) -> bool:
    """Days 0–7 after any infusion date ask the infusion items."""
    return any(0 <= (day - i).days <= rules.infusion_follow_days for i in infusions)


def section_plan(day: date, start: date, infusions: list[date],
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
