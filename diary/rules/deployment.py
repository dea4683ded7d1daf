"""The deployment's rules, read once from the settings: windows, reminders, triggers, SMS, flags."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from diary.rules import schedule, triggers

# Hours until a flag is overdue, by flag kind (FlagKind values).
DUE_HOURS = {"safety_urgent": 1, "safety_same_day": 8, "missed_streak": 48,
             "low_compliance": 48, "unreachable": 48}


@dataclass(frozen=True)
class TextSettings:
    """The registered signatures and the short link to the diary."""

    signature_zh: str = "【研究日记】"
    signature_en: str = "[Study Diary]"
    link: str = "http://127.0.0.1:5000/"

    @classmethod
    def from_config(cls, config: Mapping) -> "TextSettings":
        """Read signatures and link from the settings (the link defaults to the public URL)."""
        link = config.get("DIARY_SMS_LINK") or config["DIARY_PUBLIC_URL"].rstrip("/") + "/"
        return cls(signature_zh=config["DIARY_SMS_SIGNATURE_ZH"],
                   signature_en=config["DIARY_SMS_SIGNATURE_EN"], link=link)


@dataclass(frozen=True)
class OutboxRules:
    """Limits on sending: the daily cap, repeats, retries and claims."""

    max_per_day: int = 2
    repeat_hours: int = 24
    retry_base_seconds: int = 60
    retry_max_seconds: int = 900
    claim_timeout_seconds: int = 300
    batch_limit: int = 200
    plan_limit: int = 5000  # reminders a tick stores at most; the next ticks store the rest
    pause_after_failures: int = 3
    send_rate: float = 0  # messages per second; 0 sends one by one
    send_concurrency: int = 16  # workers at most when a rate is set
    on_call_max_age_hours: int = 24
    status_callback: str | None = None
    receipt_poll_minutes: int = 30  # Alibaba, Tencent: look up a receipt that has not come

    @classmethod
    def from_config(cls, config: Mapping) -> "OutboxRules":
        public = config["DIARY_PUBLIC_URL"].rstrip("/")
        return cls(max_per_day=int(config["DIARY_MAX_SMS_PER_DAY"]),
                   repeat_hours=int(config["DIARY_SMS_REPEAT_HOURS"]),
                   retry_base_seconds=int(config["DIARY_SMS_RETRY_BASE_SECONDS"]),
                   retry_max_seconds=int(config["DIARY_SMS_RETRY_MAX_SECONDS"]),
                   claim_timeout_seconds=int(config["DIARY_SMS_CLAIM_TIMEOUT_SECONDS"]),
                   batch_limit=int(config["DIARY_SMS_BATCH_LIMIT"]),
                   plan_limit=int(config["DIARY_SMS_PLAN_LIMIT"]),
                   pause_after_failures=int(config["DIARY_SMS_PAUSE_AFTER_FAILURES"]),
                   send_rate=float(config["DIARY_SMS_SEND_RATE"]),
                   send_concurrency=int(config["DIARY_SMS_SEND_CONCURRENCY"]),
                   on_call_max_age_hours=int(config["DIARY_ON_CALL_MAX_AGE_HOURS"]),
                   status_callback=f"{public}/sms/status",
                   receipt_poll_minutes=int(config["DIARY_SMS_RECEIPT_POLL_MINUTES"]))


@dataclass(frozen=True)
class FlagRules:
    """When flags open and fall due; `recent_days` is the one "recent compliance" period."""

    missed_streak: int = 2
    compliance_target: float = 0.8
    recent_days: int = 7
    min_recent_days: int = 3
    undelivered_in_row: int = 2
    due_hours: dict = field(default_factory=lambda: dict(DUE_HOURS))

    @classmethod
    def from_config(cls, config: Mapping) -> "FlagRules":
        routine = config["DIARY_FLAG_DUE_HOURS_ROUTINE"]
        due = {"safety_urgent": config["DIARY_FLAG_DUE_HOURS_URGENT"],
               "safety_same_day": config["DIARY_FLAG_DUE_HOURS_SAME_DAY"],
               "missed_streak": routine, "low_compliance": routine, "unreachable": routine}
        return cls(missed_streak=int(config["DIARY_MISSED_STREAK"]),
                   compliance_target=float(config["DIARY_COMPLIANCE_TARGET"]),
                   recent_days=int(config["DIARY_COMPLIANCE_RECENT_DAYS"]),
                   min_recent_days=int(config["DIARY_COMPLIANCE_MIN_DAYS"]),
                   undelivered_in_row=int(config["DIARY_UNREACHABLE_UNDELIVERED"]),
                   due_hours=due)


@dataclass(frozen=True)
class Rules:
    """Everything the services decide by, built once per process from the settings."""

    window: schedule.WindowRules = schedule.WindowRules()
    reminders: schedule.ReminderRules = schedule.ReminderRules()
    limits: triggers.Thresholds = triggers.Thresholds()
    texts: TextSettings = TextSettings()
    outbox: OutboxRules = OutboxRules()
    flags: FlagRules = FlagRules()

    @property
    def due_hours(self) -> dict:
        return self.flags.due_hours

    @property
    def recent_days(self) -> int:
        return self.flags.recent_days

    @classmethod
    def from_config(cls, config: Mapping) -> "Rules":
        """All rules from the application's settings (create_app, the scheduler, the CLI)."""
        return cls(window=schedule.WindowRules.from_config(config),
                   reminders=schedule.ReminderRules.from_config(config),
                   limits=triggers.Thresholds.from_config(config),
                   texts=TextSettings.from_config(config), outbox=OutboxRules.from_config(config),
                   flags=FlagRules.from_config(config))
