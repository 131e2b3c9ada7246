"""Coarse forms of figures: 1-2-5 bands, quarters, 5 km, whole seasons."""

from __future__ import annotations

import pytest

from ecocirc_shared import french
from ecocirc_shared.bands import Band, rounded_distance, series_band, share_band, whole_seasons


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (37, Band(20, 50)),
        (120, Band(100, 200)),
        (1234.5, Band(1000, 2000)),
        (0.3, Band(0.2, 0.5)),
        (50, Band(50, 100)),  # a bound belongs to the band above it
        (9.99, Band(5, 10)),
        (0, Band(0, 0)),
        (-116.2, Band(-200, -100)),
    ],
)
def test_a_figure_is_told_by_its_1_2_5_band(value: float, band: Band) -> None:
    assert series_band(value) == band


def test_shares_are_told_in_quarters_and_a_full_share_exactly() -> None:
    assert share_band(0.81) == Band(0.75, 1.0)
    assert share_band(0.6) == Band(0.5, 0.75)
    assert share_band(0.0) == Band(0.0, 0.25)
    assert share_band(1.0) == share_band(0.9995) == Band(1.0, 1.0)


@pytest.mark.parametrize(
    ("km", "rounded"), [(31.4, 30), (32.6, 35), (0.3, 5), (4.2, 5), (7.6, 10), (120.4, 120)]
)
def test_distances_are_told_to_5_km_never_0(km: float, rounded: float) -> None:
    assert rounded_distance(km) == rounded


def test_months_are_rounded_out_to_whole_seasons() -> None:
    assert whole_seasons((4, 5)) == (3, 4, 5)
    assert whole_seasons((5, 6)) == (3, 4, 5, 6, 7, 8)
    assert whole_seasons((12,)) == (1, 2, 12)
    assert whole_seasons(()) == ()  # all year stays all year
    assert french.seasons(whole_seasons((4, 5))) == "au printemps"
    assert french.seasons(whole_seasons((1, 6))) == "en hiver et en été"
    assert french.seasons(whole_seasons(range(1, 13))) == "toute l'année"
