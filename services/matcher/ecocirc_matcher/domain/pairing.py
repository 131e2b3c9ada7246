"""Whether two flows make a synergy, and how good it is: the pure judgement behind every proposal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from ecocirc_matcher.domain import explain, impact
from ecocirc_matcher.domain.classify import COLLECTION_CLASS, TRAINING_FAMILY, Classification
from ecocirc_matcher.domain.knowledge import AS_FUEL, Knowledge
from ecocirc_matcher.domain.model import Proposal, pair_id
from ecocirc_matcher.domain.places import places_named, routes_meet
from ecocirc_matcher.domain.records import FlowRecord, record_of, road_km_between
from ecocirc_matcher.domain.records import carries_hazard as carries_hazard
from ecocirc_matcher.domain.records import is_hazardous as is_hazardous
from ecocirc_matcher.domain.scoring import (
    HAZARD_ACCEPTED,
    UNKNOWN_QUANTITY,
    activity_part,
    allowed_reach,
    common_months,
    declared_limit_road_km,
    distance_part,
    match_annual,
    mutualisation_score,
    pooling_reach,
    road_km,
    season_part,
    substitution_score_of,
)
from ecocirc_matcher.domain.text import fold, words
from ecocirc_shared.flows import Category, FlowSnapshot
from ecocirc_shared.synergies import MatchedQuantity, Role, SynergyKind

# Water that a tanker carries ("on peut pomper une citerne", "tonne à eau": records.TANKER_WORDS) travels
# as far as other liquids hauled by road (knowledge/classes.csv gives organic effluents 30 km), not the
# few km of a pipe.
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

# Pallets, crates, IBCs, drums and jerrycans are different things, though one class holds them (List of
# Waste 15 01 03 wooden packaging, 15 01 10 packaging; ADR 6.1 and 6.5 packaging codes: drums 1, jerricans
# 3, boxes 4, IBCs 31): when both flows name forms, they must share one ("palettes" are no "cagettes",
# "bacs isothermes" no "GRV 1000 L").
CONTAINER_CLASSES = frozenset({"pallets_wood_packaging", "reusable_containers"})
CONTAINER_FORMS = {
    "palette": "pallet", "palettes": "pallet", "pallet": "pallet", "pallets": "pallet",
    "cagette": "crate", "cagettes": "crate", "cageot": "crate", "cageots": "crate", "caisse": "crate",
    "caisses": "crate", "bac": "crate", "bacs": "crate", "crate": "crate", "crates": "crate",
    "grv": "ibc", "ibc": "ibc", "ibcs": "ibc", "totes": "ibc", "cuve": "ibc", "cuves": "ibc", "cubi": "ibc",
    "cubis": "ibc", "cubitainer": "ibc", "cubitainers": "ibc",
    "fut": "drum", "futs": "drum", "tonneau": "drum", "tonneaux": "drum", "drum": "drum", "drums": "drum",
    "bidon": "jerrycan", "bidons": "jerrycan", "jerrican": "jerrycan", "jerricans": "jerrycan",
    "jerrycan": "jerrycan", "jerrycans": "jerrycan",
    "boite": "box", "boites": "box", "barquette": "box", "barquettes": "box", "pot": "box", "pots": "box",
}  # fmt: skip

# Transport is shared only along a route: a truck returning from Lyon is no help for deliveries to Paris.
ROUTE_CLASSES = frozenset({"transport_capacity"})

# An ordinary collection round is for one waste stream: paper and cardboard, metal, plastics, glass, wood,
# plaster, textiles and biowaste are collected apart (code de l'environnement D543-278 and following),
# by different collectors, so a round for cardboard is no help to a company with biowaste. A licensed
# collector of hazardous waste takes the hazardous wastes of a workshop together.
STREAM_CLASSES = frozenset({COLLECTION_CLASS})

# A link resting on a class only inferred, not read, keeps this share of its strength: the highest
# inferred confidence (an offer's description, 0.8) then stays under 0.5, so that a lead nobody's own
# words or code back is shown to advisors but never emailed to companies on its own.
UNCORROBORATED = 0.6

# A joint session is on one topic: CACES certificates follow distinct CNAM recommendations (R482 site
# machinery, R486 aerial platforms, R489 forklifts, R490 loader cranes), each a session of its own.
_CERTIFICATE = re.compile(r"\br\s?(4\d\d)\b")

# Seasonal staff is the one resource where *not* overlapping is the point: one company's peak is
# another's quiet months, so the same people can work for both.
COMPLEMENTARY_SEASON_CLASSES = frozenset({"seasonal_staff"})


SUBSTITUTION_ROLES = (Role.SUPPLIER, Role.RECEIVER)


class Evidence(NamedTuple):
    """Why an offer may feed a need: a link between their classes, or the need's activity taking the
    offer's waste in (ewc_receivers.csv); how strong, over which reach, and the reason in French."""

    strength: float
    offer_class: str
    need_class: str
    reach: float
    reason_fr: str | None  # None: the class link's own reason
    # The receiver activity's NAF prefix that takes the offer in (a receiver link only).
    receiving_prefix: str | None
    # Resting on a class only inferred (from the activity, an offer's description, a code's section,
    # a resemblance), not read in the flows' own words or codes.
    inferred: bool


