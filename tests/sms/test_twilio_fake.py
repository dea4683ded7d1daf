"""Tests for the fake Twilio server, driven by the real twilio SDK over HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from tests.support.twilio_fake import FakeTwilio

TO, OTHER, FROM = "+15551230001", "+15551230002", "+15550000000"


def make_client(base_url: str, account_sid: str, auth_token: str, timeout: float = 5.0) -> Client:
    """Build a real SDK client whose Api domain (api.twilio.com) points at base_url."""
    client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
    client.api.base_url = base_url  # Domain.absolute_url() = base_url + "/2010-04-01/..."
    return client


class RedirectingHttpClient(TwilioHttpClient):
    """Alternative: rewrite every https://*.twilio.com URL to base_url at the HTTP layer."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        """Remember the replacement root URL."""
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        """Send the request to base_url instead of Twilio."""
        url = re.sub(r"^https://[\w.-]+\.twilio\.com", self.base_url, url)
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def new_client(fake: FakeTwilio) -> Iterator[Callable[..., Client]]:
    clients: list[Client] = []

    def factory(token: str | None = None, timeout: float = 2.0) -> Client:
        client = make_client(fake.base_url, fake.account_sid, token or fake.auth_token, timeout)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.http_client.session.close()


@pytest.fixture
def client(new_client: Callable[..., Client]) -> Client:
    return new_client()


def test_create_returns_sid_and_records(fake: FakeTwilio, client: Client) -> None:
    msg = client.messages.create(to=TO, from_=FROM, body="hi", status_callback="http://app/cb")
    assert re.fullmatch(r"SM[0-9a-f]{32}", msg.sid)
    assert (msg.status, msg.to, msg.from_, msg.num_segments) == ("queued", TO, FROM, "1")
    assert (msg.error_code, msg.date_created.year > 2000) == (None, True)
    [stored] = fake.messages
    assert (stored["sid"], stored["status_callback"]) == (msg.sid, "http://app/cb")
    assert fake.requests[0]["form"]["Body"] == "hi"
    assert client.messages(msg.sid).fetch().body == "hi"


def test_messaging_service_is_accepted(client: Client) -> None:
    msg = client.messages.create(to=TO, messaging_service_sid="MG" + "0" * 32, body="x" * 161)
    assert (msg.status, msg.from_, msg.num_segments) == ("accepted", None, "2")


def test_list_filtered_by_to_newest_first(client: Client) -> None:
    sids = [client.messages.create(to=t, from_=FROM, body="b").sid for t in (TO, OTHER, TO)]
    listed = client.messages.list(to=TO)
    assert [m.sid for m in listed] == [sids[2], sids[0]]
    assert [m.sid for m in client.messages.list(to=TO, page_size=1)] == [sids[2], sids[0]]
    assert len(client.messages.list(date_sent_after="2000-01-01")) == 3


def test_fetch_unknown_is_404(client: Client) -> None:
    with pytest.raises(TwilioRestException) as exc:
        client.messages("SM" + "0" * 32).fetch()
    assert (exc.value.status, exc.value.code) == (404, 20404)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to": "", "from_": FROM, "body": "b"}, 21604),
        ({"to": TO, "from_": FROM}, 21602),
        ({"to": TO, "body": "b"}, 21603),
        ({"to": "+15550000999", "from_": FROM, "body": "b"}, 21211),
        ({"to": "not-a-number", "from_": FROM, "body": "b"}, 21211),
        ({"to": "+15550000888", "from_": FROM, "body": "b"}, 21610),
    ],
)
def test_validation_errors(
    fake: FakeTwilio, client: Client, kwargs: dict[str, str], code: int
) -> None:
    fake.invalid_numbers.add("+15550000999")
    fake.opted_out.add("+15550000888")
    with pytest.raises(TwilioRestException) as exc:
        client.messages.create(**kwargs)
    assert (exc.value.status, exc.value.code) == (400, code)
    assert fake.messages == []


@pytest.mark.parametrize(("status", "code"), [(500, 20500), (429, 20429), (503, 20503)])
def test_fail_next(fake: FakeTwilio, client: Client, status: int, code: int) -> None:
    fake.fail_next(2, status=status)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as exc:
            client.messages.create(to=TO, from_=FROM, body="b")
        assert (exc.value.status, exc.value.code) == (status, code)
    assert fake.messages == []
    client.messages.create(to=TO, from_=FROM, body="b")
    assert len(fake.messages) == 1


def test_timeout_records_message(fake: FakeTwilio, new_client: Callable[..., Client]) -> None:
    fake.timeout_next(1, seconds=5)
    client = new_client(timeout=0.3)
    with pytest.raises(requests.exceptions.Timeout):
        client.messages.create(to=TO, from_=FROM, body="b")
    assert len(fake.messages) == 1
    client.messages.create(to=TO, from_=FROM, body="again")
    assert len(fake.messages) == 2


def test_latency_applies_to_all_responses(
    fake: FakeTwilio, new_client: Callable[..., Client]
) -> None:
    fake.latency(0.5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        new_client(timeout=0.1).messages.list()


def test_fail_rate_is_deterministic(fake: FakeTwilio, client: Client) -> None:
    def run() -> list[int]:
        fake.reset()
        fake.fail_rate(0.5, seed=7)
        outcome = []
        for _ in range(20):
            try:
                outcome.append(201 if client.messages.create(to=TO, from_=FROM, body="b") else 0)
            except TwilioRestException as exc:
                outcome.append(exc.status)
        return outcome

    first = run()
    assert first == run()
    assert set(first) == {201, 500}
    assert len(fake.messages) == first.count(201)


def test_set_status(fake: FakeTwilio, client: Client) -> None:
    sid = client.messages.create(to=TO, from_=FROM, body="b").sid
    fake.set_status(sid, "undelivered", error_code=30003)
    got = client.messages(sid).fetch()
    assert (got.status, got.error_code, got.date_sent is not None) == ("undelivered", 30003, True)
    with pytest.raises(KeyError):
        fake.set_status("SMnope", "sent")


def test_bad_auth_is_401(fake: FakeTwilio, new_client: Callable[..., Client]) -> None:
    with pytest.raises(TwilioRestException) as exc:
        new_client(token="wrong").messages.create(to=TO, from_=FROM, body="b")
    assert (exc.value.status, exc.value.code) == (401, 20003)
    assert (fake.messages, fake.requests[0]["status"]) == ([], 401)


def test_redirecting_http_client_alternative(fake: FakeTwilio) -> None:
    http = RedirectingHttpClient(fake.base_url, timeout=2)
    client = Client(fake.account_sid, fake.auth_token, http_client=http)
    try:
        assert client.messages.create(to=TO, from_=FROM, body="b").sid.startswith("SM")
    finally:
        http.session.close()
