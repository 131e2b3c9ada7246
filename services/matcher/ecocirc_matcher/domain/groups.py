"""Mutualisation as groups of companies within a resource's reach of each other, not a lead per pair.

Five neighbouring companies that all need pallets make one lead an advisor can act on (a grouped
purchase), not ten pairwise ones. Only needs that can be pooled make groups (a purchase, a service,
staff, training, equipment, transport, a collection round, heat: `Knowledge.shared_need`); two
companies after the same by-product compete for it. Groups are formed per key: a resource class, a
direction and a cell of a grid whose side is twice the resource's reach, so an event only ever looks at
the flows of a few bounded neighbourhoods. Four such grids, shifted by half a cell along each axis,
make sure two companies within reach of each other share a cell of at least one of them, wherever a
cell edge or a department border falls; a group is kept under the first grid in which all its members
share a cell, so the grids do not propose it twice. Inside a key, every two members of a group are
within the resource's reach of each other (and pass every other pairwise rule); members that are not
make groups of their own. The largest group of a key takes the key's id, so it keeps its identity as
members join and leave: a new member revises it, the last-but-one leaving withdraws it.

A group's score is how surely its members need the group's class (their words naming it), tempered by
how close, how many and how much in season they are: being neighbours never makes a group worth an
email on its own. An ordinary collection round pools only companies with the same waste stream.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Callable

from ecocirc_matcher.domain.classify import NAF_CONFIDENCE
from ecocirc_matcher.domain.classify import QUALIFIER_CLASSES as QUALIFIERS
from ecocirc_matcher.domain.explain import months_fr
from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.domain.model import GroupKey, Proposal
from ecocirc_matcher.domain.pairing import UNCORROBORATED, evaluate_mutualisation, is_hazardous
from ecocirc_matcher.domain.scoring import (
    FEASIBILITY_FLOOR,
    POOLING_REACH_KM,
    distance_part,
    pooling_reach,
    road_km,
    weighted,
)
from ecocirc_shared.flows import Direction, FlowSnapshot
from ecocirc_shared.reference.naf import get_naf
from ecocirc_shared.synergies import MatchedQuantity, Role, SynergyKind
from ecocirc_shared.units import to_annual

# Seasonal staff: one company's peak is another's quiet months, so not overlapping is the point.
COMPLEMENTARY_SEASON_CLASSES = frozenset({"seasonal_staff"})
# A group gains weight with members, up to this many companies.
FULL_GROUP = 4
# How easily members pool a need they share: close to each other, many, in season. Sums to 1.
GROUP_FEASIBILITY_WEIGHTS = {"distance": 0.45, "group_size": 0.3, "season": 0.25}


# A key's cell is this many reaches wide: a group rarely straddles two cells, and a cell holds the
# flows of a neighbourhood, not of a region.
CELL_REACHES = 2.0
KM_PER_DEGREE = 111.0
# Shifts of the grids, in cells (rows, columns): two points less than half a cell apart along an axis
# share a row (a column) in the grid unshifted or in the grid shifted by half a cell along it.
GRID_SHIFTS = ((0.0, 0.0), (0.5, 0.0), (0.0, 0.5), (0.5, 0.5))


def _cell(lat: float, lon: float, side: float, shift: tuple[float, float]) -> tuple[int, int]:
    """Row and column of a point in a grid of cells `side` degrees of latitude high and as wide in km."""
    row = math.floor(lat / side + shift[0])
    middle = (row - shift[0] + 0.5) * side
    column = math.floor(lon * max(0.01, math.cos(math.radians(middle))) / side + shift[1])
    return row, column


def areas_of(flow: FlowSnapshot, reach_km: float) -> list[str]:
    """Where a group may be formed: a cell, `CELL_REACHES` reaches wide, of each of the shifted grids.

    The grids are fixed (rows of equal latitude, columns as wide in km as the rows are high), so the
    cells depend only on the site and the reach: every worker and every rebuild agrees on them.
    Departments do not matter: neighbours across a border pool like any others.
    """
    side = CELL_REACHES * reach_km / KM_PER_DEGREE  # degrees of latitude
    found = []
    for grid, shift in enumerate(GRID_SHIFTS):
        row, column = _cell(flow.site.lat, flow.site.lon, side, shift)
        found.append(f"{CELL_REACHES * reach_km:g}km:g{grid}:{row}:{column}")
    return found


def area_box(key: GroupKey) -> tuple[float, float, float, float]:
    """A key's cell as (south, north, west, east) degrees: every flow of the key is in it."""
    side = CELL_REACHES * _reach_of(key) / KM_PER_DEGREE
    shift = GRID_SHIFTS[_grid_of(key)]
    row, column = (int(part) for part in key.area.split(":")[2:4])
    south = (row - shift[0]) * side
    width = side / max(0.01, math.cos(math.radians(south + side / 2)))  # `_cell` divides by this cosine
    west = (column - shift[1]) * width
    return south, south + side, west, west + width


