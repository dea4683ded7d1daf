"""The dashboard's one-integer-per-participant reading agrees with the day rows read one by one."""

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from diary.models import DayStatus, DiaryEntry
from diary.rules import schedule
from diary.rules.deployment import FlagRules, Rules
from diary.services.reporting import compliance, dashboard
from tests.support.factories import make_participant, make_site, make_staff
from tests.support.staff import add_days

NOW = datetime(2026, 3, 30, 4, 0, tzinfo=UTC)  # noon on 30 March in Beijing
ZONES = ("Asia/Shanghai", "America/New_York", "Pacific/Kiritimati")


def _histories(session) -> list:
    """Forty participants: random days, long missed runs, gaps, excused days ahead."""
    rng = random.Random(9)
    site = make_site(session, "XW")
    people = []
    for n in range(40):
        start = date(2026, 1, 1) + timedelta(days=rng.randint(0, 80))
        person = make_participant(session, site, study_code=f"XW-{n:03d}",
                                  diary_start_date=start, timezone=ZONES[n % 3])
        length = (date(2026, 3, 31) - start).days
        weights = ("o" * 6 + "l" + "m" * 3 + "e" + ".") if n % 4 else "m" * 9 + "oe."
        days = "".join(rng.choice(weights) for _ in range(length))
        if n % 7 == 0:
            days = days[:-20] + "m" * 20  # a streak longer than the span
        add_days(session, person, days, start)
        if n % 5 == 0:  # excused ahead (a planned stay in hospital)
            add_days(session, person, "eee", date(2026, 4, 10))
        people.append(person)
    session.commit()
    return people


def _stored(session, pid: int, day: date):
    return session.scalar(select(DiaryEntry.status).where(DiaryEntry.participant_id == pid,
                                                          DiaryEntry.diary_date == day))


def test_ranking_and_counts_match_the_day_rows(session):
    people = _histories(session)
    staff = make_staff(session, "admin")
    session.commit()
    rules = Rules()
    board = dashboard.build(session, staff, NOW, rules, per_page=100)
    ids = [p.id for p in people]
    today = schedule.local_today(NOW, "Asia/Shanghai")
    since = compliance.recent_start(today - timedelta(days=1), rules.recent_days)
    streaks = dashboard.missed_streaks(session, ids)
    recent = compliance.summarize(session, ids, since, since=since)
    assert len(board.rows) == len(people)
    done = missed = 0
    for row in board.rows:
        assert row.streak == streaks.get(row.participant_id, 0), row.study_code
        expected = recent.get(row.participant_id, compliance.Compliance()).recent_rate
        assert row.recent_rate == expected, row.study_code
        last = session.scalar(select(func.max(DiaryEntry.last_submitted_at)).where(
            DiaryEntry.participant_id == row.participant_id))
        assert row.last_entry_at == (last and last.replace(tzinfo=UTC)), row.study_code
        local = schedule.local_today(NOW, row.timezone)
        found = _stored(session, row.participant_id, local)
        if found is not None:
            assert row.today_status == found.value, row.study_code
        done += found in (DayStatus.ON_TIME, DayStatus.LATE)
        missed += _stored(session, row.participant_id, local - timedelta(days=1)) \
            == DayStatus.MISSED
    assert (board.done_today, board.missed_yesterday) == (done, missed)
    key = [(-r.urgent, -r.overdue, -r.streak, 2.0 if r.recent_rate is None else r.recent_rate,
            r.study_code) for r in board.rows]
    assert key == sorted(key)
    assert any(r.streak >= 20 for r in board.rows)  # the whole-history path was taken
    assert all(r.last_entry_at.tzinfo is UTC for r in board.rows if r.last_entry_at)


def test_a_recent_window_longer_than_the_span_is_counted_by_the_database(session):
    people = _histories(session)
    staff = make_staff(session, "admin")
    session.commit()
    rules = Rules(flags=FlagRules(recent_days=28))
    board = dashboard.build(session, staff, NOW, rules, per_page=100)
    today = schedule.local_today(NOW, "Asia/Shanghai")
    since = compliance.recent_start(today - timedelta(days=1), 28)
    recent = compliance.summarize(session, [p.id for p in people], since, since=since)
    for row in board.rows:
        assert row.recent_rate == recent.get(row.participant_id,
                                             compliance.Compliance()).recent_rate
