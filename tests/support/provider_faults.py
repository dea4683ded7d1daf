"""What the provider-compatible test servers share: injected trouble and snapshots of calls."""

from __future__ import annotations

import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class QuietServer(ThreadingHTTPServer):
    """Joins its handler threads on close; quiet about clients that drop the connection
    (they time out on purpose when latency is injected)."""

    daemon_threads = False
    fake: Any

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet."""


class LocalServer:
    """Serves the class's `handler` on a free port of 127.0.0.1 in a background thread."""

    handler: type[BaseHTTPRequestHandler]

    def _init_server(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # wakes handlers that sleep out injected latency
        self._server: QuietServer | None = None
        self._thread: threading.Thread | None = None

    def start(self):
        """Bind and serve (once; starting a started fake does nothing)."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = QuietServer(("127.0.0.1", 0), self.handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut down the server, wake sleeping handlers and close the socket."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def local_url(self) -> str:
        """http://127.0.0.1:<port> of the running server."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"


class FaultInjection:
    """Mixed into a fake that has `_lock`, `_messages`, `_requests`, `_faults` (a deque),
    `_latency`, `_fail_p`, `_rng` and `_down`."""

    def reset_faults(self) -> None:
        """No queued faults, no latency, no random failures (call with the lock held)."""
        self._faults.clear()
        self._latency, self._fail_p, self._rng = 0.0, 0.0, None
        self._down = None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Snapshot of recorded (accepted) messages, oldest first."""
        with self._lock:
            return [dict(m) for m in self._messages]

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Snapshot of every HTTP request seen, with the status answered."""
        with self._lock:
            return [dict(r) for r in self._requests]

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """Make the next n sends fail with `status` (message not recorded)."""
        with self._lock:
            self._faults.extend([("fail", float(status))] * n)

    def timeout_next(self, n: int = 1, seconds: float = 2.0) -> None:
        """Record the next n messages but sleep `seconds` before answering."""
        with self._lock:
            self._faults.extend([("timeout", float(seconds))] * n)

    def down(self, status: int | None = 503) -> None:
        """Answer every request (sending and listing) with `status`; None is back up."""
        with self._lock:
            self._down = status

    def latency(self, seconds: float) -> None:
        """Delay every response by `seconds`."""
        with self._lock:
            self._latency = seconds

    def fail_rate(self, p: float, seed: int = 0) -> None:
        """Fail a fraction p of sends with 500, deterministically per seed."""
        with self._lock:
            self._fail_p, self._rng = p, random.Random(seed)

    def next_fault(self) -> tuple[str, float] | None:
        """The fault for this send: queued first, then the random rate."""
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
            if fault is None and self._rng is not None and self._rng.random() < self._fail_p:
                fault = ("fail", 500.0)
            return fault
