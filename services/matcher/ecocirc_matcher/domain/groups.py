"""Mutualisation as one group per resource, direction and territory, rather than a lead per pair.

Five companies of a territory that all need pallets make one lead an advisor can act on (a grouped
purchase), not ten pairwise ones. A group's id derives from its key, so it keeps its identity as
members join and leave: a new member revises it, the last-but-one leaving withdraws it.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from uuid import UUID

from ecocirc_matcher.domain.explain import months_fr
from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.domain.model import GroupKey, Proposal
from ecocirc_matcher.domain.pairing import evaluate_mutualisation
from ecocirc_matcher.domain.scoring import distance_part, road_km
from ecocirc_shared.flows import Direction, FlowSnapshot
from ecocirc_shared.reference.naf import get_naf
from ecocirc_shared.synergies import MatchedQuantity, Role, SynergyKind
from ecocirc_shared.units import to_annual

# Seasonal staff: one company's peak is another's quiet months, so not overlapping is the point.
COMPLEMENTARY_SEASON_CLASSES = frozenset({"seasonal_staff"})
# A group gains weight with members, up to this many companies.
FULL_GROUP = 4


def area_of(flow: FlowSnapshot) -> str:
    """The territory a group is formed in: the company's, else its department-sized cell."""
    if flow.site.territory:
        return flow.site.territory
    return f"cell:{round(flow.site.lat, 0)}:{round(flow.site.lon, 0)}"


def group_keys(flow: FlowSnapshot, kb: Knowledge) -> set[GroupKey]:
    """The groups a need may belong to: one per specific resource class it is in.

    Only needs are grouped: several companies with the same output are first a supply for the
    substitutions; a shared collection round is expressed as a need for a collection service.
    """
    if flow.direction is not Direction.NEED:
        return set()
    return {GroupKey(c, flow.direction, area_of(flow)) for c in kb.classify(flow) if kb.classes[c].specific}


def can_be_together(a: FlowSnapshot, b: FlowSnapshot, kb: Knowledge) -> bool:
    return evaluate_mutualisation(a, b, kb) is not None


def build_groups(
    key: GroupKey,
    candidates: list[FlowSnapshot],
    kb: Knowledge,
    together: Callable[[FlowSnapshot, FlowSnapshot], bool] | None = None,
) -> list[Proposal]:
    """The groups of `key` among flows of that class, direction and area.

    Two flows can be together when the pairwise judgement accepts them: within the resource's
    reach and both flows' own maximum distance (a territory can be wider than a heat network), no
    hazardous waste mixed with ordinary waste, staff wanted in complementary seasons. For most
    resources one group gathers every flow accepted with another. Seasonal staff is different:
    companies share people only if all their seasons differ, so each largest set of companies that
    are pairwise complementary is a group of its own.

    `together` answers the pairwise judgement, by default afresh; the index passes one that
    remembers it while neither flow changes.
    """
    judge = together or (lambda a, b: can_be_together(a, b, kb))
    accepted = {
        frozenset((a.flow_id, b.flow_id)) for a, b in itertools.combinations(candidates, 2) if judge(a, b)
    }
    if not accepted:
        return []
    by_id = {f.flow_id: f for f in candidates}
    seasonal = key.resource_class in COMPLEMENTARY_SEASON_CLASSES
    sets = _maximal_cliques(accepted) if seasonal else [frozenset().union(*accepted)]
    groups = []
    for members_ids in sets:
        members = sorted((by_id[i] for i in members_ids), key=lambda f: str(f.flow_id))
        group = _group(key, members, kb, identified_by_members=seasonal)
        if group is not None:
            groups.append(group)
    return groups


def _maximal_cliques(edges: set[frozenset[UUID]]) -> list[frozenset[UUID]]:
    """Bron-Kerbosch over a small graph (the flows of one class in one territory)."""
    neighbours: dict[UUID, set[UUID]] = {}
    for edge in edges:
        a, b = tuple(edge)
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    found: list[frozenset[UUID]] = []

    def expand(clique: set[UUID], candidates: set[UUID], excluded: set[UUID]) -> None:
        if not candidates and not excluded:
            found.append(frozenset(clique))
            return
        for v in sorted(candidates):
            expand(clique | {v}, candidates & neighbours[v], excluded & neighbours[v])
            candidates = candidates - {v}
            excluded = excluded | {v}

    expand(set(), set(neighbours), set())
    return sorted((c for c in found if len(c) >= 2), key=lambda c: sorted(str(i) for i in c))


def _group(
    key: GroupKey, members: list[FlowSnapshot], kb: Knowledge, *, identified_by_members: bool
) -> Proposal | None:
    reach = kb.reach_km(key.resource_class)
    companies = {m.company_id for m in members}
    if len(companies) < 2:
        return None
    distances = [road_km(a, b) for a, b in itertools.combinations(members, 2) if a.company_id != b.company_id]
    spread = statistics.median(distances)
    confidence = statistics.fmean(
        kb.classification(m).confidence.get(key.resource_class, 0.5) for m in members
    )
    complementary = _complementary_seasons(key, members)
    common = _common_months(members)
    parts = {
        "resource": round(confidence, 3),
        "distance": round(distance_part(spread, reach), 3),
        "group_size": round(min(1.0, (len(companies) - 1) / (FULL_GROUP - 1)), 3),
        "season": 1.0 if complementary or common is not None else 0.5,
    }
    score = (
        0.4 * parts["resource"]
        + 0.25 * parts["distance"]
        + 0.2 * parts["group_size"]
        + 0.15 * parts["season"]
    )
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
