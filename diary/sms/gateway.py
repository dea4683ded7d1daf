"""The small protocol every SMS gateway follows, and what a send can come back with."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

# Provider error codes that say something lasting about the number (Twilio, Alibaba, Tencent).
OPTED_OUT_CODES = frozenset({"21610", "FailedOperation.PhoneNumberInBlacklist"})
INVALID_CODES = frozenset({"21211", "21614", "isv.MOBILE_NUMBER_ILLEGAL",
                           "InvalidParameterValue.IncorrectPhoneNumber"})


class Outcome:
    """What happened to one send request, as the outbox needs to know it."""

    ACCEPTED = "accepted"    # the provider took it (sid and status given)
    RETRY = "retry"          # refused before sending (429, rate limit, no connection): later
    UNKNOWN = "unknown"      # the request left but no clear answer: reconcile before retrying
    OPTED_OUT = "opted_out"  # the number unsubscribed (Twilio 21610, Tencent blacklist)
    INVALID = "invalid"      # not a valid mobile number
    FAILED = "failed"        # refused for another reason (credential, template): do not retry


@dataclass(frozen=True)
class Wording:
    """Which registered template a message uses, and the values of its parameters."""

    kind: str
    variant: int
    language: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SendResult:
    outcome: str
    sid: str | None = None
    status: str | None = None
    error_code: str | None = None


@dataclass(frozen=True)
class ProviderMessage:
    """A message as the provider lists it; `reference` is the idempotency key we sent."""

    sid: str
    to: str
    body: str
    status: str
    created_at: datetime | None
    error_code: str | None = None
    reference: str | None = None


class GatewayError(RuntimeError):
    """The provider could not be asked (listing failed); try again on a later tick."""


class Gateway(Protocol):
    """Send one SMS; list a number's recent messages to reconcile an unknown send.

    `lists_sends_after`: how long after a send the provider is sure to list it (Tencent lists
    a message only once its receipt is in); before that, "not listed" does not mean "not sent".
    `polls_receipts`: whether messages with no receipt are looked up by the tick.
    """

    name: str
    lists_sends_after: timedelta
    polls_receipts: bool

    def send(self, to: str, body: str, status_callback: str | None,
             wording: Wording | None = None, reference: str | None = None) -> SendResult:
        """Hand one message to the provider; never raises for provider errors."""
        ...

    def recent(self, to: str, since: datetime) -> list[ProviderMessage]:
        """Messages to this number created since the instant, newest first."""
        ...
