"""What pairing reads of one flow, worked out once when the flow is indexed rather than at every pair.

A flow is judged against some fifty others per event on a dense territory, and each judgement used
to ask the knowledge's memos again for its classes, states, words, hazard, bans and activities. A
`FlowRecord` holds all of it, filled from the same memos (so it says exactly what they say), along
with what the flow itself gives in the units pairing compares (its site in radians, its months as a
set, its quantity per year).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import TypeVar
from uuid import UUID

from ecocirc_matcher.domain.classify import USE_FAMILY, Classification
from ecocirc_matcher.domain.explain import who
from ecocirc_matcher.domain.knowledge import EWC_KEY, Knowledge, NafActivity, OfferClassLinks
from ecocirc_matcher.domain.places import Point, places_named
from ecocirc_matcher.domain.scoring import QuantityMatch
from ecocirc_matcher.domain.text import affirmed
from ecocirc_shared.flows import Category, Direction, FlowSnapshot
from ecocirc_shared.reference.geo import DETOUR_FACTOR, EARTH_RADIUS_KM
from ecocirc_shared.units import AnnualQuantity, to_annual

T = TypeVar("T")

# States of a resource that make it waste rather than the thing itself (states.csv).
WORN_STATES = frozenset({"used", "soiled"})

# Flows of these categories are things that may carry a hazard; the others are services, transport,
# skills or energy delivered.
THINGS = frozenset({Category.MATERIAL, Category.WASTE, Category.WATER, Category.EQUIPMENT})

# A regenerated material (redistilled solvent, re-refined oil) is a product again, not a waste, but it
# is not new either: a need that wants new will not take it.
REGENERATED = "regenerated"
# A need that states a quality refuses the contrary one (states.csv): dry sawdust is not fresh sawdust
# (ISO 17225-1 moisture classes), a solid compost not a liquid digestate.
CONTRARY_STATES = {"dry": "wet", "solid": "liquid"}
# Moisture is a grade of solid biofuels and wood (ISO 17225-1 classes M10 to M55): a wet mineral (granulated
# slag, sand) is dried at the works that takes it, so its moisture refuses no need.
MOISTURE_FAMILIES = frozenset({"biomass"})
WET = "wet"

# A need that says it wants organic matter refuses what is mineral (knowledge/classes.csv families).
ORGANIC_WORDS = frozenset({"organique", "organiques", "organic"})
# Words of a need for a liming material (NF U 44-001, amendements minéraux basiques: "chaulage",
# "amendement calcique", "amendement basique"), which manure or compost do not meet.
LIMING_WORDS = frozenset({"chaulage", "calcique", "calciques", "basique", "basiques", "liming"})
MINERAL_FAMILIES = frozenset({"mineral", "metal"})

# Water that a tanker carries travels by road (pairing.TANKER_REACH_KM), not by pipe.
TANKER_WORDS = frozenset({"citerne", "citernes", "tanker", "tankers"})

# What a licensed collector of hazardous waste asks for (knowledge/classes.csv).
HAZARDOUS_WASTE_USE = "use_hazardous_waste"
# Words that restrict a collector of hazardous waste to liquids ("déchets dangereux liquides"), unless
# "de" makes them the name of one waste it lists ("liquides de refroidissement", "liquide de frein"; "des"
# says whose liquids: "déchets dangereux liquides des PME").
LIQUIDS_ONLY = re.compile(r"\bliquids?\b|\bliquides?\b(?!\s*(?:de|d)\b)")
# Resources counted this way flow (knowledge/classes.csv): what a collector of liquids may take.
LIQUID_DIMENSION = "volume"


def is_hazardous(kb: Knowledge, flow: FlowSnapshot) -> bool:
    """Hazardous or unknown: declared hazardous, carrying an EWC code marked hazardous (*) in the List of
    Waste, or saying so in words ("traité CCA", "fibrociment", "souillé", "huile de vidange")."""
    return flow.hazardous or kb.ewc_hazardous(flow.ewc_code) or bool(kb.hazards_named(flow))


def carries_hazard(kb: Knowledge, offer: FlowSnapshot) -> bool:
    """Whether what an offer hands over is hazardous, so that only a receiver accepting hazardous waste
    may take it. Words make only a thing hazardous: a collection round, a truck or a training "for
    hazardous waste" offers a service, not the waste it deals with (it still never pools with an
    ordinary one: `is_hazardous`)."""
    return _carries(offer, wording_of(kb, offer))


def _carries(flow: FlowSnapshot, wording: Wording) -> bool:
    """`carries_hazard` on the flow's wording (what a record keeps)."""
    if flow.hazardous or wording.code_hazard:
        return True
    if flow.category is Category.MATERIAL and wording.regenerated:
        # A regenerated product (solvent redistilled to a technical grade) has left waste status
        # (directive 2008/98/EC art. 6): its words name a substance, not a hazardous waste.
        return False
    return wording.things and wording.words_hazard


