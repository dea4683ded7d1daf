"""The scheduler process and the CLI run the same tick with the configured gateway."""

from datetime import date

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from diary import sms
from diary.models import MessageStatus, OutboundMessage
from diary.sms.twilio import TwilioGateway
from jobs import scheduler
from tests.support.factories import make_participant


def test_scheduler_has_one_fixed_job_that_cannot_pile_up(app, sms_outbox):
    built = scheduler.build(app, sms_outbox)
    [job] = built.get_jobs()
    assert job.id == scheduler.JOB_ID
    assert isinstance(job.trigger, CronTrigger)
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 50)
    assert str(built.timezone) == "UTC"
    assert str(job.trigger.fields[-1]) == "0"


def test_scheduler_job_runs_the_tick_at_the_current_instant(app, session, clock, sms_outbox):
    p = make_participant(session, diary_start_date=date(2026, 3, 10))
    session.commit()
    clock.set("2026-03-10T20:00:00+08:00")
    report = scheduler.run_tick(app, sms_outbox)
    assert report["delivery"] == {"accepted": 1}
    assert [m.to for m in sms_outbox.sent] == [p.phone]


def test_cli_tick_travels_to_the_given_instant(app, session):
    make_participant(session, diary_start_date=date(2026, 3, 10))
    session.commit()
    result = app.test_cli_runner().invoke(args=["diary", "tick", "--now",
                                                "2026-03-10T12:00:00Z"])
    assert result.exit_code == 0, result.output
    assert "'delivery': {'accepted': 1}" in result.output
    assert session.scalar(select(OutboundMessage.status)) == MessageStatus.SENT


def test_cli_tick_rejects_a_bad_instant(app):
    result = app.test_cli_runner().invoke(args=["diary", "tick", "--now", "yesterday"])
    assert result.exit_code != 0
    assert "ISO-8601" in result.output


def test_gateway_factory_follows_the_backend_setting():
    assert isinstance(sms.gateway_from_config({"DIARY_SMS_BACKEND": "console"}),
                      sms.ConsoleGateway)
    twilio = sms.gateway_from_config({
        "DIARY_SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM_NUMBER": "+15005550006",
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9", "DIARY_SMS_HTTP_TIMEOUT_SECONDS": 3})
    assert isinstance(twilio, TwilioGateway)
    assert twilio.client.api.base_url == "http://127.0.0.1:9"
    assert twilio.client.http_client.timeout == 3
