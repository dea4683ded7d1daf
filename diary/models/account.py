"""Sign-in: hashes and session generations of accounts, and the counters that slow guessing."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from diary import crypto
from diary.models.base import Base, UTCDateTime


class SessionIdentity:
    """The Flask-Login identity of an account with a `kind`, an `id` and a session generation."""

    __slots__ = ()
    is_authenticated = True
    is_anonymous = False

    @property
    def identity(self) -> str:
        """Who this is, stable across sessions: `participant:12`."""
        return f"{self.kind}:{self.id}"

    def get_id(self) -> str:
        """Session identity, with the generation that sign-out and a new secret advance."""
        return f"{self.identity}:{self.session_generation or 0}"


class SignInMixin(SessionIdentity):
    """A peppered PIN or password hash of an account, and its session generation."""

    secret_hash: Mapped[str] = mapped_column(String(256))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the session identity: advancing it ends every session and remember cookie.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    def set_secret(self, secret: str) -> None:
        """Store a hash of a new PIN or password, ending the account's sessions everywhere."""
        self.secret_hash = crypto.hash_secret(secret)
        self.end_sessions()

    def check_secret(self, secret: str) -> bool:
        """Whether the PIN or password matches."""
        return crypto.check_secret(self.secret_hash, secret)

    def rehash_if_needed(self, secret: str) -> None:
        """After a successful check: hash again with the current pepper, sessions untouched."""
        if crypto.needs_rehash(self.secret_hash):
            self.secret_hash = crypto.hash_secret(secret)

    def end_sessions(self) -> None:
        """Invalidate every session and remember cookie issued so far."""
        self.session_generation = (self.session_generation or 0) + 1

    @property
    def is_active(self) -> bool:
        return True


class SignInThrottle(Base):
    """Failed sign-ins per identifier (keyed hash of a phone, e-mail or device), existing or not.

    `locked_until` is the earliest next attempt: after a few failures each one waits longer.
    """

    __tablename__ = "sign_in_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RateLimitCounter(Base):
    """A fixed-window request counter of the rate limiter when no Redis is configured."""

    __tablename__ = "rate_limit_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    hits: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
