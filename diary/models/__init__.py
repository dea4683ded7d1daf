"""All models, imported so that metadata and migrations see every table."""

from diary.models.account import RateLimitCounter, SignInThrottle
from diary.models.audit import AuditEvent
from diary.models.entry import (
    Answer,
    AnswerRevision,
    DayStatus,
    DiaryEntry,
    Draft,
    Originator,
    Submission,
)
from diary.models.flag import Flag, FlagKind, FlagStatus
from diary.models.message import (
    InboundMessage,
    MessageEvent,
    MessageStatus,
    OutboundMessage,
    OutreachLog,
    PhoneState,
)
from diary.models.participant import (
    Caregiver,
    ClinicVisit,
    InfusionDate,
    Medication,
    Participant,
    ParticipantStatus,
    ReminderRecipients,
    ReportingMode,
)
from diary.models.site import Site
from diary.models.staff import StaffRole, StaffUser

__all__ = [
    "Answer", "AnswerRevision", "AuditEvent", "Caregiver", "ClinicVisit", "DayStatus",
    "DiaryEntry", "Draft", "Flag", "FlagKind", "FlagStatus", "InfusionDate", "Medication",
    "InboundMessage", "MessageEvent", "MessageStatus", "OutboundMessage", "OutreachLog",
    "PhoneState", "Originator", "Participant", "ParticipantStatus", "RateLimitCounter",
    "ReminderRecipients", "ReportingMode",
    "SignInThrottle", "Site", "StaffRole", "StaffUser", "Submission",
]
