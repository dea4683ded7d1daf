"""A simulated cohort for the fortnight test: people, their days, and what should happen."""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from diary.models import ClinicVisit, DayStatus, DiaryEntry, ParticipantStatus, Site
from tests.support.factories import CREATED, make_caregiver, make_participant

FIRST, LAST = date(2026, 3, 21), date(2026, 4, 3)  # the fortnight's diary days
START = datetime(2026, 3, 21, 0, 0, tzinfo=UTC)  # no reminder is live in any zone here
END = datetime(2026, 4, 4, 7, 0, tzinfo=UTC)  # nor here
ON_CALL = "+8613800009999"
ZONES = {"Asia/Shanghai": ("+86138{:08d}", "zh"), "Asia/Hong_Kong": ("+8529{:07d}", "en"),
         "Europe/London": ("+4477009{:05d}", "en"), "America/Vancouver": ("+1604555{:04d}", "en")}
TIMES = [time(19, 0), time(19, 30), time(20, 0), time(20, 30), time(21, 0)]
HABITS = {"steady": (0.85, 0.08, 0.04), "average": (0.6, 0.2, 0.08),
          "poor": (0.35, 0.2, 0.15)}  # early, after the reminder, late next morning; else missed
ROLES = (["provider_opted_out"] * 2 + ["invalid", "stop", "undelivered", "urgent"]
         + ["paused"] * 2 + ["withdrawn", "completed"])
QUIET_START, QUIET_END, LAST_CALL = time(21, 30), time(8, 0), time(9, 0)


@dataclass
class Person:
    participant: object
    role: str
    numbers: list[tuple[str, str]]  # (recipient code, phone)
    plan: dict[date, str] = field(default_factory=dict)
    visits: set[date] = field(default_factory=set)
    answered: dict[date, datetime] = field(default_factory=dict)  # filled as the run goes

    @property
    def tz(self) -> str:
        return self.participant.timezone

    @property
    def active(self) -> bool:
        return self.participant.status == ParticipantStatus.ACTIVE

    def in_period(self, day: date) -> bool:
        return self.participant.diary_start_date <= day <= self.participant.diary_end_date


def at(day: date, clock: time, tz: str) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def build(session, rng: random.Random, size: int = 50) -> list[Person]:
    """Participants across four zones, with caregivers, visits, special roles and habits."""
    site = Site(code="SIM", name_en="Sim", name_zh="模拟", on_call_phone=ON_CALL,
                created_at=CREATED)
    session.add(site)
    session.flush()
    roles = ROLES + ["normal"] * (size - len(ROLES))
    people, serial = [], iter(range(1, 10_000))
    for n, role in enumerate(roles):
        tz = list(ZONES)[n % 4] if role == "normal" else "Asia/Shanghai"
        pattern, default_locale = ZONES[tz]
        recipients = ("participant" if role != "normal"
                      else rng.choice(["participant"] * 6 + ["caregiver", "both"] * 2))
        start = FIRST - timedelta(days=7) if n % 9 else FIRST + timedelta(days=4)
        p = make_participant(
            session, site=site, phone=pattern.format(next(serial)), timezone=tz,
            locale=rng.choice([default_locale, "zh", "en"]), reminder_time=rng.choice(TIMES),
            reminder_recipients=recipients, diary_start_date=start,
            diary_end_date=LAST - timedelta(days=4) if n % 13 == 5 else date(2027, 3, 1),
            status={"paused": ParticipantStatus.PAUSED, "withdrawn": ParticipantStatus.WITHDRAWN,
                    "completed": ParticipantStatus.COMPLETED}.get(role,
                                                                  ParticipantStatus.ACTIVE))
        numbers = [] if recipients == "caregiver" else [(f"p{p.id}", p.phone)]
        if recipients != "participant":
            carer = make_caregiver(session, p, phone=pattern.format(next(serial)),
                                   locale=rng.choice(["zh", "en"]))
            numbers.append((f"c{carer.id}", carer.phone))
        person = Person(p, role, numbers)
        _habits(person, rng, n)
        if n % 5 == 1:
            person.visits.add(FIRST + timedelta(days=rng.randrange(1, 14)))
            session.add(ClinicVisit(participant_id=p.id, visit_date=min(person.visits)))
        _history(session, person)
        people.append(person)
    return people


def _habits(person: Person, rng: random.Random, n: int) -> None:
    early, after, late = HABITS[["steady", "average", "poor"][n % 3]]
    for offset in range(-1, 15):
        day = FIRST + timedelta(days=offset)
        roll = rng.random()
        person.plan[day] = ("early" if roll < early else "after" if roll < early + after
                            else "late" if roll < early + after + late else "missed")
    if n % 7 == 3:  # a streak of three missed days
        for offset in range(5, 8):
            person.plan[FIRST + timedelta(days=offset)] = "missed"


