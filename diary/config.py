"""Configuration: defaults, DIARY_* environment variables and start-up validation."""

import os
import secrets
import time
from pathlib import Path

from cryptography.fernet import Fernet

from diary import sqlite_files

DEFAULTS = {
    "DIARY_ENV": "development",
    "BABEL_DEFAULT_LOCALE": "zh",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "DIARY_LOCALES": ("zh", "en"),
    "DIARY_DEFAULT_TIMEZONE": "Asia/Shanghai",
    # No pre-ping: a closed connection is found by asking its socket (extensions._still_connected).
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
    # Sessions and cookies: phones change IP, people keep the diary on the home screen.
    "SESSION_PROTECTION": "basic",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 30 * 24 * 3600,
    # The cookie is written when the session changes; security.keep_sessions_alive changes it
    # often enough for the lifetime to slide.
    "SESSION_REFRESH_EACH_REQUEST": False,
    "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # The CSRF token lives as long as the session, so a slow form never expires under the hand.
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 256 * 1024,
    # Staff sessions end after this long without a request, and this long after sign-in.
    "DIARY_STAFF_IDLE_MINUTES": 30,
    "DIARY_STAFF_SESSION_HOURS": 12,
    # Sign-in: after this many failures per number or address each attempt waits twice as long
    # as the one before, up to the cap; a phone that signed in before is not held up.
    "DIARY_LOGIN_MAX_FAILURES": 5,
    "DIARY_LOGIN_LOCK_MINUTES": 15,
    "DIARY_DEVICE_COOKIE_DAYS": 365,
    # Sign-in attempts per client address and over all addresses (Flask-Limiter notation).
    "DIARY_LOGIN_RATE_PER_ADDRESS": "20 per minute;100 per hour",
    "DIARY_LOGIN_RATE_OVERALL": "300 per minute",
    # Counted in the database unless a Redis URL is given (DIARY_RATELIMIT_STORAGE_URI).
    "RATELIMIT_STORAGE_URI": "database://",
    "RATELIMIT_KEY_PREFIX": "diary",
    "RATELIMIT_HEADERS_ENABLED": False,  # the counters are read only when a limit is hit
    # Reverse proxies in front of the app (X-Forwarded-For/-Proto/-Host), 0 when none.
    "DIARY_TRUSTED_PROXIES": 0,
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
    # Reminders a tick stores at most; the following minutes store the rest. At least what a
    # minute can send (DIARY_SMS_SEND_RATE × 60) and a tick's DIARY_SMS_BATCH_LIMIT.
    "DIARY_SMS_PLAN_LIMIT": 5000,
    # Sends that fail in a row (no answer, 5xx, refused) before a tick leaves the rest for later.
    "DIARY_SMS_PAUSE_AFTER_FAILURES": 3,
    # Sending several at once, paced to the provider's rate (messages/s); 0: one by one.
    "DIARY_SMS_SEND_RATE": 0,
    "DIARY_SMS_SEND_CONCURRENCY": 16,
    # Alibaba and Tencent: a sent message with no receipt this long is looked up by the tick.
    "DIARY_SMS_RECEIPT_POLL_MINUTES": 30,
    "DIARY_SMS_PARAM_MAX_LENGTH": 0,  # 0: the provider's default (Alibaba 35, Tencent 12)
    "DIARY_TENCENT_REGION": "ap-guangzhou",
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

MAINLAND_NEEDS = {
    "aliyun": ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
               "DIARY_ALIYUN_SIGN_NAME"),
    "tencent": ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "DIARY_TENCENT_SMS_APP_ID",
                "DIARY_TENCENT_SIGN_NAME"),
}
MAINLAND_STRINGS = (*MAINLAND_NEEDS["aliyun"], *MAINLAND_NEEDS["tencent"],
                    "DIARY_ALIYUN_ENDPOINT", "DIARY_TENCENT_REGION", "DIARY_TENCENT_ENDPOINT",
                    "DIARY_SMS_TEMPLATE_FILE", "DIARY_SMS_CALLBACK_TOKEN")
