"""The authentication-failure limiter: a sliding window per address, bounded memory."""

from __future__ import annotations

from ecocirc_intake.service_layer import auth_failures
from ecocirc_intake.service_layer.auth_failures import FailureLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_blocks_after_the_limit_and_forgives_after_the_window() -> None:
    clock = Clock()
    limiter = FailureLimiter(clock, max_failures=3, window_s=60)
    for _ in range(3):
        assert limiter.retry_after("10.0.0.1") is None
        limiter.record_failure("10.0.0.1")
    wait = limiter.retry_after("10.0.0.1")
    assert wait is not None and 1 <= wait <= 61
    assert limiter.retry_after("10.0.0.2") is None  # another address is not punished
    clock.now += 61
    assert limiter.retry_after("10.0.0.1") is None


def test_memory_stays_bounded_under_a_flood_of_addresses(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(auth_failures, "MAX_ADDRESSES", 100)
    limiter = FailureLimiter(Clock())
    for i in range(1000):
        limiter.record_failure(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._failures) <= 100
