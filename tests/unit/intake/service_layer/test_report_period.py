"""A report's period is made of the programme's days, as its default last day is."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ecocirc_intake.service_layer.territory import period_of


def test_a_year_ends_at_midnight_in_the_programmes_time_zone() -> None:
    period = period_of(date(2026, 1, 1), date(2026, 12, 31), ZoneInfo("Europe/Paris"))
    # 00:30 on 1 January in Paris is 23:30 UTC on 31 December: next year's, not this one's.
    assert not period.holds(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert period.holds(datetime(2026, 12, 31, 22, 30, tzinfo=UTC))
    # And 00:30 on 1 January in Paris is this year's, though still 31 December in UTC.
    assert period.holds(datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