ENV_STRINGS = (
    "DIARY_ENV", "DIARY_SMS_BACKEND", "DIARY_PUBLIC_URL", "DIARY_REMINDER_TIME",
    "DIARY_LAST_CALL_TIME", "DIARY_QUIET_START", "DIARY_QUIET_END", "DIARY_DEFAULT_TIMEZONE",
    "DIARY_SMS_SIGNATURE_ZH", "DIARY_SMS_SIGNATURE_EN", "DIARY_SMS_LINK",
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER",
    "TWILIO_MESSAGING_SERVICE_SID", "TWILIO_API_BASE_URL",
    *MAINLAND_STRINGS,
    "DIARY_LOGIN_RATE_PER_ADDRESS", "DIARY_LOGIN_RATE_OVERALL",
)
ENV_NUMBERS = (
    "DIARY_LOGIN_MAX_FAILURES", "DIARY_LOGIN_LOCK_MINUTES", "DIARY_WINDOW_CLOSE_HOUR",
    "DIARY_FULL_DIARY_DAYS", "DIARY_MAX_SMS_PER_DAY", "DIARY_MISSED_STREAK",
    "DIARY_COMPLIANCE_TARGET", "DIARY_FEVER_C", "DIARY_HIGH_FEVER_C",
    "DIARY_REMINDER_VALID_MINUTES",
    "DIARY_REMINDER_LOOKBACK_HOURS", "DIARY_SMS_REPEAT_HOURS", "DIARY_SMS_HTTP_TIMEOUT_SECONDS",
    "DIARY_SMS_RETRY_BASE_SECONDS", "DIARY_SMS_RETRY_MAX_SECONDS",
    "DIARY_SMS_CLAIM_TIMEOUT_SECONDS", "DIARY_SMS_BATCH_LIMIT", "DIARY_ON_CALL_MAX_AGE_HOURS",
    "DIARY_SMS_PAUSE_AFTER_FAILURES",
    "DIARY_SMS_SEND_RATE", "DIARY_SMS_SEND_CONCURRENCY", "DIARY_SMS_PLAN_LIMIT",
    "DIARY_TICK_MISFIRE_GRACE_SECONDS", "DIARY_COMPLIANCE_RECENT_DAYS",
    "DIARY_COMPLIANCE_MIN_DAYS", "DIARY_UNREACHABLE_UNDELIVERED",
    "DIARY_SMS_RECEIPT_POLL_MINUTES", "DIARY_SMS_PARAM_MAX_LENGTH",
    "DIARY_STAFF_IDLE_MINUTES", "DIARY_STAFF_SESSION_HOURS", "DIARY_DEVICE_COOKIE_DAYS",
    "DIARY_TRUSTED_PROXIES",
)
MIN_SECRET_KEY_BYTES = 32
GENERATE_HOW = 'python -c "import secrets; print(secrets.token_hex(32))"'



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
    for name in ("DIARY_ENCRYPTION_KEYS", "DIARY_PIN_PEPPER"):
        if os.environ.get(name):
            config[name] = os.environ[name]
    storage = os.environ.get("DIARY_RATELIMIT_STORAGE_URI") or os.environ.get(
        "RATELIMIT_STORAGE_URI")
    if storage:
        config["RATELIMIT_STORAGE_URI"] = storage
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
                       ("DIARY_ENCRYPTION_KEYS", lambda: Fernet.generate_key().decode()),
                       ("DIARY_PIN_PEPPER", lambda: secrets.token_hex(32))):
        if config.get(name):
            continue
        if production:
            env = "DIARY_SECRET_KEY" if name == "SECRET_KEY" else name
            how = "" if name == "DIARY_ENCRYPTION_KEYS" else f"; generate one with {GENERATE_HOW}"
            raise ConfigError(f"{env} must be set in production{how}")
        config[name] = _instance_secret(instance_path, name.lower(), make)
    if production:
        _validate_production_secrets(config)
    if config["DIARY_SMS_BACKEND"] not in ("console", "twilio", *MAINLAND_NEEDS):
        raise ConfigError("DIARY_SMS_BACKEND must be 'console', 'twilio', 'aliyun' or 'tencent'")
    if config["DIARY_SMS_BACKEND"] in MAINLAND_NEEDS:
        _validate_mainland(config, production)
    if config["DIARY_SMS_BACKEND"] == "twilio":
        missing = [n for n in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not config.get(n)]
        if not (config.get("TWILIO_FROM_NUMBER") or config.get("TWILIO_MESSAGING_SERVICE_SID")):
            missing.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        if missing:
            raise ConfigError("Twilio needs " + ", ".join(missing))
        if production and not config["DIARY_PUBLIC_URL"].startswith("https://"):
            raise ConfigError("DIARY_PUBLIC_URL must be the public https:// address for Twilio")
    _validate_texts(config)
    _validate_plan_limit(config)