def area_anchor(key: GroupKey) -> tuple[float, float]:
    """The centre of a key's cell, as (lat, lon): where a group belongs (the region that re-derives it)."""
    south, north, west, east = area_box(key)
    return (south + north) / 2, (west + east) / 2


# How far apart two flows of one cell may be at most: its diagonal, with room for the columns
# widening away from its middle latitude. Cells are drawn for the pooling reach, never above 80 km.
MAX_AREA_SPAN_KM = 1.5 * CELL_REACHES * POOLING_REACH_KM


def _reach_of(key: GroupKey) -> float:
    """The pooling reach a key's cells were drawn for (its area starts with the cell side in km)."""
    return float(key.area.split("km:")[0]) / CELL_REACHES


def _grid_of(key: GroupKey) -> int:
    return int(key.area.split(":")[1].removeprefix("g"))


def _first_shared_grid(members: list[FlowSnapshot], reach_km: float) -> int:
    """The first grid in which every member lies in one cell (the grid that proposes their group)."""
    side = CELL_REACHES * reach_km / KM_PER_DEGREE
    for grid, shift in enumerate(GRID_SHIFTS):
        if len({_cell(m.site.lat, m.site.lon, side, shift) for m in members}) == 1:
            return grid
    return len(GRID_SHIFTS)


def group_keys(flow: FlowSnapshot, kb: Knowledge) -> set[GroupKey]:
    """The groups a need may belong to: per resource or use it names that can be pooled, per grid.

    Only needs are grouped: several companies with the same output are first a supply for the
    substitutions; a shared collection round is expressed as a need for a collection service. A use
    the need names counts ("litière : sciure ou paille" pools as litter, not as sawdust a pellet maker
    would compete for).
    """
    if flow.direction is not Direction.NEED:
        return set()
    classified = kb.classification(flow)
    # What the need says, not what its trade suggests (an activity profile's guesses pool nothing).
    pooled = {c for c, conf in classified.confidence.items() if kb.shared_need(c) and conf > NAF_CONFIDENCE}
    if not pooled:
        # "Litière : sciure ou paille" names sawdust, which a pellet maker would compete for: the
        # litter it is for is what farms buy together.
        pooled = {c for c in classified.uses if kb.shared_need(c)}
    # "Achat groupé de cartons" pools cartons: the joint purchase says how, not what.
    if pooled - QUALIFIERS:
        pooled -= QUALIFIERS
    # "Formation SST" pools first-aid training, not any training: the family's generic class (its id
    # is the family's name) gives way to a precise one.
    families = {kb.classes[c].family for c in pooled if kb.classes[c].family != c}
    pooled = {c for c in pooled if not (c == kb.classes[c].family and c in families)}
    hazardous = is_hazardous(kb, flow)
    return {
        GroupKey(c, flow.direction, area)
        for c in pooled
        for area in areas_of(flow, pooling_reach(kb.reach_km(c), resource_class=c, hazardous=hazardous))
    }


def can_be_together(
    a: FlowSnapshot, b: FlowSnapshot, kb: Knowledge, resource_class: str | None = None
) -> bool:
    """Whether two flows may share a group, judged on the group's own class when one is given."""
    return evaluate_mutualisation(a, b, kb, resource_class) is not None


