"""Alibaba and Tencent through their real SDKs against compatible servers: send, rotation,
the outbox key as the provider's reference, each class of error code, lost answers settled."""

import logging
from datetime import date

import pytest
from sqlalchemy import select

from diary.models import MessageStatus, OutboundMessage, PhoneState
from diary.sms import templates
from tests.support.factories import make_participant

DAY = date(2026, 3, 10)
EVENING = "2026-03-10T20:00:00+08:00"


@pytest.fixture
def participant(session):
    p = make_participant(session, diary_start_date=DAY)
    session.commit()
    return p


def rows(session) -> list[OutboundMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def test_a_reminder_goes_as_template_code_and_parameters_with_the_outbox_key(
        session, run_tick, mainland, participant):
    report = run_tick(EVENING, gateway=mainland.gateway)
    assert report["delivery"] == {"accepted": 1}
    [row], [sent] = rows(session), mainland.fake.messages
    assert sent["to"] == participant.phone
    assert sent["reference"] == row.idempotency_key
    assert (row.provider_sid, row.status) == (sent["sid"], MessageStatus.SENT)
    wid = templates.wording_id(row.kind, row.variant)
    assert sent["template"].upper().endswith(f"{wid}_ZH".upper())
    assert sent["params"] in ({}, [])  # a reminder carries no name, link or symptom
    assert sent["body"] == "【研究日记】" + templates.TEXTS[row.kind]["zh"][row.variant]


def test_consecutive_days_use_distinct_registered_templates(session, run_tick, mainland,
                                                            participant):
    run_tick(EVENING, gateway=mainland.gateway)
    run_tick("2026-03-11T20:00:00+08:00", gateway=mainland.gateway)
    first, second = mainland.fake.messages
    assert first["template"] != second["template"]
    assert first["body"] != second["body"]


def test_the_on_call_alert_carries_the_study_code_as_its_only_parameter(mainland):
    wording = templates.parameters("on_call", "zh", 0, "XW-01-0086")
    result = mainland.gateway.send("+8613900000001", "", None,
                                   _wording("on_call", 0, wording), "site1:on_call:x")
    assert result.outcome == "accepted"
    [sent] = mainland.fake.messages
    assert "XW-01-0086" in sent["body"]
    assert list(sent["params"].values() if isinstance(sent["params"], dict)
                else sent["params"]) == ["XW-01-0086"]


def test_a_per_number_rate_limit_is_retried_later_within_the_rules(session, run_tick, mainland,
                                                                   participant):
    mainland.fake.rate_limited.add(participant.phone)
    assert run_tick(EVENING, gateway=mainland.gateway)["delivery"] == {"retry": 1}
    [row] = rows(session)
    assert (row.status, row.error_code) == (MessageStatus.PENDING, mainland.limit_code)
    assert row.next_attempt_at > row.claimed_at
    mainland.fake.rate_limited.clear()
    run_tick("2026-03-10T20:02:00+08:00", gateway=mainland.gateway)
    assert [m["to"] for m in mainland.fake.messages] == [participant.phone]
    assert rows(session)[0].status == MessageStatus.SENT


def test_an_invalid_number_marks_the_participant_unreachable(session, run_tick, mainland,
                                                            participant):
    mainland.fake.invalid_numbers.add(participant.phone)
    assert run_tick(EVENING, gateway=mainland.gateway)["delivery"] == {"invalid": 1}
    [row] = rows(session)
    assert (row.status, row.error_code) == (MessageStatus.FAILED, mainland.invalid_code)
    state = session.scalar(select(PhoneState).where(
        PhoneState.phone_hash == participant.phone_hash))
    assert state.invalid_at is not None


@pytest.mark.parametrize("trouble", ["credential", "template", "signature"])
def test_a_bad_credential_template_or_signature_fails_loudly_and_is_not_retried(
        session, run_tick, mainland, participant, caplog, trouble):
    if trouble == "credential":
        secret = "access_key_secret" if mainland.name == "aliyun" else "secret_key"
        setattr(mainland.fake, secret, "not-the-one-we-use")
    elif trouble == "template":
        mainland.fake.templates.clear()
    else:
        mainland.fake.sign_name = "另一个签名"
    with caplog.at_level(logging.ERROR, logger="diary.sms"):
        assert run_tick(EVENING, gateway=mainland.gateway)["delivery"] == {"failed": 1}
    [row] = rows(session)
    assert row.status == MessageStatus.FAILED
    assert row.error_code
    assert any(r.levelno == logging.ERROR and row.error_code in r.getMessage()
               for r in caplog.records)
    run_tick("2026-03-10T20:05:00+08:00", gateway=mainland.gateway)
    run_tick("2026-03-10T20:30:00+08:00", gateway=mainland.gateway)
    assert len(mainland.fake.sends) == 1
    assert mainland.fake.messages == []


def test_a_provider_fault_is_looked_up_then_sent_once(session, run_tick, mainland, participant):
    mainland.fake.fail_next(1, status=500)
    assert run_tick(EVENING, gateway=mainland.gateway)["delivery"] == {"unknown": 1}
    # Tencent lists a send only with its receipt: "not listed" means "not sent" after a while.
    later = "2026-03-10T20:07:00+08:00"
    report = run_tick(later, gateway=mainland.gateway)
    assert report["reconciled"]["resend"] == 1
    assert [m["to"] for m in mainland.fake.messages] == [participant.phone]
    assert rows(session)[0].status == MessageStatus.SENT


def test_an_answer_that_never_came_is_found_by_its_reference_not_sent_twice(
        session, run_tick, mainland, participant):
    mainland.fake.timeout_next(1, seconds=3)
    assert run_tick(EVENING, gateway=mainland.gateway)["delivery"] == {"unknown": 1}
    report = run_tick("2026-03-10T20:01:00+08:00", gateway=mainland.gateway)
    assert report["reconciled"].get("found") == 1, report
    [row], [sent] = rows(session), mainland.fake.messages
    assert row.status in (MessageStatus.SENT, MessageStatus.DELIVERED)
    assert len(mainland.fake.sends) == 1
    assert sent["reference"] == row.idempotency_key
    # Alibaba lists no BizId: the reference stands in until the receipt brings it.
    assert row.provider_sid == (sent["sid"] if mainland.name == "tencent"
                                else f"ref:{row.idempotency_key}")


def test_a_parameter_over_the_length_limit_is_refused_before_sending(mainland):
    long_code = "X" * 40
    result = mainland.gateway.send("+8613900000001", "", None, _wording(
        "on_call", 0, templates.parameters("on_call", "zh", 0, long_code)), "k")
    assert (result.outcome, result.error_code) == ("failed", "diary.ParamTooLong")
    assert mainland.fake.sends == []


def _wording(kind, variant, params, lang="zh"):
    from diary.sms.gateway import Wording

    return Wording(kind, variant, lang, params)


def test_one_test_message_to_a_staff_phone_checks_the_configuration(app, mainland):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["diary", "sms-test", "--to", "+8613900000099"])
    assert result.exit_code == 0, result.output
    [sent] = mainland.fake.messages
    assert result.output.startswith(f"accepted: id {sent['sid']}")
    assert sent["to"] == "+8613900000099"
    mainland.fake.templates.clear()
    failed = runner.invoke(args=["diary", "sms-test", "--to", "+8613900000099"])
    assert failed.exit_code == 1
    assert "failed" in failed.output
