"""What the Alibaba- and Tencent-compatible test servers share: a thread on 127.0.0.1, faults."""

from __future__ import annotations

import json
import re
from collections import deque
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from diary.sms import templates
from tests.support.provider_faults import FaultInjection, LocalServer, QuietServer

VARIABLE = {"aliyun": re.compile(r"\$\{(\w+)\}"), "tencent": re.compile(r"\{(\d+)\}")}


def registered_templates(provider: str, codes) -> dict[str, str]:
    """Template code → text in the provider's syntax, as if every wording were approved."""
    return {code: templates.provider_text(templates.TEXTS[kind][lang][variant], provider)
            for kind, lang, variant, _ in templates.every_wording()
            for code in [codes.codes[(templates.wording_id(kind, variant), lang)]]}


class _Handler(BaseHTTPRequestHandler):
    server: QuietServer

    def do_POST(self) -> None:
        """Every provider call here is a POST."""
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, body, delay = fake.route(self.path, headers, raw)
        if delay > 0 and fake._stopping.wait(delay):
            return
        payload = json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the access log."""


class ProviderFake(LocalServer, FaultInjection):
    """A provider-compatible HTTP server with stored messages, receipts and injected faults.

    `opted_out`, `invalid_numbers`, `rate_limited` and `undeliverable` hold E.164 numbers the
    provider treats as such; `fail_next`, `timeout_next`, `fail_rate` and `latency` inject
    trouble into sends.
    """

    handler = _Handler
    provider = ""

    def __init__(self, templates_by_code: dict[str, str], sign_name: str) -> None:
        self.templates, self.sign_name = dict(templates_by_code), sign_name
        self.invalid_numbers: set[str] = set()
        self.opted_out: set[str] = set()
        self.rate_limited: set[str] = set()
        self.undeliverable: set[str] = set()  # accepted, then an undelivered receipt
        self.now = lambda: datetime.now(UTC)  # tests with a simulated clock replace it
        self._init_server()
        self.reset()

    @property
    def endpoint(self) -> str:
        """The URL to give as DIARY_ALIYUN_ENDPOINT / DIARY_TENCENT_ENDPOINT."""
        return self.local_url

    def reset(self) -> None:
        with self._lock:
            self._messages: list[dict[str, Any]] = []
            self._requests: list[dict[str, Any]] = []
            self._faults: deque[tuple[str, float]] = deque()
            self.reset_faults()

    @property
    def sends(self) -> list[dict[str, Any]]:
        """The SendSms calls."""
        return [r for r in self.requests if r["action"] == "SendSms"]

    def set_status(self, sid: str, status: str, error_code: str | None = None) -> dict:
        """Give a stored message its receipt: delivered or undelivered (with a code)."""
        with self._lock:
            message = next(m for m in self._messages if m["sid"] == sid)
            message.update(status=status, error_code=error_code,
                           receipt_at=self.now())
            return dict(message)

    def route(self, path: str, headers: dict, raw: bytes) -> tuple[int, dict, float]:
        action, params, status, body, delay = self.dispatch(path, headers, raw)
        with self._lock:
            self._requests.append({"action": action, "params": params, "status": status})
            return status, body, delay + self._latency

    def dispatch(self, path, headers, raw) -> tuple[str, dict, int, dict, float]:
        raise NotImplementedError

    def render(self, code: str, values) -> str | None:
        """The text the phone shows: 【signature】 and the template with its values, or None."""
        text = self.templates.get(code)
        if text is None:
            return None
        names = VARIABLE[self.provider].findall(text)
        if self.provider == "aliyun":
            if any(name not in values for name in names):
                return None
            filled = VARIABLE["aliyun"].sub(lambda m: str(values[m[1]]), text)
        else:
            if len(values) != len(set(names)):
                return None
            filled = VARIABLE["tencent"].sub(lambda m: str(values[int(m[1]) - 1]), text)
        return f"【{self.sign_name}】{filled}"

    def store(self, sid: str, to: str, body: str, reference: str | None, code: str,
              params) -> dict:
        """Record an accepted message; numbers that opted out get an undelivered receipt."""
        message = {"sid": sid, "to": to, "body": body, "reference": reference,
                   "template": code, "params": params, "status": "sent", "error_code": None,
                   "created_at": self.now(), "receipt_at": None}
        with self._lock:
            self._messages.append(message)
            return dict(message)
