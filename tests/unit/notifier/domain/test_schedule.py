"""When queued emails fall due: the coalescing hold, its cap, the digest window, the SMTP backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ecocirc_notifier.domain.schedule import backoff, digest_due, proposal_due

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
HOLD, CAP = timedelta(seconds=30), timedelta(seconds=120)


def test_each_revision_restarts_the_hold() -> None:
    assert proposal_due(T0, T0 + timedelta(seconds=20), HOLD, CAP) == T0 + timedelta(seconds=50)


def test_the_hold_never_runs_past_its_cap() -> None:
    assert proposal_due(T0, T0 + timedelta(seconds=110), HOLD, CAP) == T0 + CAP


def test_a_cap_shorter_than_the_hold_counts_as_the_hold() -> None:
    assert proposal_due(T0, T0, HOLD, timedelta(0)) == T0 + HOLD


def test_a_digest_leaves_one_interval_after_its_oldest_news() -> None:
    assert digest_due(T0, timedelta(minutes=15)) == T0 + timedelta(minutes=15)


def test_backoff_doubles_up_to_ten_minutes() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [2, 4, 8]
    assert backoff(30) == timedelta(minutes=10)
