"""Flow events are keyed by the zone of the flow's site, and each zone's key lands on its own partition."""

from __future__ import annotations

import collections

import pytest

from ecocirc_shared.kafka import partition_for
from ecocirc_shared.partitioning import flow_event_key, zone_of
from ecocirc_shared.reference.communes import commune_entries

SAMATAN = (43.4939, 0.9297)
AUCH = (43.6465, 0.5855)
LILLE = (50.6292, 3.0573)
STRASBOURG = (48.5734, 7.7521)
BREST = (48.3904, -4.4861)


@pytest.mark.parametrize("partitions", [1, 2, 3, 4, 8, 12])
def test_each_zone_key_lands_on_its_partition(partitions: int) -> None:
    for zone in range(partitions):
        lat, lon = next(
            (c.lat, c.lon) for c in commune_entries() if zone_of(c.lat, c.lon, partitions) == zone
        )
        key = flow_event_key(lat, lon, partitions)
        assert partition_for(key.encode(), partitions) == zone, key


def test_zones_hold_as_many_communes_each() -> None:
    counts = collections.Counter(zone_of(c.lat, c.lon, 4) for c in commune_entries())
    assert sorted(counts) == [0, 1, 2, 3]
    assert max(counts.values()) - min(counts.values()) <= len(commune_entries()) * 0.01


def test_neighbours_share_a_zone_and_the_corners_of_france_do_not() -> None:
    assert flow_event_key(*SAMATAN, 4) == flow_event_key(*AUCH, 4)
    corners = {zone_of(*p, 4) for p in (SAMATAN, LILLE, STRASBOURG, BREST)}
    assert len(corners) >= 3


def test_the_key_is_the_kafka_default_partitioners() -> None:
    # The reference value of murmur2 as the Java client computes it (Kafka's own test vector).
    assert partition_for(b"21", 2**31 - 1) == (-973932308 & 0x7FFFFFFF) % (2**31 - 1)
