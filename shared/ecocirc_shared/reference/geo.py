"""Coordinate sanity checks and great-circle distances on the WGS84 globe."""

from __future__ import annotations

import math

# Mean Earth radius (IUGG): the sphere that minimises the haversine error over the globe (< 0.5 %).
EARTH_RADIUS_KM = 6371.0088


def is_valid_lat_lon(lat: float, lon: float) -> bool:
    """True when lat/lon are finite numbers within WGS84 ranges (any place on Earth, overseas included)."""
    return math.isfinite(lat) and math.isfinite(lon) and -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in km between two WGS84 points along the Earth's surface (haversine formula)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    # Rounding can push a a hair above 1 for antipodal points; asin would then raise.
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, a))))


# Roads are longer than the great circle; 1.3 is the usual detour factor for rural France. The matcher's
# reach rules and the leads advisors record by hand use the same estimate.
DETOUR_FACTOR = 1.3


def road_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Estimated road distance in km between two sites."""
    return DETOUR_FACTOR * great_circle_km(lat1, lon1, lat2, lon2)