class Wording:
    """What pairing reads of a flow's words, code and activity: the same for every flow worded alike,
    so worked out once per wording (`wording_of`) and shared by their records."""

    __slots__ = (
        "_kb",
        "_places",
        "_volume_conf",
        "activities",
        "all_mineral",
        "any_mineral",
        "bans",
        "classes",
        "classified",
        "code_hazard",
        "collector",
        "conf",
        "description",
        "entries",
        "guessed",
        "inferred",
        "label",
        "liming",
        "links",
        "liquids_only",
        "offer",
        "organic",
        "primary",
        "produces",
        "refuses_states",
        "regenerated",
        "said",
        "solids_named",
        "some_mineral",
        "states_said",
        "takes_in",
        "tanker",
        "things",
        "wants_clean",
        "wants_new",
        "who",
        "words_hazard",
        "worn",
    )

    offer: bool
    label: str
    description: str
    things: bool  # a thing that may carry a hazard (THINGS), not a service
    code_hazard: bool  # its EWC code is marked hazardous
    words_hazard: bool  # its words name a hazard
    classified: Classification
    conf: dict[str, float]
    inferred: frozenset[str]
    guessed: frozenset[str]
    primary: frozenset[str]  # the classes it most surely is
    said: frozenset[str]
    worn: frozenset[str]  # its states among WORN_STATES
    regenerated: bool  # a regenerated material (REGENERATED)
    organic: bool  # its words ask for organic matter
    all_mineral: bool  # the classes it most surely is are all mineral (MINERAL_FAMILIES)
    some_mineral: bool  # one of the classes it most surely is is mineral
    states_said: frozenset[str]  # the states its words give (states.csv)
    refuses_states: frozenset[str]  # a need's: the contrary of the qualities it states (CONTRARY_STATES)
    liming: bool  # a need for a liming material (LIMING_WORDS)
    any_mineral: bool  # one of its classes is mineral
    tanker: bool  # its words say the water goes by tanker
    wants_new: bool
    wants_clean: bool  # a need that does not itself speak of used or soiled things
    collector: bool  # a need of a collector of hazardous waste
    liquids_only: bool  # ... of liquids only
    solids_named: frozenset[str]  # ... and of the solid wastes it names
    # An offer's specific classes in order, each with its links and whether it is measured in volume.
    links: tuple[tuple[str, OfferClassLinks, bool], ...]
    classes: tuple[str, ...]  # its classes in order
    bans: dict[str, int]  # class -> the bans its side holds read as that class (a bit each)
    takes_in: bool  # a need receiver links may feed (`Knowledge.takes_in_by_activity`)
    entries: tuple[tuple[str, float], ...]  # an offer's List of Waste entries and their reach
    activities: tuple[NafActivity, ...]
    produces: frozenset[str]
    who: str  # "Une entreprise (…, NAF 16.10A)": the trade, never the name
    _volume_conf: dict[str, float] | None
    _places: frozenset[Point] | None
    _kb: Knowledge

    @property
    def volume_conf(self) -> dict[str, float]:
        """Its classes measured in volume (what a collector of liquids takes)."""
        if self._volume_conf is None:
            classes = self._kb.classes
            self._volume_conf = {c: v for c, v in self.conf.items() if classes[c].dimension == "volume"}
        return self._volume_conf

    @property
    def places(self) -> frozenset[Point]:
        """The places its words name (transport goes along a route)."""
        if self._places is None:
            self._places = places_named(f"{self.label}. {self.description}")
        return self._places


