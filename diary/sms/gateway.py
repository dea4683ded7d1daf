"""The small protocol every SMS gateway follows, and what a send can come back with."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# Twilio error codes that say something lasting about the number.
OPTED_OUT_CODES = frozenset({21610})
INVALID_CODES = frozenset({21211, 21614})


class Outcome:
    """What happened to one send request, as the outbox needs to know it."""

    ACCEPTED = "accepted"    # the provider took it (sid and status given)
    RETRY = "retry"          # refused before sending (429, no connection): try again later
    UNKNOWN = "unknown"      # the request left but no clear answer: reconcile before retrying
    OPTED_OUT = "opted_out"  # the number unsubscribed (Twilio 21610)
    INVALID = "invalid"      # not a valid mobile number (Twilio 21211, 21614)
    FAILED = "failed"        # refused for another reason: do not retry


@dataclass(frozen=True)
class SendResult:
    outcome: str
    sid: str | None = None
    status: str | None = None
    error_code: int | None = None


@dataclass(frozen=True)
class ProviderMessage:
    """A message as the provider lists it."""

    sid: str
    to: str
    body: str
    status: str
    created_at: datetime | None
    error_code: int | None = None


class GatewayError(RuntimeError):
    """The provider could not be asked (listing failed); try again on a later tick."""


class Gateway(Protocol):
    """Send one SMS; list a number's recent messages to reconcile an unknown send."""

    name: str

    def send(self, to: str, body: str, status_callback: str | None) -> SendResult:
        """Hand one message to the provider; never raises for provider errors."""
        ...

    def recent(self, to: str, since: datetime) -> list[ProviderMessage]:
        """Messages to this number created since the instant, newest first."""
        ...
