"""Typed text: the characters no field stores (control codes break XML, logs and screens)."""

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_KEEPING_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Everything XML 1.0 cannot hold: C0 controls other than tab and line breaks, lone
# surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def has_control(text: str, multiline: bool = False) -> bool:
    """Whether the text holds a control character (a multi-line field may hold tabs and breaks)."""
    return (_CONTROL_KEEPING_LINES if multiline else _CONTROL).search(text) is not None


def without_control(text: str, multiline: bool = False) -> str:
    """The text as a person sees it: control characters removed."""
    return (_CONTROL_KEEPING_LINES if multiline else _CONTROL).sub("", text)


def xml_safe(text: str) -> str:
    """The text with every character XML 1.0 forbids dropped (older rows may hold one)."""
    return _NOT_XML.sub("", text)
