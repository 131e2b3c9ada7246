"""Feasibility and score parts of a pair of flows: distance, months, quantities, hazard, activity fit."""

from __future__ import annotations

from dataclasses import dataclass

from ecocirc_matcher.domain.classify import COLLECTION_CLASS
from ecocirc_matcher.domain.knowledge import NafActivity
from ecocirc_shared.flows import FlowSnapshot
from ecocirc_shared.reference import great_circle_km
from ecocirc_shared.reference.geo import DETOUR_FACTOR
from ecocirc_shared.units import AnnualQuantity, Dimension

# A substitution's score is its resource evidence tempered by its feasibility (see substitution_score
# and knowledge/README.md, "What a score means"). Feasibility weighs these parts; they sum to 1.
FEASIBILITY_WEIGHTS = {"activity": 0.3, "distance": 0.3, "quantity": 0.15, "season": 0.25}
# The least feasible exchange keeps this share of its resource evidence; the most feasible keeps all.
FEASIBILITY_FLOOR = 0.6
# How easily two companies pool a need they share: close to each other, in season. Sums to 1.
MUTUALISATION_WEIGHTS = {"distance": 0.65, "season": 0.35}

# When a side says nothing about quantity we neither reward nor punish much.
UNKNOWN_QUANTITY = 0.5
# Taking a hazardous waste is allowed when declared, but it costs paperwork and permits.
HAZARD_ACCEPTED = 0.9
# Activity fit: the receiver's trade is known to use the resource (1), unknown (0.5), known not to (0.3).
ACTIVITY_KNOWN_USE, ACTIVITY_UNKNOWN, ACTIVITY_NOT_LISTED = 1.0, 0.5, 0.3
# A profile that lists few uses says more about each of them than one that lists many: a cement works
# takes some twenty kinds of residue in, an industrial-gas maker a handful. A listed use fits fully in a
# profile of up to this many uses, and as 1/sqrt(uses) beyond (the cosine of the offer's class with the
# profile's uses), so that the receiver whose trade is focused on the resource ranks first.
FOCUSED_PROFILE_USES = 5


# Companies pool a purchase, a service or staff only within a territory (a department, a "pays"): a
# delivery round or a buying club covers some 80 road km, however far the resource itself travels (fuel).
POOLING_REACH_KM = 80.0


def pooling_reach(class_reach: float, *, resource_class: str = "", hazardous: bool = False) -> float:
    """How far apart two companies may be to pool a need of a class with this reach."""
    if hazardous and resource_class == COLLECTION_CLASS:
        # A round collecting hazardous waste is regional: few collectors are approved for it and their ADR
        # trucks cover a department, where an ordinary collection round serves a business park.
        return POOLING_REACH_KM
    return min(class_reach, POOLING_REACH_KM)


def road_km(a: FlowSnapshot, b: FlowSnapshot) -> float:
    """Estimated road distance between two sites: great circle times a detour factor."""
    return DETOUR_FACTOR * great_circle_km(a.site.lat, a.site.lon, b.site.lat, b.site.lon)


def declared_limit_road_km(*declared: float | None) -> float | None:
    """The flows' declared maximum distances as a limit on the estimated road distance, or None.

    A company that writes "50 km maximum" is refused a partner only when even the straight line is
    longer: the road distance here is an estimate (the great circle times an average detour), and a
    real road may be straighter, so a pair is never refused on the estimate alone. Its score still
    falls with the estimated distance (`distance_part`)."""
    limits = [d for d in declared if d is not None]
    return DETOUR_FACTOR * min(limits) if limits else None


def allowed_reach(class_reach: float, *flows: FlowSnapshot) -> float:
    """A class's reach, shortened (never lengthened) by the flows' own maximum distances."""
    limit = declared_limit_road_km(*(f.max_distance_km for f in flows))
    return class_reach if limit is None else min(class_reach, limit)


def distance_part(distance: float, reach: float) -> float:
    return max(0.0, 1.0 - distance / reach) if reach > 0 else 0.0


def common_months(a: FlowSnapshot, b: FlowSnapshot) -> tuple[int, ...] | None:
    """Months both flows are available; all year when a side says nothing; None when they never meet."""
    if not a.months:
        return tuple(sorted(set(b.months)))
    if not b.months:
        return tuple(sorted(set(a.months)))
    common = tuple(sorted(set(a.months) & set(b.months)))
    return common or None


def season_part(wanted: frozenset[int], common: tuple[int, ...]) -> float:
    """Share of the need's months (`wanted`) the offer covers; 1 when the need names no months (nothing
    to miss)."""
    if not wanted:
        return 1.0
    return len(set(common or range(1, 13)) & wanted) / len(wanted)


@dataclass(frozen=True, slots=True)
class QuantityMatch:
    """The amount both sides can exchange in one unit, and the share of the need it covers."""

    amount: float
    unit: str
    dimension: Dimension
    coverage: float
    one_off: bool


def _in_dimension(q: AnnualQuantity, dimension: Dimension, density: float | None) -> float | None:
    """Amount of q in the base unit of `dimension`, crossing mass and volume with a density."""
    if q.dimension is dimension:
        return q.amount
    if density and q.dimension is Dimension.VOLUME and dimension is Dimension.MASS:
        return q.amount * density
    if density and q.dimension is Dimension.MASS and dimension is Dimension.VOLUME:
        return q.amount / density
    return None


