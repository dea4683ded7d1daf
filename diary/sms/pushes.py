"""What Alibaba and Tencent push to us: delivery receipts and replies, read from their JSON."""

import hashlib
from dataclasses import dataclass

# What each provider expects back, or it pushes again.
ALIYUN_OK = {"code": 0, "msg": "成功"}
TENCENT_OK = {"result": 0, "errmsg": "OK"}


@dataclass(frozen=True)
class Receipt:
    sid: str
    status: str  # delivered | undelivered
    error_code: str | None
    reference: str | None = None


@dataclass(frozen=True)
class Reply:
    sid: str
    sender: str
    body: str


class BadPush(ValueError):
    """The pushed body is not what the provider sends."""


def _items(payload) -> list[dict]:
    items = payload if isinstance(payload, list) else [payload]
    if not items or not all(isinstance(item, dict) for item in items):
        raise BadPush("expected a JSON object or an array of objects")
    return items


def _text(item: dict, name: str) -> str:
    value = item.get(name)
    if value is None or isinstance(value, (dict, list)) or str(value).strip() == "":
        raise BadPush(f"missing {name}")
    return str(value).strip()


def e164(number: str, country: str = "") -> str:
    """+country and number; mainland numbers may come with neither +86 nor a country code."""
    digits = "".join(c for c in number if c.isdigit())
    if country:
        return "+" + country.lstrip("+") + digits
    return "+86" + digits if len(digits) == 11 and digits.startswith("1") else "+" + digits


def aliyun_receipts(payload) -> list[Receipt]:
    """The SmsReport array: biz_id, success, err_code, out_id."""
    found = []
    for item in _items(payload):
        delivered = item.get("success") in (True, "true", "True")
        found.append(Receipt(_text(item, "biz_id"), "delivered" if delivered else "undelivered",
                             None if delivered else str(item.get("err_code") or "FAIL")[:64],
                             str(item.get("out_id") or "") or None))
    return found


def aliyun_replies(payload) -> list[Reply]:
    """The SmsUp array: phone_number, content, sequence_id."""
    return [Reply(f"aliyun:{_text(item, 'sequence_id')}"[:64], e164(_text(item, "phone_number")),
                  str(item.get("content") or "")) for item in _items(payload)]


def tencent_receipts(payload) -> list[Receipt]:
    """The status callback array: sid, report_status, errmsg."""
    found = []
    for item in _items(payload):
        delivered = _text(item, "report_status") == "SUCCESS"
        found.append(Receipt(_text(item, "sid"), "delivered" if delivered else "undelivered",
                             None if delivered else str(item.get("errmsg") or "FAIL")[:64]))
    return found


def tencent_replies(payload) -> list[Reply]:
    """The reply callback: nationcode, mobile, text, time (no id: one is derived, stable)."""
    found = []
    for item in _items(payload):
        sender = e164(_text(item, "mobile"), str(item.get("nationcode") or ""))
        text = str(item.get("text") or "")
        digest = hashlib.sha256(f"{sender}|{item.get('time')}|{text}".encode()).hexdigest()
        found.append(Reply(f"tencent:{digest[:40]}", sender, text))
    return found
