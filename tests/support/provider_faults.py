"""What the provider-compatible test servers share: injected trouble and snapshots of calls."""

from __future__ import annotations

import random
from typing import Any


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
