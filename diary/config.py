"""Configuration: defaults, DIARY_* environment variables and start-up validation."""

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

DEFAULTS = {
    "DIARY_ENV": "development",
    "BABEL_DEFAULT_LOCALE": "zh",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "DIARY_LOCALES": ("zh", "en"),
    "DIARY_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Sessions and cookies: phones change IP, people keep the diary on the home screen.
    "SESSION_PROTECTION": "basic",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 30 * 24 * 3600,
    "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # The CSRF token lives as long as the session, so a slow form never expires under the hand.
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 256 * 1024,
    # Sign-in lockout.
    "DIARY_LOGIN_MAX_FAILURES": 5,
    "DIARY_LOGIN_LOCK_MINUTES": 15,
    # Diary window: day D is open from D 00:00 until D+1 at this hour, local time.
    "DIARY_WINDOW_CLOSE_HOUR": 12,
    "DIARY_FULL_DIARY_DAYS": 90,
    "DIARY_FUNCTION_WEEKDAY": 6,
    "DIARY_INFUSION_FOLLOW_DAYS": 7,
    "DIARY_HISTORY_DAYS": 28,
    # Reminders.
    "DIARY_REMINDER_TIME": "20:00",
    "DIARY_LAST_CALL_TIME": "09:00",
    "DIARY_QUIET_START": "21:30",
    "DIARY_QUIET_END": "08:00",
    "DIARY_MAX_SMS_PER_DAY": 2,
    "DIARY_SMS_SIGNATURE_ZH": "【研究日记】",
    "DIARY_SMS_SIGNATURE_EN": "[Study Diary]",
    "DIARY_SMS_BACKEND": "console",
    "DIARY_PUBLIC_URL": "http://127.0.0.1:5000",
    # A reminder not sent this many minutes after its time (or before quiet hours) is dropped.
    "DIARY_REMINDER_VALID_MINUTES": 120,
    # How far back a tick looks for reminders it never planned (to record them as dropped).
    "DIARY_REMINDER_LOOKBACK_HOURS": 24,
    "DIARY_SMS_REPEAT_HOURS": 24,
    "DIARY_SMS_LINK": "",  # short link to the diary for numbers outside +86; default public URL
    "DIARY_SMS_HTTP_TIMEOUT_SECONDS": 10,
    "DIARY_SMS_RETRY_BASE_SECONDS": 60,
    "DIARY_SMS_RETRY_MAX_SECONDS": 900,
    # A send claimed longer ago than this (its process died) is reconciled with the provider.
    "DIARY_SMS_CLAIM_TIMEOUT_SECONDS": 300,
    "DIARY_SMS_BATCH_LIMIT": 200,
    # Sending several at once, paced to the provider's rate (messages/s); 0: one by one.
    "DIARY_SMS_SEND_RATE": 0,
    "DIARY_SMS_SEND_CONCURRENCY": 16,
    "DIARY_ON_CALL_MAX_AGE_HOURS": 24,
    "DIARY_TICK_MISFIRE_GRACE_SECONDS": 50,
    # Compliance and flags.
    "DIARY_COMPLIANCE_TARGET": 0.8,
    "DIARY_MISSED_STREAK": 2,
    "DIARY_COMPLIANCE_RECENT_DAYS": 7,
    "DIARY_COMPLIANCE_MIN_DAYS": 3,  # closed days in the recent window before it can flag
    "DIARY_UNREACHABLE_UNDELIVERED": 2,
    "DIARY_FLAG_DUE_HOURS_URGENT": 1,
    "DIARY_FLAG_DUE_HOURS_SAME_DAY": 8,
    "DIARY_FLAG_DUE_HOURS_ROUTINE": 48,
    # Same-day triggers (INSTRUMENT.md section 9).
    "DIARY_FEVER_C": 38.0,
    "DIARY_HIGH_FEVER_C": 39.0,
    "DIARY_SYMPTOM_JUMP": 2,
    "DIARY_WORSE_DAYS": 3,
    # Audit review: what looks back-filled or odd.
    "DIARY_AUDIT_BURST_DAYS": 3,
    "DIARY_AUDIT_BURST_MINUTES": 10,
    "DIARY_AUDIT_ODD_START": "01:00",
    "DIARY_AUDIT_ODD_END": "05:00",
    "DIARY_AUDIT_SKEW_MINUTES": 30,
}