def build_groups(
    key: GroupKey,
    candidates: list[FlowSnapshot],
    kb: Knowledge,
    together: Callable[[FlowSnapshot, FlowSnapshot, str], bool] | None = None,
) -> list[Proposal]:
    """The groups of `key` among flows of that class, direction and area.

    Two flows can be together when the pairwise judgement accepts them: within the resource's reach
    and both flows' own maximum distance (a cell is wider than the reach), no hazardous waste mixed
    with ordinary waste, staff wanted in complementary seasons. A group is a set of flows every two of
    which are accepted: the flow accepted with most others (then the earliest declared) starts one and
    takes, nearest first, every flow accepted with all its members; the rest make further groups.
    Seasonal staff is different: companies share people only if all their seasons differ, so each
    largest set of companies that are pairwise complementary is a group of its own.

    `together` answers the pairwise judgement, by default afresh; the index passes one that
    remembers it while neither flow changes.
    """
    judge = together or (lambda a, b, resource_class: can_be_together(a, b, kb, resource_class))
    # Flows go by their id's integer here (a UUID hashes in Python): ints sort as the ids' texts do.
    accepted = {
        frozenset((a.flow_id.int, b.flow_id.int))
        for a, b in itertools.combinations(candidates, 2)
        if judge(a, b, key.resource_class)
    }
    if not accepted:
        return []
    by_id = {f.flow_id.int: f for f in candidates}
    seasonal = key.resource_class in COMPLEMENTARY_SEASON_CLASSES
    sets = _maximal_cliques(accepted) if seasonal else _cliques_by_growth(accepted, by_id)
    # The largest group keeps the key's identity across revisions; the others are their members.
    sets.sort(key=lambda members: (-len(members), sorted(members)))
    groups = []
    reach = _reach_of(key)
    for position, members_ids in enumerate(sets):
        members = sorted((by_id[i] for i in members_ids), key=lambda f: str(f.flow_id))
        if _first_shared_grid(members, reach) < _grid_of(key):
            continue  # an earlier grid has them in one cell and proposes their group
        group = _group(key, members, kb, identified_by_members=seasonal or position > 0)
        if group is not None:
            groups.append(group)
    return groups


def _cliques_by_growth(edges: set[frozenset[int]], flows: dict[int, FlowSnapshot]) -> list[frozenset[int]]:
    """Disjoint sets of flows, every two of them joined by an edge, grown greedily from the best seed."""
    neighbours: dict[int, set[int]] = {}
    for edge in edges:
        a, b = tuple(edge)
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)

    def seniority(flow_id: int) -> tuple[object, int]:
        return (flows[flow_id].declared_at, flow_id)

    left = set(neighbours)
    found: list[frozenset[int]] = []
    while True:
        degree = {v: len(neighbours[v] & left) for v in left}
        seeds = [v for v in left if degree[v] > 0]
        if not seeds:
            return found
        seed = min(seeds, key=lambda v: (-degree[v], seniority(v)))
        group = {seed}
        for v in sorted(
            neighbours[seed] & left, key=lambda v: (road_km(flows[seed], flows[v]), seniority(v))
        ):
            if group <= neighbours[v]:
                group.add(v)
        found.append(frozenset(group))
        left -= group


def _maximal_cliques(edges: set[frozenset[int]]) -> list[frozenset[int]]:
    """Bron-Kerbosch over a small graph (the flows of one class in one territory)."""
    neighbours: dict[int, set[int]] = {}
    for edge in edges:
        a, b = tuple(edge)
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    found: list[frozenset[int]] = []

    def expand(clique: set[int], candidates: set[int], excluded: set[int]) -> None:
        if not candidates and not excluded:
            found.append(frozenset(clique))
            return
        for v in sorted(candidates):
            expand(clique | {v}, candidates & neighbours[v], excluded & neighbours[v])
            candidates = candidates - {v}
            excluded = excluded | {v}

    expand(set(), set(neighbours), set())
    return sorted((c for c in found if len(c) >= 2), key=sorted)


