"""Slowing down token guessing: failed authentications are counted per client and per token prefix.

Only failures are limited: a valid token is looked up first and always accepted, so a flood of bad
tokens (from one address, or from every client behind one proxy) cannot lock a real user out.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections import deque
from collections.abc import Callable, Iterable

# Twenty failures a minute is far above what a person mistyping or a misconfigured script makes,
# and far below what guessing needs (tokens are 256-bit random values).
MAX_FAILURES = 20
WINDOW_S = 60.0
# Keys tracked at once; the oldest are forgotten first, so memory stays bounded under a flood.
MAX_KEYS = 10_000
# Characters of a presented token that name its "prefix": guesses that keep a known beginning (a token
# half seen on a screen, in a log) are counted together, whichever addresses they come from.
PREFIX_LENGTH = 8
# An IPv6 client usually holds a whole /64: counting single addresses would let it rotate for free.
IPV6_CLIENT_PREFIX = 64


def client_key(host: str | None) -> str:
    """The key a client's failures are counted under: its IPv4 address, or its IPv6 /64."""
    if not host:
        return "client:unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"client:{host[:100]}"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"client:{address.ipv4_mapped}"
        network = ipaddress.ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False)
        return f"client:{network}"
    return f"client:{address}"


def prefix_key(token: str) -> str:
    """The key for the beginning of a presented token, hashed so no part of a token stays in memory."""
    digest = hashlib.sha256(token[:PREFIX_LENGTH].encode()).hexdigest()[:16]
    return f"prefix:{digest}"


def failure_keys(host: str | None, token: str) -> tuple[str, str]:
    return client_key(host), prefix_key(token)


class FailureLimiter:
    """Counts authentication failures per key over a sliding window (one process)."""

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

    def _recent(self, key: str) -> deque[float]:
        now = self._clock()
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def retry_after(self, keys: Iterable[str]) -> int | None:
        """Seconds to wait before a failure under any of these keys is answered 401 again, or None."""
        _refuse_bare_string(keys)
        if self._max == 0:
            return None  # limiting switched off
        waits = []
        for key in keys:
            failures = self._recent(key)
            if len(failures) >= self._max:
                waits.append(max(1, int(failures[0] + self._window - self._clock()) + 1))
        return max(waits) if waits else None

    def record_failure(self, keys: Iterable[str]) -> None:
        _refuse_bare_string(keys)
        if self._max == 0:
            return
        for key in keys:
            failures = self._recent(key)
            if key not in self._failures:
                if len(self._failures) >= MAX_KEYS:
                    del self._failures[next(iter(self._failures))]
                self._failures[key] = failures
            failures.append(self._clock())


def _refuse_bare_string(keys: Iterable[str]) -> None:
    # A string is an iterable of keys too: each of its characters would be counted as one.
    if isinstance(keys, str):
        raise TypeError("keys must be a collection of keys, not one string")
