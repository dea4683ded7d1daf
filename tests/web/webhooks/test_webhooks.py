"""Twilio webhooks: signed or refused; status reports move forward only; STOP, START, HELP."""

from datetime import date

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from diary.models import (
    AuditEvent,
    Flag,
    FlagKind,
    InboundMessage,
    MessageEvent,
    MessageStatus,
    OutboundMessage,
    PhoneState,
)
from diary.services.messaging import inbound
from tests.support.factories import make_caregiver, make_participant
from tests.support.sms import sent_to

TOKEN = "webhook-test-token"
PUBLIC = "http://127.0.0.1:5000"
DAY = date(2026, 3, 10)


@pytest.fixture
def signed_post(app, client):
    """POST a form to a webhook with a valid X-Twilio-Signature (or the one given)."""
    app.config["TWILIO_AUTH_TOKEN"] = TOKEN

    def post(path: str, form: dict, signature: str | None = None):
        valid = RequestValidator(TOKEN).compute_signature(PUBLIC + path, form)
        headers = {} if signature == "" else {"X-Twilio-Signature": signature or valid}
        return client.post(path, data=form, headers=headers)

    return post


@pytest.fixture
def sent_message(session, run_tick):
    """A participant with one reminder handed to the provider as SMfake1."""
    p = make_participant(session, diary_start_date=DAY)
    session.commit()
    run_tick("2026-03-10T20:00:00+08:00")
    message = session.scalars(select(OutboundMessage)).one()
    message.provider_sid, message.status = "SMfake1", MessageStatus.QUEUED
    session.commit()
    return p, message


def status_of(session, message) -> MessageStatus:
    session.expire_all()
    return session.get(OutboundMessage, message.id).status


@pytest.mark.parametrize("signature", ["", "bm90IHRoZSByaWdodCBvbmU="])
def test_status_without_a_valid_signature_is_refused(session, signed_post, sent_message,
                                                     signature):
    _, message = sent_message
    response = signed_post("/sms/status", {"MessageSid": "SMfake1",
                                           "MessageStatus": "delivered"}, signature)
    assert response.status_code == 403
    assert status_of(session, message) == MessageStatus.QUEUED


def test_signature_for_another_address_is_refused(session, app, client, sent_message):
    app.config["TWILIO_AUTH_TOKEN"] = TOKEN
    form = {"MessageSid": "SMfake1", "MessageStatus": "delivered"}
    other = RequestValidator(TOKEN).compute_signature("https://evil.example/sms/status", form)
    response = client.post("/sms/status", data=form, headers={"X-Twilio-Signature": other})
    assert response.status_code == 403


def test_webhooks_refuse_everything_without_a_configured_token(app, client):
    app.config["TWILIO_AUTH_TOKEN"] = None
    response = client.post("/sms/inbound", data={"MessageSid": "SM1", "From": "+1555",
                                                 "Body": "STOP"},
                           headers={"X-Twilio-Signature": "anything"})
    assert response.status_code == 403


def test_status_updates_are_idempotent_and_never_move_backwards(session, signed_post,
                                                                sent_message):
    _, message = sent_message
    delivered = {"MessageSid": "SMfake1", "MessageStatus": "delivered"}
    assert signed_post("/sms/status", delivered).status_code == 204
    assert signed_post("/sms/status", delivered).status_code == 204
    assert signed_post("/sms/status", {"MessageSid": "SMfake1",
                                       "MessageStatus": "queued"}).status_code == 204
    assert status_of(session, message) == MessageStatus.DELIVERED
    recorded = list(session.scalars(select(MessageEvent.status).where(
        MessageEvent.message_id == message.id).order_by(MessageEvent.id)))
    assert recorded == ["sending", "sent", "delivered", "queued"]


def test_status_for_an_unknown_message_changes_nothing(session, signed_post):
    response = signed_post("/sms/status", {"MessageSid": "SMnobody",
                                           "MessageStatus": "delivered"})
    assert response.status_code == 204
    assert session.scalar(select(func.count()).select_from(MessageEvent)) == 0


