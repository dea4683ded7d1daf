"""SMS: outbound messages with their delivery history, inbound replies, each number's state."""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from diary.models.base import Base, Encrypted, UTCDateTime, enum_column


class MessageStatus(enum.StrEnum):
    PENDING = "pending"        # stored, not yet handed to the provider
    SENDING = "sending"        # claimed by one tick, request under way
    UNKNOWN = "unknown"        # the request left but no answer came: reconcile before retrying
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    DROPPED = "dropped"        # too late to be useful (after an outage), or no longer needed
    SUPPRESSED = "suppressed"  # opted out or invalid number: never sent


class OutboundMessage(Base):
    __tablename__ = "outbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    # recipient, kind, diary date and slot: the same message is never stored twice.
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"), index=True)
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregiver.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    recipient: Mapped[str] = mapped_column(String(16))  # participant | caregiver | on_call
    to_phone: Mapped[str] = mapped_column(Encrypted)
    to_hash: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    diary_date: Mapped[date | None]
    local_date: Mapped[date | None]  # the recipient's local date when due, for the daily cap
    locale: Mapped[str] = mapped_column(String(8))
    variant: Mapped[int] = mapped_column(default=0)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[MessageStatus] = mapped_column(
        enum_column(MessageStatus, "message_status"), default=MessageStatus.PENDING, index=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[str | None] = mapped_column(String(64))  # the provider's, as text
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageEvent(Base):
    """Each status the provider (or the gateway) reported for a message."""

    __tablename__ = "message_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbound_message.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboundMessage(Base):
    __tablename__ = "inbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_phone: Mapped[str] = mapped_column(Encrypted)
    from_hash: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[str] = mapped_column(Encrypted)
    keyword: Mapped[str] = mapped_column(String(16))  # stop | start | help | other
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"), index=True)
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregiver.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PhoneState(Base):
    """What the SMS provider and the person have told us about one number."""

    __tablename__ = "phone_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invalid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undelivered_in_row: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def reachable(self) -> bool:
        return self.opted_out_at is None and self.invalid_at is None


class OutreachLog(Base):
    """A coordinator's contact attempt: call, result, note."""

    __tablename__ = "outreach_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