ENV_STRINGS = (
    "DIARY_ENV", "DIARY_SMS_BACKEND", "DIARY_PUBLIC_URL", "DIARY_REMINDER_TIME",
    "DIARY_LAST_CALL_TIME", "DIARY_QUIET_START", "DIARY_QUIET_END", "DIARY_DEFAULT_TIMEZONE",
    "DIARY_SMS_SIGNATURE_ZH", "DIARY_SMS_SIGNATURE_EN", "DIARY_SMS_LINK",
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER",
    "TWILIO_MESSAGING_SERVICE_SID", "TWILIO_API_BASE_URL",
)
ENV_NUMBERS = (
    "DIARY_LOGIN_MAX_FAILURES", "DIARY_LOGIN_LOCK_MINUTES", "DIARY_WINDOW_CLOSE_HOUR",
    "DIARY_FULL_DIARY_DAYS", "DIARY_MAX_SMS_PER_DAY", "DIARY_MISSED_STREAK",
    "DIARY_COMPLIANCE_TARGET", "DIARY_FEVER_C", "DIARY_HIGH_FEVER_C",
    "DIARY_REMINDER_VALID_MINUTES",
    "DIARY_REMINDER_LOOKBACK_HOURS", "DIARY_SMS_REPEAT_HOURS", "DIARY_SMS_HTTP_TIMEOUT_SECONDS",
    "DIARY_SMS_RETRY_BASE_SECONDS", "DIARY_SMS_RETRY_MAX_SECONDS",
    "DIARY_SMS_CLAIM_TIMEOUT_SECONDS", "DIARY_SMS_BATCH_LIMIT", "DIARY_ON_CALL_MAX_AGE_HOURS",
    "DIARY_SMS_SEND_RATE", "DIARY_SMS_SEND_CONCURRENCY",
    "DIARY_TICK_MISFIRE_GRACE_SECONDS", "DIARY_COMPLIANCE_RECENT_DAYS",
    "DIARY_COMPLIANCE_MIN_DAYS", "DIARY_UNREACHABLE_UNDELIVERED",
)


class ConfigError(RuntimeError):
    """The configuration cannot run safely."""


def load(instance_path: str, overrides: dict | None = None) -> dict:
    """Merge defaults, the environment and overrides into one mapping."""
    config = dict(DEFAULTS)
    for name in ENV_STRINGS:
        if os.environ.get(name):
            config[name] = os.environ[name]
    for name in ENV_NUMBERS:
        if os.environ.get(name):
            config[name] = float(os.environ[name]) if "." in os.environ[name] else int(
                os.environ[name])
    if os.environ.get("DIARY_SECRET_KEY"):
        config["SECRET_KEY"] = os.environ["DIARY_SECRET_KEY"]
    if os.environ.get("DIARY_ENCRYPTION_KEYS"):
        config["DIARY_ENCRYPTION_KEYS"] = os.environ["DIARY_ENCRYPTION_KEYS"]
    database_url = os.environ.get("DIARY_DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "diary.db"))
    config["SQLALCHEMY_DATABASE_URI"] = database_url
    config.update(overrides or {})
    config["SESSION_COOKIE_SECURE"] = config["DIARY_ENV"] == "production"
    config["REMEMBER_COOKIE_SECURE"] = config["DIARY_ENV"] == "production"
    return config


def validate(config: dict, instance_path: str) -> None:
    """Fail fast in production; generate development secrets under instance/."""
    production = config["DIARY_ENV"] == "production"
    for name, make in (("SECRET_KEY", lambda: secrets.token_hex(32)),
                       ("DIARY_ENCRYPTION_KEYS", lambda: Fernet.generate_key().decode())):
        if config.get(name):
            continue
        if production:
            env = "DIARY_SECRET_KEY" if name == "SECRET_KEY" else name
            raise ConfigError(f"{env} must be set in production")
        config[name] = _instance_secret(instance_path, name.lower(), make)
    if config["DIARY_SMS_BACKEND"] not in ("console", "twilio"):
        raise ConfigError("DIARY_SMS_BACKEND must be 'console' or 'twilio'")
    if config["DIARY_SMS_BACKEND"] == "twilio":
        missing = [n for n in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not config.get(n)]
        if not (config.get("TWILIO_FROM_NUMBER") or config.get("TWILIO_MESSAGING_SERVICE_SID")):
            missing.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        if missing:
            raise ConfigError("Twilio needs " + ", ".join(missing))
        if production and not config["DIARY_PUBLIC_URL"].startswith("https://"):
            raise ConfigError("DIARY_PUBLIC_URL must be the public https:// address for Twilio")
    _validate_texts(config)


def _validate_texts(config: dict) -> None:
    """Every SMS wording, with the configured signature and link, must fit one segment."""
    from diary.sms import templates

    found = templates.problems(templates.TextSettings.from_config(config))
    if found:
        raise ConfigError("SMS signature or link too long: " + "; ".join(found[:3]))


def _instance_secret(instance_path: str, name: str, make) -> str:
    """Read or create a development secret kept beside the embedded database."""
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()