def evaluate_substitution(offer: FlowSnapshot, need: FlowSnapshot, kb: Knowledge) -> Proposal | None:
    """An offer feeding a need: accepted only for linked classes or a receiver link (the need's activity
    takes the offer's EWC code in), within reach, months, hazard rules and the law."""
    return judge_substitution(record_of(offer, kb), record_of(need, kb), kb)


def judge_substitution(o: FlowRecord, n: FlowRecord, kb: Knowledge) -> Proposal | None:
    """`evaluate_substitution` on the flows' records (the index keeps one per flow)."""
    if not o.offer or n.offer:
        return None
    if o.company == n.company:
        return None
    hazardous = o.carries
    if hazardous and not n.hazardous:
        return None
    # Months both flows are available; all year when a side says nothing.
    if not o.months:
        months: tuple[int, ...] | None = n.months_sorted
    elif not n.months:
        months = o.months_sorted
    else:
        months = tuple(sorted(o.months_set & n.months_set)) or None
    if months is None:
        return None
    ow, nw = o.wording, n.wording
    if nw.classified.refused and ow.primary & nw.classified.refused:
        # "Pas de sciure": the receiver has said no to what this offer mainly is.
        return None
    if nw.classified.denied and _names_denied(nw.classified, ow.said):
        # "Compost, vieux terreau... Pas de boues ni de digestat": the receiver has said no to a thing
        # this offer names, even if it is of a class the receiver otherwise takes.
        return None
    if nw.organic and ow.all_mineral and not nw.any_mineral:
        # "Fertilisation organique", "matière organique pour les rangs": lime, shells or ash are mineral
        # amendments, not what the receiver asks for (unless it names one too: "organique ou calcaire").
        return None
    if nw.liming and not ow.some_mineral and not nw.organic:
        # "Amendement calcique", "chaulage des sols acides": lime, ash or shells raise a soil's pH, manure,
        # compost or digestate do not (NF U 44-001 against NF U 44-051), unless it names organic matter too.
        return None
    if nw.refuses_states and not nw.refuses_states.isdisjoint(ow.states_said):
        # "Sciure sèche, sous 15 % d'humidité" is not fresh sawdust, "compost solide" no liquid digestate.
        return None
    worn = ow.worn
    if (worn or ow.regenerated) and nw.wants_new:
        # "Palettes neuves", "emballages neufs", "solvant neuf": nothing used, soiled or regenerated will do.
        return None
    distance = road_km_between(o, n)
    if not hazardous and nw.collector:
        # A collector of hazardous waste takes hazardous waste: MDF offcuts, plain wood or sewage sludge
        # (19 08 05, not hazardous) are not for it, whichever examples its need lists.
        return None
    # "Déchets dangereux liquides (huiles, émulsions, solvants)": a collector of liquids takes only
    # what flows (classes measured in volume), not treated wood or filters, unless it names them.
    liquids = nw.liquids_only
    solids = nw.solids_named
    offer_conf = ow.conf
    if liquids:
        offer_conf = ow.volume_conf
        if solids and not solids.isdisjoint(ow.conf):
            offer_conf = {c: v for c, v in ow.conf.items() if c in offer_conf or c in solids}
    if not offer_conf:
        # Nothing this offer is flows: no class link, and no receiver link either (its activity may
        # take the offer's code in, but the resource it would be about is none of the offer's).
        return None
    # The flows' own maximum distances shorten (never lengthen) a class's reach.
    limit = declared_limit_road_km(o.max_distance_km, n.max_distance_km)

    # The strongest evidence wins; on a tie, the first found: what the words link (class links, in
    # class order) comes before what the activity takes (receiver links).
    best: Evidence | None = None
    # A need that itself speaks of used or soiled things ("fûts souillés à reconditionner") asks for them.
    refusable = worn if nw.wants_clean else frozenset()
    need_conf, need_inferred = nw.conf, nw.inferred
    tanker = ow.tanker or nw.tanker
    for offer_class, table, volume in ow.links:
        # (Two vague flows, "matière", "déchet", are not a lead on their own: only specific classes link.)
        if liquids and not volume and offer_class not in solids:
            continue
        class_reach = table.reach_km
        if tanker and kb.carried_by_tanker(offer_class):
            class_reach = max(class_reach, TANKER_REACH_KM)
        reach = class_reach if limit is None or limit >= class_reach else limit
        if distance > reach:
            continue
        needs = table.needs
        offer_bans = ow.bans[offer_class]
        for need_class in nw.classes:
            entry = needs.get(need_class)
            if entry is None:
                continue
            weight, refused = entry
            if refusable and refusable & refused:
                # "Litière usagée" is not litter, "huile usagée" is not oil, "emballages souillés" are
                # not packaging: a receiver that consumes the thing as it is wants it clean.
                continue
            if offer_bans and offer_bans & n.ban_bits(need_class):
                # The law forbids this use of this resource: a refusal, never a low weight.
                continue
            strength = weight * offer_conf[offer_class] * need_conf[need_class]
            inferred = offer_class in ow.inferred or need_class in need_inferred
            if inferred:
                # A link resting on a class only inferred keeps UNCORROBORATED of its strength.
                strength *= UNCORROBORATED
            if best is None or strength > best[0]:
                best = Evidence(strength, offer_class, need_class, reach, None, None, inferred)
    if nw.takes_in and ow.entries:
        for found in _receiver_links(kb, o, n, offer_conf, distance, limit):
            if best is None or found[0] > best[0]:
                best = found
    if best is None:
        return None
    strength, offer_class, need_class, reach, reason, receiving_prefix, inferred = best
    if (offer_class in ROUTE_CLASSES or need_class in ROUTE_CLASSES) and not routes_meet(
        ow.places, nw.places
    ):
        return None
    if offer_class == PLASTICS and not _same_polymer(o.flow, n.flow):
        return None
    if offer_class in CONTAINER_CLASSES and not nw.collector and not _same_form(o.flow, n.flow):
        # (A collector of hazardous waste takes soiled packaging as waste, whatever its form: a drum
        # named among its wastes does not refuse a jerrycan, 15 01 10*.)
        return None

    quantity = match_annual(o.annual, n.annual, kb.classes[offer_class].density_t_per_m3)
    parts = {
        "resource": round(strength, 3),
        "activity": activity_part(
            nw.activities,
            bool(ow.activities) and offer_class in ow.produces,
            offer_class,
            need_class,
            receiving_prefix,
        ),
        "distance": round(distance_part(distance, reach), 3),
        "quantity": round(quantity.coverage, 3) if quantity else UNKNOWN_QUANTITY,
        "season": round(season_part(n.months_set, months), 3),
    }
    parts["hazard"] = HAZARD_ACCEPTED if hazardous else 1.0
    # A receiver link reads the need's activity, not its words: only the offer's words count.
    parts["text_confidence"] = round(offer_conf[offer_class] * need_conf.get(need_class, 1.0), 3)
    score = round(
        substitution_score_of(
            parts["resource"],
            parts["activity"],
            parts["distance"],
            parts["quantity"],
            parts["season"],
            parts["hazard"],
        ),
        3,
    )

    proposal = Proposal(
        kind=SynergyKind.SUBSTITUTION,
        flows=(o.flow, n.flow),
        roles=SUBSTITUTION_ROLES,
        resource_class=offer_class,
        resource_label=kb.label(offer_class),
        score=score,
        score_parts=parts,
        distance_km=round(distance, 1),
        explanation=explain.substitution(
            kb, o, n, offer_class, need_class, distance, months, quantity, reason, inferred=inferred
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
            quantity or o.offered,
            distance,
            need_known=quantity is not None,
            offer_price=o.flow.price,
            need_price=n.flow.price,
        ),
    )
    # Its id, from the texts of the flows' ids the records keep (what `synergy_id` would work out).
    proposal.__dict__["synergy_id"] = pair_id(SynergyKind.SUBSTITUTION, o.id_text, n.id_text)
    return proposal


