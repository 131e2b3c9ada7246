"""Which partition of the flow-events topic a flow's events go to: the zone of its site, one per partition.

The matcher scales out by geography: each worker holds the flows of its zones (and of their borders)
in memory, so a zone's events must reach one worker. Intake computes the message key of every flow
event here, from the flow's coordinates and the number of partitions, and the matcher reads which
zones its partitions hold here too: they agree without either importing the other.

Zones are contiguous and hold about as many French communes each (a proxy for where companies are):
France, overseas included, is cut in two along its longer side at the quantile of communes that
gives each half its share of zones, then each half the same way (a recursive bisection). The key
names the zone and is chosen so that Kafka's default partitioner (murmur2 of the key, as aiokafka
and the Java client compute it) sends zone z to partition z: any producer that keys by it lands
where the matcher expects, without a custom partitioner.
"""

from __future__ import annotations

import math
from functools import lru_cache

from ecocirc_shared.kafka import partition_for
from ecocirc_shared.reference.communes import commune_entries

KM_PER_DEGREE = 111.0
# The cut on an axis ignores this share of communes at each end when it measures which side is
# longer (overseas departments would otherwise make France look as wide as the Atlantic).
SPREAD_QUANTILE = 0.02

# A node of the bisection: a zone number, or (axis, cut, below, above); axis 0 is latitude.
Node = int | tuple[int, float, "Node", "Node"]


def zone_of(lat: float, lon: float, zones: int) -> int:
    """The zone (0 to `zones` - 1) of a point; any point on Earth has one."""
    node = _tree(zones)
    while not isinstance(node, int):
        axis, cut, below, above = node
        node = below if (lat if axis == 0 else lon) < cut else above
    return node


def flow_event_key(lat: float, lon: float, partitions: int) -> str:
    """The message key of a flow event whose flow is at (lat, lon): its zone's key."""
    return zone_key(zone_of(lat, lon, partitions), partitions)


@lru_cache(maxsize=1024)
def zone_key(zone: int, partitions: int) -> str:
    """A key naming the zone, the first of its spellings that Kafka's partitioner sends to partition `zone`."""
    for salt in range(100_000):
        key = f"zone-{zone}-of-{partitions}.{salt}"
        if partition_for(key.encode(), partitions) == zone:
            return key
    raise ValueError(f"no key of zone {zone} lands on its partition among {partitions}")  # pragma: no cover


@lru_cache(maxsize=64)
def _tree(zones: int) -> Node:
    if zones < 1:
        raise ValueError("at least one zone")
    points = [(c.lat, c.lon) for c in commune_entries()]
    return _split(points, 0, zones)


def _split(points: list[tuple[float, float]], first: int, count: int) -> Node:
    if count == 1 or len(points) < 2:
        return first
    axis = 0 if _extent_km(points, 0) >= _extent_km(points, 1) else 1
    points = sorted(points, key=lambda p: p[axis])
    below_zones = count // 2
    at = round(len(points) * below_zones / count)
    cut = points[at][axis]
    return (
        axis,
        cut,
        _split(points[:at], first, below_zones),
        _split(points[at:], first + below_zones, count - below_zones),
    )


def _extent_km(points: list[tuple[float, float]], axis: int) -> float:
    values = sorted(p[axis] for p in points)
    trim = int(len(values) * SPREAD_QUANTILE)
    low, high = values[trim], values[-1 - trim]
    if axis == 0:
        return (high - low) * KM_PER_DEGREE
    middle = sorted(p[0] for p in points)[len(points) // 2]
    return (high - low) * KM_PER_DEGREE * math.cos(math.radians(middle))
