"""The authentication-failure limiter: a sliding window per key (client, token prefix), bounded memory."""

from __future__ import annotations

import pytest

from ecocirc_intake.service_layer import auth_failures
from ecocirc_intake.service_layer.auth_failures import FailureLimiter, client_key, failure_keys, prefix_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_blocks_after_the_limit_and_forgives_after_the_window() -> None:
    clock = Clock()
    limiter = FailureLimiter(clock, max_failures=3, window_s=60)
    for _ in range(3):
        assert limiter.retry_after(["client:10.0.0.1"]) is None
        limiter.record_failure(["client:10.0.0.1"])
    wait = limiter.retry_after(["client:10.0.0.1"])
    assert wait is not None and 1 <= wait <= 61
    assert limiter.retry_after(["client:10.0.0.2"]) is None  # another client is not punished
    # Any one key over its limit is enough.
    assert limiter.retry_after(["client:10.0.0.2", "client:10.0.0.1"]) == wait
    clock.now += 61
    assert limiter.retry_after(["client:10.0.0.1"]) is None


def test_a_limit_of_zero_switches_limiting_off() -> None:
    limiter = FailureLimiter(Clock(), max_failures=0)
    for _ in range(100):
        limiter.record_failure(["client:10.0.0.1"])
    assert limiter.retry_after(["client:10.0.0.1"]) is None


def test_memory_stays_bounded_under_a_flood_of_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth_failures, "MAX_KEYS", 100)
    limiter = FailureLimiter(Clock())
    for i in range(1000):
        limiter.record_failure(failure_keys(f"10.0.{i // 256}.{i % 256}", f"token-{i}"))
    assert len(limiter._failures) <= 100


def test_client_keys() -> None:
    assert client_key("192.0.2.7") == "client:192.0.2.7"
    # One IPv6 client holds a /64: rotating through it gives no fresh budget.
    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9") == "client:2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:192.0.2.7") == "client:192.0.2.7"
    assert client_key(None) == "client:unknown"


def test_prefix_keys_group_guesses_on_one_beginning_and_hold_no_token_text() -> None:
    token = "AbCdEfGh" + "x" * 35
    assert prefix_key(token) == prefix_key("AbCdEfGh-some-other-ending")
    assert prefix_key(token) != prefix_key("ZbCdEfGh" + "x" * 35)
    assert "AbCdEfGh" not in prefix_key(token)