def _group(
    key: GroupKey, members: list[FlowSnapshot], kb: Knowledge, *, identified_by_members: bool
) -> Proposal | None:
    reach = _reach_of(key)
    companies = {m.company_id for m in members}
    if len(companies) < 2:
        return None
    distances = [road_km(a, b) for a, b in itertools.combinations(members, 2) if a.company_id != b.company_id]
    spread = statistics.median(distances)
    confidence = statistics.fmean(_need_read(kb, m, key.resource_class) for m in members)
    complementary = _complementary_seasons(key, members)
    common = _common_months(members)
    parts = {
        "resource": round(confidence, 3),
        "distance": round(distance_part(spread, reach), 3),
        "group_size": round(min(1.0, (len(companies) - 1) / (FULL_GROUP - 1)), 3),
        "season": 1.0 if complementary or common is not None else 0.5,
    }
    # As a substitution's (scoring.substitution_score): the shared need gates the score, and being close,
    # many and in season only tempers it; neighbours with little in common are not a group to email.
    ease = weighted(parts, GROUP_FEASIBILITY_WEIGHTS)
    score = parts["resource"] * (FEASIBILITY_FLOOR + (1 - FEASIBILITY_FLOOR) * ease)
    return Proposal(
        kind=SynergyKind.MUTUALISATION,
        flows=tuple(members),
        roles=tuple(Role.MEMBER for _ in members),
        resource_class=key.resource_class,
        resource_label=kb.label(key.resource_class),
        score=round(min(1.0, score), 3),
        score_parts=parts,
        distance_km=round(max(distances), 1),
        explanation=_explain(key, members, len(companies), kb, complementary),
        months=common or (),
        quantity=_total(members),
        group_key=key,
        group_members_in_id=identified_by_members,
    )


def _need_read(kb: Knowledge, member: FlowSnapshot, resource_class: str) -> float:
    """How surely a member needs the group's class: its confidence, 1 for a use its words name
    ("paille ou copeaux pour la litière" is litter), 0.6 of it when the class is only inferred."""
    classified = kb.classification(member)
    if resource_class in classified.uses:
        return 1.0
    confidence = classified.confidence.get(resource_class, 0.0)
    return confidence * UNCORROBORATED if resource_class in classified.inferred else confidence


def _complementary_seasons(key: GroupKey, members: list[FlowSnapshot]) -> bool:
    if key.resource_class not in COMPLEMENTARY_SEASON_CLASSES:
        return False
    seasons = [set(m.months) for m in members if m.months]
    return any(a.isdisjoint(b) for a, b in itertools.combinations(seasons, 2))


def _common_months(members: list[FlowSnapshot]) -> tuple[int, ...] | None:
    """Months every member shares (all year when none says); None when they never all meet."""
    declared = [set(m.months) for m in members if m.months]
    if not declared:
        return ()
    common = set.intersection(*declared)
    return tuple(sorted(common)) or None


def _total(members: list[FlowSnapshot]) -> MatchedQuantity | None:
    """The members' quantities added up, when they are all given in one dimension."""
    annual = [to_annual(m.quantity) for m in members if m.quantity]
    if len(annual) < 2 or len({q.dimension for q in annual}) != 1:
        return None
    return MatchedQuantity(
        amount_per_year=round(sum(q.amount for q in annual), 3), unit=annual[0].base_unit, coverage=1.0
    )


def _trade(naf_code: str | None) -> str | None:
    """A company's trade from its NAF code, never its name: the same text reaches every member."""
    entry = get_naf(naf_code) if naf_code else None
    return f"{entry.label_fr[0].lower()}{entry.label_fr[1:]}" if entry else None


def _explain(
    key: GroupKey, members: list[FlowSnapshot], companies: int, kb: Knowledge, complementary: bool
) -> str:
    what = kb.label(key.resource_class).lower()
    trades = sorted({t for m in members if (t := _trade(m.naf_code))})
    listed = f" ({'; '.join(trades[:4])}{'…' if len(trades) > 4 else ''})" if trades else ""
    if key.direction is Direction.NEED:
        verb, idea = "ont besoin de", "un achat groupé, un partage ou une prestation commune est à étudier."
    else:
        verb, idea = "ont à évacuer", "une collecte ou une filière de valorisation commune est à étudier."
    text = f"{companies} entreprises proches{listed} {verb} « {what} » : {idea}"
    if complementary:
        seasons = sorted({months_fr(tuple(sorted(m.months))) for m in members if m.months})
        text += (
            f" Leurs saisons sont complémentaires ({', '.join(seasons)}) : un emploi partagé, par exemple via un "
            "groupement d'employeurs, est envisageable."
        )
    return text