def _validate_plan_limit(config: dict) -> None:
    """Ticks that store fewer reminders than they send would leave the sender idle."""
    limit, batch = int(config["DIARY_SMS_PLAN_LIMIT"]), int(config["DIARY_SMS_BATCH_LIMIT"])
    per_minute = float(config["DIARY_SMS_SEND_RATE"]) * 60
    if limit < max(1, batch, per_minute):
        raise ConfigError(f"DIARY_SMS_PLAN_LIMIT ({limit}) must be at least "
                          f"DIARY_SMS_BATCH_LIMIT ({batch}) and DIARY_SMS_SEND_RATE × 60 "
                          f"({per_minute:g})")


def _validate_mainland(config: dict, production: bool) -> None:
    """Credentials, signature, a code for every wording in use, parameters within the limit."""
    from diary.sms import param_limit, templates
    from diary.sms.codes import TemplateCodes

    backend = config["DIARY_SMS_BACKEND"]
    missing = [n for n in MAINLAND_NEEDS[backend] if not config.get(n)]
    if production:
        missing += [n for n in ("DIARY_SMS_TEMPLATE_FILE", "DIARY_SMS_CALLBACK_TOKEN")
                    if not config.get(n)]
    if missing:
        raise ConfigError(f"{backend} SMS needs " + ", ".join(missing))
    try:
        codes = TemplateCodes.from_config(config, backend)
    except (OSError, ValueError) as error:
        raise ConfigError(f"DIARY_SMS_TEMPLATE_FILE cannot be read: {error}") from error
    if codes.missing():
        raise ConfigError("No approved template code for " + ", ".join(codes.missing()[:5]))
    found = templates.template_problems(backend, param_limit(config))
    if found:
        raise ConfigError("SMS wordings the provider would refuse: " + "; ".join(found[:3]))
def _validate_production_secrets(config: dict) -> None:
    """A short secret key lets anyone forge session cookies: demand 32 random bytes or more."""
    if len(str(config["SECRET_KEY"]).encode()) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(f"DIARY_SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes of "
                          f"random data; generate one with {GENERATE_HOW}")
    peppers = [p.strip() for p in str(config["DIARY_PIN_PEPPER"]).split(",") if p.strip()]
    if not peppers or len(peppers[0].encode()) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(f"DIARY_PIN_PEPPER must start with at least {MIN_SECRET_KEY_BYTES} "
                          f"bytes of random data; generate one with {GENERATE_HOW}")


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
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:  # created 0600 in one step: the secret is never readable by others, even briefly
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it a moment ago
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(make())
    sqlite_files.tighten(str(path))
    for _ in range(100):  # a process that lost the race waits for the winner's write
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.01)
    raise ConfigError(f"{path} is empty: delete it to have a new secret made")