def match_annual(
    qo: AnnualQuantity | None, qn: AnnualQuantity | None, density: float | None
) -> QuantityMatch | None:
    """How much of the need the offer covers, when both are declared in comparable units (per year,
    in their base unit)."""
    if qo is None or qn is None:
        return None
    offered = _in_dimension(qo, qn.dimension, density)
    if offered is None or qn.amount <= 0:
        return None
    amount = min(offered, qn.amount)
    return QuantityMatch(
        amount=amount,
        unit=qn.base_unit.value,
        dimension=qn.dimension,
        coverage=min(1.0, amount / qn.amount),
        one_off=qo.one_off or qn.one_off,
    )


def activity_part(
    receiver_profiles: tuple[NafActivity, ...],
    supplier_makes: bool,
    offer_class: str,
    need_class: str,
    receiving_prefix: str | None = None,
) -> float:
    """How well the two trades fit the resource: the receiver's activity uses it (`receiver_profiles`,
    its NAF code's profiles), the supplier's makes it (`supplier_makes`: a known trade producing it).

    A resource listed for the receiver's precise activity (NAF class) counts more than one listed for
    its whole division: "chimie inorganique de base" says more than "industrie chimique"; and one
    listed among few uses more than one among many (`profile_focus`). A receiver link
    (`receiving_prefix`, the NAF prefix of ewc_receivers.csv that takes the offer's code in) is such a
    listing, specific to the code.
    """
    if not receiver_profiles:
        receiver = ACTIVITY_UNKNOWN
    else:
        receiver = ACTIVITY_NOT_LISTED
        for profile in receiver_profiles:
            if offer_class in profile.uses or need_class in profile.uses:
                depth = len(profile.prefix)
                fit = (ACTIVITY_KNOWN_USE - 0.1 * (4 - depth)) * profile_focus(len(profile.uses))
                receiver = max(receiver, fit)
    if receiving_prefix is not None:
        receiver = max(receiver, ACTIVITY_KNOWN_USE - 0.1 * (4 - len(receiving_prefix)))
    # An offer's trade known to produce the resource fits; any other, or none known, is neutral.
    supplier = ACTIVITY_KNOWN_USE if supplier_makes else ACTIVITY_UNKNOWN
    return round(0.7 * receiver + 0.3 * supplier, 3)


def profile_focus(uses: int) -> float:
    """How much an activity profile listing this many uses says about any one of them, in (0, 1]."""
    return min(1.0, (FOCUSED_PROFILE_USES / uses) ** 0.5) if uses > 0 else 1.0


def substitution_score(parts: dict[str, float]) -> float:
    """Resource evidence x feasibility x hazard, in [0, 1]: the evidence gates the score.

    A score never exceeds its `resource` part, so a weak link (a link weight of 0.3, or a sure link
    between flows read with little confidence) cannot clear the emailing threshold however close,
    in season and sized the partner is. Feasibility (activity fit, distance, season, quantity) only
    takes off up to 1 - FEASIBILITY_FLOOR. An unknown quantity counts as half covered, and so does a
    known need much larger than the offer: the receiver still takes all of it.
    """
    fit = {**parts, "quantity": max(parts["quantity"], UNKNOWN_QUANTITY)}
    feasibility = FEASIBILITY_FLOOR + (1 - FEASIBILITY_FLOOR) * weighted(fit, FEASIBILITY_WEIGHTS)
    return min(1.0, max(0.0, parts["resource"] * feasibility * parts["hazard"]))


def substitution_score_of(
    resource: float, activity: float, distance: float, quantity: float, season: float, hazard: float
) -> float:
    """`substitution_score` of these parts, without a dict to build: the same operations in the same
    order (tests/unit/matcher/domain/test_scoring.py checks they give the same number)."""
    fit = _W_ACTIVITY * activity + _W_DISTANCE * distance + _W_QUANTITY * max(quantity, UNKNOWN_QUANTITY)
    feasibility = FEASIBILITY_FLOOR + (1 - FEASIBILITY_FLOOR) * (fit + _W_SEASON * season)
    return min(1.0, max(0.0, resource * feasibility * hazard))


# The weights in FEASIBILITY_WEIGHTS's order (the order `weighted` adds them in).
_W_ACTIVITY, _W_DISTANCE, _W_QUANTITY, _W_SEASON = (
    FEASIBILITY_WEIGHTS[name] for name in ("activity", "distance", "quantity", "season")
)


def mutualisation_score(parts: dict[str, float]) -> float:
    """The shared need x how easily it is pooled, as `substitution_score`: being neighbours only
    tempers the evidence that two companies need the same thing, it never makes it."""
    ease = weighted(parts, MUTUALISATION_WEIGHTS)
    return min(1.0, max(0.0, parts["resource"] * (FEASIBILITY_FLOOR + (1 - FEASIBILITY_FLOOR) * ease)))


def weighted(parts: dict[str, float], weights: dict[str, float]) -> float:
    return sum(weights[name] * parts[name] for name in weights)
