"""Whether two flows make a synergy, and how good it is: the pure judgement behind every proposal."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecocirc_matcher.domain import explain, impact
from ecocirc_matcher.domain.classify import Classification
from ecocirc_matcher.domain.knowledge import AS_FUEL, EWC_KEY, Knowledge
from ecocirc_matcher.domain.model import Proposal
from ecocirc_matcher.domain.places import places_named, routes_meet
from ecocirc_matcher.domain.scoring import (
    HAZARD_ACCEPTED,
    UNKNOWN_QUANTITY,
    activity_part,
    allowed_reach,
    common_months,
    distance_part,
    match_quantity,
    mutualisation_score,
    offered_only,
    pooling_reach,
    road_km,
    season_part,
    substitution_score,
)
from ecocirc_matcher.domain.text import fold, words
from ecocirc_shared.flows import Category, Direction, FlowSnapshot
from ecocirc_shared.synergies import MatchedQuantity, Role, SynergyKind

# States of a resource that make it waste rather than the thing itself (states.csv).
WORN_STATES = frozenset({"used", "soiled"})
# A regenerated material (redistilled solvent, re-refined oil) is a product again, not a waste, but it
# is not new either: a need that wants new will not take it.
REGENERATED = "regenerated"

# Flows of these categories are things that may carry a hazard; the others are services, transport,
# skills or energy delivered.
THINGS = frozenset({Category.MATERIAL, Category.WASTE, Category.WATER, Category.EQUIPMENT})

# What a licensed collector of hazardous waste asks for (knowledge/classes.csv).
HAZARDOUS_WASTE_USE = "use_hazardous_waste"
# Words that restrict a collector of hazardous waste to liquids.
LIQUID_WORDS = frozenset({"liquide", "liquides", "liquid", "liquids"})

# Water that a tanker carries ("on peut pomper une citerne", "tonne à eau") travels as far as other
# liquids hauled by road (knowledge/classes.csv gives organic effluents 30 km), not the few km of a pipe.
TANKER_WORDS = frozenset({"citerne", "citernes", "tanker", "tankers"})
TANKER_REACH_KM = 30.0

# Plastics are recycled polymer by polymer: abbreviations of ISO 1043-1 (and their French forms) that a
# flow names say which; an offer of one polymer does not feed a need for others.
PLASTICS = "plastics"
POLYMERS = {
    "pe": "pe", "pehd": "pe", "pebd": "pe", "hdpe": "pe", "ldpe": "pe", "polyethylene": "pe",
    "pp": "pp", "polypropylene": "pp", "ps": "ps", "pse": "ps", "eps": "ps", "polystyrene": "ps",
    "pet": "pet", "pvc": "pvc", "abs": "abs", "pu": "pur", "polyurethane": "pur",
    "mousse": "pur", "mousses": "pur", "pa": "pa", "polyamide": "pa", "pc": "pc", "polycarbonate": "pc",
    "pmma": "pmma",
}  # fmt: skip

# A need that says it wants organic matter refuses what is mineral (knowledge/classes.csv families).
ORGANIC_WORDS = frozenset({"organique", "organiques", "organic"})
MINERAL_FAMILIES = frozenset({"mineral", "metal"})

# Transport is shared only along a route: a truck returning from Lyon is no help for deliveries to Paris.
ROUTE_CLASSES = frozenset({"transport_capacity"})

# An ordinary collection round is for one waste stream: paper and cardboard, metal, plastics, glass, wood,
# plaster, textiles and biowaste are collected apart (code de l'environnement D543-278 and following),
# by different collectors, so a round for cardboard is no help to a company with biowaste. A licensed
# collector of hazardous waste takes the hazardous wastes of a workshop together.
STREAM_CLASSES = frozenset({"waste_collection"})

# A link resting on a class only inferred, not read, keeps this share of its strength: the highest
# inferred confidence (an offer's description, 0.8) then stays under 0.5, so that a lead nobody's own
# words or code back is shown to advisors but never emailed to companies on its own.
UNCORROBORATED = 0.6

# A joint session is on one topic: CACES certificates follow distinct CNAM recommendations (R482 site
# machinery, R486 aerial platforms, R489 forklifts, R490 loader cranes), each a session of its own.
TRAINING_FAMILY = "training"
_CERTIFICATE = re.compile(r"\br\s?(4\d\d)\b")

# Seasonal staff is the one resource where *not* overlapping is the point: one company's peak is
# another's quiet months, so the same people can work for both.
COMPLEMENTARY_SEASON_CLASSES = frozenset({"seasonal_staff"})


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why an offer may feed a need: a link between their classes, or the need's activity taking the
    offer's waste in (ewc_receivers.csv); how strong, over which reach, and the reason in French."""

    strength: float
    offer_class: str
    need_class: str
    reach: float
    reason_fr: str | None = None  # None: the class link's own reason
    # The receiver activity's NAF prefix that takes the offer in (a receiver link only).
    receiving_prefix: str | None = None
    # Resting on a class only inferred (from the activity, an offer's description, a code's section,
    # a resemblance), not read in the flows' own words or codes.
    inferred: bool = False


