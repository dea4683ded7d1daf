"""Sign-in by phone and PIN (participants, caregivers) or e-mail and password (staff)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from diary import crypto
from diary.models import Caregiver, Participant, SignInThrottle, StaffUser
from diary.rules import phones
from diary.services import audit
from diary.services.sql import insert_ignoring

# Checked when no account matches, so an unknown identifier costs as much time as a known one.
_DUMMY_HASH = generate_password_hash("not-a-real-secret")


@dataclass(frozen=True)
class Lockout:
    max_failures: int = 5
    lock_minutes: int = 15

    @classmethod
    def from_config(cls, config) -> "Lockout":
        """Read the lockout settings."""
        return cls(int(config["DIARY_LOGIN_MAX_FAILURES"]), int(config["DIARY_LOGIN_LOCK_MINUTES"]))


@dataclass(frozen=True)
class SignInResult:
    account: object | None = None
    locked: bool = False


def find_by_phone(session: Session, e164: str):
    """The participant or caregiver whose phone this is, if any."""
    key = crypto.lookup_hash(e164)
    found = session.scalar(select(Participant).where(Participant.phone_hash == key))
    return found or session.scalar(select(Caregiver).where(Caregiver.phone_hash == key))


def sign_in_phone(session: Session, raw_phone: str, pin: str, now: datetime,
                  lockout: Lockout) -> SignInResult:
    """Check a phone and PIN, counting failures per number in the database."""
    e164 = phones.normalize(raw_phone)
    key = crypto.lookup_hash("phone:" + (e164 or raw_phone.strip()))
    account = find_by_phone(session, e164) if e164 else None
    return _attempt(session, key, account, pin, now, lockout, e164 or "invalid")


def sign_in_staff(session: Session, email: str, password: str, now: datetime,
                  lockout: Lockout) -> SignInResult:
    """Check a staff e-mail and password, counting failures per address."""
    address = (email or "").strip().lower()
    key = crypto.lookup_hash("email:" + address)
    account = session.scalar(select(StaffUser).where(StaffUser.email == address))
    return _attempt(session, key, account, password, now, lockout, address)


def _attempt(session, key, account, secret, now, lockout, label) -> SignInResult:
    """Count the attempt before checking the secret, atomically: parallel guesses stay bounded."""
    shown = phones.mask(label) if "@" not in label else label
    count = _count_attempt(session, key, now)
    if count is None or count > lockout.max_failures:
        audit.record(session, now, "sign_in.locked", account, participant=_participant(account),
                     detail={"identifier": shown})
        return SignInResult(locked=True)
    ok = account.check_secret(secret) if account else check_password_hash(_DUMMY_HASH, secret)
    if ok and account.is_active:
        session.execute(update(SignInThrottle).where(SignInThrottle.key_hash == key)
                        .values(failures=0, locked_until=None))
        account.last_login_at = now
        audit.record(session, now, "sign_in", account, participant=_participant(account))
        return SignInResult(account=account)
    locked = count >= lockout.max_failures
    if locked:
        session.execute(update(SignInThrottle).where(SignInThrottle.key_hash == key).values(
            locked_until=now + timedelta(minutes=lockout.lock_minutes)))
    audit.record(session, now, "sign_in.failed", account, participant=_participant(account),
                 detail={"identifier": shown})
    return SignInResult(locked=locked)


def _count_attempt(session, key: str, now: datetime) -> int | None:
    """Add one to the identifier's attempts; None while it is locked."""
    insert_ignoring(session, SignInThrottle, [{"key_hash": key, "failures": 0}], ["key_hash"])
    session.execute(update(SignInThrottle).where(
        SignInThrottle.key_hash == key, SignInThrottle.locked_until <= now).values(
        failures=0, locked_until=None))  # a lock that has run out starts afresh
    counted = session.execute(
        update(SignInThrottle)
        .where(SignInThrottle.key_hash == key,
               (SignInThrottle.locked_until.is_(None)) | (SignInThrottle.locked_until <= now))
        .values(failures=SignInThrottle.failures + 1)
        .returning(SignInThrottle.failures)).scalar()
    return counted


def _participant(account):
    return getattr(account, "participant", None) if account is not None else None


def unlock(session: Session, identifier: str) -> None:
    """Clear the lockout of a phone (E.164) or e-mail address."""
    prefix = "email:" if "@" in identifier else "phone:"
    key = crypto.lookup_hash(prefix + identifier.strip().lower())
    throttle = session.scalar(select(SignInThrottle).where(SignInThrottle.key_hash == key))
    if throttle is not None:
        throttle.failures, throttle.locked_until = 0, None
