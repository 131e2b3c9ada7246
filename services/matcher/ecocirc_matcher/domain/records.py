"""What pairing reads of one flow, worked out once when the flow is indexed rather than at every pair.

A flow is judged against some fifty others per event on a dense territory, and each judgement used
to ask the knowledge's memos again for its classes, states, words, hazard, bans and activities. A
`FlowRecord` holds all of it, filled from the same memos (so it says exactly what they say), along
with what the flow itself gives in the units pairing compares (its site in radians, its months as a
set, its quantity per year).
"""

from __future__ import annotations

import math
from uuid import UUID

from ecocirc_matcher.domain.classify import Classification
from ecocirc_matcher.domain.explain import who
from ecocirc_matcher.domain.knowledge import EWC_KEY, Knowledge, NafActivity, OfferClassLinks
from ecocirc_matcher.domain.places import Point, places_named
from ecocirc_matcher.domain.scoring import QuantityMatch
from ecocirc_shared.flows import Category, Direction, FlowSnapshot
from ecocirc_shared.reference.geo import DETOUR_FACTOR, EARTH_RADIUS_KM
from ecocirc_shared.units import AnnualQuantity, to_annual

# States of a resource that make it waste rather than the thing itself (states.csv).
WORN_STATES = frozenset({"used", "soiled"})

# Flows of these categories are things that may carry a hazard; the others are services, transport,
# skills or energy delivered.
THINGS = frozenset({Category.MATERIAL, Category.WASTE, Category.WATER, Category.EQUIPMENT})

# What a licensed collector of hazardous waste asks for (knowledge/classes.csv).
HAZARDOUS_WASTE_USE = "use_hazardous_waste"
# Words that restrict a collector of hazardous waste to liquids.
LIQUID_WORDS = frozenset({"liquide", "liquides", "liquid", "liquids"})


def is_hazardous(kb: Knowledge, flow: FlowSnapshot) -> bool:
    """Hazardous or unknown: declared hazardous, carrying an EWC code marked hazardous (*) in the List of
    Waste, or saying so in words ("traité CCA", "fibrociment", "souillé", "huile de vidange")."""
    return flow.hazardous or kb.ewc_hazardous(flow.ewc_code) or bool(kb.hazards_named(flow))


def carries_hazard(kb: Knowledge, offer: FlowSnapshot) -> bool:
    """Whether what an offer hands over is hazardous, so that only a receiver accepting hazardous waste
    may take it. Words make only a thing hazardous: a collection round, a truck or a training "for
    hazardous waste" offers a service, not the waste it deals with (it still never pools with an
    ordinary one: `is_hazardous`)."""
    if offer.category in THINGS:
        return is_hazardous(kb, offer)
    return offer.hazardous or kb.ewc_hazardous(offer.ewc_code)


class FlowRecord:
    """One flow as pairing reads it (see the module's docstring). Built by `record_of`."""

    __slots__ = (
        "_kb",
        "_places",
        "activities",
        "annual",
        "bans",
        "carries",
        "category",
        "classes",
        "classified",
        "code_hazardous",
        "collector",
        "company",
        "conf",
        "cos_phi",
        "entries",
        "flow",
        "flow_id",
        "guessed",
        "hazardous",
        "id_text",
        "inferred",
        "links",
        "liquids_only",
        "lon",
        "max_distance_km",
        "months",
        "months_set",
        "months_sorted",
        "offer",
        "offered",
        "phi",
        "primary",
        "produces",
        "said",
        "takes_in",
        "volume_conf",
        "wants_clean",
        "wants_new",
        "who",
        "worn",
    )

    flow: FlowSnapshot
    flow_id: UUID
    id_text: str  # str(flow_id), as synergy ids and JSON write it
    company: int  # the company id's integer (compared at every pair)
    offer: bool
    category: Category
    phi: float  # the site's latitude in radians, its cosine, and its longitude in degrees
    cos_phi: float
    lon: float
    months: tuple[int, ...]  # as declared
    months_sorted: tuple[int, ...]
    months_set: frozenset[int]
    max_distance_km: float | None
    hazardous: bool  # declared so (a need: accepts hazardous waste)
    carries: bool  # `carries_hazard`
    code_hazardous: bool  # declared so or its EWC code is marked hazardous (what the explanation says)
    classified: Classification
    conf: dict[str, float]
    volume_conf: dict[str, float]  # its classes measured in volume (what a collector of liquids takes)
    inferred: frozenset[str]
    guessed: frozenset[str]
    primary: frozenset[str]  # the classes it most surely is
    said: frozenset[str]
    worn: frozenset[str]  # its states among WORN_STATES
    wants_new: bool
    wants_clean: bool  # a need that does not itself speak of used or soiled things
    collector: bool  # a need of a collector of hazardous waste
    liquids_only: bool  # ... of liquids only
    # An offer's specific classes in order, each with its links and whether it is measured in volume.
    links: tuple[tuple[str, OfferClassLinks, bool], ...]
    classes: tuple[str, ...]  # its classes in order
    bans: dict[str, int]  # class -> the bans its side holds read as that class (a bit each)
    takes_in: bool  # a need receiver links may feed (`Knowledge.takes_in_by_activity`)
    entries: tuple[tuple[str, float], ...]  # an offer's List of Waste entries and their reach
    annual: AnnualQuantity | None
    offered: QuantityMatch | None  # an offer's whole quantity (impact when the need gives none)
    activities: tuple[NafActivity, ...]
    produces: frozenset[str]
    who: str  # "Une entreprise (…, NAF 16.10A)": the trade, never the name
    _places: frozenset[Point] | None
    _kb: Knowledge

    def ban_bits(self, resource_class: str) -> int:
        """The bans this flow's side holds read as `resource_class` (worked out once per class)."""
        found = self.bans.get(resource_class)
        if found is None:
            side = self._kb.offer_ban_bits if self.offer else self._kb.need_ban_bits
            found = side(self.flow, resource_class)
            self.bans[resource_class] = found
        return found

    @property
    def places(self) -> frozenset[Point]:
        """The places its words name (transport goes along a route)."""
        if self._places is None:
            flow = self.flow
            self._places = places_named(f"{flow.label}. {flow.description or ''}")
        return self._places


