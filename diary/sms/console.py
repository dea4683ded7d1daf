"""The default gateway: a log line per message; the outbox row is the record."""

import logging
import uuid
from datetime import datetime, timedelta

from diary.models.base import utcnow
from diary.rules import phones
from diary.sms.gateway import Outcome, ProviderMessage, SendResult, Wording

log = logging.getLogger("diary.sms")


class ConsoleGateway:
    """Logs each message (number masked) and remembers it for this process."""

    name = "console"
    lists_sends_after = timedelta(0)
    polls_receipts = False

    def __init__(self) -> None:
        self.sent: list[ProviderMessage] = []

    def send(self, to: str, body: str, status_callback: str | None,
             wording: Wording | None = None, reference: str | None = None) -> SendResult:
        """Log the message and report it as sent."""
        sid = "CN" + uuid.uuid4().hex
        self.sent.append(ProviderMessage(sid, to, body, "sent", utcnow(), reference=reference))
        log.info("sms %s to %s: %s", sid, phones.mask(to), body)
        return SendResult(Outcome.ACCEPTED, sid=sid, status="sent")

    def recent(self, to: str, since: datetime) -> list[ProviderMessage]:
        """What this process logged for the number (nothing survives a restart)."""
        return [m for m in reversed(self.sent)
                if m.to == to and (m.created_at is None or m.created_at >= since)]