def _receiver_links(
    kb: Knowledge,
    o: FlowRecord,
    n: FlowRecord,
    offer_conf: dict[str, float],
    distance: float,
    limit: float | None,
) -> Iterator[Evidence]:
    """The need's activity takes the offer's waste in, read from the offer's EWC code (ewc_receivers.csv).

    Only for a need that may take wastes in by its activity (`Knowledge.takes_in_by_activity`: its
    label names no resource, and it wants a material or a fuel). An offer without a code is matched
    on its words only: a class of words is too coarse to stand for a code ("biodéchets" covers both
    food-industry by-products, which may feed animals, and catering waste, which may not).
    """
    # An energy need takes a waste in only to burn it: a paper mill's need for process energy is not
    # fed by the waste paper it takes in as a raw material.
    fuel_only = n.category is Category.ENERGY
    ow = o.wording
    naf_code = n.flow.naf_code
    for entry, entry_reach in ow.entries:
        reach = entry_reach if limit is None or limit >= entry_reach else limit
        if distance > reach:
            continue
        for link in kb.receivers_of_entry(entry):
            prefix = link.prefix_for(naf_code)
            if prefix is None or (fuel_only and AS_FUEL not in link.uses):
                continue
            resource = _resource_of(kb, offer_conf, link.classes | frozenset(kb.ewc_classes(entry)))
            if o.ban_bits(resource) & n.ban_bits(resource):
                # A receiving activity is no exception to the law (used engine oil, catering waste).
                continue
            reason = f"Code déchet {entry} : {link.reason_fr}"
            yield Evidence(link.weight, resource, resource, reach, reason, prefix, False)


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
    if resource_class in CONTAINER_CLASSES and not _same_form(a, b):
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


