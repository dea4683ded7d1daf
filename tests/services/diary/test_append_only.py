"""Submissions and answer revisions are append-only at the database, like the audit trail."""

from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from diary.models import AnswerRevision, Submission
from tests.support.factories import make_participant

DAY = date(2026, 3, 10)
REFUSED = [
    "UPDATE submission SET reason = 'rewritten'",
    "UPDATE submission SET token = 'forged'",
    "DELETE FROM submission",
    "UPDATE answer_revision SET old_value = 'rewritten'",
    "UPDATE answer_revision SET new_value = NULL",
    "DELETE FROM answer_revision",
]


@pytest.fixture
def amended(session, submit):
    """A day sent, then amended: two submissions and a revision of each changed answer."""
    p = make_participant(session, diary_start_date=DAY)
    session.commit()
    submit(p, DAY, "2026-03-10T20:30:00+08:00", {"R1": "participant", "S1": "2"})
    submit(p, DAY, "2026-03-10T21:00:00+08:00", {"R1": "participant", "S1": "4"})
    return p


def counts(session) -> tuple[int, int]:
    return (session.scalar(select(func.count()).select_from(Submission)),
            session.scalar(select(func.count()).select_from(AnswerRevision)))


def test_amending_a_day_only_appends_submissions_and_revisions(session, amended):
    assert counts(session) == (2, 1)
    [revision] = session.scalars(select(AnswerRevision)).all()
    assert (revision.item_id, revision.old_value, revision.new_value) == ("S1", "2", "4")


@pytest.mark.parametrize("statement", REFUSED)
def test_stored_submissions_and_revisions_refuse_update_and_delete(session, amended, statement):
    before = [tuple(r) for r in session.execute(sa.text(
        "SELECT id, token, reason FROM submission ORDER BY id"))]
    session.commit()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        session.execute(sa.text(statement))
    session.rollback()
    assert counts(session) == (2, 1)
    assert [tuple(r) for r in session.execute(sa.text(
        "SELECT id, token, reason FROM submission ORDER BY id"))] == before


def test_the_orm_cannot_rewrite_a_revision_either(session, amended):
    revision = session.scalar(select(AnswerRevision))
    revision.new_value = "0"
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        session.commit()
    session.rollback()
    assert session.scalar(select(AnswerRevision.new_value)) == "4"


def test_the_migration_adds_and_removes_the_triggers(app, session, amended):
    session.commit()
    session.close()
    downgrade(revision="0002_sessions_and_lockout")
    session.execute(sa.text("UPDATE submission SET reason = 'allowed without the triggers'"))
    session.rollback()
    session.close()
    upgrade()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        session.execute(sa.text("DELETE FROM answer_revision"))
    session.rollback()
