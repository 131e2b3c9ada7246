"""Whether two flows make a synergy, and how good it is: the pure judgement behind every proposal."""

from __future__ import annotations

from ecocirc_matcher.domain import explain, impact
from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.domain.model import Proposal
from ecocirc_matcher.domain.scoring import (
    HAZARD_ACCEPTED,
    MUTUALISATION_WEIGHTS,
    SUBSTITUTION_WEIGHTS,
    UNKNOWN_QUANTITY,
    activity_part,
    allowed_reach,
    common_months,
    distance_part,
    match_quantity,
    offered_only,
    road_km,
    season_part,
    weighted,
)
from ecocirc_shared.flows import Direction, FlowSnapshot
from ecocirc_shared.synergies import MatchedQuantity, Role, SynergyKind

# States of a resource that make it waste rather than the thing itself (states.csv).
WORN_STATES = frozenset({"used", "soiled"})

# Seasonal staff is the one resource where *not* overlapping is the point: one company's peak is
# another's quiet months, so the same people can work for both.
COMPLEMENTARY_SEASON_CLASSES = frozenset({"seasonal_staff"})


def is_hazardous(kb: Knowledge, flow: FlowSnapshot) -> bool:
    """Hazardous or unknown: declared hazardous, carrying an EWC code marked hazardous (*) in the List of
    Waste, or saying so in words ("traité CCA", "fibrociment", "souillé", "huile de vidange")."""
    return flow.hazardous or kb.ewc_hazardous(flow.ewc_code) or bool(kb.hazards_named(flow))


def evaluate_substitution(offer: FlowSnapshot, need: FlowSnapshot, kb: Knowledge) -> Proposal | None:
    """An offer feeding a need: accepted only for linked classes, within reach, months and hazard rules."""
    if offer.direction is not Direction.OFFER or need.direction is not Direction.NEED:
        return None
    if offer.company_id == need.company_id:
        return None
    hazardous = is_hazardous(kb, offer)
    if hazardous and not need.hazardous:
        return None
    months = common_months(offer, need)
    if months is None:
        return None
    offer_classified = kb.classification(offer)
    offer_conf = offer_classified.confidence
    need_classified = kb.classification(need)
    need_conf = need_classified.confidence
    if need_classified.refused and _primary(offer_conf) & need_classified.refused:
        # "Pas de sciure": the receiver has said no to what this offer mainly is.
        return None
    worn = kb.states(offer) & WORN_STATES
    need_states = kb.states(need)
    if worn and "new" in need_states:
        # "Palettes neuves", "emballages neufs": nothing used or soiled will do.
        return None
    # A need that itself speaks of used or soiled things ("fûts souillés à reconditionner") asks for them.
    wants_clean = not need_states & WORN_STATES
    distance = road_km(offer, need)

    # Best pair of classes the knowledge links, among those whose resource can travel that far.
    best: tuple[float, str, str, float] | None = None
    for o in sorted(offer_conf):
        reach = allowed_reach(kb.reach_km(o), offer, need)
        if distance > reach:
            continue
        partners = kb.partner_classes(o, Direction.OFFER)
        for n in sorted(need_conf):
            if n not in partners:
                continue
            link = kb.link(o, n)
            if link is None:
                continue
            strength = link.weight * offer_conf[o] * need_conf[n]
            if not kb.classes[o].specific:
                # Two vague flows ("matière", "déchet") are not a lead on their own.
                continue
            if wants_clean and worn & kb.refused_states(n):
                # "Litière usagée" is not litter, "huile usagée" is not oil, "emballages souillés" are
                # not packaging: a receiver that consumes the thing as it is wants it clean.
                continue
            if kb.ban(offer, need, o, n) is not None:
                # The law forbids this use of this resource: a refusal, never a low weight.
                continue
            if best is None or strength > best[0]:
                best = (strength, o, n, reach)
    if best is None:
        return None
    strength, offer_class, need_class, reach = best

    quantity = match_quantity(offer.quantity, need.quantity, kb.classes[offer_class].density_t_per_m3)
    parts = {
        "resource": round(strength, 3),
        "activity": activity_part(kb, offer, need, offer_class, need_class),
        "distance": round(distance_part(distance, reach), 3),
        "quantity": round(quantity.coverage, 3) if quantity else UNKNOWN_QUANTITY,
        "season": round(season_part(need, months), 3),
    }
    parts["hazard"] = HAZARD_ACCEPTED if hazardous else 1.0
    parts["text_confidence"] = round(offer_conf[offer_class] * need_conf[need_class], 3)
    score = round(min(1.0, max(0.0, weighted(parts, SUBSTITUTION_WEIGHTS) * parts["hazard"])), 3)

    return Proposal(
        kind=SynergyKind.SUBSTITUTION,
        flows=(offer, need),
        roles=(Role.SUPPLIER, Role.RECEIVER),
        resource_class=offer_class,
        resource_label=kb.label(offer_class),
        score=score,
        score_parts=parts,
        distance_km=round(distance, 1),
        explanation=explain.substitution(
            kb, offer, need, offer_class, need_class, distance, months, quantity
        ),
        months=months,
        quantity=(
            MatchedQuantity(
                amount_per_year=round(quantity.amount, 3), unit=quantity.unit, coverage=quantity.coverage
            )
            if quantity
            else None
        ),
        impact=impact.estimate(
            kb,
            offer_class,
            quantity or offered_only(offer.quantity),
            distance,
            need_known=quantity is not None,
        ),
    )


