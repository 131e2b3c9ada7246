"""Regions: a fixed grid of about 55 km cells, the unit the workers lock, load and re-derive by.

A flow is at home in the region of its site. An event may need the flows of every region within
the flow's visibility (`MatchIndex.visibility_km`), which is what a worker locks (shared) and reads
back from PostgreSQL; it locks its home region exclusively. A worker holds in memory the flows its
regions may need (`MatchIndex.sees`), not every flow. The grid depends on nothing but coordinates,
so every worker, every restart and the database agree on it (migration 002 computes it in SQL).
"""

from __future__ import annotations

import math
from functools import lru_cache

from ecocirc_shared.partitioning import zone_of
from ecocirc_shared.reference.communes import commune_entries

# Half a degree of latitude by three quarters of longitude: about 55 km by 52 km in the middle of
# France. Smaller, a worker holds fewer flows beyond its zones' borders (a flow is needed by whole
# regions), but an event locks more of them (a 300 km reach spans some 150); larger, the reverse
# (1 by 1.5 degrees: the busiest of 4 workers held 62% of the flows instead of 49%).
REGION_LAT_DEGREES = 0.5
REGION_LON_DEGREES = 0.75
# Region numbers: row (from the South Pole) times this, plus column (from the antimeridian).
ROW_STRIDE = 1000
KM_PER_DEGREE = 111.0

Box = tuple[float, float, float, float]  # south, north, west, east (degrees)
EDGE = 1e-9  # degrees: a box's north or east edge belongs to the next cell, as in floor()


def region_of(lat: float, lon: float) -> int:
    row = math.floor((lat + 90.0) / REGION_LAT_DEGREES)
    column = math.floor((lon + 180.0) / REGION_LON_DEGREES)
    return row * ROW_STRIDE + column


def region_box(region: int) -> Box:
    row, column = divmod(region, ROW_STRIDE)
    south = row * REGION_LAT_DEGREES - 90.0
    west = column * REGION_LON_DEGREES - 180.0
    return south, south + REGION_LAT_DEGREES, west, west + REGION_LON_DEGREES


def regions_near(lat: float, lon: float, radius_km: float) -> frozenset[int]:
    """Every region that may hold a point within `radius_km` (great circle) of (lat, lon)."""
    return regions_in_box(_box_around((lat, lat, lon, lon), radius_km))


def regions_around(region: int, radius_km: float) -> frozenset[int]:
    """Every region that may hold a point within `radius_km` of some point of `region`."""
    return regions_in_box(_box_around(region_box(region), radius_km))


def _box_around(box: Box, radius_km: float) -> Box:
    south, north, west, east = box
    dlat = radius_km / KM_PER_DEGREE
    # Longitude degrees shrink with latitude: take the latitude farthest from the equator.
    widest = min(89.0, max(abs(south), abs(north)) + dlat)
    dlon = radius_km / (KM_PER_DEGREE * max(0.01, math.cos(math.radians(widest))))
    return south - dlat, north + dlat, west - dlon, east + dlon


def regions_in_box(box: Box) -> frozenset[int]:
    """Every region that holds some point of the box, its north and east edges excluded (as cells are)."""
    south, north, west, east = box
    low = region_of(max(-90.0, south), max(-180.0, west))
    high = region_of(min(89.999, north - EDGE), min(179.999, east - EDGE))
    rows = range(low // ROW_STRIDE, high // ROW_STRIDE + 1)
    columns = range(low % ROW_STRIDE, high % ROW_STRIDE + 1)
    return frozenset(r * ROW_STRIDE + c for r in rows for c in columns)


@lru_cache(maxsize=256)
def zone_regions(zone: int, zones: int) -> frozenset[int]:
    """The regions where the communes of a zone are (a worker given that zone's partition holds them)."""
    return frozenset(
        region_of(c.lat, c.lon) for c in commune_entries() if zone_of(c.lat, c.lon, zones) == zone
    )
