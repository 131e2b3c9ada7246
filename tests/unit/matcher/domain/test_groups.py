"""Mutualisation groups: only companies within the resource's reach of each other, bounded work per event."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from ecocirc_matcher.domain.groups import build_groups, group_keys
from ecocirc_matcher.domain.index import MAX_GROUP_CANDIDATES, MatchIndex
from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.scoring import road_km
from ecocirc_shared.flows import Category, FlowSnapshot, Site
from tests.unit.matcher.factories import need

COLLECTION = "waste_collection"  # reach 40 km


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


def collection_need(road_km_north: float) -> FlowSnapshot:
    flow = need("tournée de collecte mutualisée", category=Category.SERVICE, road_km=road_km_north)
    return flow.model_copy(update={"site": Site(lat=flow.site.lat, lon=flow.site.lon, territory="32")})


def groups_seen(index: MatchIndex, flows: list[FlowSnapshot]) -> list[frozenset[str]]:
    found = {p.synergy_id: p for f in flows for p in index.proposals_for(f) if p.group_key is not None}
    return [frozenset(str(m.flow_id) for m in p.flows) for p in found.values()]


def test_two_pairs_far_apart_make_two_groups_not_one_of_four(kb: Knowledge) -> None:
    assert kb.reach_km(COLLECTION) == 40
    flows = [collection_need(km) for km in (0, 10, 105, 115)]
    index = MatchIndex(kb)
    for flow in flows:
        index.put(flow)
    groups = groups_seen(index, flows)
    near, far = {str(f.flow_id) for f in flows[:2]}, {str(f.flow_id) for f in flows[2:]}
    assert sorted(map(sorted, groups)) == sorted([sorted(near), sorted(far)])


def test_every_two_members_of_a_group_are_within_reach(kb: Knowledge) -> None:
    # A chain: each is 30 km from the next, the ends 60 km apart (whatever cell they fall in).
    a, b, c = (collection_need(km) for km in (0, 30, 60))
    [key] = group_keys(a, kb)
    groups = build_groups(key, [a, b, c], kb)
    assert groups, "a chain still makes a group of the nearest pair"
    for group in groups:
        for x, y in itertools.combinations(group.flows, 2):
            assert road_km(x, y) <= kb.reach_km(COLLECTION)
        assert group.explanation.startswith(f"{len(group.flows)} entreprises proches")
    assert not any({a.flow_id, c.flow_id} <= {f.flow_id for f in g.flows} for g in groups)


def test_the_largest_group_keeps_the_key_identity(kb: Knowledge) -> None:
    big = [collection_need(km) for km in (0, 2, 4)]
    small = [collection_need(km) for km in (60, 62)]
    [key] = group_keys(big[0], kb)
    groups = build_groups(key, big + small, kb)
    assert [len(g.flows) for g in groups] == [3, 2]
    assert groups[0].synergy_id == key.synergy_id
    assert groups[1].synergy_id != key.synergy_id


def test_flows_far_apart_never_share_a_key(kb: Knowledge) -> None:
    # Cells are twice the reach wide: 300 km apart, two needs are never even compared.
    [here] = group_keys(collection_need(0), kb)
    [there] = group_keys(collection_need(300), kb)
    assert here != there


def test_the_work_of_an_event_on_groups_is_bounded(kb: Knowledge) -> None:
    index = MatchIndex(kb)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    crowd = [
        collection_need(0.01 * i).model_copy(update={"declared_at": start + timedelta(minutes=i)})
        for i in range(3 * MAX_GROUP_CANDIDATES)
    ]
    for flow in crowd:
        index.put(flow)
    # Declared last (the factory's flows would otherwise tie on declared_at and sort by random ids).
    newcomer = collection_need(0.5).model_copy(update={"declared_at": start + timedelta(days=1)})
    index.put(newcomer)
    [key] = index.group_keys_of(newcomer)
    before = index.evaluations
    groups = index.groups(key)
    assert index.evaluations - before <= MAX_GROUP_CANDIDATES * (MAX_GROUP_CANDIDATES - 1) // 2
    # The earliest declared are the ones considered: a newcomer beyond the cap joins no group yet.
    assert all(len(g.flows) <= MAX_GROUP_CANDIDATES for g in groups)
    assert not any(newcomer.flow_id in {f.flow_id for f in g.flows} for g in groups)
