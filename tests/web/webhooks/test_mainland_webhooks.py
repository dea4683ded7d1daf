"""Alibaba and Tencent pushes over HTTP: receipts and replies behind the URL token; receipts
that never come are looked up by the tick."""

from datetime import date

import pytest
from sqlalchemy import func, select

from diary.models import (
    InboundMessage,
    MessageEvent,
    MessageStatus,
    OutboundMessage,
    PhoneState,
)
from diary.services.messaging import inbound
from tests.support.factories import make_participant
from tests.support.sms import CALLBACK_TOKEN

DAY = date(2026, 3, 10)
EVENING = "2026-03-10T20:00:00+08:00"
ANSWERS = {"aliyun": {"code": 0, "msg": "成功"}, "tencent": {"result": 0, "errmsg": "OK"}}


@pytest.fixture
def sent(session, run_tick, mainland):
    """A participant whose evening reminder the provider accepted."""
    p = make_participant(session, diary_start_date=DAY)
    session.commit()
    mainland.fake.auto_receipt = False
    run_tick(EVENING, gateway=mainland.gateway)
    [message] = mainland.fake.messages
    return p, message


def row(session) -> OutboundMessage:
    session.expire_all()
    return session.scalars(select(OutboundMessage)).one()


def push(client, path: str, body, token: str | None = CALLBACK_TOKEN):
    return client.post(path if token is None else f"{path}?token={token}", json=body)


def receipts(mainland, message) -> list:
    return [mainland.fake.receipt(message["sid"])]


def test_a_pushed_receipt_marks_the_message_delivered(session, client, mainland, sent):
    _, message = sent
    mainland.fake.set_status(message["sid"], "delivered")
    response = push(client, mainland.receipt_path, receipts(mainland, message))
    assert (response.status_code, response.get_json()) == (200, ANSWERS[mainland.name])
    assert row(session).status == MessageStatus.DELIVERED


@pytest.mark.parametrize("token", [None, "", "not-the-token", CALLBACK_TOKEN + "x"])
def test_a_push_without_the_right_token_is_refused_and_changes_nothing(
        session, client, mainland, sent, token):
    _, message = sent
    mainland.fake.set_status(message["sid"], "delivered")
    assert push(client, mainland.receipt_path, receipts(mainland, message),
                token).status_code == 403
    assert push(client, mainland.reply_path, mainland.reply(sent[0].phone, "退订"),
                token).status_code == 403
    assert row(session).status == MessageStatus.SENT
    assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_pushes_are_refused_when_no_token_is_configured(app, client, mainland, sent):
    app.config["DIARY_SMS_CALLBACK_TOKEN"] = ""
    assert push(client, mainland.receipt_path, [], token="").status_code == 403


@pytest.mark.parametrize("body", [[], {}, [1], "text", [{"nothing": "here"}]])
def test_a_malformed_push_is_a_400_not_a_500(client, mainland, body):
    assert push(client, mainland.receipt_path, body).status_code == 400
    assert push(client, mainland.reply_path, body).status_code == 400


def test_undelivered_receipts_keep_the_provider_code_and_flag_after_two(
        session, client, run_tick, mainland, sent):
    p, first = sent
    mainland.fake.set_status(first["sid"], "undelivered", "MK:0001")
    push(client, mainland.receipt_path, receipts(mainland, first))
    push(client, mainland.receipt_path, receipts(mainland, first))  # pushed again: once
    message = row(session)
    assert (message.status, message.error_code) in (
        (MessageStatus.UNDELIVERED, "MK:0001"),)
    events = list(session.scalars(select(MessageEvent.error_code).where(
        MessageEvent.status == "undelivered")))
    assert events == ["MK:0001"]
    state = session.scalar(select(PhoneState).where(PhoneState.phone_hash == p.phone_hash))
    assert state.undelivered_in_row == 1


