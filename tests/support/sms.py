"""SMS fixtures (a pytest plugin): the console gateway, a Twilio-compatible server, the real SDK."""

from datetime import UTC, datetime

import pytest

from diary.models import Originator
from diary.rules.deployment import Rules
from diary.services.diary import entries
from diary.services.tick import ticking
from diary.sms import ConsoleGateway
from diary.sms.twilio import TwilioGateway
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