def is_hazardous(kb: Knowledge, flow: FlowSnapshot) -> bool:
    """Hazardous or unknown: declared hazardous, carrying an EWC code marked hazardous (*) in the List of
    Waste, or saying so in words ("traité CCA", "fibrociment", "souillé", "huile de vidange")."""
    return flow.hazardous or kb.ewc_hazardous(flow.ewc_code) or bool(kb.hazards_named(flow))


def carries_hazard(kb: Knowledge, offer: FlowSnapshot) -> bool:
    """Whether what an offer hands over is hazardous, so that only a receiver accepting hazardous waste
    may take it. Words make only a thing hazardous: a collection round, a truck or a training "for
    hazardous waste" offers a service, not the waste it deals with (it still never pools with an
    ordinary one: `is_hazardous`)."""
    if offer.category is Category.MATERIAL and REGENERATED in kb.states(offer):
        # A regenerated product (solvent redistilled to a technical grade) has left waste status
        # (directive 2008/98/EC art. 6): its words name a substance, not a hazardous waste.
        return offer.hazardous or kb.ewc_hazardous(offer.ewc_code)
    if offer.category in THINGS:
        return is_hazardous(kb, offer)
    return offer.hazardous or kb.ewc_hazardous(offer.ewc_code)


def evaluate_substitution(offer: FlowSnapshot, need: FlowSnapshot, kb: Knowledge) -> Proposal | None:
    """An offer feeding a need: accepted only for linked classes or a receiver link (the need's activity
    takes the offer's EWC code in), within reach, months, hazard rules and the law."""
    if offer.direction is not Direction.OFFER or need.direction is not Direction.NEED:
        return None
    if offer.company_id == need.company_id:
        return None
    hazardous = carries_hazard(kb, offer)
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
    if _names_denied(need_classified, kb.said(offer)):
        # "Compost, vieux terreau... Pas de boues ni de digestat": the receiver has said no to a thing
        # this offer names, even if it is of a class the receiver otherwise takes.
        return None
    if (
        not ORGANIC_WORDS.isdisjoint(kb.said(need))
        and all(kb.classes[c].family in MINERAL_FAMILIES for c in _primary(offer_conf))
        and not any(kb.classes[c].family in MINERAL_FAMILIES for c in need_conf)
    ):
        # "Fertilisation organique", "matière organique pour les rangs": lime, shells or ash are mineral
        # amendments, not what the receiver asks for (unless it names one too: "organique ou calcaire").
        return None
    offer_states = kb.states(offer)
    worn = offer_states & WORN_STATES
    need_states = kb.states(need)
    if (worn or REGENERATED in offer_states) and "new" in need_states:
        # "Palettes neuves", "emballages neufs", "solvant neuf": nothing used, soiled or regenerated will do.
        return None
    # A need that itself speaks of used or soiled things ("fûts souillés à reconditionner") asks for them.
    wants_clean = not need_states & WORN_STATES
    distance = road_km(offer, need)

    if not hazardous and HAZARDOUS_WASTE_USE in need_conf:
        # A collector of hazardous waste takes hazardous waste: MDF offcuts, plain wood or sewage sludge
        # (19 08 05, not hazardous) are not for it, whichever examples its need lists.
        return None
    if HAZARDOUS_WASTE_USE in need_conf and not LIQUID_WORDS.isdisjoint(kb.said(need)):
        # "Déchets dangereux liquides (huiles, émulsions, solvants)": a collector of liquids takes only
        # what flows (classes measured in volume), not treated wood or filters, whatever else it lists.
        offer_conf = {c: conf for c, conf in offer_conf.items() if kb.classes[c].dimension == "volume"}
    evidence = [
        *_class_links(
            kb,
            offer,
            need,
            (offer_conf, offer_classified.inferred),
            (need_conf, need_classified.inferred),
            distance,
            worn if wants_clean else frozenset(),
        ),
        *_receiver_links(kb, offer, need, offer_conf, distance),
    ]
    if not evidence:
        return None
    # The strongest evidence wins; on a tie, what the words link comes before what the activity takes.
    best = max(evidence, key=lambda e: e.strength)
    offer_class, need_class, reach = best.offer_class, best.need_class, best.reach
    if {offer_class, need_class} & ROUTE_CLASSES and not _same_route(offer, need):
        return None
    if offer_class == PLASTICS and not _same_polymer(offer, need):
        return None

    quantity = match_quantity(offer.quantity, need.quantity, kb.classes[offer_class].density_t_per_m3)
    parts = {
        "resource": round(best.strength, 3),
        "activity": activity_part(kb, offer, need, offer_class, need_class, best.receiving_prefix),
        "distance": round(distance_part(distance, reach), 3),
        "quantity": round(quantity.coverage, 3) if quantity else UNKNOWN_QUANTITY,
        "season": round(season_part(need, months), 3),
    }
    parts["hazard"] = HAZARD_ACCEPTED if hazardous else 1.0
    # A receiver link reads the need's activity, not its words: only the offer's words count.
    parts["text_confidence"] = round(offer_conf[offer_class] * need_conf.get(need_class, 1.0), 3)
    score = round(substitution_score(parts), 3)

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
            kb,
            offer,
            need,
            offer_class,
            need_class,
            distance,
            months,
            quantity,
            best.reason_fr,
            inferred=best.inferred,
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
            offer_price=offer.price,
            need_price=need.price,
        ),
    )