def _meet(named_a: frozenset[str], named_b: frozenset[str]) -> bool:
    """Whether what two flows name of a kind (polymers, container forms, certificates, waste streams)
    meets, or either names none (then nothing says they differ)."""
    return not named_a or not named_b or not named_a.isdisjoint(named_b)


def _named(flow: FlowSnapshot, table: dict[str, str]) -> frozenset[str]:
    """What a flow's words name of a kind, by a table from word to kind."""
    return frozenset(table[w] for w in words(f"{flow.label} {flow.description or ''}") if w in table)


def _same_polymer(offer: FlowSnapshot, need: FlowSnapshot) -> bool:
    """Whether a plastics offer is of a polymer the need names, or either names none."""
    return _meet(_named(offer, POLYMERS), _named(need, POLYMERS))


def _same_form(a: FlowSnapshot, b: FlowSnapshot) -> bool:
    """Whether two container flows name a form in common (pallets, crates, IBCs...), or either names none."""
    return _meet(_named(a, CONTAINER_FORMS), _named(b, CONTAINER_FORMS))


def _same_certificate(a: FlowSnapshot, b: FlowSnapshot) -> bool:
    """Whether two training needs can share a session: the certificates they name meet, or one names none."""
    return _meet(_certificates(a), _certificates(b))


def _certificates(flow: FlowSnapshot) -> frozenset[str]:
    return frozenset(_CERTIFICATE.findall(fold(f"{flow.label} {flow.description or ''}")))


def _same_stream(kb: Knowledge, a: FlowSnapshot, b: FlowSnapshot) -> bool:
    """Whether two collection needs are for the same waste stream: the wastes they name meet, or one
    names none ("collecte de nos déchets")."""
    return _meet(kb.streams(a), kb.streams(b))


def _with_uses(classified: Classification) -> dict[str, float]:
    return {**dict.fromkeys(classified.uses, 1.0), **classified.confidence}


def _ordered(
    complementary: tuple[tuple[int, ...], tuple[int, ...]] | None, first: FlowSnapshot, a: FlowSnapshot
) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Complementary months in the order the flows are presented."""
    if complementary is None or first is a:
        return complementary
    return complementary[1], complementary[0]
