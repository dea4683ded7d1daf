"""Coordinator tasks opened by the diary and the scheduler."""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from diary.models.base import Base, UTCDateTime, enum_column


class FlagKind(enum.StrEnum):
    SAFETY_URGENT = "safety_urgent"
    SAFETY_SAME_DAY = "safety_same_day"
    MISSED_STREAK = "missed_streak"
    LOW_COMPLIANCE = "low_compliance"
    UNREACHABLE = "unreachable"


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Flag(Base):
    __tablename__ = "flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    kind: Mapped[FlagKind] = mapped_column(enum_column(FlagKind, "flag_kind"))
    status: Mapped[FlagStatus] = mapped_column(
        enum_column(FlagStatus, "flag_status"), default=FlagStatus.OPEN)
    # One flag per cause: the same warning on the same entry never opens twice.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("diary_entry.id"))
    diary_date: Mapped[date | None]
    detail: Mapped[str | None] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    resolution_code: Mapped[str | None] = mapped_column(String(32))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
