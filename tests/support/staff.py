"""Shared helpers for the staff tests: a query counter and small history builders."""

import contextlib
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event

from diary.models import DayStatus, DiaryEntry


@contextlib.contextmanager
def count_queries(engine):
    """Count the SQL statements sent while the block runs."""
    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def add_days(session, participant, statuses: str, first: date) -> None:
    """Day rows from a string: o on time, l late, m missed, e excused, '.' no row (paused)."""
    codes = {"o": DayStatus.ON_TIME, "l": DayStatus.LATE, "m": DayStatus.MISSED,
             "e": DayStatus.EXCUSED}
    for n, code in enumerate(statuses):
        if code == ".":
            continue
        day = first + timedelta(days=n)
        at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
        answered = code in "ol"
        session.add(DiaryEntry(participant_id=participant.id, diary_date=day, status=codes[code],
                               first_submitted_at=at if answered else None,
                               last_submitted_at=at if answered else None, created_at=at))
    session.flush()


def full_answers(participant, day) -> dict[str, str]:
    """A complete, harmless set of answers for every screen the day asks."""
    from diary.rules import schedule
    from diary.rules.instrument import is_shown
    from diary.services.diary import screens

    answers: dict[str, str] = {"R1": "participant"}
    for section in screens.sections(participant, day, schedule.WindowRules()):
        for item in section.items:
            if item.id in answers or not is_shown(item, answers):
                continue
            if item.kind == "temperature":
                answers[item.id] = "36.6"
            elif item.kind == "count":
                answers[item.id] = "1"
            elif item.kind == "text":
                answers[item.id] = "none"
            elif item.id.startswith("RF") or item.kind == "yesno":
                answers[item.id] = "no"
            else:
                answers[item.id] = item.codes()[0]
    return answers