class FlowRecord:
    """One flow as pairing reads it (see the module's docstring): the reading of its wording, shared
    with the flows worded alike, and what is its own. Built by `record_of`."""

    __slots__ = (
        "annual",
        "carries",
        "category",
        "code_hazardous",
        "company",
        "cos_phi",
        "flow",
        "flow_id",
        "hazardous",
        "id_text",
        "lon",
        "max_distance_km",
        "months",
        "months_set",
        "months_sorted",
        "offer",
        "phi",
        "wording",
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
    annual: AnnualQuantity | None
    wording: Wording

    def ban_bits(self, resource_class: str) -> int:
        """The bans this flow's side holds read as `resource_class` (worked out once per wording and class)."""
        bans = self.wording.bans
        found = bans.get(resource_class)
        if found is None:
            kb = self.wording._kb
            side = kb.offer_ban_bits if self.offer else kb.need_ban_bits
            found = bans[resource_class] = side(self.flow, resource_class)
        return found

    @property
    def offered(self) -> QuantityMatch | None:
        """An offer's whole quantity (what impact reads when the need gives none)."""
        q = self.annual
        return None if q is None else QuantityMatch(q.amount, q.base_unit.value, q.dimension, 1.0, q.one_off)


def record_of(flow: FlowSnapshot, kb: Knowledge) -> FlowRecord:
    """What pairing reads of `flow`, from the knowledge's memos."""
    wording = wording_of(kb, flow)
    r = FlowRecord()
    r.wording = wording
    r.offer = wording.offer
    r.flow = flow
    r.flow_id = flow.flow_id
    r.id_text = str(flow.flow_id)
    r.company = flow.company_id.int
    r.category = flow.category
    r.phi = math.radians(flow.site.lat)
    r.cos_phi = math.cos(r.phi)
    r.lon = flow.site.lon
    r.months = flow.months
    r.months_set, r.months_sorted = _months(flow.months)
    r.max_distance_km = flow.max_distance_km
    r.hazardous = flow.hazardous
    r.carries = wording.offer and _carries(flow, wording)
    r.code_hazardous = flow.hazardous or wording.code_hazard
    r.annual = to_annual(flow.quantity) if flow.quantity is not None else None
    return r


@lru_cache(maxsize=4096)
def _months(months: tuple[int, ...]) -> tuple[frozenset[int], tuple[int, ...]]:
    """A flow's months as a set and sorted, each once (shared by the flows declaring the same months)."""
    found = frozenset(months)
    return found, tuple(sorted(found))


# Readings of the wordings met, per knowledge (as the knowledge's own memos, at most this many).
WORDINGS_KEPT = 200_000
_wordings: dict[tuple[object, ...], Wording] = {}


def wording_of(kb: Knowledge, flow: FlowSnapshot) -> Wording:
    """The reading of a flow's wording: what the knowledge's memos read of a flow depends on its
    direction, category, words, code and activity only, so flows worded alike share one."""
    key = (
        kb,
        flow.direction,
        flow.category,
        flow.label,
        flow.description or "",
        flow.ewc_code or "",
        flow.naf_code or "",
    )
    found = _wordings.get(key)
    if found is None:
        if len(_wordings) >= WORDINGS_KEPT:
            _wordings.clear()
        found = _wordings[key] = _read_wording(kb, flow)
    return found


def _read_wording(kb: Knowledge, flow: FlowSnapshot) -> Wording:
    w = Wording()
    w._kb = kb
    w._places = None
    w._volume_conf = None
    w.offer = flow.direction is Direction.OFFER
    w.label, w.description = flow.label, flow.description or ""
    w.things = flow.category in THINGS
    w.code_hazard = kb.ewc_hazardous(flow.ewc_code)
    w.words_hazard = bool(kb.hazards_named(flow))
    classified = kb.classification(flow)
    w.classified = classified
    w.conf = conf = classified.confidence
    w.inferred = classified.inferred
    w.guessed = classified.guessed
    top = max(conf.values(), default=0.0)
    w.primary = _interned(frozenset(c for c, v in conf.items() if v >= top))
    w.said = kb.said(flow)
    states = kb.states(flow)
    w.worn = _interned(states & WORN_STATES)
    w.wants_new = "new" in states
    w.regenerated = REGENERATED in states
    graded = any(kb.classes[c].family in MOISTURE_FAMILIES for c in w.primary)
    w.states_said = _interned(states if graded else states - {WET})
    w.refuses_states = _interned(
        frozenset() if w.offer else frozenset(CONTRARY_STATES[s] for s in states if s in CONTRARY_STATES)
    )
    w.organic = not ORGANIC_WORDS.isdisjoint(w.said)
    w.liming = not w.offer and not LIMING_WORDS.isdisjoint(w.said)
    w.some_mineral = any(kb.classes[c].family in MINERAL_FAMILIES for c in w.primary)
    w.all_mineral = all(kb.classes[c].family in MINERAL_FAMILIES for c in w.primary)
    w.any_mineral = any(kb.classes[c].family in MINERAL_FAMILIES for c in conf)
    w.tanker = not TANKER_WORDS.isdisjoint(w.said)
    w.wants_clean = not states & WORN_STATES
    w.collector = HAZARDOUS_WASTE_USE in conf
    w.liquids_only = w.collector and bool(LIQUIDS_ONLY.search(affirmed(f"{w.label}. {w.description}")))
    # "Déchets dangereux liquides et pâteux : solvants, bois traité, emballages souillés" takes what flows
    # and the solid wastes it names, as the List of Waste files them (15 01 10*, soiled packaging, is
    # containers and chemical residues): what a receiver names is what it accepts (but naming oil filters
    # takes no treated wood).
    named_solids = (
        frozenset(
            c
            for c in conf
            if kb.classes[c].family != USE_FAMILY
            and kb.classes[c].dimension != LIQUID_DIMENSION
            and c not in classified.inferred
        )
        if w.liquids_only
        else frozenset()
    )
    w.solids_named = _interned(named_solids.union(*(kb.listed_with(c) for c in named_solids)))
    w.classes = _interned(tuple(sorted(conf)))
    w.activities = _interned(tuple(kb.activities(flow.naf_code)))
    w.who = _interned(who(kb, flow))
    if w.offer:
        w.links = _links(kb, w.classes)
        w.takes_in = False
        w.entries = _interned(tuple((e, kb.reach_km(EWC_KEY + e)) for e in kb.ewc_entries_of(flow.ewc_code)))
        w.produces = kb.naf_produces(flow.naf_code)
    else:
        w.links = ()
        w.takes_in = kb.takes_in_by_activity(flow)
        w.entries = ()
        w.produces = frozenset()
    side = kb.offer_ban_bits if w.offer else kb.need_ban_bits
    w.bans = {c: side(flow, c) for c in w.classes}
    return w


@lru_cache(maxsize=4096)
def _links(kb: Knowledge, classes: tuple[str, ...]) -> tuple[tuple[str, OfferClassLinks, bool], ...]:
    """An offer's specific classes in order, each with its links and whether it is measured in volume
    (one tuple for all the offers of these classes)."""
    return tuple(
        (c, table, kb.classes[c].dimension == "volume")
        for c in classes
        if (table := kb.offer_links(c)).specific
    )


# One object for each value of the small immutable parts of wordings (a class, no state, an activity):
# thousands of wordings hold the same few hundred values.
_interned_values: dict[object, object] = {}


def _interned(value: T) -> T:
    if len(_interned_values) >= WORDINGS_KEPT:
        _interned_values.clear()
    return _interned_values.setdefault(value, value)  # type: ignore[return-value]


def road_km_between(a: FlowRecord, b: FlowRecord) -> float:
    """`scoring.road_km` of the two flows, on their sites' radians and cosines worked out once: the same
    operations on the same numbers as `great_circle_km`, so the same distance to the last bit."""
    dphi = b.phi - a.phi
    dlambda = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + a.cos_phi * b.cos_phi * math.sin(dlambda / 2) ** 2
    return DETOUR_FACTOR * (2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, h)))))
