"""Encryption at rest for phone numbers and names, and a keyed hash for look-ups."""

import hashlib
import hmac

from cryptography.fernet import Fernet, MultiFernet

_state: dict = {}


def configure(keys: str) -> None:
    """Install the comma-separated Fernet keys; the first encrypts, all decrypt."""
    fernets = [Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()]
    _state["cipher"] = MultiFernet(fernets)
    # The look-up hash key is derived from the first key so it needs no separate setting.
    _state["hash_key"] = hashlib.sha256(b"diary-lookup:" + keys.split(",")[0].encode()).digest()


def encrypt(value: str) -> str:
    """Encrypt a string for storage."""
    return _state["cipher"].encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt a stored string."""
    return _state["cipher"].decrypt(token.encode()).decode()


def lookup_hash(value: str) -> str:
    """A keyed, deterministic hash, so a phone number can be found without decrypting all."""
    return hmac.new(_state["hash_key"], value.encode(), hashlib.sha256).hexdigest()
