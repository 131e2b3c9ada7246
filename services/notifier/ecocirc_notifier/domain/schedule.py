"""When queued emails become due: the hold that coalesces revisions, and the advisors' digest window."""

from __future__ import annotations

from datetime import datetime, timedelta


def proposal_due(first_queued: datetime, now: datetime, hold: timedelta, max_hold: timedelta) -> datetime:
    """Each revision pushes a waiting proposal back by `hold`, but never past `max_hold` after queueing.

    The cap keeps a synergy whose flows change every few seconds from never being announced.
    """
    return min(now + hold, first_queued + max(hold, max_hold))


def digest_due(oldest_waiting: datetime, interval: timedelta) -> datetime:
    """A digest leaves `interval` after the oldest news it carries was queued.

    So an advisor waits at most `interval` for any news, and gets at most one digest per interval.
    """
    return oldest_waiting + interval


def backoff(attempts: int, cap: timedelta = timedelta(minutes=10)) -> timedelta:
    """Wait before SMTP attempt `attempts + 1`: 2, 4, 8 s ... up to `cap`."""
    return min(cap, timedelta(seconds=2 ** min(attempts, 20)))
