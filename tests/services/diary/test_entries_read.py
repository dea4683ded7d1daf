"""A day's stored answers and send counts, read for many entries in one statement."""

from datetime import date

from diary.models import DiaryEntry
from diary.services.diary import entries
from tests.support.factories import make_participant
from tests.support.query_counter import count_queries

DAY, NEXT = date(2026, 3, 10), date(2026, 3, 11)


def test_answers_and_send_counts_come_together_each_with_its_own_entry(session, submit):
    p = make_participant(session, diary_start_date=DAY)
    session.commit()
    submit(p, DAY, "2026-03-10T20:30:00+08:00", {"R1": "participant", "S1": "2"})
    submit(p, DAY, "2026-03-10T21:00:00+08:00", {"R1": "participant", "S1": "4"})
    submit(p, NEXT, "2026-03-11T20:30:00+08:00", {"R1": "caregiver"})
    first, second = (session.query(DiaryEntry).filter_by(participant_id=p.id, diary_date=d)
                     .one().id for d in (DAY, NEXT))
    with count_queries(session) as counter:
        answers, sends = entries.answers_and_sends(session, [first, second], [first, second])
    assert counter.count == 1
    assert answers == {first: {"R1": "participant", "S1": "4"}, second: {"R1": "caregiver"}}
    assert sends == {first: 2, second: 1}
    assert entries.answers_and_sends(session, [second], []) == ({second: {"R1": "caregiver"}},
                                                               {})
    assert entries.answers_and_sends(session, [], [first]) == ({}, {first: 2})
    assert entries.answers_and_sends(session, [], []) == ({}, {})