def _history(session, person: Person) -> None:
    """Answered days before the fortnight, so only the run itself creates missed days."""
    p = person.participant
    day = p.diary_start_date
    while day < FIRST - timedelta(days=1):
        answered_at = at(day, time(18, 0), p.timezone)
        session.add(DiaryEntry(participant_id=p.id, diary_date=day, status=DayStatus.ON_TIME,
                               first_submitted_at=answered_at, last_submitted_at=answered_at,
                               created_at=answered_at))
        person.answered[day] = answered_at
        day += timedelta(days=1)


def submission_time(person: Person, day: date, habit: str) -> datetime | None:
    """When the person sends the day's diary, by habit (None: never)."""
    reminder = person.participant.reminder_time
    if habit == "early":
        return at(day, time(reminder.hour - 2, reminder.minute), person.tz)
    if habit == "after":
        return at(day, time(reminder.hour, reminder.minute + 25), person.tz)
    if habit == "late":
        return at(day + timedelta(days=1), time(10, 30), person.tz)
    return None


def busy_minutes(people: list[Person], length: int = 10) -> set[datetime]:
    """Minutes worth ticking one by one: ten (or `length`) from each reminder and last call."""
    minutes = set()
    for person in people:
        for offset in range(-1, 16):
            day = FIRST + timedelta(days=offset)
            for due in (at(day, person.participant.reminder_time, person.tz),
                        at(day, LAST_CALL, person.tz)):
                minutes.update(due + timedelta(minutes=m) for m in range(length))
    return minutes


def answered_before(person: Person, day: date, instant: datetime) -> bool:
    return day in person.answered and person.answered[day] < instant


def silenced(person: Person, instant: datetime, stop: tuple[datetime, datetime]) -> bool:
    return person.role == "stop" and stop[0] <= instant < stop[1]


def needed_slots(person: Person, stop: tuple[datetime, datetime]) -> dict[str, str]:
    """Reminder keys (with their wording kind) the person's numbers should get, by the rules."""
    if not person.active:
        return {}
    found = {}
    for offset in range(-2, 16):
        day = FIRST + timedelta(days=offset)
        evening = at(day, person.participant.reminder_time, person.tz)
        if START <= evening <= END and not silenced(person, evening, stop):
            kind = _evening_kind(person, day, evening)
            if kind:
                found[f"diary:{day.isoformat()}:evening"] = kind
        morning = at(day, LAST_CALL, person.tz)
        yesterday = day - timedelta(days=1)
        if (START <= morning <= END and not silenced(person, morning, stop)
                and person.in_period(yesterday)
                and not answered_before(person, yesterday, morning)):
            found[f"diary:{yesterday.isoformat()}:last_call"] = "last_call"
    return {f"{code}:{key}": kind for code, _ in person.numbers for key, kind in found.items()}


def _evening_kind(person: Person, day: date, due: datetime) -> str | None:
    diary_due = person.in_period(day) and not answered_before(person, day, due)
    if day + timedelta(days=1) in person.visits:
        return "visit_daily" if diary_due else "visit"
    if not diary_due:
        return None
    yesterday = day - timedelta(days=1)
    missed = person.in_period(yesterday) and not answered_before(person, yesterday, due)
    return "daily_missed" if missed else "daily"


def closes_at(person: Person, day: date) -> datetime:
    return at(day + timedelta(days=1), time(12, 0), person.tz)


def closed_days(person: Person) -> list[date]:
    p = person.participant
    days, day = [], p.diary_start_date
    while day <= p.diary_end_date and closes_at(person, day) <= END:
        days.append(day)
        day += timedelta(days=1)
    return days


def missed_days(person: Person) -> list[date]:
    """Closed days of the diary period without an answer (active people only)."""
    if not person.active:
        return []
    return [d for d in closed_days(person) if d not in person.answered]


def streaks(person: Person, length: int = 2) -> int:
    """Runs of at least `length` missed days in a row."""
    runs, current, previous = 0, 0, None
    for day in missed_days(person):
        current = current + 1 if previous == day - timedelta(days=1) else 1
        runs += current == length
        previous = day
    return runs


def low_compliance_flags(person: Person, target: float = 0.8, window: int = 7,
                         minimum: int = 3) -> int:
    """Flags the recent-rate rule opens: on a missed day, rate < target, one per window."""
    opened: list[datetime] = []
    missed = set(missed_days(person))
    for day in sorted(missed):
        first = max(person.participant.diary_start_date, day - timedelta(days=window - 1))
        span = [first + timedelta(days=n) for n in range((day - first).days + 1)]
        answered = sum(d not in missed for d in span)
        now = closes_at(person, day)
        if (len(span) >= minimum and answered / len(span) < target
                and not any(o > now - timedelta(days=window) for o in opened)):
            opened.append(now)
    return len(opened)
