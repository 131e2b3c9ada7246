"""The incremental index: it finds local partners, revises and retracts, and never scans everything."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ecocirc_matcher.domain.index import MatchIndex, cells_within
from ecocirc_matcher.domain.model import GroupKey, Proposal
from ecocirc_matcher.domain.regions import region_of
from ecocirc_shared.flows import Direction, FlowSnapshot, Site
from ecocirc_shared.synergies import Role, SynergyKind

SAMATAN = (43.4939, 0.9297)


class LabelKnowledge:
    """Fake knowledge: the label is the class; a need's label "x-need" pairs with offers "x"."""

    def classify(self, flow: FlowSnapshot) -> frozenset[str]:
        return frozenset({flow.label})

    def index_keys(self, flow: FlowSnapshot) -> frozenset[str]:
        return self.classify(flow)

    def partner_classes(self, resource_class: str, direction: Direction) -> frozenset[str]:
        return frozenset({resource_class})

    def reach_km(self, resource_class: str) -> float:
        return 5.0 if resource_class == "heat" else 50.0

    def carried_by_tanker(self, key: str) -> bool:
        return False

    def max_reach_km(self) -> float:
        return 50.0

    def prepare(self, flows: Iterable[FlowSnapshot]) -> None:
        pass


def km(a: FlowSnapshot, b: FlowSnapshot) -> float:
    dlat = math.radians(b.site.lat - a.site.lat)
    dlon = math.radians(b.site.lon - a.site.lon) * math.cos(math.radians(a.site.lat))
    return 6371.0 * math.hypot(dlat, dlon)


def judge(a: FlowSnapshot, b: FlowSnapshot, kb: Any) -> Proposal | None:
    if a.company_id == b.company_id or a.label != b.label or km(a, b) > kb.reach_km(a.label):
        return None
    kind = SynergyKind.SUBSTITUTION if a.direction is not b.direction else SynergyKind.MUTUALISATION
    if kind is SynergyKind.MUTUALISATION:
        a, b = sorted((a, b), key=lambda f: f.flow_id)  # the same content whichever side asks
    roles = (Role.SUPPLIER, Role.RECEIVER) if kind is SynergyKind.SUBSTITUTION else (Role.MEMBER, Role.MEMBER)
    return Proposal(
        kind=kind,
        flows=(a, b),
        roles=roles,
        resource_class=a.label,
        resource_label=a.label,
        score=1 - km(a, b) / 100,
        score_parts={},
        distance_km=km(a, b),
        explanation="",
    )


def flow(
    direction: str, label: str, lat: float, lon: float, version: int = 1, flow_id: uuid.UUID | None = None
) -> FlowSnapshot:
    return FlowSnapshot(
        flow_id=flow_id or uuid.uuid4(),
        company_id=uuid.uuid4(),
        version=version,
        direction=direction,
        category="waste",
        label=label,
        site=Site(lat=lat, lon=lon),
        declared_at=datetime.now(UTC),
    )


def label_groups(flow: FlowSnapshot, kb: Any) -> set[GroupKey]:
    """One group per label and direction in each one-degree square."""
    return {GroupKey(flow.label, flow.direction, f"{math.floor(flow.site.lat)}:{math.floor(flow.site.lon)}")}


def label_anchor(key: GroupKey) -> tuple[float, float]:
    """The middle of a label group's one-degree square."""
    lat, lon = (int(part) for part in key.area.split(":"))
    return lat + 0.5, lon + 0.5


def label_box(key: GroupKey) -> tuple[float, float, float, float]:
    """A label group's one-degree square."""
    lat, lon = (int(part) for part in key.area.split(":"))
    return lat, lat + 1, lon, lon + 1


def group(key: GroupKey, members: list[FlowSnapshot], kb: Any) -> list[Proposal]:
    near = [
        m
        for m in members
        if any(o.company_id != m.company_id and km(m, o) <= kb.reach_km(key.resource_class) for o in members)
    ]
    if len({m.company_id for m in near}) < 2:
        return []
    return [
        Proposal(
            kind=SynergyKind.MUTUALISATION,
            flows=tuple(sorted(near, key=lambda f: f.flow_id)),
            roles=tuple(Role.MEMBER for _ in near),
            resource_class=key.resource_class,
            resource_label=key.resource_class,
            score=0.5,
            score_parts={},
            distance_km=None,
            explanation="",
            group_key=key,
        )
    ]


def index() -> MatchIndex:
    return MatchIndex(
        LabelKnowledge(),  # type: ignore[arg-type]
        substitution=judge,
        keys_of=label_groups,
        grouping=group,
        box_of=label_box,
        anchor_of=label_anchor,
        max_span_km=160.0,
    )