def test_a_receipt_is_polled_when_none_was_pushed(session, run_tick, mainland, sent):
    _, message = sent
    mainland.fake.set_status(message["sid"], "delivered")
    report = run_tick("2026-03-10T20:20:00+08:00", gateway=mainland.gateway)
    assert "receipt_polled" not in report["reconciled"]  # not yet overdue
    report = run_tick("2026-03-10T20:31:00+08:00", gateway=mainland.gateway)
    assert report["reconciled"]["receipt_polled"] == 1
    assert row(session).status == MessageStatus.DELIVERED
    report = run_tick("2026-03-10T21:05:00+08:00", gateway=mainland.gateway)
    assert "receipt_polled" not in report["reconciled"]  # settled: not looked up again


def test_a_receipt_still_missing_is_looked_up_again_only_after_the_wait(
        session, run_tick, mainland, sent):
    assert run_tick("2026-03-10T20:31:00+08:00",
                    gateway=mainland.gateway)["reconciled"] == {"no_receipt_yet": 1}
    assert run_tick("2026-03-10T20:45:00+08:00", gateway=mainland.gateway)["reconciled"] == {}
    assert run_tick("2026-03-10T21:02:00+08:00",
                    gateway=mainland.gateway)["reconciled"] == {"no_receipt_yet": 1}
    assert row(session).status == MessageStatus.SENT


@pytest.mark.parametrize("word", ["退订", "TD", "T", "N", "STOP", "td", " 退订。"])
def test_stop_words_by_reply_opt_the_number_out(session, client, mainland, sent, word):
    p, _ = sent
    response = push(client, mainland.reply_path, mainland.reply(p.phone, word))
    assert (response.status_code, response.get_json()) == (200, ANSWERS[mainland.name])
    state = session.scalar(select(PhoneState).where(PhoneState.phone_hash == p.phone_hash))
    assert state.opted_out_at is not None
    [reply] = session.scalars(select(InboundMessage)).all()
    assert (reply.participant_id, reply.keyword, reply.from_phone) == (p.id, "stop", p.phone)


def test_start_resumes_and_a_repeated_push_is_stored_once(session, client, mainland, sent):
    p, _ = sent
    push(client, mainland.reply_path, mainland.reply(p.phone, "退订", n=1))
    push(client, mainland.reply_path, mainland.reply(p.phone, "START", n=2))
    push(client, mainland.reply_path, mainland.reply(p.phone, "START", n=2))
    session.expire_all()
    state = session.scalar(select(PhoneState).where(PhoneState.phone_hash == p.phone_hash))
    assert state.opted_out_at is None
    assert session.scalar(select(func.count()).select_from(InboundMessage)) == 2


def test_help_is_answered_and_other_replies_reach_staff(session, client, run_tick, mainland,
                                                        sent):
    p, _ = sent
    push(client, mainland.reply_path, mainland.reply(p.phone, "HELP", n=1))
    push(client, mainland.reply_path, mainland.reply(p.phone, "我明天要去医院复查", n=2))
    run_tick("2026-03-10T20:06:00+08:00", gateway=mainland.gateway)
    help_rows = session.scalars(select(OutboundMessage).where(
        OutboundMessage.kind == "help")).all()
    assert [r.status for r in help_rows] == [MessageStatus.SENT]
    assert mainland.fake.messages[-1]["to"] == p.phone
    [other] = inbound.unseen(session, [p.site_id])[-1:]
    assert (other.keyword, other.body) == ("other", "我明天要去医院复查")


def test_a_send_found_by_its_reference_takes_its_id_from_the_receipt(session, client, run_tick,
                                                                     mainland):
    make_participant(session, diary_start_date=DAY)
    session.commit()
    mainland.fake.auto_receipt = False
    mainland.fake.timeout_next(1, seconds=3)
    run_tick(EVENING, gateway=mainland.gateway)  # no answer: unknown
    if mainland.name == "tencent":  # Tencent lists it only with its receipt
        mainland.fake.set_status(mainland.fake.messages[0]["sid"], "delivered")
    assert run_tick("2026-03-10T20:01:00+08:00",
                    gateway=mainland.gateway)["reconciled"] == {"found": 1}
    [message] = mainland.fake.messages
    mainland.fake.set_status(message["sid"], "delivered")
    assert push(client, mainland.receipt_path, receipts(mainland, message)).status_code == 200
    found = row(session)
    assert (found.provider_sid, found.status) == (message["sid"], MessageStatus.DELIVERED)
    assert len(mainland.fake.sends) == 1
