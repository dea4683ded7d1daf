"""Two phones (the participant's and the caregiver's) sending the same day at the same moment."""

import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from diary.models import DiaryEntry, Draft, Submission
from tests.conftest import csrf
from tests.support.factories import PIN, make_caregiver, make_participant
from tests.support.walker import Walker
from tests.web.participant.test_diary_flow import DAY, seed_yesterday


def phone(app, account, secret=PIN):
    """A client of its own, signed in through the real form."""
    client = app.test_client()
    response = client.post("/login", data={"phone": account.phone, "pin": secret,
                                           "csrf_token": csrf(client)})
    assert response.status_code == 302
    return client


def at_once(*calls):
    """Run the calls in threads released together; returns their responses in order."""
    barrier, answers = threading.Barrier(len(calls)), [None] * len(calls)

    def run(n, call):
        barrier.wait()
        answers[n] = call()

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def two_phones(app, session, clock):
    """A participant and their caregiver, each signed in on a phone of their own."""
    clock.set("2026-03-10T20:30:00+08:00")
    participant = make_participant(session)
    carer = make_caregiver(session, participant)
    seed_yesterday(session, participant)
    session.commit()
    return participant, phone(app, participant), phone(app, carer)


def walk_to_review(walker: Walker) -> None:
    """Every screen of a stable day, stopping at the review page before sending."""
    walker.open(f"/diary/{DAY}/who")
    walker.press({"R1": "participant"})
    walker.press({"action": "none"})
    for shortcut in ("same", "none", "same", "same", "same", "same"):
        walker.press({"action": shortcut})
    assert walker.url.endswith("/review")


def test_two_phones_sending_the_same_day_at_once_store_it_once_without_error(app, session,
                                                                                clock):
    participant, mine, theirs = two_phones(app, session, clock)
    walk_to_review(Walker(mine))
    forms = [(client, {"csrf_token": csrf(client, f"/diary/{DAY}/review"), "token": t * 32,
                       "base": "0"}) for client, t in ((mine, "a"), (theirs, "b"))]
    session.rollback()  # this test's own reads must not hold a snapshot open
    answers = at_once(*[lambda c=c, f=f: c.post(f"/diary/{DAY}/review", data=f)
                        for c, f in forms])
    assert [r.status_code for r in answers] == [302, 302]
    assert session.scalar(select(func.count()).select_from(DiaryEntry).where(
        DiaryEntry.participant_id == participant.id,
        DiaryEntry.diary_date == date.fromisoformat(DAY))) == 1
    assert session.scalar(select(func.count()).select_from(Submission)) == 1


def test_two_phones_saving_the_first_screen_at_once_keep_one_draft(app, session, clock):
    participant, mine, theirs = two_phones(app, session, clock)
    forms = [(client, {"csrf_token": csrf(client, f"/diary/{DAY}/who"), "R1": who})
             for client, who in ((mine, "participant"), (theirs, "caregiver"))]
    session.rollback()
    answers = at_once(*[lambda c=c, f=f: c.post(f"/diary/{DAY}/who", data=f) for c, f in forms])
    assert [r.status_code for r in answers] == [302, 302]
    drafts = session.scalars(select(Draft).where(Draft.participant_id == participant.id)).all()
    assert len(drafts) == 1
    assert drafts[0].answers["R1"] in ("participant", "caregiver")


def test_pages_that_only_read_do_not_wait_for_a_writer(app, session, clock):
    """While another connection holds the write lock, a phone's page still opens at once."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL readers never wait for writers")
    _participant, mine, _theirs = two_phones(app, session, clock)
    session.rollback()
    with session.get_bind().connect() as writer:
        writer.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE: the lock a long save would hold
        started = time.monotonic()
        [home] = at_once(lambda: mine.get("/"))
        waited = time.monotonic() - started
        writer.rollback()
    assert home.status_code == 200
    assert waited < 2  # a writer-mode BEGIN would wait for the lock (busy timeout 10 s)
