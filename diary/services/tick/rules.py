"""Every threshold and time the scheduler uses, read once from the settings."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from diary.rules import schedule
from diary.services.flags import opening
from diary.sms.templates import TextSettings


@dataclass(frozen=True)
class OutboxRules:
    """Limits on sending: the daily cap, repeats, retries and claims."""

    max_per_day: int = 2
    repeat_hours: int = 24
    retry_base_seconds: int = 60
    retry_max_seconds: int = 900
    claim_timeout_seconds: int = 300
    batch_limit: int = 200
    send_rate: float = 0  # messages per second; 0 sends one by one
    send_concurrency: int = 16  # workers at most when a rate is set
    on_call_max_age_hours: int = 24
    status_callback: str | None = None


@dataclass(frozen=True)
class FlagRules:
    """When the scheduler opens coordinator flags."""

    missed_streak: int = 2
    compliance_target: float = 0.8
    recent_days: int = 7
    min_recent_days: int = 3
    undelivered_in_row: int = 2
    due_hours: dict = field(default_factory=lambda: dict(opening.DUE_HOURS))


@dataclass(frozen=True)
class TickRules:
    window: schedule.WindowRules = schedule.WindowRules()
    reminders: schedule.ReminderRules = schedule.ReminderRules()
    texts: TextSettings = TextSettings()
    outbox: OutboxRules = OutboxRules()
    flags: FlagRules = FlagRules()

    @classmethod
    def from_config(cls, config: Mapping) -> "TickRules":
        """All rules from the application's settings."""
        public = config["DIARY_PUBLIC_URL"].rstrip("/")
        outbox = OutboxRules(
            max_per_day=int(config["DIARY_MAX_SMS_PER_DAY"]),
            repeat_hours=int(config["DIARY_SMS_REPEAT_HOURS"]),
            retry_base_seconds=int(config["DIARY_SMS_RETRY_BASE_SECONDS"]),
            retry_max_seconds=int(config["DIARY_SMS_RETRY_MAX_SECONDS"]),
            claim_timeout_seconds=int(config["DIARY_SMS_CLAIM_TIMEOUT_SECONDS"]),
            batch_limit=int(config["DIARY_SMS_BATCH_LIMIT"]),
            send_rate=float(config["DIARY_SMS_SEND_RATE"]),
            send_concurrency=int(config["DIARY_SMS_SEND_CONCURRENCY"]),
            on_call_max_age_hours=int(config["DIARY_ON_CALL_MAX_AGE_HOURS"]),
            status_callback=f"{public}/sms/status")
        flag_rules = FlagRules(
            missed_streak=int(config["DIARY_MISSED_STREAK"]),
            compliance_target=float(config["DIARY_COMPLIANCE_TARGET"]),
            recent_days=int(config["DIARY_COMPLIANCE_RECENT_DAYS"]),
            min_recent_days=int(config["DIARY_COMPLIANCE_MIN_DAYS"]),
            undelivered_in_row=int(config["DIARY_UNREACHABLE_UNDELIVERED"]),
            due_hours=opening.due_hours_from_config(config))
        return cls(window=schedule.WindowRules.from_config(config),
                   reminders=schedule.ReminderRules.from_config(config),
                   texts=TextSettings.from_config(config), outbox=outbox, flags=flag_rules)
