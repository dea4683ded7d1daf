"""SMS fixtures (a pytest plugin): the console gateway, Twilio-, Alibaba- and Tencent-compatible
servers on 127.0.0.1, and the real SDKs talking to them."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from diary.models import Originator
from diary.rules.deployment import Rules
from diary.services.diary import entries
from diary.services.tick import ticking
from diary.sms import ConsoleGateway, gateway_from_config
from diary.sms.twilio import TwilioGateway
from tests.support.aliyun_fake import FakeAliyun
from tests.support.tencent_fake import FakeTencent
from tests.support.twilio_fake import FakeTwilio

FROM_NUMBER = "+15005550006"


@pytest.fixture
def rules(app):
    return Rules.from_config(app.config)


@pytest.fixture
def sms_outbox():
    """The console gateway: what the tick would have sent, in this process."""
    return ConsoleGateway()


@pytest.fixture
def fake_twilio():
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def twilio_gateway(fake_twilio):
    gateway = TwilioGateway(fake_twilio.account_sid, fake_twilio.auth_token,
                            from_number=FROM_NUMBER, base_url=fake_twilio.base_url, timeout=2)
    yield gateway
    gateway.client.http_client.session.close()


@pytest.fixture
def run_tick(session, clock, rules, sms_outbox):
    """Move the clock to a local or UTC instant and tick there; returns the report."""

    def run(iso: str | None = None, gateway=None, tick_rules=None) -> dict:
        if iso is not None:
            clock.set(iso)
        report = ticking.tick(session, clock(), gateway or sms_outbox, tick_rules or rules)
        session.commit()
        return report

    return run


@pytest.fixture
def submit(session, clock):
    """Submit a participant's diary day through the real service at an instant."""
    counter = iter(range(1, 10**9))

    def send(participant, day, iso: str, answers: dict | None = None):
        now = clock.set(iso)
        result = entries.submit(session, participant, day, answers or {"R1": "participant"},
                                entries.Author(participant, Originator.PARTICIPANT),
                                f"token-{participant.id}-{next(counter)}", now)
        session.commit()
        return result

    return send


def utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


def sent_to(gateway, phone: str) -> list[str]:
    """Bodies the console gateway sent to one number, oldest first."""
    return [m.body for m in gateway.sent if m.to == phone]


CALLBACK_TOKEN = "callback-test-token"


@dataclass
class Mainland:
    """One mainland provider under test: its fake, the real-SDK gateway, its settings."""

    name: str
    fake: Any
    gateway: Any
    config: dict
    receipt_path: str
    reply_path: str
    limit_code: str
    invalid_code: str

    def reply(self, phone: str, text: str, n: int = 1) -> dict | list:
        """The body the provider pushes for a reply from the number."""
        if self.name == "aliyun":
            return [{"phone_number": phone.removeprefix("+86"), "send_time": "2026-03-10 20:05:00",
                     "content": text, "sign_name": self.fake.sign_name, "dest_code": "",
                     "sequence_id": 9000 + n}]
        return {"extend": "", "mobile": phone.removeprefix("+86"), "nationcode": "86",
                "sign": self.fake.sign_name, "text": text, "time": 1773144300 + n}


def mainland_config(name: str, fake) -> dict:
    """The settings that point the real SDK at the fake."""
    if name == "aliyun":
        return {"DIARY_SMS_BACKEND": "aliyun", "ALIBABA_CLOUD_ACCESS_KEY_ID": fake.access_key_id,
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET": fake.access_key_secret,
                "DIARY_ALIYUN_SIGN_NAME": fake.sign_name, "DIARY_ALIYUN_ENDPOINT": fake.endpoint,
                "DIARY_SMS_CALLBACK_TOKEN": CALLBACK_TOKEN}
    return {"DIARY_SMS_BACKEND": "tencent", "TENCENTCLOUD_SECRET_ID": fake.secret_id,
            "TENCENTCLOUD_SECRET_KEY": fake.secret_key, "DIARY_TENCENT_SMS_APP_ID": fake.app_id,
            "DIARY_TENCENT_SIGN_NAME": fake.sign_name, "DIARY_TENCENT_ENDPOINT": fake.endpoint,
            "DIARY_SMS_CALLBACK_TOKEN": CALLBACK_TOKEN}


@pytest.fixture(params=["aliyun", "tencent"])
def mainland(request, app, clock):
    """Alibaba, then Tencent: a compatible server on 127.0.0.1 and the gateway built from config."""
    fake = (FakeAliyun() if request.param == "aliyun" else FakeTencent()).start()
    fake.now = clock
    config = mainland_config(request.param, fake)
    app.config.update(config)
    gateway = gateway_from_config({**config, "DIARY_SMS_HTTP_TIMEOUT_SECONDS": 2})
    codes = {"aliyun": ("/sms/aliyun/report", "/sms/aliyun/inbound",
                        "isv.BUSINESS_LIMIT_CONTROL", "isv.MOBILE_NUMBER_ILLEGAL"),
             "tencent": ("/sms/tencent/status", "/sms/tencent/inbound",
                         "LimitExceeded.PhoneNumberDailyLimit",
                         "InvalidParameterValue.IncorrectPhoneNumber")}[request.param]
    yield Mainland(request.param, fake, gateway, config, *codes)
    fake.stop()
