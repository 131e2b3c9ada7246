"""The notifier's settings in the units its use cases work in."""

from __future__ import annotations

from datetime import timedelta

from ecocirc_notifier.options import notifier_options
from ecocirc_shared.settings import NotifierSettings


def test_defaults() -> None:
    options = notifier_options(NotifierSettings(embedded=True, advisor_digest_minutes=15))
    assert options.advisor_digest == timedelta(minutes=15)
    assert options.hold == timedelta(seconds=2) and options.max_hold == timedelta(seconds=10)
    assert options.max_attempts == 8
