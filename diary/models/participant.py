"""Participants, their caregivers, and the dates their schedule depends on."""

import enum
from datetime import date, datetime, time

from sqlalchemy import ForeignKey, Index, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diary.models.account import SignInMixin
from diary.models.base import Base, Encrypted, UTCDateTime, enum_column
from diary.models.site import Site


class ParticipantStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"


class ReminderRecipients(enum.StrEnum):
    PARTICIPANT = "participant"
    CAREGIVER = "caregiver"
    BOTH = "both"


class ReportingMode(enum.StrEnum):
    SELF = "self"
    ASSISTED = "assisted"
    PROXY = "proxy"


class Participant(SignInMixin, Base):
    __tablename__ = "participant"
    # The scheduler asks each minute about the people sharing a time zone and a reminder time.
    __table_args__ = (Index("ix_participant_reminder_group", "timezone", "reminder_time",
                            "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_code: Mapped[str] = mapped_column(String(32), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    phone: Mapped[str] = mapped_column(Encrypted)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    reminder_time: Mapped[time] = mapped_column(Time, default=time(20, 0))
    reminder_recipients: Mapped[ReminderRecipients] = mapped_column(
        enum_column(ReminderRecipients, "reminder_recipients"),
        default=ReminderRecipients.PARTICIPANT)
    reporting_mode: Mapped[ReportingMode] = mapped_column(
        enum_column(ReportingMode, "reporting_mode"), default=ReportingMode.SELF)
    diary_start_date: Mapped[date]
    diary_end_date: Mapped[date]
    status: Mapped[ParticipantStatus] = mapped_column(
        enum_column(ParticipantStatus, "participant_status"), default=ParticipantStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()
    caregivers: Mapped[list["Caregiver"]] = relationship(back_populates="participant")
    infusions: Mapped[list["InfusionDate"]] = relationship(order_by="InfusionDate.infusion_date")
    visits: Mapped[list["ClinicVisit"]] = relationship(order_by="ClinicVisit.visit_date")
    medications: Mapped[list["Medication"]] = relationship(order_by="Medication.id")

    kind = "participant"

    @property
    def participant(self) -> "Participant":
        """The participant whose diary this login fills in: itself."""
        return self

    @property
    def infusion_dates(self) -> tuple[date, ...]:
        """The days of infusion, earliest first: the diary's sections are planned from them."""
        return tuple(i.infusion_date for i in self.infusions)


class Caregiver(SignInMixin, Base):
    __tablename__ = "caregiver"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    name: Mapped[str] = mapped_column(Encrypted)
    relationship_to: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(Encrypted)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    participant: Mapped[Participant] = relationship(back_populates="caregivers")

    kind = "caregiver"


class InfusionDate(Base):
    __tablename__ = "infusion_date"
    __table_args__ = (UniqueConstraint("participant_id", "infusion_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    infusion_date: Mapped[date]


class ClinicVisit(Base):
    __tablename__ = "clinic_visit"
    __table_args__ = (UniqueConstraint("participant_id", "visit_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    visit_date: Mapped[date]
    label: Mapped[str | None] = mapped_column(String(64))


class Medication(Base):
    """The participant's current medicine list, set at enrolment and confirmed weekly."""

    __tablename__ = "medication"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(120))
    dose: Mapped[str | None] = mapped_column(String(32))
    unit: Mapped[str | None] = mapped_column(String(16))
    frequency: Mapped[str | None] = mapped_column(String(32))
    start_date: Mapped[date | None]
    stop_date: Mapped[date | None]


def _participant_active(self) -> bool:
    return self.status != ParticipantStatus.WITHDRAWN


def _caregiver_active(self) -> bool:
    return self.active and self.participant.status != ParticipantStatus.WITHDRAWN


Participant.is_active = property(_participant_active)
Caregiver.is_active = property(_caregiver_active)
