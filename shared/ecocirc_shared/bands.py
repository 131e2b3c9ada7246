"""Coarse forms of a figure: the range it lies in, a distance to 5 km, months to whole seasons.

Bounds are round numbers (1, 2, 5 times a power of ten; quarters; multiples of 5 km), the same for
everybody, so that a band says where a figure lies and nothing of where inside.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

_STEPS = (1.0, 2.0, 5.0)
DISTANCE_STEP_KM = 5.0
# Meteorological seasons: a month list is rounded out to the seasons it touches.
SEASONS = ((12, 1, 2), (3, 4, 5), (6, 7, 8), (9, 10, 11))
# Coverage at or above this is "all of it" (the matcher's own cut-off for a full cover).
FULL = 0.999


@dataclass(frozen=True, slots=True)
class Band:
    """`low <= value < high`; `low == high` when the band is one value (0, or all of a need)."""

    low: float
    high: float


def series_band(value: float) -> Band:
    """The 1-2-5 band of a value: 37 -> [20, 50), 120 -> [100, 200), 0.3 -> [0.2, 0.5)."""
    if value == 0 or not math.isfinite(value):
        return Band(0.0, 0.0)
    if value < 0:
        positive = series_band(-value)
        return Band(-positive.high, -positive.low)
    exponent = math.floor(math.log10(value))
    bounds = [step * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for step in _STEPS]
    bounds = sorted({_clean(b) for b in bounds})
    low = max(b for b in bounds if b <= value)
    return Band(low, min(b for b in bounds if b > low))


def share_band(share: float) -> Band:
    """A share in quarters: 0.81 -> [0.75, 1); a full share is exactly 1."""
    if share >= FULL:
        return Band(1.0, 1.0)
    low = math.floor(max(share, 0.0) * 4) / 4
    return Band(low, low + 0.25)


def rounded_distance(km: float) -> float:
    """To the nearest 5 km, never 0: two sites are never told they are at the same place."""
    return DISTANCE_STEP_KM * max(1, round(km / DISTANCE_STEP_KM))


def whole_seasons(months: Iterable[int]) -> tuple[int, ...]:
    """The months of every season the given months touch; no months (all year) stays all year."""
    chosen = set(months)
    if not chosen:
        return ()
    return tuple(sorted(m for season in SEASONS if chosen & set(season) for m in season))


def rounded(value: float, step: float) -> float:
    """To the nearest multiple of `step`, cleaned of float noise (0.1 + 0.2 is not 0.3)."""
    return _clean(round(value / step) * step)


def _clean(value: float) -> float:
    return float(f"{value:.10g}")
