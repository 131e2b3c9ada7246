"""A territory as GeoJSON (RFC 7946): its companies as points, its leads as lines (a substitution
between its supplier and its receiver) or as the points of a group's members. Pure: the caller
decides what the reader may see (names, exact sites) before it gets here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

# A site outside the reader's territories is shown to about a kilometre (two decimals of a degree).
COARSE_DECIMALS = 2
# GeoJSON positions: six decimals are ~10 cm, more than any site is known to.
DECIMALS = 6


@dataclass(frozen=True)
class Place:
    """Where a participant is, as the reader may see it."""

    lon: float
    lat: float
    exact: bool

    def position(self) -> list[float]:
        decimals = DECIMALS if self.exact else COARSE_DECIMALS
        return [round(self.lon, decimals), round(self.lat, decimals)]


def point(lon: float, lat: float, properties: dict[str, Any], feature_id: UUID) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": str(feature_id),
        "geometry": {"type": "Point", "coordinates": Place(lon, lat, exact=True).position()},
        "properties": properties,
    }


def lead_geometry(kind: str, roles: Sequence[str], places: Sequence[Place | None]) -> dict[str, Any] | None:
    """A LineString from the supplier to the receiver of a two-party substitution; otherwise the
    MultiPoint of the participants placed; None when fewer than one is."""
    known = [(role, place) for role, place in zip(roles, places, strict=True) if place is not None]
    if not known:
        return None
    suppliers = [p for role, p in known if role == "supplier"]
    receivers = [p for role, p in known if role == "receiver"]
    if kind == "substitution" and len(suppliers) == 1 and len(receivers) == 1 and len(known) == 2:
        return {"type": "LineString", "coordinates": [suppliers[0].position(), receivers[0].position()]}
    return {"type": "MultiPoint", "coordinates": [p.position() for _, p in known]}


def feature(geometry: dict[str, Any], properties: dict[str, Any], feature_id: UUID) -> dict[str, Any]:
    return {"type": "Feature", "id": str(feature_id), "geometry": geometry, "properties": properties}


def collection(features: Sequence[dict[str, Any]], **foreign: Any) -> dict[str, Any]:
    """A FeatureCollection; `foreign` members (RFC 7946, 6.1) say what it is of."""
    return {"type": "FeatureCollection", **foreign, "features": list(features)}
