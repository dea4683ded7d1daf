"""Phone numbers: parse what people type into E.164, and mask them for logs and screens."""

import phonenumbers


def normalize(raw: str, region: str = "CN") -> str | None:
    """E.164 for a valid number typed locally or internationally, else None."""
    cleaned = (raw or "").strip()
    if not cleaned or len(cleaned) > 32:
        return None
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(e164: str | None) -> str:
    """Only the last four digits, for logs and staff lists."""
    return "…" + e164[-4:] if e164 else ""


def is_mainland(e164: str) -> bool:
    """Numbers under +86, where carriers block links in messages."""
    return e164.startswith("+86")
