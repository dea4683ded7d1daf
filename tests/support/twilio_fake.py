"""In-process fake of Twilio's 2010-04-01 Messages API for tests (stdlib only)."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import secrets
import string
import uuid
from collections import deque
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.support.provider_faults import FaultInjection, LocalServer, QuietServer

API = "/2010-04-01"
_PATH = re.compile(r"/2010-04-01/Accounts/([^/]+)/Messages(?:/([^/]+))?\.json")
_E164 = re.compile(r"(?:whatsapp:)?\+[1-9]\d{6,14}")
_GSM = set(string.printable) - {"`", "\t", "\x0b", "\x0c"} | set("£¥èéùìòÇØøÅåÆæßÉÄÖÑÜ§¿äöñüà¡¤")
_GSM_EXT = set("^{}\\[~]|€")
_FAULT_CODES = {429: 20429, 500: 20500, 503: 20503}
_PRIVATE = ("status_callback",)
_FILTERS = ("To", "From", "DateSent", "DateSent<", "DateSent>")


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    """Build a Twilio legacy-format error body."""
    more = f"https://www.twilio.com/docs/errors/{code}"
    return {"code": code, "message": message, "more_info": more, "status": status}


def num_segments(body: str) -> int:
    """Approximate Twilio's segment count (GSM-7 160/153, UCS-2 70/67)."""
    if all(c in _GSM or c in _GSM_EXT for c in body):
        units, single, multi = sum(2 if c in _GSM_EXT else 1 for c in body), 160, 153
    else:
        units, single, multi = len(body.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / multi)


def _parse_when(value: str) -> tuple[datetime, bool]:
    """Parse a DateSent filter value; returns (instant, is_date_only)."""
    if len(value) == 10:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC), True
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (when if when.tzinfo else when.replace(tzinfo=UTC)), False


