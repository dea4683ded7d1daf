"""Sign-in: the PIN or password hash on each account, and the lockout counter per identifier."""

import hashlib
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from diary.models.base import Base, UTCDateTime


class SignInMixin:
    """A PIN or password hash and the Flask-Login identity of an account."""

    secret_hash: Mapped[str] = mapped_column(String(256))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    is_authenticated = True
    is_anonymous = False

    def set_secret(self, secret: str) -> None:
        """Store a hash of the PIN or password."""
        self.secret_hash = generate_password_hash(secret)

    def check_secret(self, secret: str) -> bool:
        """Whether the PIN or password matches."""
        return check_password_hash(self.secret_hash, secret)

    def get_id(self) -> str:
        """Session identity; a new PIN or password ends remembered sessions."""
        stamp = hashlib.sha256(self.secret_hash.encode()).hexdigest()[:12]
        return f"{self.kind}:{self.id}:{stamp}"

    @property
    def is_active(self) -> bool:
        return True


class SignInThrottle(Base):
    """Failed sign-ins per identifier (keyed hash of a phone or e-mail), existing or not."""

    __tablename__ = "sign_in_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