def record_of(flow: FlowSnapshot, kb: Knowledge) -> FlowRecord:
    """What pairing reads of `flow`, from the knowledge's memos."""
    r = FlowRecord()
    r.flow = flow
    r.flow_id = flow.flow_id
    r.id_text = str(flow.flow_id)
    r.company = flow.company_id.int
    r.offer = flow.direction is Direction.OFFER
    r.category = flow.category
    r.phi = math.radians(flow.site.lat)
    r.cos_phi = math.cos(r.phi)
    r.lon = flow.site.lon
    r.months = flow.months
    r.months_set = frozenset(flow.months)
    r.months_sorted = tuple(sorted(r.months_set))
    r.max_distance_km = flow.max_distance_km
    r.hazardous = flow.hazardous
    r.carries = carries_hazard(kb, flow) if r.offer else False
    r.code_hazardous = flow.hazardous or kb.ewc_hazardous(flow.ewc_code)
    classified = kb.classification(flow)
    r.classified = classified
    r.conf = conf = classified.confidence
    r.volume_conf = {c: v for c, v in conf.items() if kb.classes[c].dimension == "volume"}
    r.inferred = classified.inferred
    r.guessed = classified.guessed
    top = max(conf.values(), default=0.0)
    r.primary = frozenset(c for c, v in conf.items() if v >= top)
    r.said = kb.said(flow)
    states = kb.states(flow)
    r.worn = states & WORN_STATES
    r.wants_new = "new" in states
    r.wants_clean = not states & WORN_STATES
    r.collector = HAZARDOUS_WASTE_USE in conf
    r.liquids_only = r.collector and not LIQUID_WORDS.isdisjoint(r.said)
    r.classes = tuple(sorted(conf))
    r.bans = {}
    r._kb = kb
    r._places = None
    if r.offer:
        links = []
        for c in r.classes:
            table = kb.offer_links(c)
            if table.specific:
                links.append((c, table, c in r.volume_conf))
        r.links = tuple(links)
        r.takes_in = False
        r.entries = tuple((e, kb.reach_km(EWC_KEY + e)) for e in kb.ewc_entries_of(flow.ewc_code))
        r.activities = tuple(kb.activities(flow.naf_code))
        r.produces = kb.naf_produces(flow.naf_code)
    else:
        r.links = ()
        r.takes_in = kb.takes_in_by_activity(flow)
        r.entries = ()
        r.activities = tuple(kb.activities(flow.naf_code))
        r.produces = frozenset()
    for c in r.classes:
        r.ban_bits(c)
    r.annual = to_annual(flow.quantity) if flow.quantity is not None else None
    q = r.annual
    r.offered = None if q is None else QuantityMatch(q.amount, q.base_unit.value, q.dimension, 1.0, q.one_off)
    r.who = who(kb, flow)
    return r


def road_km_between(a: FlowRecord, b: FlowRecord) -> float:
    """`scoring.road_km` of the two flows, on their sites' radians and cosines worked out once: the same
    operations on the same numbers as `great_circle_km`, so the same distance to the last bit."""
    dphi = b.phi - a.phi
    dlambda = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + a.cos_phi * b.cos_phi * math.sin(dlambda / 2) ** 2
    return DETOUR_FACTOR * (2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, h)))))
