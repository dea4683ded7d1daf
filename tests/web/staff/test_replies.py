"""SMS replies that need a person: listed for the right site's staff, marked read with a trace."""

from sqlalchemy import select

from diary import crypto
from diary.models import AuditEvent, InboundMessage
from tests.web.staff.conftest import token


def reply(session, participant, body, sid, keyword="other", clock=None):
    message = InboundMessage(provider_sid=sid, from_phone=participant.phone,
                             from_hash=crypto.lookup_hash(participant.phone), body=body,
                             keyword=keyword, participant_id=participant.id,
                             received_at=clock())
    session.add(message)
    session.commit()
    return message


def test_coordinator_reads_replies_of_own_site_only(client, session, login_as, world, clock):
    reply(session, world.ours, "明天我去医院复查", "SM1", clock=clock)
    reply(session, world.theirs, "other site's secret", "SM2", clock=clock)
    login_as(world.coordinator)
    page = client.get("/staff/replies").get_data(as_text=True)
    assert "明天我去医院复查" in page
    assert "other site's secret" not in page


def test_marking_a_reply_read_is_audited_and_scoped(client, session, login_as, world, clock):
    mine = reply(session, world.ours, "call me", "SM3", clock=clock)
    theirs = reply(session, world.theirs, "not yours", "SM4", clock=clock)
    login_as(world.coordinator)
    assert client.post(f"/staff/replies/{theirs.id}/seen", data={
        "csrf_token": token(client, "/staff/replies")}).status_code == 404
    client.post(f"/staff/replies/{mine.id}/seen",
                data={"csrf_token": token(client, "/staff/replies")})
    session.refresh(mine)
    assert mine.seen_at is not None
    assert session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "sms.reply_seen")) == "sms.reply_seen"
    assert "call me" not in client.get("/staff/replies").get_data(as_text=True)


def test_participant_session_cannot_read_replies(client, session, login_as, world):
    login_as(world.ours)
    assert client.get("/staff/replies").status_code == 403
