"""Window closing: empty closed days become missed rows; streak and compliance flags open."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import Session

from diary.models import DayStatus, DiaryEntry, Flag, FlagKind, Participant
from diary.rules import schedule
from diary.rules.deployment import Rules
from diary.services import audit
from diary.services.flags import opening
from diary.services.reporting import compliance
from diary.services.sql import insert_ignoring, is_postgres, one_of

ROW_COUNTS = {postgres: select(DiaryEntry.participant_id, func.count())
              .join(Participant, Participant.id == DiaryEntry.participant_id)
              .where(clause, DiaryEntry.diary_date >= Participant.diary_start_date,
                     DiaryEntry.diary_date <= bindparam("last"))
              .group_by(DiaryEntry.participant_id)
              for postgres, clause in one_of(DiaryEntry.participant_id, "ids").items()}


def close_windows(session: Session, now: datetime, rules: Rules,
                  people: list[Row]) -> dict:
    """Add a missed row for each closed day of the diary period without one, then flag."""
    ranges = {p.id: r for p in people if (r := _closed_range(p, now, rules)) is not None}
    short = _incomplete(session, ranges)
    if not short:
        return {"missed_days": 0, "flags": 0}
    have = set(session.execute(select(DiaryEntry.participant_id, DiaryEntry.diary_date).where(
        DiaryEntry.participant_id.in_(short), DiaryEntry.diary_date >= min(
            ranges[i][0] for i in short))))
    rows = [{"participant_id": pid, "diary_date": day, "status": DayStatus.MISSED.value,
             "staff_entered": False, "warning_sign": False, "created_at": now}
            for pid in short for day in _days(*ranges[pid]) if (pid, day) not in have]
    inserted = insert_ignoring(session, DiaryEntry, rows, ["participant_id", "diary_date"],
                               returning=[DiaryEntry.participant_id, DiaryEntry.diary_date])
    missed: dict[int, list[date]] = defaultdict(list)
    for pid, day in inserted:
        missed[pid].append(day)
    people_by_id = {p.id: p for p in people}
    for pid, days in missed.items():
        audit.record(session, now, "entry.missed", None, participant=people_by_id[pid],
                     detail={"diary_dates": sorted(d.isoformat() for d in days)})
    opened = open_flags(session, {pid: max(days) for pid, days in missed.items()}, now, rules)
    return {"missed_days": len(inserted), "flags": opened}


def _closed_range(person: Row, now: datetime, rules: Rules) -> tuple[date, date] | None:
    """The diary period's days whose window has closed, if any."""
    last = min(person.diary_end_date,
               schedule.latest_closed_day(now, person.timezone, rules.window))
    first = person.diary_start_date
    return (first, last) if first <= last else None


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _incomplete(session, ranges: dict[int, tuple[date, date]]) -> list[int]:
    """Participants with fewer day rows than closed days: one GROUP BY per distinct last day."""
    by_last: dict[date, list[int]] = defaultdict(list)
    for pid, (_first, last) in ranges.items():
        by_last[last].append(pid)
    short = []
    for last, ids in by_last.items():
        counts = dict(session.execute(ROW_COUNTS[is_postgres(session)],
                                      {"ids": ids, "last": last}).all())
        short += [i for i in ids if counts.get(i, 0) < (last - ranges[i][0]).days + 1]
    return short


def open_flags(session: Session, newest_missed: dict[int, date], now: datetime,
               rules: Rules) -> int:
    """Missed-streak and low-compliance flags for participants who just missed a day."""
    by_day: dict[date, list[int]] = defaultdict(list)
    for pid, day in newest_missed.items():
        by_day[day].append(pid)
    opened = 0
    for day, ids in by_day.items():
        opened += _streak_flags(session, ids, day, now, rules)
        opened += _compliance_flags(session, ids, day, now, rules)
    return opened


def _streak_flags(session, ids, day, now, rules) -> int:
    """A flag per run of missed days reaching the streak length, keyed by the run's start."""
    last_kept = dict(session.execute(
        select(DiaryEntry.participant_id, func.max(DiaryEntry.diary_date))
        .where(DiaryEntry.participant_id.in_(ids), DiaryEntry.diary_date < day,
               DiaryEntry.status != DayStatus.MISSED)
        .group_by(DiaryEntry.participant_id)).all())
    opened = 0
    for pid in ids:
        participant = session.get(Participant, pid)
        start = max(participant.diary_start_date,
                    last_kept[pid] + timedelta(days=1) if pid in last_kept else date.min)
        length = (day - start).days + 1
        if length < rules.flags.missed_streak:
            continue
        key = opening.flag_key(FlagKind.MISSED_STREAK, f"p{pid}:from:{start.isoformat()}")
        opened += _open(session, participant, FlagKind.MISSED_STREAK, key, now, rules,
                        f"missed_days:{length}", day)
    return opened


def _compliance_flags(session, ids, day, now, rules) -> int:
    """A flag when the recent rate drops below target, at most once per recent window."""
    since = compliance.recent_start(day, rules.recent_days)
    summary = compliance.summarize(session, ids, recent_since=since, until=day)
    opened = 0
    for pid, c in summary.items():
        low = (c.recent_expected >= rules.flags.min_recent_days and c.recent_rate is not None
               and c.recent_rate < rules.flags.compliance_target)
        if not low or _recently_flagged(session, pid, now, rules):
            continue
        key = opening.flag_key(FlagKind.LOW_COMPLIANCE, f"p{pid}:{day.isoformat()}")
        opened += _open(session, session.get(Participant, pid), FlagKind.LOW_COMPLIANCE, key,
                        now, rules, f"recent:{c.recent_answered}/{c.recent_expected}", day)
    return opened


def _recently_flagged(session, pid, now, rules) -> bool:
    return session.scalar(select(Flag.id).where(
        Flag.participant_id == pid, Flag.kind == FlagKind.LOW_COMPLIANCE,
        Flag.opened_at > now - timedelta(days=rules.flags.recent_days)).limit(1)) is not None


def _open(session, participant, kind, key, now, rules, detail, day) -> int:
    flag = opening.open_flag(session, participant, kind, key, now, detail=detail, day=day,
                           due_hours=rules.flags.due_hours)
    return 0 if flag is None else 1