class _Handler(BaseHTTPRequestHandler):
    server: QuietServer
    server_version = "FakeTwilio/1.0"

    def do_GET(self) -> None:
        """Handle GET."""
        self._handle("GET")

    def do_POST(self) -> None:
        """Handle POST."""
        self._handle("POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        url = urlsplit(self.path)
        form = dict(parse_qsl(raw, keep_blank_values=True))
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        auth = self.headers.get("Authorization", "")
        status, body, delay = fake._route(method, url.path, query, form, auth)
        if delay > 0 and fake._stopping.wait(delay):
            return  # server is stopping: drop the answer
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="Twilio API"')
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # client already gave up (timeout injection)


class FakeTwilio(LocalServer, FaultInjection):
    """Twilio-compatible HTTP server on 127.0.0.1 with fault injection."""

    handler = _Handler

    def __init__(self, account_sid: str | None = None, auth_token: str | None = None) -> None:
        """Create (not start) the fake; credentials are random unless given."""
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.invalid_numbers: set[str] = set()
        self.opted_out: set[str] = set()
        self._init_server()
        self.reset()

    @property
    def base_url(self) -> str:
        """Root URL to use instead of https://api.twilio.com."""
        return self.local_url

    def reset(self) -> None:
        """Forget messages, requests, faults, latency and number sets."""
        with self._lock:
            self._messages: list[dict[str, Any]] = []
            self._requests: list[dict[str, Any]] = []
            self._faults: deque[tuple[str, float]] = deque()
            self.reset_faults()
            self.invalid_numbers.clear()
            self.opted_out.clear()

    def set_status(self, sid: str, status: str, error_code: int | None = None) -> dict[str, Any]:
        """Change a stored message's status (and error_code); returns the updated copy."""
        now = format_datetime(datetime.now(UTC))
        with self._lock:
            msg = next((m for m in self._messages if m["sid"] == sid), None)
            if msg is None:
                raise KeyError(sid)
            msg.update(status=status, error_code=error_code, date_updated=now)
            if status in ("sent", "delivered", "undelivered") and not msg["date_sent"]:
                msg["date_sent"] = now
            return dict(msg)

    def _route(
        self, method: str, path: str, query: dict[str, str], form: dict[str, str], auth: str
    ) -> tuple[int, dict[str, Any], float]:
        status, body, delay = self._dispatch(method, path, query, form, auth)
        with self._lock:
            self._requests.append(
                {"method": method, "path": path, "query": query, "form": form, "status": status}
            )
            return status, body, delay + self._latency

    def _authorized(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        expected = f"{self.account_sid}:{self.auth_token}"
        return scheme.lower() == "basic" and secrets.compare_digest(decoded, expected)

    def _dispatch(
        self, method: str, path: str, query: dict[str, str], form: dict[str, str], auth: str
    ) -> tuple[int, dict[str, Any], float]:
        if self._down is not None:
            code = _FAULT_CODES.get(self._down, self._down)
            return self._down, twilio_error(self._down, code, HTTPStatus(self._down).phrase), 0.0
        if not self._authorized(auth):
            return 401, twilio_error(401, 20003, "Authenticate"), 0.0
        m = _PATH.fullmatch(path)
        found = None
        if m and m[1] == self.account_sid:
            if method == "POST" and m[2] is None:
                return self._create(form)
            if method == "GET" and m[2] is None:
                return self._list(query)
            with self._lock:
                found = next((_public(x) for x in self._messages if x["sid"] == m[2]), None)
        if found is None or method != "GET":
            msg = f"The requested resource {path} was not found"
            return 404, twilio_error(404, 20404, msg), 0.0
        return 200, found, 0.0

    def _create(self, form: dict[str, str]) -> tuple[int, dict[str, Any], float]:
        fault = self.next_fault()
        if fault and fault[0] == "fail":
            status = int(fault[1])
            code = _FAULT_CODES.get(status, status)
            return status, twilio_error(status, code, HTTPStatus(status).phrase), 0.0
        delay = fault[1] if fault else 0.0
        to, from_ = form.get("To", "").strip(), form.get("From", "").strip() or None
        service, body = form.get("MessagingServiceSid") or None, form.get("Body", "")
        error = None
        if not to:
            error = (21604, "A 'To' phone number is required.")
        elif to in self.invalid_numbers or not _E164.fullmatch(to):
            error = (21211, f"The 'To' number {to} is not a valid phone number.")
        elif not from_ and not service:
            error = (21603, "A 'From' phone number is required.")
        elif not body and not form.get("MediaUrl"):
            error = (21602, "Message body is required.")
        elif len(body) > 1600:
            error = (21617, "The concatenated message body exceeds the 1600 character limit.")
        elif to in self.opted_out:
            error = (21610, "Attempt to send to unsubscribed recipient")
        if error:
            return 400, twilio_error(400, *error), delay
        sid, now = "SM" + uuid.uuid4().hex, format_datetime(datetime.now(UTC))
        uri = f"{API}/Accounts/{self.account_sid}/Messages/{sid}"
        msg: dict[str, Any] = {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": from_,
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": str(num_segments(body)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued" if from_ else "accepted",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": to,
            "uri": f"{uri}.json",
            "status_callback": form.get("StatusCallback"),
        }
        with self._lock:
            self._messages.append(msg)
            return 201, _public(msg), delay

    def _list(self, query: dict[str, str]) -> tuple[int, dict[str, Any], float]:
        filters = {k: query[k] for k in _FILTERS if query.get(k)}
        try:
            size = max(1, min(1000, int(query.get("PageSize", 50))))
            page = max(0, int(query.get("Page", 0)))
            checks = [(k, v if k in ("To", "From") else _parse_when(v)) for k, v in filters.items()]
        except ValueError as exc:
            return 400, twilio_error(400, 20001, f"Invalid parameter: {exc}"), 0.0
        with self._lock:
            items = [_public(m) for m in reversed(self._messages) if _matches(m, checks)]
        start = page * size
        chunk = items[start : start + size]

        def page_uri(p: int) -> str:
            qs = urlencode({**filters, "PageSize": size, "Page": p})
            return f"{API}/Accounts/{self.account_sid}/Messages.json?{qs}"

        body = {
            "messages": chunk,
            "page": page,
            "page_size": size,
            "start": start,
            "end": start + max(len(chunk) - 1, 0),
            "uri": page_uri(page),
            "first_page_uri": page_uri(0),
            "previous_page_uri": page_uri(page - 1) if page else None,
            "next_page_uri": page_uri(page + 1) if start + size < len(items) else None,
        }
        return 200, body, 0.0


def _public(msg: dict[str, Any]) -> dict[str, Any]:
    """Drop fake-only keys before serializing a message."""
    return {k: v for k, v in msg.items() if k not in _PRIVATE}


def _matches(msg: dict[str, Any], checks: list[tuple[str, Any]]) -> bool:
    """Apply To/From/DateSent filters (DateSent falls back to date_created)."""
    sent = parsedate_to_datetime(msg["date_sent"] or msg["date_created"])
    for key, want in checks:
        if key in ("To", "From"):
            if msg[key.lower()] != want:
                return False
            continue
        when, date_only = want
        upper = when + timedelta(days=1) if date_only else when
        if key == "DateSent" and not (when <= sent < upper if date_only else sent == when):
            return False
        if key == "DateSent>" and sent < when:
            return False
        if key == "DateSent<" and (sent >= upper if date_only else sent > when):
            return False
    return True