def test_two_undelivered_in_a_row_flag_the_participant_once(session, signed_post, run_tick,
                                                           sent_message):
    p, first = sent_message
    signed_post("/sms/status", {"MessageSid": "SMfake1", "MessageStatus": "undelivered",
                                "ErrorCode": "30003"})
    run_tick("2026-03-11T09:00:00+08:00")
    second = session.scalars(select(OutboundMessage).where(
        OutboundMessage.id != first.id)).one()
    second.provider_sid = "SMfake2"
    session.commit()
    for _ in range(2):
        signed_post("/sms/status", {"MessageSid": "SMfake2", "MessageStatus": "undelivered",
                                    "ErrorCode": "30003"})
    flags = list(session.scalars(select(Flag).where(Flag.kind == FlagKind.UNREACHABLE)))
    assert [(f.participant_id, f.detail) for f in flags] == [
        (p.id, "unreachable:participant:undelivered")]
    state = session.scalar(select(PhoneState).where(PhoneState.phone_hash == p.phone_hash))
    assert state.undelivered_in_row == 2


def test_delivered_resets_the_undelivered_count(session, signed_post, sent_message):
    p, _ = sent_message
    signed_post("/sms/status", {"MessageSid": "SMfake1", "MessageStatus": "delivered"})
    state = session.scalar(select(PhoneState).where(PhoneState.phone_hash == p.phone_hash))
    assert state.undelivered_in_row == 0


@pytest.mark.parametrize("word", ["STOP", "stop", " Unsubscribe ", "退订", "TD", "退订。"])
def test_stop_words_opt_the_number_out_audited_and_visible_to_staff(
        session, signed_post, run_tick, sms_outbox, word):
    p = make_participant(session, diary_start_date=DAY)
    session.commit()
    response = signed_post("/sms/inbound", {"MessageSid": "SMin1", "From": p.phone,
                                            "Body": word})
    assert response.status_code == 200
    assert "<Response>" in response.get_data(as_text=True)
    state = session.scalar(select(PhoneState).where(PhoneState.phone_hash == p.phone_hash))
    assert state.opted_out_at is not None
    assert session.scalar(select(AuditEvent.participant_id).where(
        AuditEvent.action == "sms.opt_out")) == p.id
    assert session.scalar(select(Flag.kind).where(Flag.participant_id == p.id)) == (
        FlagKind.UNREACHABLE)
    run_tick("2026-03-10T20:00:00+08:00")
    assert sms_outbox.sent == []


def test_start_resumes_messages(session, signed_post, run_tick, sms_outbox):
    p = make_participant(session, diary_start_date=DAY)
    session.commit()
    signed_post("/sms/inbound", {"MessageSid": "SMin1", "From": p.phone, "Body": "STOP"})
    signed_post("/sms/inbound", {"MessageSid": "SMin2", "From": p.phone, "Body": "START"})
    assert session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "sms.opt_in")) == "sms.opt_in"
    run_tick("2026-03-10T20:00:00+08:00")
    assert len(sent_to(sms_outbox, p.phone)) == 1


def test_help_gets_a_short_reply_in_the_senders_language(session, signed_post, run_tick,
                                                        sms_outbox):
    p = make_participant(session, diary_start_date=DAY)
    carer = make_caregiver(session, p, locale="en", phone="+447700900002")
    session.commit()
    signed_post("/sms/inbound", {"MessageSid": "SMin1", "From": p.phone, "Body": "help"})
    signed_post("/sms/inbound", {"MessageSid": "SMin2", "From": carer.phone, "Body": "HELP"})
    signed_post("/sms/inbound", {"MessageSid": "SMin3", "From": "+8613700000000",
                                 "Body": "帮助"})
    run_tick("2026-03-10T12:01:00+08:00")
    assert sent_to(sms_outbox, p.phone)[0].startswith("【研究日记】")
    assert sent_to(sms_outbox, carer.phone)[0].startswith("[Study Diary]")
    assert "STOP" in sent_to(sms_outbox, carer.phone)[0]
    assert sent_to(sms_outbox, "+8613700000000")[0].startswith("【研究日记】")


def test_other_replies_are_stored_once_and_shown_to_staff(session, signed_post):
    p = make_participant(session, diary_start_date=DAY)
    session.commit()
    form = {"MessageSid": "SMin9", "From": p.phone, "Body": "今天头有点晕"}
    signed_post("/sms/inbound", form)
    signed_post("/sms/inbound", form)  # Twilio retried the webhook
    [stored] = session.scalars(select(InboundMessage)).all()
    assert (stored.keyword, stored.participant_id, stored.body) == ("other", p.id, "今天头有点晕")
    assert [m.id for m in inbound.unseen(session, [p.site_id])] == [stored.id]


def test_webhooks_need_no_csrf_token(app, signed_post):
    app.config["WTF_CSRF_ENABLED"] = True
    response = signed_post("/sms/inbound", {"MessageSid": "SMin1", "From": "+15550001111",
                                            "Body": "hello"})
    assert response.status_code == 200