def _class_links(
    kb: Knowledge,
    offer: FlowSnapshot,
    need: FlowSnapshot,
    offer_read: tuple[dict[str, float], frozenset[str]],
    need_read: tuple[dict[str, float], frozenset[str]],
    distance: float,
    worn: frozenset[str],
) -> list[Evidence]:
    """Pairs of classes the knowledge links, among those whose resource can travel that far, the law
    allows, and, for an offer `worn` (used, soiled) to a need that wants it clean, that take it so.

    Each side is its classes' confidences and those of its classes that are only inferred
    (`Classification.inferred`): a link resting on an inferred class counts UNCORROBORATED of itself.
    """
    (offer_conf, offer_inferred), (need_conf, need_inferred) = offer_read, need_read
    found: list[Evidence] = []
    need_classes = sorted(need_conf)
    for o in sorted(offer_conf):
        table = kb.offer_links(o)
        if not table.specific:
            # Two vague flows ("matière", "déchet") are not a lead on their own.
            continue
        class_reach = table.reach_km
        if kb.classes[o].family == "water" and _by_tanker(kb, offer, need):
            class_reach = max(class_reach, TANKER_REACH_KM)
        reach = allowed_reach(class_reach, offer, need)
        if distance > reach:
            continue
        for n in need_classes:
            entry = table.needs.get(n)
            if entry is None:
                continue
            weight, refused = entry
            if worn & refused:
                # "Litière usagée" is not litter, "huile usagée" is not oil, "emballages souillés" are
                # not packaging: a receiver that consumes the thing as it is wants it clean.
                continue
            if kb.ban(offer, need, o, n) is not None:
                # The law forbids this use of this resource: a refusal, never a low weight.
                continue
            strength = weight * offer_conf[o] * need_conf[n]
            inferred = o in offer_inferred or n in need_inferred
            if inferred:
                strength *= UNCORROBORATED
            found.append(Evidence(strength, o, n, reach, inferred=inferred))
    return found


