"""Great-circle distances and WGS84 sanity."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecocirc_shared.reference import great_circle_km, is_valid_lat_lon

lats = st.floats(min_value=-90, max_value=90)
lons = st.floats(min_value=-180, max_value=180)


def test_gimont_to_l_isle_jourdain() -> None:
    # Town centres about 16 km apart along the N124.
    assert great_circle_km(43.62064, 0.88098, 43.61449, 1.08128) == pytest.approx(16.1, abs=0.3)


def test_paris_to_toulouse() -> None:
    assert great_circle_km(48.8566, 2.3522, 43.6047, 1.4442) == pytest.approx(588, abs=3)


def test_antipodes_do_not_fail() -> None:
    assert great_circle_km(0, 0, 0, 180) == pytest.approx(math.pi * 6371.0088)


@pytest.mark.parametrize(
    ("lat", "lon", "valid"),
    [
        (43.6, 1.08, True),
        (-21.1, 55.5, True),
        (90, 180, True),
        (91, 0, False),
        (0, -180.1, False),
        (math.nan, 0, False),
        (0, math.inf, False),
    ],
)
def test_lat_lon_ranges(lat: float, lon: float, valid: bool) -> None:
    assert is_valid_lat_lon(lat, lon) is valid


@given(lats, lons, lats, lons)
def test_distance_is_symmetric_and_bounded(lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    d = great_circle_km(lat1, lon1, lat2, lon2)
    assert d == pytest.approx(great_circle_km(lat2, lon2, lat1, lon1), abs=1e-6)
    assert 0 <= d <= math.pi * 6371.0088 + 1e-6


@given(lats, lons, lats, lons, lats, lons)
def test_triangle_inequality(a: float, b: float, c: float, d: float, e: float, f: float) -> None:
    assert great_circle_km(a, b, e, f) <= great_circle_km(a, b, c, d) + great_circle_km(c, d, e, f) + 1e-6
