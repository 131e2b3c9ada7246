"""Mutualisation groups: only companies within the resource's reach of each other, bounded work per event."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from ecocirc_matcher.domain.groups import build_groups, group_keys
from ecocirc_matcher.domain.index import MAX_GROUP_CANDIDATES, MatchIndex
from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.model import GroupKey
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


def first_key(flow: FlowSnapshot, kb: Knowledge) -> GroupKey:
    """The key of a flow's cell in the first grid (each flow has a key per grid)."""
    return min(group_keys(flow, kb), key=lambda k: k.area)


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
    groups = build_groups(first_key(a, kb), [a, b, c], kb)
    assert groups, "a chain still makes a group of the nearest pair"
    for group in groups:
        for x, y in itertools.combinations(group.flows, 2):
            assert road_km(x, y) <= kb.reach_km(COLLECTION)
        assert group.explanation.startswith(f"{len(group.flows)} entreprises proches")
    assert not any({a.flow_id, c.flow_id} <= {f.flow_id for f in g.flows} for g in groups)


def test_the_largest_group_keeps_the_key_identity(kb: Knowledge) -> None:
    big = [collection_need(km) for km in (0, 2, 4)]
    small = [collection_need(km) for km in (60, 62)]
    key = first_key(big[0], kb)
    groups = build_groups(key, big + small, kb)
    assert [len(g.flows) for g in groups] == [3, 2]
    assert groups[0].synergy_id == key.synergy_id
    assert groups[1].synergy_id != key.synergy_id


def test_flows_far_apart_never_share_a_key(kb: Knowledge) -> None:
    # Cells are twice the reach wide: 300 km apart, two needs are never even compared.
    here = group_keys(collection_need(0), kb)
    there = group_keys(collection_need(300), kb)
    assert here and there and not here & there


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
    key = min(index.group_keys_of(newcomer), key=lambda k: k.area)
    before = index.evaluations
    groups = index.groups(key)
    assert index.evaluations - before <= MAX_GROUP_CANDIDATES * (MAX_GROUP_CANDIDATES - 1) // 2
    # The earliest declared are the ones considered: a newcomer beyond the cap joins no group yet.
    assert all(len(g.flows) <= MAX_GROUP_CANDIDATES for g in groups)
    assert not any(newcomer.flow_id in {f.flow_id for f in g.flows} for g in groups)


def at(flow: FlowSnapshot, lat: float, territory: str) -> FlowSnapshot:
    return flow.model_copy(update={"site": Site(lat=lat, lon=flow.site.lon, territory=territory)})


def test_neighbours_across_a_cell_edge_and_a_department_border_make_one_group(kb: Knowledge) -> None:
    side = 2 * kb.reach_km(COLLECTION) / 111.0  # a first-grid cell, in degrees of latitude
    edge = (int(43.6 / side) + 1) * side
    south = at(collection_need(0), edge - 0.03, "32")
    north = at(collection_need(0), edge + 0.05, "31")  # about 9 km apart, either side of the edge
    index = MatchIndex(kb)
    for flow in (south, north):
        index.put(flow)
    groups = groups_seen(index, [south, north])
    assert groups == [frozenset({str(south.flow_id), str(north.flow_id)})], "one group, proposed once"


def test_companies_after_the_same_by_product_compete_and_make_no_group(kb: Knowledge) -> None:
    index = MatchIndex(kb)
    mills = [
        need("drêches de brasserie pour nos vaches", category=Category.MATERIAL, road_km=km) for km in (0, 5)
    ]
    for flow in mills:
        index.put(flow)
    assert groups_seen(index, mills) == []


def test_farms_buying_litter_pool_as_litter(kb: Knowledge) -> None:
    index = MatchIndex(kb)
    farms = [
        need("Litière : sciure ou paille", category=Category.MATERIAL, road_km=0),
        need("Paille pour la litière des canards", category=Category.MATERIAL, road_km=12),
    ]
    for flow in farms:
        index.put(flow)
    groups = {p.resource_class for f in farms for p in index.proposals_for(f) if p.group_key is not None}
    assert groups == {"use_animal_bedding"}


def test_companies_pool_within_a_territory_however_far_the_resource_travels(kb: Knowledge) -> None:
    # Fuel oil travels 300 km, but a joint fuel order is placed by neighbours.
    near = [need("Commande groupée de fioul", category=Category.ENERGY, road_km=km) for km in (0, 30)]
    far = [need("Commande groupée de fioul", category=Category.ENERGY, road_km=km) for km in (0, 200)]
    for flows, pooled in ((near, True), (far, False)):
        index = MatchIndex(kb)
        for flow in flows:
            index.put(flow)
        assert bool(groups_seen(index, flows)) is pooled


def test_a_hazardous_waste_round_is_regional_an_ordinary_one_local(kb: Knowledge) -> None:
    for label, pooled in (
        ("collecte de nos chiffons souillés et solvants", True),
        ("collecte de nos cartons", False),
    ):
        flows = [need(label, category=Category.SERVICE, road_km=km) for km in (0, 70)]
        index = MatchIndex(kb)
        for flow in flows:
            index.put(flow)
        assert bool(groups_seen(index, flows)) is pooled, label


def _collection(label: str, km: float) -> FlowSnapshot:
    return need(label, category=Category.SERVICE, road_km=km)


def test_a_collection_round_is_shared_for_one_waste_stream(kb: Knowledge) -> None:
    """Cardboard and biowaste are collected apart (D543-278): neighbours needing each are no group;
    two needing cardboard are, and so is one that names no stream."""
    cardboard = _collection("Collecte des cartons et films plastiques", 0)
    biowaste = _collection("Collecte des biodéchets de la cantine", 2)
    more_cardboard = _collection("Enlèvement de nos cartons", 3)
    anything = _collection("Collecte de nos déchets", 4)
    key = first_key(cardboard, kb)
    assert key.resource_class == COLLECTION
    assert not build_groups(key, [cardboard, biowaste], kb)
    assert build_groups(key, [cardboard, more_cardboard], kb)
    assert build_groups(key, [biowaste, anything], kb)


def test_a_hazardous_waste_round_takes_a_workshop_s_hazardous_wastes_together(kb: Knowledge) -> None:
    oils = _collection("Collecte des huiles usagées et filtres", 0).model_copy(update={"hazardous": True})
    paints = _collection("Collecte des pots de peinture et solvants", 2).model_copy(
        update={"hazardous": True}
    )
    key = first_key(oils, kb)
    assert build_groups(key, [oils, paints], kb)


def test_a_group_s_score_never_exceeds_how_surely_its_members_share_the_need(kb: Knowledge) -> None:
    """Neighbours, many and in season, still score no more than their shared need: co-location only
    tempers it. A need named in the labels scores more than one read only in descriptions."""
    named = [_collection("Collecte des cartons", km) for km in (0, 1, 2, 3)]
    described = [
        need(
            "Service pour l'atelier",
            description="Collecte des cartons",
            category=Category.SERVICE,
            road_km=km,
        )
        for km in (0, 1, 2, 3)
    ]
    (by_labels,) = build_groups(first_key(named[0], kb), named, kb)
    (by_descriptions,) = build_groups(first_key(described[0], kb), described, kb)
    for group in (by_labels, by_descriptions):
        assert group.score <= group.score_parts["resource"] + 1e-9
    assert by_descriptions.score_parts["resource"] < by_labels.score_parts["resource"] == 1.0
    assert by_descriptions.score < by_labels.score