def test_offer_then_need_proposes_once_and_a_removed_flow_is_no_partner() -> None:
    idx = index()
    offer = flow("offer", "sawdust", *SAMATAN)
    assert idx.upsert(offer) == []
    need = flow("need", "sawdust", SAMATAN[0] + 0.05, SAMATAN[1])
    [proposal] = idx.upsert(need)
    assert proposal.kind is SynergyKind.SUBSTITUTION
    assert idx.proposals_for(offer) == [proposal]
    idx.remove(offer.flow_id)
    assert idx.proposals_for(need) == []


def test_a_revision_that_moves_out_of_reach_has_no_proposal() -> None:
    idx = index()
    offer = flow("offer", "heat", *SAMATAN)
    need = flow("need", "heat", SAMATAN[0] + 0.02, SAMATAN[1])
    idx.upsert(offer)
    assert len(idx.upsert(need)) == 1
    moved = flow("need", "heat", SAMATAN[0] + 0.5, SAMATAN[1], version=2, flow_id=need.flow_id)
    assert idx.upsert(moved.model_copy(update={"company_id": need.company_id})) == []
    assert len(idx) == 2


def test_same_need_nearby_makes_one_group_that_outlives_a_member() -> None:
    idx = index()
    first = flow("need", "pallets", *SAMATAN)
    idx.upsert(first)
    [pair] = idx.upsert(flow("need", "pallets", SAMATAN[0], SAMATAN[1] - 0.1))
    [trio] = idx.upsert(flow("need", "pallets", SAMATAN[0] + 0.1, SAMATAN[1]))
    assert pair.kind is SynergyKind.MUTUALISATION and pair.synergy_id == trio.synergy_id
    assert len(trio.flows) == 3
    idx.remove(first.flow_id)
    [key] = label_groups(first, None)
    [remaining] = idx.groups(key)
    assert len(remaining.flows) == 2


def test_cells_cover_the_reach_in_every_direction() -> None:
    rng = random.Random(7)
    for _ in range(500):
        lat, lon = rng.uniform(42, 51), rng.uniform(-4, 8)
        bearing, dist = rng.uniform(0, 2 * math.pi), rng.uniform(0, 49.9)
        lat2 = lat + dist / 111.2 * math.cos(bearing)
        lon2 = lon + dist / (111.2 * math.cos(math.radians(lat))) * math.sin(bearing)
        from ecocirc_matcher.domain.index import cell_of

        assert cell_of(lat2, lon2) in set(cells_within(lat, lon, 50.0))


def test_work_per_event_does_not_grow_with_far_away_flows() -> None:
    """Evaluations for one new flow are the same with 10 or 5,000 unrelated flows elsewhere."""
    rng = random.Random(1)

    def evaluations_for_new_flow(background: int) -> int:
        idx = index()
        for _ in range(background):
            idx.upsert(
                flow(
                    rng.choice(["offer", "need"]),
                    rng.choice(["sawdust", "heat", "whey"]),
                    rng.uniform(45, 50),
                    rng.uniform(2, 7),
                )
            )  # far from the Gers
        for i in range(10):  # the local neighbourhood
            idx.upsert(flow("offer", "sawdust", SAMATAN[0] + 0.01 * i, SAMATAN[1]))
        before = idx.evaluations
        idx.upsert(flow("need", "sawdust", *SAMATAN))
        return idx.evaluations - before

    assert evaluations_for_new_flow(10) == evaluations_for_new_flow(5000) == 10


def test_every_proposal_is_owned_by_exactly_one_region_across_borders() -> None:
    rng = random.Random(4)
    idx = index()
    for _ in range(300):
        idx.put(
            flow(
                rng.choice(["offer", "need"]),
                rng.choice(["sawdust", "pallets", "heat"]),
                rng.uniform(46.6, 47.4),  # across the 47° N line between two rows of regions
                rng.uniform(1.2, 1.8),  # and the 1.5° E line between two columns
            )
        )
    everything = {p.synergy_id for p in idx.all_proposals()}
    owned = [p.synergy_id for r in idx.regions() for p in idx.owned_proposals(r)]
    assert len(everything) > 20
    assert sorted(owned) == sorted(everything)  # each once


def test_a_flow_is_visible_as_far_as_a_synergy_may_join_it() -> None:
    idx = index()
    heat = flow("need", "heat", 43.5, 1.1)
    assert idx.visibility_km(heat) == 5.0  # heat pairs within 5 km
    # Its group's one-degree square (label_groups) reaches over into the next column of regions, the
    # next row is beyond both.
    assert region_of(43.5, 1.9) in idx.sees(heat) and region_of(43.5, 1.9) != region_of(43.5, 1.1)
    assert region_of(44.5, 1.1) not in idx.sees(heat)
    sawdust = flow("offer", "sawdust", 43.99, 1.1)
    assert region_of(44.3, 1.1) in idx.sees(sawdust)  # 35 km north: within its 50 km
