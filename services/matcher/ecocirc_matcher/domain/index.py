"""The incremental index: which flows could pair with a new or changed one, found without a full scan.

Flows are indexed by (direction, key, geographic cell), a key being a resource class or another index
key of the knowledge (an offer's EWC entry, a need's NAF prefix: `Knowledge.index_keys`). A flow looks
only at the partner keys the knowledge allows, in the cells within their reach: the work for one event
is bounded by its local candidates, whatever the total number of flows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from uuid import UUID

from ecocirc_matcher.domain.groups import MAX_AREA_SPAN_KM, area_anchor, area_box, build_groups, group_keys
from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.domain.model import GroupKey, Proposal
from ecocirc_matcher.domain.pairing import (
    TANKER_REACH_KM,
    evaluate_mutualisation,
    evaluate_substitution,
    judge_substitution,
)
from ecocirc_matcher.domain.records import FlowRecord, record_of
from ecocirc_matcher.domain.regions import Box, region_of, regions_in_box, regions_near
from ecocirc_shared.flows import Direction, FlowSnapshot
from ecocirc_shared.synergies import SynergyKind

# A mutualisation group is formed among at most this many flows of its key (the earliest declared):
# with reach-sized keys (groups.areas_of), the work of an event on groups is bounded by
# keys-of-the-flow x MAX_GROUP_CANDIDATES^2 / 2 pairs, whatever the number of flows.
MAX_GROUP_CANDIDATES = 30

# 0.2 degree cells: about 22 km north-south and 16 km east-west in the south of France, so a
# 50 km reach scans a few dozen small buckets while a 5 km heat reach scans one to four.
CELL_DEGREES = 0.2
KM_PER_DEGREE_LAT = 111.0

# At most this many flows' `sees` kept (what an event asks again of the flows it writes).
SEES_MEMO_FLOWS = 10_000

# At most this many remembered pairwise group judgements (about 200 bytes each, both entries).
TOGETHER_MEMO_PAIRS = 1_000_000

Cell = tuple[int, int]
# Judges an offer and a need: a proposal or None.
PairJudge = Callable[[FlowSnapshot, FlowSnapshot, Knowledge], Proposal | None]
# Which groups a flow may belong to, and what a group of candidate members makes.
GroupKeys = Callable[[FlowSnapshot, Knowledge], set[GroupKey]]
GroupBuilder = Callable[[GroupKey, list[FlowSnapshot], Knowledge], list[Proposal]]
# Where a group key's area is: how far apart two of its flows may be, and the point it belongs to.
GroupBox = Callable[[GroupKey], Box]
GroupAnchor = Callable[[GroupKey], tuple[float, float]]


def cell_of(lat: float, lon: float) -> Cell:
    return (math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES))


def cell_box(lat: float, lon: float, radius_km: float) -> tuple[Cell, Cell]:
    """The lowest and highest cell of the box that holds every point within `radius_km` of (lat, lon)."""
    dlat = radius_km / KM_PER_DEGREE_LAT
    # Longitude degrees shrink with latitude; take the widest latitude in the box to stay safe.
    widest = min(89.0, abs(lat) + dlat)
    dlon = radius_km / (KM_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(widest))))
    return cell_of(lat - dlat, lon - dlon), cell_of(lat + dlat, lon + dlon)


def cells_within(lat: float, lon: float, radius_km: float) -> Iterator[Cell]:
    """Every cell that may hold a point within `radius_km` (great-circle) of (lat, lon)."""
    (lat_lo, lon_lo), (lat_hi, lon_hi) = cell_box(lat, lon, radius_km)
    for i in range(lat_lo, lat_hi + 1):
        for j in range(lon_lo, lon_hi + 1):
            yield (i, j)


class MatchIndex:
    """In-memory index of active flows; answers "which proposals does this flow take part in now"."""

    def __init__(
        self,
        kb: Knowledge,
        substitution: PairJudge = evaluate_substitution,
        keys_of: GroupKeys = group_keys,
        grouping: GroupBuilder = build_groups,
        box_of: GroupBox = area_box,
        anchor_of: GroupAnchor = area_anchor,
        max_span_km: float = MAX_AREA_SPAN_KM,
    ):
        self.kb = kb
        self._substitution = substitution
        self._keys_of = keys_of
        self._grouping = grouping
        self._box_of = box_of
        self._anchor_of = anchor_of
        self._max_span_km = max_span_km
        self._key_visibility: dict[tuple[Direction, str], float] = {}
        self.flows: dict[UUID, FlowSnapshot] = {}
        # Flows are known inside the index by their id's integer (a UUID hashes in Python, an int in C):
        # what pairing reads of each, worked out when it is indexed (`records.FlowRecord`), or, for a
        # custom judge (which reads the flows), the flow itself.
        self._judge_records = substitution is evaluate_substitution
        self._records: dict[int, FlowRecord] = {}
        self._snapshots: dict[int, FlowSnapshot] = {}
        self._sees: dict[int, tuple[FlowSnapshot, frozenset[int]]] = {}  # `sees`, by the flow it was for
        self._classes: dict[UUID, frozenset[str]] = {}
        # (direction, class) -> occupied cells -> flows: a lookup walks the cells within reach, or
        # only the occupied ones when fewer (a 300 km reach spans a thousand cells, mostly empty).
        self._buckets: dict[tuple[Direction, str], dict[Cell, set[int]]] = defaultdict(dict)
        self._group_members: dict[GroupKey, set[UUID]] = defaultdict(set)
        # Home region -> its flows, and region -> the group keys whose area it owns (re-derivation).
        self._homes: dict[int, set[UUID]] = defaultdict(set)
        self._owned_keys: dict[int, set[GroupKey]] = defaultdict(set)
        self._group_keys: dict[UUID, set[GroupKey]] = {}
        # What a group key makes, kept until one of its members changes: a batch or a re-derivation
        # asks for the same group once per member otherwise.
        self._groups: dict[GroupKey, list[Proposal]] = {}
        # Whether two members of a group can be together (the pairwise mutualisation judgement),
        # kept until either flow changes: a newcomer is judged against the members once, not every
        # pair of the group again. Kept as asked, (first, second): under the first flow as
        # (second, True) and under the second as (first, False), so either one's change forgets it.
        self._together: dict[int, dict[tuple[int, bool, str], bool]] = {}
        self._together_pairs = 0  # how many judgements it holds (each under both flows)
        self._memo_pairs = grouping is build_groups  # a custom grouping judges its own pairs
        self.evaluations = 0  # pairs judged: what the benchmark watches

    def __len__(self) -> int:
        return len(self.flows)

    def partners_of(self, flow: FlowSnapshot) -> frozenset[str]:
        """Every key a flow may pair with: partner keys for substitution, its own for mutualisation."""
        own = self.kb.index_keys(flow)
        return own.union(*(self.kb.partner_classes(c, flow.direction) for c in own))

    # --- partitioning: which flows an event of a region may need, and which region owns a synergy -----

    def visibility_km(self, flow: FlowSnapshot) -> float:
        """How far from its site an event may need this flow for a substitution: none joins it farther.

        A substitution is accepted only within the reach of one of the offer's keys (`pairing`: a
        class link checks the offer class's reach, a receiver link its EWC entry's): so an offer is
        seen as far as its own keys reach, a need as far as the keys of the offers that feed it
        reach. Road km: great-circle distances are shorter still.
        """
        indexed = self.flows.get(flow.flow_id)
        keys = (
            self._classes[flow.flow_id] if indexed is not None and indexed.version == flow.version else None
        )
        return max(
            (self._key_visibility_km(flow.direction, key) for key in keys or self.kb.index_keys(flow)),
            default=0.0,
        )

    def _key_visibility_km(self, direction: Direction, key: str) -> float:
        found = self._key_visibility.get((direction, key))
        if found is None:
            if direction is Direction.OFFER:
                found = self._reach_km(key)
            else:
                found = max(self._reach_km(o) for o in self.kb.partner_classes(key, direction) | {key})
            self._key_visibility[(direction, key)] = found
        return found

    def _reach_km(self, key: str) -> float:
        # Water pairs up to TANKER_REACH_KM when either side speaks of a tanker (`pairing`), which the
        # other side's words need not say: every water flow is seen that far.
        reach = self.kb.reach_km(key)
        return max(reach, TANKER_REACH_KM) if self.kb.carried_by_tanker(key) else reach

    def max_visibility_km(self) -> float:
        """The farthest any flow may be seen from, whatever its keys (the knowledge's longest reach)."""
        return max(self.kb.max_reach_km(), self._max_span_km)

    def sees(self, flow: FlowSnapshot) -> frozenset[int]:
        """The regions whose events may need this flow: those within its visibility, and those its groups'
        areas cross (an event recomputes a group from every flow of its area)."""
        # An event asks it of each flow it writes two or three times: what a flow sees depends on what
        # it says alone (indexed or not), so it is kept with the flow it was worked out for.
        kept = self._sees.get(flow.flow_id.int)
        if kept is not None and kept[0] is flow:
            return kept[1]
        indexed = self.flows.get(flow.flow_id)
        known = indexed is not None and indexed.version == flow.version
        found = regions_near(flow.site.lat, flow.site.lon, self.visibility_km(flow))
        for key in self._group_keys[flow.flow_id] if known else self._keys_of(flow, self.kb):
            found |= regions_in_box(self._box_of(key))
        if len(self._sees) >= SEES_MEMO_FLOWS:
            self._sees.clear()
        self._sees[flow.flow_id.int] = (flow, found)
        return found

    def owner(self, proposal: Proposal) -> int:
        """The region that re-derives a synergy: its offer's, or its group area's; one, whatever the borders."""
        if proposal.group_key is not None:
            return region_of(*self._anchor_of(proposal.group_key))
        if proposal.kind is SynergyKind.SUBSTITUTION:
            offer = proposal.flows[0]  # (pairing puts the offer first)
            if offer.direction is not Direction.OFFER:
                offer = next(f for f in proposal.flows if f.direction is Direction.OFFER)
            return region_of(offer.site.lat, offer.site.lon)
        first = min(proposal.flows, key=lambda f: str(f.flow_id))
        return region_of(first.site.lat, first.site.lon)

    def owned_proposals(self, region: int) -> list[Proposal]:
        """Every proposal `region` owns, among the indexed flows (each pair judged once, from its offer)."""
        found: dict[UUID, Proposal] = {}
        for flow_id in sorted(self._homes.get(region, ())):
            flow = self.flows[flow_id]
            if flow.direction is Direction.OFFER:
                found.update((p.synergy_id, p) for p in self._candidates(flow))
        for key in sorted(self._owned_keys.get(region, ())):
            found.update((g.synergy_id, g) for g in self.groups(key))
        return list(found.values())

    def homed_in(self, region: int) -> list[FlowSnapshot]:
        return [self.flows[i] for i in self._homes.get(region, ())]

    def regions(self) -> frozenset[int]:
        """The home regions of the indexed flows and the regions owning their group areas."""
        return frozenset(self._homes) | frozenset(self._owned_keys)

    def holds(self, flow_id: UUID, version: int | None) -> bool:
        """Whether the index has this flow at this version (None: whether it has no such flow)."""
        flow = self.flows.get(flow_id)
        return flow is None if version is None else flow is not None and flow.version == version

    def indexed_classes(self, flow_id: UUID) -> frozenset[str]:
        return self._classes.get(flow_id, frozenset())

    def upsert(self, flow: FlowSnapshot) -> list[Proposal]:
        """Index a new or changed flow and return every proposal it takes part in now."""
        self.put(flow)
        return self.proposals_for(flow)

    def proposals_for(self, flow: FlowSnapshot) -> list[Proposal]:
        """Every proposal an indexed flow takes part in, with the flows indexed now."""
        found = {p.synergy_id: p for p in self.substitutions_for(flow)}
        for key in self._group_keys.get(flow.flow_id, ()):
            for group in self.groups(key):
                if any(f.flow_id == flow.flow_id for f in group.flows):
                    found[group.synergy_id] = group
        return list(found.values())

    def all_proposals(self) -> list[Proposal]:
        """Every proposal among the indexed flows, each pair judged once (from its offer's side).

        An offer looks at every need class it feeds within the longest reach involved, which is
        all a substitution can join, so asking the needs again would only judge each pair twice.
        """
        found: dict[UUID, Proposal] = {}
        for flow in self.flows.values():
            if flow.direction is Direction.OFFER:
                found.update((p.synergy_id, p) for p in self._candidates(flow))
        for key in list(self._group_members):
            found.update((g.synergy_id, g) for g in self.groups(key))
        return list(found.values())

    def group_keys_of(self, flow: FlowSnapshot) -> set[GroupKey]:
        return self._keys_of(flow, self.kb)

    def substitutions_for(self, flow: FlowSnapshot) -> list[Proposal]:
        """The substitutions an indexed flow takes part in (its groups apart), with the flows indexed now."""
        return list(self._candidates(flow))

    def groups(self, key: GroupKey) -> list[Proposal]:
        """The mutualisation groups of `key` with the flows indexed now (at most MAX_GROUP_CANDIDATES)."""
        cached = self._groups.get(key)
        if cached is not None:
            return cached
        members = sorted(
            (self.flows[i] for i in self._group_members.get(key, ())),
            key=lambda f: (f.declared_at, str(f.flow_id)),
        )[:MAX_GROUP_CANDIDATES]
        if len(members) < 2:
            found: list[Proposal] = []
        elif self._memo_pairs:
            found = build_groups(key, members, self.kb, together=self._together_memo)
        else:
            self.evaluations += len(members) * (len(members) - 1) // 2
            found = self._grouping(key, members, self.kb)
        self._groups[key] = found
        return found

    def _together_memo(self, a: FlowSnapshot, b: FlowSnapshot, resource_class: str) -> bool:
        a_id, b_id = a.flow_id.int, b.flow_id.int
        known = self._together.get(a_id)
        if known is not None and (answer := known.get((b_id, True, resource_class))) is not None:
            return answer
        self.evaluations += 1
        answer = evaluate_mutualisation(a, b, self.kb, resource_class) is not None
        if self._together_pairs >= TOGETHER_MEMO_PAIRS:
            # Pairs grow as the square of a group's size: past the bound, start afresh.
            self._together.clear()
            self._together_pairs = 0
        self._together.setdefault(a_id, {})[(b_id, True, resource_class)] = answer
        self._together.setdefault(b_id, {})[(a_id, False, resource_class)] = answer
        self._together_pairs += 1
        return answer

    def put(self, flow: FlowSnapshot) -> None:
        """Index a flow without judging it (a flow another worker has already judged)."""
        self.remove(flow.flow_id)
        classes = self.kb.index_keys(flow)
        self.flows[flow.flow_id] = flow
        if self._judge_records:
            self._records[flow.flow_id.int] = record_of(flow, self.kb)
        else:
            self._snapshots[flow.flow_id.int] = flow
        self._classes[flow.flow_id] = classes
        cell = cell_of(flow.site.lat, flow.site.lon)
        for c in classes:
            self._buckets[(flow.direction, c)].setdefault(cell, set()).add(flow.flow_id.int)
        self._homes[region_of(flow.site.lat, flow.site.lon)].add(flow.flow_id)
        keys = self._keys_of(flow, self.kb)
        self._group_keys[flow.flow_id] = keys
        for key in keys:
            if key not in self._group_members:
                self._owned_keys[region_of(*self._anchor_of(key))].add(key)
            self._group_members[key].add(flow.flow_id)
            self._groups.pop(key, None)

    def remove(self, flow_id: UUID) -> None:
        flow = self.flows.pop(flow_id, None)
        if flow is None:
            return
        number = flow_id.int
        self._records.pop(number, None)
        self._snapshots.pop(number, None)
        self._sees.pop(number, None)
        cell = cell_of(flow.site.lat, flow.site.lon)
        home = region_of(flow.site.lat, flow.site.lon)
        self._homes[home].discard(flow_id)
        if not self._homes[home]:
            del self._homes[home]
        for c in self._classes.pop(flow_id):
            cells = self._buckets.get((flow.direction, c))
            bucket = cells.get(cell) if cells is not None else None
            if cells is not None and bucket is not None:
                bucket.discard(number)
                if not bucket:
                    del cells[cell]
                    if not cells:
                        del self._buckets[(flow.direction, c)]
        known = self._together.pop(number, {})
        self._together_pairs -= len(known)
        for other, asked_first, resource_class in known:
            self._together.get(other, {}).pop((number, not asked_first, resource_class), None)
        for key in self._group_keys.pop(flow_id, ()):
            self._groups.pop(key, None)
            members = self._group_members.get(key)
            if members is not None:
                members.discard(flow_id)
                if not members:
                    del self._group_members[key]
                    owner = region_of(*self._anchor_of(key))
                    self._owned_keys[owner].discard(key)
                    if not self._owned_keys[owner]:
                        del self._owned_keys[owner]

    def _neighbours(
        self, flow: FlowSnapshot, direction: Direction, classes: frozenset[str], radius_km: float
    ) -> set[int]:
        found: set[int] = set()
        (lat_lo, lon_lo), (lat_hi, lon_hi) = cell_box(flow.site.lat, flow.site.lon, radius_km)
        area = (lat_hi - lat_lo + 1) * (lon_hi - lon_lo + 1)
        for c in classes:
            cells = self._buckets.get((direction, c))
            if not cells:
                continue
            if len(cells) < area:
                found.update(
                    *(
                        members
                        for (i, j), members in cells.items()
                        if lat_lo <= i <= lat_hi and lon_lo <= j <= lon_hi
                    )
                )
            else:
                found.update(
                    *(
                        cells[cell]
                        for cell in cells_within(flow.site.lat, flow.site.lon, radius_km)
                        if cell in cells
                    )
                )
        found.discard(flow.flow_id.int)
        return found

    def _candidates(self, flow: FlowSnapshot) -> Iterator[Proposal]:
        own = self._classes[flow.flow_id]
        other = Direction.NEED if flow.direction is Direction.OFFER else Direction.OFFER
        partners = frozenset().union(*(self.kb.partner_classes(c, flow.direction) for c in own))
        # The pairing never accepts beyond the reach of the classes involved, so this radius
        # cannot miss a pair it would accept.
        radius = max(self.kb.reach_km(c) for c in own | partners)
        neighbours = self._neighbours(flow, other, partners, radius)
        self.evaluations += len(neighbours)
        if self._judge_records:
            kb, records = self.kb, self._records
            mine = records[flow.flow_id.int]
            for other_id in neighbours:
                theirs = records[other_id]
                found = (
                    judge_substitution(mine, theirs, kb)
                    if mine.offer
                    else judge_substitution(theirs, mine, kb)
                )
                if found is not None:
                    yield found
            return
        for other_id in neighbours:
            o = self._snapshots[other_id]
            offer, need = (flow, o) if flow.direction is Direction.OFFER else (o, flow)
            proposal = self._substitution(offer, need, self.kb)
            if proposal is not None:
                yield proposal
