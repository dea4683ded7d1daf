"""Encryption at rest, a keyed hash for look-ups, and peppered hashes of PINs and passwords."""

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from werkzeug.security import check_password_hash, generate_password_hash

_state: dict = {}
PEPPERED = "peppered:"  # prefix of a hash made with a pepper: `peppered:<pepper id>$<hash>`


def configure(keys: str) -> None:
    """Install the comma-separated Fernet keys; the first encrypts, all decrypt."""
    written = [k for k in keys.split(",") if k.strip()]
    fernets = [Fernet(k.strip().encode()) for k in written]
    _state["cipher"], _state["first"] = MultiFernet(fernets), fernets[0]
    # The look-up hash key is derived from the first key (as written) so it needs no separate
    # setting; the others' keys find the hashes made while one of them was first.
    _state["hash_key"] = _hash_key(keys.split(",")[0])
    earlier = {_hash_key(v) for k in written for v in (k, k.strip())} - {_state["hash_key"]}
    _state["earlier_hash_keys"] = sorted(earlier)


def configure_peppers(peppers: str) -> None:
    """Install the comma-separated peppers; the first hashes new secrets, all still verify."""
    values = [p.strip() for p in peppers.split(",") if p.strip()]
    _state["peppers"] = {_pepper_id(p): p.encode() for p in values}
    _state["pepper_now"] = _pepper_id(values[0]) if values else None


class Sealed(str):
    """A value already encrypted with these keys (read raw from another encrypted column):
    stored as it is, so copying a number needs no second encryption."""


def encrypt(value: str) -> str:
    """Encrypt a string for storage (a `Sealed` one is already encrypted)."""
    if isinstance(value, Sealed):
        return str(value)
    return _state["cipher"].encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt a stored string."""
    return _state["cipher"].decrypt(token.encode()).decode()


def is_current(token: str) -> bool:
    """Whether a stored value is encrypted with the first key."""
    try:
        _state["first"].decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(token: str) -> Sealed:
    """A stored value encrypted again with the first key (it may have been with any)."""
    return Sealed(_state["cipher"].rotate(token.encode()).decode())


def lookup_hash(value: str) -> str:
    """A keyed, deterministic hash, so a phone number can be found without decrypting all."""
    return hmac.new(_state["hash_key"], value.encode(), hashlib.sha256).hexdigest()


def earlier_lookup_hashes(value: str) -> set[str]:
    """The value's look-up hashes under the other configured keys: what it was stored as while
    one of them was first."""
    return {hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
            for key in _state["earlier_hash_keys"]}


def has_earlier_keys() -> bool:
    """Whether hashes may have been made under another configured key."""
    return bool(_state["earlier_hash_keys"])


def _hash_key(key: str) -> bytes:
    return hashlib.sha256(b"diary-lookup:" + key.encode()).digest()


METHOD = "scrypt:32768:8:1"  # scrypt, N = 2**15, r = 8, p = 1: the cost is kept in each hash


def hash_secret(secret: str, method: str = METHOD) -> str:
    """A memory-hard hash of the secret mixed with the current pepper.

    The pepper lives in configuration, not in the database: a copied database alone no longer
    lets anyone try all million six-digit PINs against the hashes. Checking reads the cost
    from the hash itself.
    """
    pepper_id = _state.get("pepper_now")
    if pepper_id is None:
        return generate_password_hash(secret, method)
    return f"{PEPPERED}{pepper_id}${generate_password_hash(_mix(pepper_id, secret), method)}"


def check_secret(stored: str, secret: str) -> bool:
    """Whether the secret matches a stored hash, peppered with any configured pepper or none."""
    if not stored.startswith(PEPPERED):
        return check_password_hash(stored, secret)
    pepper_id, _, inner = stored[len(PEPPERED):].partition("$")
    if pepper_id not in _state.get("peppers", {}):
        return False
    return check_password_hash(inner, _mix(pepper_id, secret))


def needs_rehash(stored: str) -> bool:
    """Whether a hash was made without the current pepper (an older one, or none)."""
    current = _state.get("pepper_now")
    return current is not None and not stored.startswith(f"{PEPPERED}{current}$")


def _mix(pepper_id: str, secret: str) -> str:
    return hmac.new(_state["peppers"][pepper_id], secret.encode(), hashlib.sha256).hexdigest()


def _pepper_id(pepper: str) -> str:
    """A short public name of a pepper, stored beside each hash to find it again."""
    return hashlib.sha256(b"diary-pepper:" + pepper.encode()).hexdigest()[:8]
