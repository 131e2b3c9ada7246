"""Slowing down token guessing: too many failed authentications from one address are refused for a while."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

# Twenty failures a minute is far above what a person mistyping or a misconfigured script makes,
# and far below what guessing needs (tokens are 256-bit random values).
MAX_FAILURES = 20
WINDOW_S = 60.0
# Addresses tracked at once; the oldest are forgotten first, so memory stays bounded under a flood.
MAX_ADDRESSES = 10_000


class FailureLimiter:
    """Counts authentication failures per client address over a sliding window (one process)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        max_failures: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
    ):
        self._clock = clock
        self._max = max_failures
        self._window = window_s
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, address: str) -> deque[float]:
        now = self._clock()
        failures = self._failures.get(address)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if not failures:
            del self._failures[address]
        return failures

    def retry_after(self, address: str) -> int | None:
        """Seconds the address must wait before trying again, or None if it may try now."""
        if self._max == 0:
            return None  # limiting switched off
        failures = self._recent(address)
        if len(failures) < self._max:
            return None
        return max(1, int(failures[0] + self._window - self._clock()) + 1)

    def record_failure(self, address: str) -> None:
        if self._max == 0:
            return
        failures = self._recent(address)
        if address not in self._failures:
            if len(self._failures) >= MAX_ADDRESSES:
                del self._failures[next(iter(self._failures))]
            self._failures[address] = failures
        failures.append(self._clock())