def _primary(confidence: dict[str, float]) -> frozenset[str]:
    """The classes a flow most surely is."""
    top = max(confidence.values(), default=0.0)
    return frozenset(c for c, conf in confidence.items() if conf >= top)


def evaluate_mutualisation(a: FlowSnapshot, b: FlowSnapshot, kb: Knowledge) -> Proposal | None:
    """Two companies with the same need (or the same output to collect) close enough to share.

    Never a hazardous waste with a non-hazardous one (they go through different channels), and never
    seasonal staff wanted in the same months (the two employers would compete for the same people).
    """
    if a.direction is not b.direction or a.company_id == b.company_id:
        return None
    conf_a = kb.classification(a).confidence
    conf_b = kb.classification(b).confidence
    distance = road_km(a, b)
    best: tuple[float, str, float] | None = None
    for c in sorted(set(conf_a) & set(conf_b)):
        if not kb.classes[c].specific:
            continue
        reach = allowed_reach(kb.reach_km(c), a, b)
        if distance > reach:
            continue
        strength = conf_a[c] * conf_b[c]
        if best is None or strength > best[0]:
            best = (strength, c, reach)
    if best is None or is_hazardous(kb, a) is not is_hazardous(kb, b):
        return None
    strength, resource_class, reach = best

    complementary: tuple[tuple[int, ...], tuple[int, ...]] | None = None
    if resource_class in COMPLEMENTARY_SEASON_CLASSES and a.months and b.months:
        if not set(a.months).isdisjoint(b.months):
            return None
        complementary = (tuple(sorted(a.months)), tuple(sorted(b.months)))
        season = 1.0
    else:
        common = common_months(a, b)
        # A shared purchase or collection round works even when periods differ, just less well.
        season = 0.5 if common is None else len(common) / 12 if (a.months or b.months) else 1.0
        season = max(season, 0.5)
    parts = {
        "resource": round(strength, 3),
        "distance": round(distance_part(distance, reach), 3),
        "season": round(season, 3),
        "text_confidence": round(strength, 3),
    }
    first, second = sorted((a, b), key=lambda f: str(f.flow_id))
    return Proposal(
        kind=SynergyKind.MUTUALISATION,
        flows=(first, second),
        roles=(Role.MEMBER, Role.MEMBER),
        resource_class=resource_class,
        resource_label=kb.label(resource_class),
        score=round(min(1.0, weighted(parts, MUTUALISATION_WEIGHTS)), 3),
        score_parts=parts,
        distance_km=round(distance, 1),
        explanation=explain.mutualisation(
            kb, first, second, resource_class, distance, _ordered(complementary, first, a)
        ),
        months=common_months(a, b) or (),
    )


def _ordered(
    complementary: tuple[tuple[int, ...], tuple[int, ...]] | None, first: FlowSnapshot, a: FlowSnapshot
) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Complementary months in the order the flows are presented."""
    if complementary is None or first is a:
        return complementary
    return complementary[1], complementary[0]
