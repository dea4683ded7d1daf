"""SQL helpers: INSERT … ON CONFLICT DO NOTHING (in one statement, or through COPY on
PostgreSQL), and column reads on the session's connection."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from diary.models import MessageStatus, OutboundMessage, Participant
from diary.services import sql

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def rows(first: int, count: int) -> list[dict]:
    return [{"idempotency_key": f"p{n}:diary:2026-03-10:evening", "recipient": "participant",
             "to_phone": f"+86139{n:08d}", "to_hash": f"hash{n}", "kind": "daily",
             "locale": "zh", "variant": n % 3, "body": "【卒中日记】请填写今天的日记。",
             "due_at": NOW, "expires_at": NOW + timedelta(hours=3),
             "diary_date": NOW.date(), "local_date": NOW.date(), "status": "pending",
             "attempts": 0, "created_at": NOW, "updated_at": NOW}
            for n in range(first, first + count)]


@pytest.mark.parametrize("count", [3, sql.COPY_FROM + 700])
def test_rows_already_there_are_skipped_and_the_rest_stored_with_their_conversions(
        session, count):
    overlap = count // 3
    sql.insert_ignoring(session, OutboundMessage, rows(0, overlap), ["idempotency_key"])
    inserted = sql.insert_ignoring(session, OutboundMessage, rows(0, count),
                                   ["idempotency_key"], returning=[OutboundMessage.id])
    session.commit()
    assert len(inserted) == count - overlap
    assert session.scalar(select(func.count()).select_from(OutboundMessage)) == count
    last = session.scalar(select(OutboundMessage).where(
        OutboundMessage.idempotency_key == f"p{count - 1}:diary:2026-03-10:evening"))
    assert last.id in {row[0] for row in inserted}
    assert last.to_phone == f"+86139{count - 1:08d}"  # encrypted on the way in, read back
    assert last.status == MessageStatus.PENDING
    assert last.due_at == NOW
    stored = session.scalars(text("SELECT to_phone FROM outbound_message")).all()
    assert len(stored) == count
    assert not any(phone.startswith("+86") for phone in stored)  # ciphertext, never the number


def test_the_same_rows_twice_in_one_transaction(session):
    many = rows(0, sql.COPY_FROM + 10)
    first = sql.insert_ignoring(session, OutboundMessage, many, ["idempotency_key"],
                                returning=[OutboundMessage.id])
    again = sql.insert_ignoring(session, OutboundMessage, many, ["idempotency_key"],
                                returning=[OutboundMessage.id])
    assert (len(first), len(again)) == (len(many), 0)


def test_a_column_read_sees_what_the_session_has_not_flushed_yet(session):
    from tests.support.factories import make_participant

    person = make_participant(session)
    session.commit()
    person.locale = "en"  # pending in the session, as in a request that saves, then reads
    found = sql.rows(session, select(Participant.locale).where(Participant.id == person.id))
    assert found.scalar_one() == "en"
    session.rollback()
