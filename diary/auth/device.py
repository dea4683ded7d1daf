"""The device cookie: a signed note that an account signed in on this phone or browser before."""

import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from diary.services.people.sign_in import Device

COOKIE = "diary_device"
MAX_ACCOUNTS = 4  # a shared family phone: the participant and a caregiver or two


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="diary-device")


def _max_age() -> int:
    return int(current_app.config["DIARY_DEVICE_COOKIE_DAYS"]) * 24 * 3600


def current() -> Device | None:
    """The device this request comes from, when its cookie is genuine and not too old."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=_max_age())
        return Device(str(data["t"]), frozenset(str(i) for i in data["a"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def remember(response, account) -> None:
    """After a successful sign-in: add the account to the device's cookie (or start one)."""
    device = current()
    token = device.token if device else secrets.token_urlsafe(16)
    known = [i for i in sorted(device.identities if device else ()) if i != account.identity]
    identities = [account.identity, *known][:MAX_ACCOUNTS]
    response.set_cookie(COOKIE, _serializer().dumps({"t": token, "a": identities}),
                        max_age=_max_age(), httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
