"""Diary entries: one row per participant and diary day, item-level answers and revisions."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diary.models.base import Base, UTCDateTime, enum_column


class DayStatus(enum.StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSED = "missed"
    EXCUSED = "excused"


class Originator(enum.StrEnum):
    PARTICIPANT = "participant"
    PARTICIPANT_HELPED = "participant_helped"
    CAREGIVER = "caregiver"
    STAFF = "staff"


class DiaryEntry(Base):
    """A diary day that has an outcome: answered (on time or late), missed or excused."""

    __tablename__ = "diary_entry"
    __table_args__ = (UniqueConstraint("participant_id", "diary_date"),
                      # The last fortnight of everyone, status included (the dashboard).
                      Index("ix_diary_entry_recent_days", "diary_date", "participant_id",
                            "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    diary_date: Mapped[date]
    status: Mapped[DayStatus] = mapped_column(enum_column(DayStatus, "day_status"))
    originator: Mapped[Originator | None] = mapped_column(enum_column(Originator, "originator"))
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregiver.id"))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    staff_entered: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    instrument_version: Mapped[str | None] = mapped_column(String(16))
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warning_sign: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    answers: Mapped[list["Answer"]] = relationship(
        back_populates="entry", order_by="Answer.id", cascade="save-update, merge")

    @property
    def late(self) -> bool:
        """Answered after the diary day had ended."""
        return self.status == DayStatus.LATE

    @property
    def answered(self) -> bool:
        """Whether the day holds answers (on time or late)."""
        return self.status in (DayStatus.ON_TIME, DayStatus.LATE)

    def answer_map(self) -> dict[str, str]:
        """The answers keyed by item id."""
        return {a.item_id: a.value for a in self.answers}


class Answer(Base):
    """One item's current answer, as text SQL can query."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("entry_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("diary_entry.id"))
    item_id: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(200))

    entry: Mapped[DiaryEntry] = relationship(back_populates="answers")


class Submission(Base):
    """Each time an entry is sent or corrected; the token makes a replayed submit store once."""

    __tablename__ = "submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("diary_entry.id"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    client_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    originator: Mapped[Originator] = mapped_column(enum_column(Originator, "originator"))
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)


class AnswerRevision(Base):
    """An answer's change: old value, new value, which submission (who and when)."""

    __tablename__ = "answer_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("diary_entry.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"))
    item_id: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(String(200))
    new_value: Mapped[str | None] = mapped_column(String(200))

    submission: Mapped[Submission] = relationship()


class Draft(Base):
    """Answers given so far on an unfinished diary day, so nothing typed is lost."""

    __tablename__ = "draft"
    __table_args__ = (UniqueConstraint("participant_id", "diary_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    diary_date: Mapped[date]
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
