"""SMS segment counting: GSM-7 (160 / 153 per part) or UCS-2 (70 / 67 per part)."""

import math

# GSM 03.38 basic character set and the extension table (each extension character costs two).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = set("^{}\\[~]|€")


def is_gsm7(text: str) -> bool:
    """Whether the text can travel in the 7-bit GSM alphabet."""
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def units(text: str) -> int:
    """Septets (GSM-7) or 16-bit code units (UCS-2) the text needs."""
    if is_gsm7(text):
        return sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many SMS parts the text is split into."""
    single, multi = (160, 153) if is_gsm7(text) else (70, 67)
    used = units(text)
    return 1 if used <= single else math.ceil(used / multi)
