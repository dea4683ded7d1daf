"""Sign-in by phone and PIN (participants, caregivers) or e-mail and password (staff)."""

import math
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
# Failures are forgotten after a day without any, so old typos never add up to a delay.
FORGET_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class Lockout:
    """After `max_failures` failures each attempt waits 2, 4, 8 … seconds, at most the cap."""

    max_failures: int = 5
    lock_minutes: int = 15  # the cap of the delay

    @classmethod
    def from_config(cls, config) -> "Lockout":
        """Read the lockout settings."""
        return cls(int(config["DIARY_LOGIN_MAX_FAILURES"]), int(config["DIARY_LOGIN_LOCK_MINUTES"]))

    def delay(self, failures: int) -> timedelta:
        """How long the next attempt waits after this many failures in a row."""
        if failures < self.max_failures:
            return timedelta(0)
        step = min(failures - self.max_failures + 1, 32)  # 2**32 s is far past any cap
        return min(timedelta(seconds=2**step), timedelta(minutes=self.lock_minutes))


@dataclass(frozen=True)
class Device:
    """A phone or browser on which accounts signed in before (from a signed device cookie).

    Attempts for those accounts from this device are counted on the device, not on the number,
    so a stranger's wrong guesses at a number do not keep its owner out (OWASP device cookies).
    """

    token: str
    identities: frozenset[str]


@dataclass(frozen=True)
class SignInResult:
    account: object | None = None
    locked: bool = False
    wait_seconds: int = 0  # while locked: how long until the next attempt is checked


def find_by_phone(session: Session, e164: str):
    """The participant or caregiver whose phone this is, if any."""
    key = crypto.lookup_hash(e164)
    found = session.scalar(select(Participant).where(Participant.phone_hash == key))
    return found or session.scalar(select(Caregiver).where(Caregiver.phone_hash == key))


def phone_key(e164: str) -> str:
    """The throttle key of a phone number."""
    return crypto.lookup_hash("phone:" + e164)


def email_key(address: str) -> str:
    """The throttle key of a staff e-mail address."""
    return crypto.lookup_hash("email:" + address.strip().lower())


def sign_in_phone(session: Session, raw_phone: str, pin: str, now: datetime, lockout: Lockout,
                  device: Device | None = None) -> SignInResult:
    """Check a phone and PIN, counting failures per number (or per known device)."""
    e164 = phones.normalize(raw_phone)
    account = find_by_phone(session, e164) if e164 else None
    key = phone_key(e164 or raw_phone.strip())
    return _attempt(session, _key(key, account, device), account, pin, now, lockout,
                    e164 or "invalid")


def sign_in_staff(session: Session, email: str, password: str, now: datetime, lockout: Lockout,
                  device: Device | None = None) -> SignInResult:
    """Check a staff e-mail and password, counting failures per address (or known device)."""
    address = (email or "").strip().lower()
    account = session.scalar(select(StaffUser).where(StaffUser.email == address))
    return _attempt(session, _key(email_key(address), account, device), account, password, now,
                    lockout, address)


def _key(identifier_key: str, account, device: Device | None) -> str:
    if account is not None and device is not None and account.identity in device.identities:
        return crypto.lookup_hash(f"device:{device.token}:{account.identity}")
    return identifier_key


def _attempt(session, key, account, secret, now, lockout, label) -> SignInResult:
    """Count the attempt before checking the secret, atomically: parallel guesses stay bounded."""
    shown = phones.mask(label) if "@" not in label else label
    count, wait = _count_attempt(session, key, now)
    if count is None:
        audit.record(session, now, "sign_in.locked", account, participant=_participant(account),
                     detail={"identifier": shown})
        return SignInResult(locked=True, wait_seconds=wait)
    ok = (account.check_secret(secret) if account
          else check_password_hash(_DUMMY_HASH, secret))
    if ok and account.is_active:
        session.execute(update(SignInThrottle).where(SignInThrottle.key_hash == key)
                        .values(failures=0, locked_until=None))
        account.rehash_if_needed(secret)
        account.last_login_at = now
        audit.record(session, now, "sign_in", account, participant=_participant(account))
        return SignInResult(account=account)
    delay = lockout.delay(count)
    if delay:
        session.execute(update(SignInThrottle).where(SignInThrottle.key_hash == key)
                        .values(locked_until=now + delay))
    audit.record(session, now, "sign_in.failed", account, participant=_participant(account),
                 detail={"identifier": shown})
    return SignInResult(locked=bool(delay), wait_seconds=math.ceil(delay.total_seconds()))


def _count_attempt(session, key: str, now: datetime) -> tuple[int | None, int]:
    """Add one to the identifier's attempts; (None, seconds to wait) while it must wait."""
    insert_ignoring(session, SignInThrottle, [{"key_hash": key, "failures": 0}], ["key_hash"])
    session.execute(update(SignInThrottle).where(
        SignInThrottle.key_hash == key, SignInThrottle.locked_until <= now - FORGET_AFTER)
        .values(failures=0, locked_until=None))
    counted = session.execute(
        update(SignInThrottle)
        .where(SignInThrottle.key_hash == key,
               (SignInThrottle.locked_until.is_(None)) | (SignInThrottle.locked_until <= now))
        .values(failures=SignInThrottle.failures + 1)
        .returning(SignInThrottle.failures)).scalar()
    if counted is not None:
        return counted, 0
    until = session.scalar(select(SignInThrottle.locked_until)
                           .where(SignInThrottle.key_hash == key))
    return None, max(1, math.ceil((until - now).total_seconds())) if until else 1


def _participant(account):
    return getattr(account, "participant", None) if account is not None else None


def unlock(session: Session, identifier: str) -> None:
    """Clear the failures of a phone (E.164) or e-mail address: the next attempt is checked."""
    key = email_key(identifier) if "@" in identifier else phone_key(identifier.strip())
    session.execute(update(SignInThrottle).where(SignInThrottle.key_hash == key)
                    .values(failures=0, locked_until=None))


def is_locked(session: Session, identifier: str, now: datetime) -> bool:
    """Whether attempts with this phone or e-mail must wait now (shown to staff)."""
    key = email_key(identifier) if "@" in identifier else phone_key(identifier.strip())
    until = session.scalar(select(SignInThrottle.locked_until)
                           .where(SignInThrottle.key_hash == key))
    return until is not None and until > now
