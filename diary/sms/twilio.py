"""The Twilio gateway: the real SDK, an HTTP timeout, and error codes mapped to outcomes."""

import logging
from datetime import datetime, timedelta

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from diary.rules import phones
from diary.sms.gateway import (
    INVALID_CODES,
    OPTED_OUT_CODES,
    GatewayError,
    Outcome,
    ProviderMessage,
    SendResult,
    Wording,
)

log = logging.getLogger("diary.sms")
RETRY_CODES = frozenset({"20429"})
RECENT_LIMIT = 50


class TwilioGateway:
    """Sends through Twilio's Messages API (or any Twilio-compatible endpoint)."""

    name = "twilio"
    lists_sends_after = timedelta(0)
    polls_receipts = False

    def __init__(self, account_sid: str, auth_token: str, *, from_number: str | None = None,
                 messaging_service_sid: str | None = None, base_url: str | None = None,
                 timeout: float = 10.0) -> None:
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(
            timeout=timeout))
        if base_url:
            self.client.api.base_url = base_url.rstrip("/")
        self.sender = ({"messaging_service_sid": messaging_service_sid}
                       if messaging_service_sid else {"from_": from_number})
        # The SDK logs query strings (with full numbers) at INFO; keep them out of our logs.
        logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

    def send(self, to: str, body: str, status_callback: str | None,
             wording: Wording | None = None, reference: str | None = None) -> SendResult:
        """Create the message; classify every failure instead of raising."""
        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self.client.messages.create(to=to, body=body, **self.sender, **extra)
        except TwilioRestException as error:
            return _refused(error, to)
        except requests.exceptions.ConnectTimeout:
            return SendResult(Outcome.RETRY)
        except requests.exceptions.ConnectionError as error:
            return SendResult(Outcome.UNKNOWN if _request_left(error) else Outcome.RETRY)
        except (requests.exceptions.RequestException, TwilioException):
            return SendResult(Outcome.UNKNOWN)
        log.info("sms %s to %s: %s", message.sid, phones.mask(to), message.status)
        return SendResult(Outcome.ACCEPTED, sid=message.sid, status=str(message.status))

    def recent(self, to: str, since: datetime) -> list[ProviderMessage]:
        """The newest messages to the number (no date filter: queued ones have no date_sent)."""
        try:
            found = self.client.messages.list(to=to, limit=RECENT_LIMIT)
        except (TwilioException, requests.exceptions.RequestException) as error:
            raise GatewayError(str(error)) from error
        return [ProviderMessage(m.sid, m.to, m.body or "", str(m.status), m.date_created,
                                _code(m.error_code))
                for m in found if m.date_created is None or m.date_created >= since]


def _refused(error: TwilioRestException, to: str) -> SendResult:
    """Map Twilio's HTTP status and error code to what the outbox does next."""
    code, status = _code(error.code), error.status
    log.warning("sms to %s refused: HTTP %s, code %s", phones.mask(to), status, code)
    if code in OPTED_OUT_CODES:
        return SendResult(Outcome.OPTED_OUT, error_code=code)
    if code in INVALID_CODES:
        return SendResult(Outcome.INVALID, error_code=code)
    if status == 429 or code in RETRY_CODES:
        return SendResult(Outcome.RETRY, error_code=code)
    if status >= 500:
        return SendResult(Outcome.UNKNOWN, error_code=code)
    return SendResult(Outcome.FAILED, error_code=code)


def _request_left(error: requests.exceptions.ConnectionError) -> bool:
    """False only when the connection was never made, so the request cannot have arrived."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return not isinstance(reason, NewConnectionError)  # includes failed name look-ups


def _code(code: int | str | None) -> str | None:
    """Twilio's numeric codes, kept as text like every provider's."""
    return None if code is None else str(code)
