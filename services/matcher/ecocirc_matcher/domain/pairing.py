"""Whether two flows make a synergy, and how good it is: the pure judgement behind every proposal."""

from __future__ import annotations

import math

from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.domain.model import Proposal
from ecocirc_shared.flows import Direction, FlowSnapshot
from ecocirc_shared.synergies import MatchedQuantity, Role, SynergyKind
from ecocirc_shared.units import to_annual

# Road distance is longer than the great circle; 1.3 is the usual rural detour factor.
DETOUR_FACTOR = 1.3


def road_km(a: FlowSnapshot, b: FlowSnapshot) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.site.lat, a.site.lon, b.site.lat, b.site.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return DETOUR_FACTOR * 2 * 6371.0 * math.asin(math.sqrt(h))


def _months_overlap(a: FlowSnapshot, b: FlowSnapshot) -> tuple[int, ...] | None:
    """Common months; all year when a side says nothing; None when they never meet."""
    if not a.months:
        return b.months
    if not b.months:
        return a.months
    common = tuple(sorted(set(a.months) & set(b.months)))
    return common or None


def evaluate_substitution(offer: FlowSnapshot, need: FlowSnapshot, kb: Knowledge) -> Proposal | None:
    if offer.direction is not Direction.OFFER or need.direction is not Direction.NEED:
        return None
    if offer.company_id == need.company_id:
        return None
    shared = {
        (o, n)
        for o in kb.classify(offer)
        for n in kb.classify(need)
        if n in kb.partner_classes(o, Direction.OFFER)
    }
    if not shared:
        return None
    resource_class = sorted(shared)[0][0]
    if offer.hazardous and not need.hazardous:
        return None
    distance = road_km(offer, need)
    reach = min(
        [kb.reach_km(resource_class), *(f.max_distance_km for f in (offer, need) if f.max_distance_km)]
    )
    if distance > reach:
        return None
    months = _months_overlap(offer, need)
    if months is None:
        return None
    quantity = None
    coverage = 1.0
    if offer.quantity and need.quantity:
        qo, qn = to_annual(offer.quantity), to_annual(need.quantity)
        if qo.dimension == qn.dimension:
            amount = min(qo.amount, qn.amount)
            coverage = amount / qn.amount if qn.amount else 1.0
            quantity = MatchedQuantity(amount_per_year=amount, unit=qo.base_unit, coverage=min(1.0, coverage))
    parts = {
        "resource": 1.0,
        "distance": max(0.0, 1.0 - distance / reach) if reach else 0.0,
        "quantity": coverage,
        "season": 1.0,
    }
    score = round(0.4 * parts["resource"] + 0.3 * parts["distance"] + 0.2 * parts["quantity"] + 0.1, 3)
    label = kb.label(resource_class)
    explanation = (
        f"Une entreprise propose « {offer.label} » et une autre, à environ {distance:.0f} km, "
        f"a besoin de « {need.label} » ({label})."
    )
    return Proposal(
        kind=SynergyKind.SUBSTITUTION,
        flows=(offer, need),
        roles=(Role.SUPPLIER, Role.RECEIVER),
        resource_class=resource_class,
        resource_label=label,
        score=min(1.0, score),
        score_parts=parts,
        distance_km=round(distance, 1),
        explanation=explanation,
        months=months,
        quantity=quantity,
    )


def evaluate_mutualisation(a: FlowSnapshot, b: FlowSnapshot, kb: Knowledge) -> Proposal | None:
    """Two companies with the same need (or the same output to collect) close to each other."""
    if a.direction is not b.direction or a.company_id == b.company_id:
        return None
    common = kb.classify(a) & kb.classify(b)
    if not common:
        return None
    resource_class = sorted(common)[0]
    distance = road_km(a, b)
    reach = min([kb.reach_km(resource_class), *(f.max_distance_km for f in (a, b) if f.max_distance_km)])
    if distance > reach:
        return None
    first, second = sorted((a, b), key=lambda f: str(f.flow_id))
    label = kb.label(resource_class)
    what = "ont besoin de" if a.direction is Direction.NEED else "ont à évacuer"
    parts = {"resource": 1.0, "distance": max(0.0, 1.0 - distance / reach)}
    return Proposal(
        kind=SynergyKind.MUTUALISATION,
        flows=(first, second),
        roles=(Role.MEMBER, Role.MEMBER),
        resource_class=resource_class,
        resource_label=label,
        score=round(0.6 * parts["resource"] + 0.4 * parts["distance"], 3),
        score_parts=parts,
        distance_km=round(distance, 1),
        explanation=f"Deux entreprises à environ {distance:.0f} km l'une de l'autre {what} « {label} » : "
        "un achat ou une collecte en commun est à étudier.",
        months=_months_overlap(a, b) or (),
    )