def _receiver_links(
    kb: Knowledge,
    offer: FlowSnapshot,
    need: FlowSnapshot,
    offer_conf: dict[str, float],
    distance: float,
) -> list[Evidence]:
    """The need's activity takes the offer's waste in, read from the offer's EWC code (ewc_receivers.csv).

    Only for a need that may take wastes in by its activity (`Knowledge.takes_in_by_activity`: its
    label names no resource, and it wants a material or a fuel). An offer without a code is matched
    on its words only: a class of words is too coarse to stand for a code ("biodéchets" covers both
    food-industry by-products, which may feed animals, and catering waste, which may not).
    """
    if not kb.takes_in_by_activity(need):
        return []
    # An energy need takes a waste in only to burn it: a paper mill's need for process energy is not
    # fed by the waste paper it takes in as a raw material.
    fuel_only = need.category is Category.ENERGY
    found: list[Evidence] = []
    for entry in kb.ewc_entries_of(offer.ewc_code):
        reach = allowed_reach(kb.reach_km(EWC_KEY + entry), offer, need)
        if distance > reach:
            continue
        for link in kb.receivers_of_entry(entry):
            prefix = link.prefix_for(need.naf_code)
            if prefix is None or (fuel_only and AS_FUEL not in link.uses):
                continue
            resource = _resource_of(kb, offer_conf, link.classes | frozenset(kb.ewc_classes(entry)))
            if kb.ban(offer, need, resource, resource) is not None:
                # A receiving activity is no exception to the law (used engine oil, catering waste).
                continue
            reason = f"Code déchet {entry} : {link.reason_fr}"
            found.append(Evidence(link.weight, resource, resource, reach, reason, prefix))
    return found


def _by_tanker(kb: Knowledge, offer: FlowSnapshot, need: FlowSnapshot) -> bool:
    """Whether either side says the water goes by tanker."""
    return not TANKER_WORDS.isdisjoint(kb.said(offer) | kb.said(need))


def _resource_of(kb: Knowledge, offer_conf: dict[str, float], preferred: frozenset[str]) -> str:
    """The offer's class a receiver link is about: the surest of those the link names, else the
    surest specific class of the offer, else its surest class."""
    for pool in (
        [c for c in offer_conf if c in preferred],
        [c for c in offer_conf if kb.classes[c].specific],
        list(offer_conf),
    ):
        if pool:
            return max(sorted(pool), key=lambda c: offer_conf[c])
    raise ValueError("a classification is never empty")


def _names_denied(need: Classification, said: frozenset[str]) -> bool:
    """Whether an offer's words hold every word of something the need denies."""
    return any(all(not word.isdisjoint(said) for word in item) for item in need.denied)


def _primary(confidence: dict[str, float]) -> frozenset[str]:
    """The classes a flow most surely is."""
    top = max(confidence.values(), default=0.0)
    return frozenset(c for c, conf in confidence.items() if conf >= top)


def evaluate_mutualisation(
    a: FlowSnapshot, b: FlowSnapshot, kb: Knowledge, resource_class: str | None = None
) -> Proposal | None:
    """Two companies with the same need (or the same output to collect) close enough to share, on
    their strongest common class or on `resource_class` (the class a group is formed for).

    Never a hazardous waste with a non-hazardous one (they go through different channels), and never
    seasonal staff wanted in the same months (the two employers would compete for the same people).
    """
    if a.direction is not b.direction or a.company_id == b.company_id:
        return None
    # A use the need names counts too: litter is what "sciure ou paille pour la litière" is for.
    conf_a = _with_uses(kb.classification(a))
    conf_b = _with_uses(kb.classification(b))
    hazardous = is_hazardous(kb, a)
    if hazardous is not is_hazardous(kb, b):
        return None
    distance = road_km(a, b)
    best: tuple[float, str, float] | None = None
    shared = set(conf_a) & set(conf_b)
    if resource_class is not None:
        shared &= {resource_class}
    for c in sorted(shared):
        if not kb.classes[c].specific:
            continue
        reach = allowed_reach(pooling_reach(kb.reach_km(c), resource_class=c, hazardous=hazardous), a, b)
        if distance > reach:
            continue
        strength = conf_a[c] * conf_b[c]
        if best is None or strength > best[0]:
            best = (strength, c, reach)
    if best is None:
        return None
    strength, resource_class, reach = best
    if resource_class in ROUTE_CLASSES and not _same_route(a, b):
        return None
    if resource_class in STREAM_CLASSES and not hazardous and not _same_stream(kb, a, b):
        return None
    if kb.classes[resource_class].family == TRAINING_FAMILY and not _same_certificate(a, b):
        return None

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
        score=round(min(1.0, mutualisation_score(parts)), 3),
        score_parts=parts,
        distance_km=round(distance, 1),
        explanation=explain.mutualisation(
            kb, first, second, resource_class, distance, _ordered(complementary, first, a)
        ),
        months=common_months(a, b) or (),
    )


def _same_route(a: FlowSnapshot, b: FlowSnapshot) -> bool:
    """Whether two transport flows go the same way: the places they name meet, or one names none."""
    return routes_meet(
        places_named(f"{a.label}. {a.description or ''}"), places_named(f"{b.label}. {b.description or ''}")
    )


def _same_polymer(offer: FlowSnapshot, need: FlowSnapshot) -> bool:
    """Whether a plastics offer is of a polymer the need names, or either names none."""
    named_offer, named_need = _polymers(offer), _polymers(need)
    return not named_offer or not named_need or not named_offer.isdisjoint(named_need)


def _polymers(flow: FlowSnapshot) -> frozenset[str]:
    return frozenset(POLYMERS[w] for w in words(f"{flow.label} {flow.description or ''}") if w in POLYMERS)


def _same_certificate(a: FlowSnapshot, b: FlowSnapshot) -> bool:
    """Whether two training needs can share a session: the certificates they name meet, or one names none."""
    named_a, named_b = _certificates(a), _certificates(b)
    return not named_a or not named_b or not named_a.isdisjoint(named_b)


def _certificates(flow: FlowSnapshot) -> frozenset[str]:
    return frozenset(_CERTIFICATE.findall(fold(f"{flow.label} {flow.description or ''}")))


def _same_stream(kb: Knowledge, a: FlowSnapshot, b: FlowSnapshot) -> bool:
    """Whether two collection needs are for the same waste stream: the wastes they name meet, or one
    names none ("collecte de nos déchets")."""
    streams_a, streams_b = kb.streams(a), kb.streams(b)
    return not streams_a or not streams_b or not streams_a.isdisjoint(streams_b)


def _with_uses(classified: Classification) -> dict[str, float]:
    return {**dict.fromkeys(classified.uses, 1.0), **classified.confidence}


def _ordered(
    complementary: tuple[tuple[int, ...], tuple[int, ...]] | None, first: FlowSnapshot, a: FlowSnapshot
) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Complementary months in the order the flows are presented."""
    if complementary is None or first is a:
        return complementary
    return complementary[1], complementary[0]
