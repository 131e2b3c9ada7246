"""The matcher's knowledge: resource classes, which class feeds which, how far each travels, read from data."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ecocirc_matcher.domain.classify import USE_FAMILY, VAGUE_FAMILIES, Classification, Classifier, Term
from ecocirc_matcher.domain.semantic import ClassText, PhraseEncoder, SemanticPlacer, class_phrases
from ecocirc_matcher.domain.text import affirmed, clauses, everyday_words, keys, words
from ecocirc_shared.flows import Category, Direction, FlowSnapshot
from ecocirc_shared.reference import EwcCodeError, ewc_entries, get_ewc, naf_entries, parse_ewc_code

_DATA_PACKAGE = "ecocirc_matcher.knowledge"
_DATA_FILES = (
    "classes.csv",
    "keywords.csv",
    "links.csv",
    "ewc_map.csv",
    "naf_activities.csv",
    "emission_factors.csv",
    "lexicon.csv",
    "ewc_receivers.csv",
    "homonyms.csv",
    "hazard_terms.csv",
    "bans.csv",
    "states.csv",
    "clean_needs.csv",
    "shared_needs.csv",
    "made_by.csv",
    # Provenance: read by no rule, hashed into the version all the same (see knowledge/README.md).
    "sources.csv",
    "glossary.csv",
)

# How sure an EWC code makes us, by how precisely the mapping names it: an entry of its own, a
# pattern across sections, its section, or only its chapter.
EWC_CONFIDENCE = {3: 0.9, 2: 0.75, 1: 0.6}
EWC_WILDCARD_CONFIDENCE = 0.85

# Containers a resource is kept, carried or grown in ("en bacs", "pour nos sacs de culture"): named
# after a preposition, they are not the resource (classify._not_vessels).
VESSEL_CLASSES = frozenset({"reusable_containers", "packaging_supplies"})

# The same resource on both sides needs no reason from the data.
IDENTITY_REASON = "Il s'agit de la même ressource."

# Keys the index files flows under besides their classes: an offer's EWC entry that some activity
# takes in, and a need's NAF prefix that takes some entries in (see ewc_receivers.csv).
EWC_KEY, NAF_KEY = "ewc:", "naf:"
# How far a waste travels when the classes of its code say nothing: a regional outlet.
DEFAULT_REACH_KM = 100.0
# Needs that can take a waste in: for a material, or for a fuel to burn. A need for heat, steam or
# drying is met by energy delivered, not by a by-product its trade also takes in.
RECEIVING_CATEGORIES = frozenset({Category.MATERIAL, Category.WASTE})
FUEL_USES = frozenset({"use_fuel", "use_biomass_fuel", "use_cement_kiln"})
# What a receiving activity does with a waste (the `use` column of ewc_receivers.csv).
AS_MATERIAL, AS_FUEL = "matière", "combustible"
RECEIVER_USES = frozenset({AS_MATERIAL, AS_FUEL})
# Categories of the resources a collection or a transport carries (`Knowledge.streams`).
STREAM_CATEGORIES = frozenset({Category.WASTE.value, Category.MATERIAL.value})


@dataclass(frozen=True, slots=True)
class ResourceClass:
    """One kind of resource (or of use): how it is measured, how far it sensibly travels."""

    id: str
    family: str
    dimension: str
    reach_km: float
    density_t_per_m3: float | None
    specific: bool
    categories: frozenset[str]
    label_fr: str
    label_en: str


@dataclass(frozen=True, slots=True)
class Link:
    """An offer of one class can feed a need of another, with a weight in [0, 1] and the reason."""

    offer_class: str
    need_class: str
    weight: float
    reason_fr: str


@dataclass(frozen=True, slots=True)
class OfferClassLinks:
    """An offer class as pairing reads it at every pair (Knowledge.offer_links)."""

    specific: bool
    reach_km: float
    # Need class -> (the link's weight, the offer states that need class refuses).
    needs: Mapping[str, tuple[float, frozenset[str]]]


@dataclass(frozen=True, slots=True)
class ReceiverLink:
    """Activities (NAF prefixes) that take wastes of some List of Waste entries as inputs, and why."""

    patterns: tuple[str, ...]
    naf_prefixes: tuple[str, ...]  # digits: "2351", "171", "01"
    uses: frozenset[str]  # RECEIVER_USES: taken in as a material, burnt as a fuel, or both
    weight: float
    reason_fr: str
    source: str
    entries: frozenset[str]  # the six-digit entries the patterns cover, exceptions removed
    classes: frozenset[str]  # what ewc_map.csv makes of those entries: what the link is about

    def prefix_for(self, naf_code: str | None) -> str | None:
        """The longest of this link's NAF prefixes that a code falls under, or None."""
        digits = naf_digits(naf_code)
        found = [p for p in self.naf_prefixes if digits.startswith(p)]
        return max(found, key=len) if digits and found else None


@dataclass(frozen=True, slots=True)
class NafActivity:
    """What an activity (a NAF/NACE prefix) typically produces and uses."""

    prefix: str
    produces: frozenset[str]
    uses: frozenset[str]
    note: str


@dataclass(frozen=True, slots=True)
class HazardTerm:
    """Words that make a flow hazardous-or-unknown, why, and the rule or list they come from."""

    terms: tuple[str, ...]
    lang: str
    unless: tuple[str, ...]
    reason: str
    source: str


# Written between two parts of a ban's phrase: both parts in one clause, anything between them.
CLAUSE_GAP = " ... "


@dataclass(frozen=True, slots=True)
class Ban:
    """A use the law forbids for a resource: a refusal, whatever the score would have been.

    The offer side holds for an offer class listed (from an activity listed, when some are), an EWC
    code under a listed pattern, or a listed phrase in the offer's words (none of `offer_unless`). The
    need side holds when the need's class is listed (or the need names a listed use for the resource
    it asks, or names no use and comes from a listed activity), and its words hold a listed phrase;
    an empty condition holds. A phrase of `need_unless` (an authorised channel) lifts the ban.
    """

    id: str
    offer_classes: frozenset[str]
    offer_naf: tuple[str, ...]
    offer_ewc: tuple[str, ...]
    need_classes: frozenset[str]
    need_naf: tuple[str, ...]
    has_need_terms: bool
    # Activities (NAF prefixes) the receiver must have for the ban to hold; empty: any receiver. Raw
    # animal by-products may feed animals through an approved processing plant, not on a farm.
    need_activity: tuple[str, ...]
    rule: str
    reason_fr: str


@dataclass(frozen=True, slots=True)
class EmissionFactor:
    """A documented emission factor and where it comes from."""

    id: str
    value: float
    unit: str
    applies_to: frozenset[str]
    source: str


def _rows(data: Mapping[str, bytes], name: str) -> Iterator[dict[str, str]]:
    with io.StringIO(data[name].decode("utf-8-sig"), newline="") as text:
        yield from csv.DictReader(text)


def _split(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(";") if part.strip())


def ewc_pattern_matches(pattern: str, entry: str) -> bool:
    """Whether a six-digit entry ("10 01 02") falls under a pattern: chapter "10", section "10 01",
    the entry itself, or a cross-section pattern "07 ** 04"."""
    wanted, parts = pattern.split(), entry.split()
    return len(wanted) <= len(parts) and all(w in ("**", p) for w, p in zip(wanted, parts, strict=False))


def naf_digits(code: str | None) -> str:
    """The digits of a NAF/NACE code ("16.10A" -> "1610", "4120*" -> "4120")."""
    return re.sub(r"\D", "", code or "")[:4]


class Knowledge:
    """Everything the matcher knows, loaded from the packaged data files (see knowledge/README.md).

    The index relies on `version`, `index_keys`, `partner_classes` and `reach_km`; pairing also reads
    links, activity profiles and factors. With an `encoder`, words the keywords do not know are placed
    near the classes they resemble (domain/semantic.py).
    """

    def __init__(self, data: Mapping[str, bytes] | None = None, encoder: PhraseEncoder | None = None) -> None:
        # No data: the packaged files (prefer load_knowledge(), which loads them once per process).
        data = _read_packaged() if data is None else data
        digest = hashlib.sha256()
        for name in sorted(data):
            digest.update(name.encode() + b"\0" + data[name])
        # The encoder changes what flows are read as, so it is part of the version (a change re-derives).
        self.version = "kb-" + digest.hexdigest()[:12] + (f"+{encoder.name}" if encoder else "")

        self.classes: dict[str, ResourceClass] = {}
        for row in _rows(data, "classes.csv"):
            self.classes[row["id"]] = ResourceClass(
                id=row["id"],
                family=row["family"],
                dimension=row["dimension"],
                reach_km=float(row["reach_km"]),
                density_t_per_m3=float(row["density_t_per_m3"]) if row["density_t_per_m3"] else None,
                specific=row["specific"] == "1",
                categories=_split(row["categories"]),
                label_fr=row["label_fr"],
                label_en=row["label_en"],
            )

        self.links: dict[tuple[str, str], Link] = {}
        for row in _rows(data, "links.csv"):
            link = Link(row["offer_class"], row["need_class"], float(row["weight"]), row["reason_fr"])
            self._check_class(link.offer_class, "links.csv")
            self._check_class(link.need_class, "links.csv")
            self.links[(link.offer_class, link.need_class)] = link
        self._identity_links = {c: Link(c, c, 1.0, IDENTITY_REASON) for c in self.classes}
        self._offer_links: dict[str, OfferClassLinks] = {}
        feeds: defaultdict[str, set[str]] = defaultdict(set)
        fed_by: defaultdict[str, set[str]] = defaultdict(set)
        for offer_class, need_class in self.links:
            feeds[offer_class].add(need_class)
            fed_by[need_class].add(offer_class)
        # Both directions are derived from the same pairs, so they are consistent by construction.
        self._feeds = {c: frozenset(feeds[c] | {c}) for c in self.classes}
        self._fed_by = {c: frozenset(fed_by[c] | {c}) for c in self.classes}

        self._ewc: dict[str, frozenset[str]] = {}
        for row in _rows(data, "ewc_map.csv"):
            classes = _split(row["classes"])
            for c in classes:
                self._check_class(c, "ewc_map.csv")
            self._ewc[row["pattern"]] = classes

        # Classes one List of Waste entry names together: kinds of one another ("sciure, copeaux, chutes").
        self._co_listed = frozenset(
            (a, b) for group in self._ewc.values() for a in group for b in group if a != b
        )

        self._naf: dict[str, NafActivity] = {}
        for row in _rows(data, "naf_activities.csv"):
            activity = NafActivity(
                row["naf_prefix"], _split(row["produces"]), _split(row["uses"]), row["note"]
            )
            for c in activity.produces | activity.uses:
                self._check_class(c, "naf_activities.csv")
            self._naf[activity.prefix] = activity

        self._load_receivers(data)

        self.factors: dict[str, EmissionFactor] = {
            row["id"]: EmissionFactor(
                row["id"], float(row["value"]), row["unit"], _split(row["applies_to"]), row["source"]
            )
            for row in _rows(data, "emission_factors.csv")
        }

        terms: list[Term] = []
        for row in _rows(data, "keywords.csv"):
            self._check_class(row["class_id"], "keywords.csv")
            excludes = tuple(w for w in row["exclude"].split("|") if w.strip())
            for phrase in row["terms"].split("|"):
                if phrase.strip():
                    terms.append(Term(row["class_id"], row["lang"], row["direction"], phrase, excludes))
        # Longer phrases that contain a shorter keyword of another class ("pommes de terre", "marc de
        # café", "bois B"): the longest phrase wins, so the shorter one no longer misleads.
        for row in _rows(data, "homonyms.csv"):
            self._check_class(row["class_id"], "homonyms.csv")
            terms.append(Term(row["class_id"], row["lang"], "", row["phrase"], ()))
        lexicon, everyday = _lexicon(data), everyday_words()
        self._classifier = Classifier(terms, lexicon, everyday, vessels=VESSEL_CLASSES)
        self._terms = terms
        self.semantic = SemanticPlacer(encoder, self.class_descriptions) if encoder else None
        self._placeable_cached = lru_cache(maxsize=64)(self._placeable)

        # Hazard words are read like keywords (stems, typos, negation: "sans amiante" is no hazard),
        # each row standing for a class of its own; `unless` words in the same text veto the row.
        self.hazard_terms: list[HazardTerm] = []
        hazard_phrases: list[Term] = []
        for row in _rows(data, "hazard_terms.csv"):
            hazard = HazardTerm(
                terms=tuple(t for t in row["terms"].split("|") if t.strip()),
                lang=row["lang"],
                unless=tuple(w for w in row["unless"].split("|") if w.strip()),
                reason=row["reason"],
                source=row["source"],
            )
            position = str(len(self.hazard_terms))
            self.hazard_terms.append(hazard)
            hazard_phrases += [Term(position, hazard.lang, "", t, hazard.unless) for t in hazard.terms]
        self._hazard_reader = Classifier(hazard_phrases, lexicon, everyday)
        self._hazards_cached = lru_cache(maxsize=200_000)(self._hazards_in)

        # Regulatory bans; their phrases are read like keywords too, each list a class of its own
        # ("offer:<id>", "offer_unless:<id>", "need:<id>", "need_unless:<id>").
        self.bans: list[Ban] = []
        ban_phrases: list[Term] = []
        # A phrase written "agrement ... en cours" holds when each part is in one clause, whatever lies
        # between ("agrément sanitaire sous-produits animaux en cours").
        self._ban_clause_terms: list[tuple[str, tuple[tuple[frozenset[str], ...], ...]]] = []
        for row in _rows(data, "bans.csv"):
            ban = Ban(
                id=row["id"],
                offer_classes=_split(row["offer_classes"]),
                offer_naf=tuple(naf_digits(n) for n in _split(row["offer_naf"])),
                offer_ewc=tuple(sorted(_split(row["offer_ewc"]))),
                need_classes=_split(row["need_classes"]),
                need_naf=tuple(naf_digits(n) for n in _split(row["need_naf"])),
                has_need_terms=bool(row["need_terms"].strip()),
                need_activity=tuple(naf_digits(n) for n in _split(row.get("need_activity") or "")),
                rule=row["rule"],
                reason_fr=row["reason_fr"],
            )
            for c in ban.offer_classes | ban.need_classes:
                self._check_class(c, "bans.csv")
            self.bans.append(ban)
            for column in ("offer_terms", "offer_unless", "need_terms", "need_unless"):
                phrases = [phrase for phrase in row[column].split("|") if phrase.strip()]
                ban_phrases += [
                    Term(f"{column}:{ban.id}", "fr", "", phrase, ())
                    for phrase in phrases
                    if CLAUSE_GAP not in phrase
                ]
                self._ban_clause_terms += [
                    (
                        f"{column}:{ban.id}",
                        tuple(tuple(keys(w) for w in words(part)) for part in phrase.split(CLAUSE_GAP)),
                    )
                    for phrase in phrases
                    if CLAUSE_GAP in phrase
                ]
        self._ban_reader = Classifier(ban_phrases, lexicon, everyday)
        self._ban_words_cached = lru_cache(maxsize=200_000)(self._ban_words_in)
        self._offer_bans_cached = lru_cache(maxsize=200_000)(self._offer_bans)
        self._need_bans_cached = lru_cache(maxsize=200_000)(self._need_bans)

        # The state a flow's words give its resource: used, soiled or new (states.csv); and the need
        # classes a receiver consumes as they are, which a used or soiled offer cannot meet.
        state_phrases = [
            Term(
                row["state"],
                row["lang"],
                "",
                phrase,
                tuple(w for w in row["exclude"].split("|") if w.strip()),
            )
            for row in _rows(data, "states.csv")
            for phrase in row["terms"].split("|")
            if phrase.strip()
        ]
        self._state_reader = Classifier(state_phrases, lexicon, everyday, stemmed=False)
        self._states_cached = lru_cache(maxsize=200_000)(self._states_in)
        self._said_cached = lru_cache(maxsize=200_000)(self._said_in)
        # What a need names as its product ("production of bricks") is read as the use that makes it.
        self._made_by: dict[str, str] = {}
        for row in _rows(data, "made_by.csv"):
            self._check_class(row["class_id"], "made_by.csv")
            self._check_class(row["made_by"], "made_by.csv")
            self._made_by[row["class_id"]] = row["made_by"]
        self._clean_needs: dict[str, frozenset[str]] = {}
        for row in _rows(data, "clean_needs.csv"):
            self._check_class(row["class_id"], "clean_needs.csv")
            self._clean_needs[row["class_id"]] = _split(row["refuses"])
        # Needs several companies can share or buy together (shared_needs.csv): only these make
        # mutualisation groups. Two companies after the same by-product compete for it; they do not pool.
        self._shared_needs: frozenset[str] = frozenset()
        shared = set()
        for row in _rows(data, "shared_needs.csv"):
            self._check_class(row["class_id"], "shared_needs.csv")
            shared.add(row["class_id"])
        self._shared_needs = frozenset(shared)
        self._classify_cached = lru_cache(maxsize=200_000)(self._classify_key)
        self._streams_cached = lru_cache(maxsize=200_000)(self._streams_in)
        self._ewc_cached = lru_cache(maxsize=4096)(self._ewc_classes)
        self._hazardous_cached = lru_cache(maxsize=4096)(self._ewc_hazardous)
        self._entries_cached = lru_cache(maxsize=4096)(self._ewc_entries)
        # Pairing asks for a company's activities at every pair it judges.
        self._activities_cached = lru_cache(maxsize=4096)(self._activities)

    def _load_receivers(self, data: Mapping[str, bytes]) -> None:
        waste_entries = [e.code for e in ewc_entries() if e.is_waste_entry]
        headings = {e.code for e in ewc_entries()}
        self.receivers: list[ReceiverLink] = []
        for row in _rows(data, "ewc_receivers.csv"):
            patterns = tuple(p.strip() for p in row["ewc"].split(";") if p.strip())
            excluded = _split(row["except"])
            for code in (*patterns, *excluded):
                if "**" not in code and code not in headings:
                    raise ValueError(f"ewc_receivers.csv: unknown List of Waste code {code!r}")
            entries = frozenset(
                e
                for e in waste_entries
                if e not in excluded and any(ewc_pattern_matches(p, e) for p in patterns)
            )
            if not entries:
                raise ValueError(f"ewc_receivers.csv: {row['ewc']!r} covers no waste entry")
            uses = _split(row["use"])
            if not uses or not uses <= RECEIVER_USES:
                raise ValueError(
                    f"ewc_receivers.csv: use {row['use']!r} is not one of {sorted(RECEIVER_USES)}"
                )
            self.receivers.append(
                ReceiverLink(
                    patterns=patterns,
                    naf_prefixes=tuple(naf_digits(p) for p in row["naf"].split(";") if naf_digits(p)),
                    uses=uses,
                    weight=float(row["weight"]),
                    reason_fr=row["reason_fr"],
                    source=row["source"],
                    entries=entries,
                    classes=frozenset().union(*(self._ewc_one(e).keys() for e in entries)),
                )
            )
        # The index's view of these links, both ways (consistent by construction, like the class links).
        links_of: defaultdict[str, list[ReceiverLink]] = defaultdict(list)
        for link in self.receivers:
            for entry in link.entries:
                links_of[entry].append(link)
        self._links_of_entry = {e: tuple(links) for e, links in links_of.items()}
        by_entry: defaultdict[str, set[str]] = defaultdict(set)
        by_prefix: defaultdict[str, set[str]] = defaultdict(set)
        for link in self.receivers:
            for prefix in link.naf_prefixes:
                for entry in link.entries:
                    by_entry[EWC_KEY + entry].add(NAF_KEY + prefix)
                    by_prefix[NAF_KEY + prefix].add(EWC_KEY + entry)
        self._receiving_prefixes = frozenset(key.removeprefix(NAF_KEY) for key in by_prefix)
        self._key_partners = {k: frozenset(v | {k}) for k, v in (by_entry | by_prefix).items()}
        # A waste travels as far as its classes do; an activity has no reach of its own (the index
        # searches a need's partners within the reach of the wastes it takes in, and an offer's
        # within its own wastes' reach, so a receiving activity must not widen the offer's search).
        self._key_reach = {k: self._code_reach(k.removeprefix(EWC_KEY)) for k in by_entry}
        self._key_reach.update(dict.fromkeys(by_prefix, 0.0))

    def _code_reach(self, entry: str) -> float:
        """How far a waste of this entry travels: the farthest of the classes its code maps to."""
        return max((self.reach_km(c) for c in self._ewc_one(entry)), default=DEFAULT_REACH_KM)

    def _check_class(self, class_id: str, where: str) -> None:
        if class_id not in self.classes:
            raise ValueError(f"{where}: unknown resource class {class_id!r}")

    # --- the contract with the index -------------------------------------------------------------

    def classify(self, flow: FlowSnapshot) -> frozenset[str]:
        """Resource classes of a flow; never empty (a category-level class at worst)."""
        return frozenset(self.classification(flow).confidence)

    def index_keys(self, flow: FlowSnapshot) -> frozenset[str]:
        """What the index files a flow under: its classes, plus, for an offer, each EWC entry of its
        code that some activity takes in ("ewc:10 01 02") and, for a need that may take wastes in by
        its activity, each NAF prefix of its activity that takes some entries in ("naf:2351")."""
        keys = set(self.classify(flow))
        if flow.direction is Direction.OFFER:
            keys.update(
                EWC_KEY + e for e in self.ewc_entries_of(flow.ewc_code) if EWC_KEY + e in self._key_reach
            )
        elif self.takes_in_by_activity(flow):
            digits = naf_digits(flow.naf_code)
            keys.update(NAF_KEY + digits[:n] for n in (2, 3, 4) if digits[:n] in self._receiving_prefixes)
        return frozenset(keys)

    def takes_in_by_activity(self, need: FlowSnapshot) -> bool:
        """Whether receiver links may feed a need: it has an activity code, its label names no
        resource ("matière première", "combustible", "intrants"; not "vapeur" or "litière : sciure ou
        paille", which are matched on what they name), and it wants a material or a fuel."""
        if not need.naf_code:
            return False
        classified = self.classification(need)
        if classified.named_resources:
            return False
        return need.category in RECEIVING_CATEGORIES or not FUEL_USES.isdisjoint(classified.confidence)

    def partner_classes(self, resource_class: str, direction: Direction) -> frozenset[str]:
        """For an offer class, the need classes it can feed; for a need class, the offer classes
        that can feed it; itself included either way. Index keys too: an offer's EWC entry pairs with
        the NAF prefixes that take it in, a NAF prefix with the entries it takes in."""
        if resource_class in self._key_partners:
            return self._key_partners[resource_class]
        table = self._feeds if direction is Direction.OFFER else self._fed_by
        return table.get(resource_class, frozenset({resource_class}))

    def reach_km(self, resource_class: str) -> float:
        """How far a flow of this class (or index key) sensibly travels (road km)."""
        found = self.classes.get(resource_class)
        if found is not None:
            return found.reach_km
        return self._key_reach.get(resource_class, 50.0)

    def carried_by_tanker(self, key: str) -> bool:
        """Whether a flow of this class may travel by tanker when a side says so (the water family:
        `pairing.TANKER_REACH_KM`), so that it must be seen that far whatever its own words say."""
        found = self.classes.get(key)
        return found is not None and found.family == "water"

    def max_reach_km(self) -> float:
        """The longest reach of any class or index key: no synergy joins flows farther apart."""
        return max([c.reach_km for c in self.classes.values()] + list(self._key_reach.values()) + [50.0])

    def label(self, resource_class: str) -> str:
        """French label of a class."""
        found = self.classes.get(resource_class)
        return found.label_fr if found else resource_class

    # --- what pairing reads ----------------------------------------------------------------------

    def classification(self, flow: FlowSnapshot) -> Classification:
        """Classes of a flow with how sure we are of each; memoised on what the flow says."""
        return self._classify_cached(
            flow.direction,
            flow.category,
            flow.label,
            flow.description or "",
            flow.ewc_code or "",
            flow.naf_code or "",
        )

    def _classify_key(
        self, direction: Direction, category: Category, label: str, description: str, ewc: str, naf: str
    ) -> Classification:
        place = self.semantic.place if self.semantic else None
        return self._classifier.classify(self, direction, category, label, description, ewc, naf, place)

    def prepare(self, flows: Iterable[FlowSnapshot]) -> None:
        """Encode ahead what the semantic fallback will read of these flows (no-op without it)."""
        if self.semantic is not None:
            self.semantic.prepare(self.unread_texts(flows))

    def unread_texts(self, flows: Iterable[FlowSnapshot]) -> list[str]:
        """What the semantic fallback reads of these flows: the words of those no keyword reads."""
        wanted: list[str] = []

        def record(text: str, candidates: object) -> dict[str, float]:
            wanted.append(text)
            return {}

        for f in flows:
            self._classifier.classify(
                self,
                f.direction,
                f.category,
                f.label,
                f.description or "",
                f.ewc_code or "",
                f.naf_code or "",
                record,
            )
        return wanted

    def placeable(self, direction: Direction, category: Category) -> frozenset[str]:
        """Classes a flow may be placed near by resemblance: specific ones of its category; for an
        offer, resources only (a use is what a need is for)."""
        return self._placeable_cached(direction, category)

    def _placeable(self, direction: Direction, category: Category) -> frozenset[str]:
        return frozenset(
            c.id
            for c in self.classes.values()
            if c.specific
            and category.value in c.categories
            and (direction is Direction.NEED or c.family != USE_FAMILY)
        )

    def class_descriptions(self) -> list[tuple[str, str]]:
        """What the semantic fallback places texts near: each specific class's French and English labels
        and keyword terms (domain/semantic.py)."""
        terms: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
        for term in self._terms:
            terms[(term.class_id, term.lang)].append(term.phrase.strip())
        return class_phrases(
            ClassText(c.id, c.label_fr, c.label_en, tuple(terms[(c.id, "fr")]), tuple(terms[(c.id, "en")]))
            for c in self.classes.values()
            if c.specific
        )

    def hazards_named(self, flow: FlowSnapshot) -> tuple[HazardTerm, ...]:
        """The hazards a flow's own words affirm ("sciure traitée CCA", "terres polluées"), if any."""
        return self._hazards_cached(flow.label, flow.description or "")

    def _hazards_in(self, label: str, description: str) -> tuple[HazardTerm, ...]:
        # One text, so that a veto word of the description ("paille") counts for the label's term.
        found, _ = self._hazard_reader.match_text(f"{label}. {description}", Direction.OFFER)
        return tuple(self.hazard_terms[int(i)] for i in sorted(found, key=int))

    def ban(self, offer: FlowSnapshot, need: FlowSnapshot, offer_class: str, need_class: str) -> Ban | None:
        """The regulatory ban that forbids this offer class feeding this need class, if any (bans.csv).

        Each side of a ban reads one flow only: what holds of each side is worked out once per flow
        and class (a bit per ban), and a pair is banned by the first ban both sides hold.
        """
        return self.ban_of_bits(
            self.offer_ban_bits(offer, offer_class) & self.need_ban_bits(need, need_class)
        )

    def ban_of_bits(self, both: int) -> Ban | None:
        """The first ban of those whose bits are set (those both sides of a pair hold), if any."""
        return self.bans[(both & -both).bit_length() - 1] if both else None

    def offer_ban_bits(self, offer: FlowSnapshot, offer_class: str) -> int:
        """The bans whose offer side holds for this offer read as `offer_class` (a bit each)."""
        return self._offer_bans_cached(
            offer.label, offer.description or "", offer.ewc_code or "", offer.naf_code or "", offer_class
        )

    def need_ban_bits(self, need: FlowSnapshot, need_class: str) -> int:
        """The bans whose need side holds for this need read as `need_class` (a bit each)."""
        return self._need_bans_cached(
            need.direction,
            need.category,
            need.label,
            need.description or "",
            need.ewc_code or "",
            need.naf_code or "",
            need_class,
        )

    def _offer_bans(self, label: str, description: str, ewc: str, naf: str, offer_class: str) -> int:
        """The bans whose offer side holds for an offer saying this, read as this class (a bit each)."""
        offer_words = self._ban_words_cached(label, description)
        held = 0
        for bit, ban in enumerate(self.bans):
            if f"offer_unless:{ban.id}" in offer_words:
                continue
            if (
                f"offer_terms:{ban.id}" in offer_words
                or _under(ewc, ban.offer_ewc)
                or (offer_class in ban.offer_classes and _in_activity(naf, ban.offer_naf))
            ):
                held |= 1 << bit
        return held

    def _need_bans(
        self,
        direction: Direction,
        category: Category,
        label: str,
        description: str,
        ewc: str,
        naf: str,
        need_class: str,
    ) -> int:
        """The bans whose need side holds for a need saying this, read as this class (a bit each)."""
        need_words = self._ban_words_cached(label, description)
        uses = self._classify_cached(direction, category, label, description, ewc, naf).uses
        resource_asked = self.classes[need_class].family != "use"
        held = 0
        for bit, ban in enumerate(self.bans):
            if f"need_unless:{ban.id}" in need_words:
                continue
            if ban.need_activity and not _in_activity(naf, ban.need_activity, empty=False):
                continue
            classes_hold = (
                not ban.need_classes
                or need_class in ban.need_classes
                # Any use the need names: "combustible pour chaufferie bois" is a biomass boiler,
                # whichever of its uses a link goes through.
                or not uses.isdisjoint(ban.need_classes)
                or (
                    resource_asked
                    and not uses
                    and bool(ban.need_naf)
                    and _in_activity(naf, ban.need_naf, empty=False)
                )
            )
            if classes_hold and (not ban.has_need_terms or f"need_terms:{ban.id}" in need_words):
                held |= 1 << bit
        return held

    def said(self, flow: FlowSnapshot) -> frozenset[str]:
        """The words a flow affirms (label and description, not what it denies), with their stems."""
        return self._said_cached(flow.label, flow.description or "")

    def _said_in(self, label: str, description: str) -> frozenset[str]:
        return frozenset().union(*(keys(w) for w in words(affirmed(f"{label}. {description}"))))

    def states(self, flow: FlowSnapshot) -> frozenset[str]:
        """What a flow's words say of its resource's state: "used", "soiled", "new" (states.csv)."""
        return self._states_cached(flow.label, flow.description or "")

    def _states_in(self, label: str, description: str) -> frozenset[str]:
        found, _ = self._state_reader.match_text(f"{label}. {description}", Direction.OFFER)
        return frozenset(found)

    def named_classes(self, text: str, direction: Direction) -> frozenset[str]:
        """The classes the keywords name in a text, as the classifier reads words (no category, code or
        activity): what the coverage of the nomenclatures' labels is measured on."""
        return frozenset(self._classifier.match_text(text, direction)[0])

    def streams(self, flow: FlowSnapshot) -> frozenset[str]:
        """The wastes or materials a flow's words name, whatever its category: what a collection round
        or a transport carries, read as what the company hands over ("Collecte des cartons et films"
        names cardboard and plastics)."""
        return self._streams_cached(flow.label, flow.description or "")

    def _streams_in(self, label: str, description: str) -> frozenset[str]:
        named: set[str] = set()
        for text in (label, description):
            named.update(self._classifier.match_text(text, Direction.OFFER)[0])
        return frozenset(
            c
            for c in named
            if self.classes[c].specific
            and self.classes[c].family not in VAGUE_FAMILIES
            and not STREAM_CATEGORIES.isdisjoint(self.classes[c].categories)
        )

    def shared_need(self, class_id: str) -> bool:
        """Whether needs of this class can be pooled (a purchase, a service, staff, equipment, heat)."""
        return class_id in self._shared_needs

    def made_by(self, class_id: str) -> str | None:
        """The use class of the activity that makes this resource (made_by.csv): "production of bricks"
        is a building-products maker, "power plant" burns fuel."""
        return self._made_by.get(class_id)

    def refused_states(self, need_class: str) -> frozenset[str]:
        """States of an offer that a need of this class, asking for no waste, cannot take (clean_needs.csv)."""
        return self._clean_needs.get(need_class, frozenset())

    def _ban_words_in(self, label: str, description: str) -> frozenset[str]:
        text = f"{label}. {description}"
        found, _ = self._ban_reader.match_text(text, Direction.OFFER)
        held = set(found)
        if self._ban_clause_terms:
            for clause in clauses(affirmed(text)):
                said = frozenset().union(*(keys(w) for w in words(clause)))
                held.update(
                    tag
                    for tag, parts in self._ban_clause_terms
                    if all(all(not k.isdisjoint(said) for k in part) for part in parts)
                )
        return frozenset(held)

    def related(self, a: str, b: str) -> bool:
        """Whether two classes are the same, linked either way, or named together by one entry of the
        List of Waste ("03 01 05": sawdust, chips and offcuts; "17 04 07": mixed metals)."""
        return a == b or (a, b) in self._co_listed or bool(self.link(a, b) or self.link(b, a))

    def listed_with(self, c: str) -> frozenset[str]:
        """The classes one entry of the List of Waste names together with this one ("15 01 10": soiled
        packaging is containers and chemical residues)."""
        return frozenset(b for a, b in self._co_listed if a == c)

    def link(self, offer_class: str, need_class: str) -> Link | None:
        """The link from an offer class to a need class (identity included), or None."""
        if offer_class == need_class:
            return self._identity_links.get(offer_class) or Link(
                offer_class, need_class, 1.0, IDENTITY_REASON
            )
        return self.links.get((offer_class, need_class))

    def offer_links(self, offer_class: str) -> OfferClassLinks:
        """What pairing reads of an offer class at every pair, looked up once per knowledge: whether it
        is specific, its reach, and each need class it feeds with the link's weight and the states of
        an offer that need class refuses (the class-pair table behind `link` and `refused_states`)."""
        found = self._offer_links.get(offer_class)
        if found is None:
            cls = self.classes[offer_class]
            needs = {}
            for n in self.partner_classes(offer_class, Direction.OFFER):
                link = self.link(offer_class, n)
                if link is not None:
                    needs[n] = (link.weight, self.refused_states(n))
            found = OfferClassLinks(cls.specific, cls.reach_km, needs)
            self._offer_links[offer_class] = found
        return found

    def ewc_classes(self, code: str | None) -> dict[str, float]:
        """Classes of an EWC code with a confidence, {} when there is no usable code."""
        if not code:
            return {}
        return self._ewc_cached(code)

    def _ewc_classes(self, code: str) -> dict[str, float]:
        # Sources write "02 07 04", "020704", "06 10 99#" or several codes "20 01 08;20 01 25".
        found: dict[str, float] = {}
        for part in code.split(";"):
            try:
                parsed = parse_ewc_code(re.sub(r"[^0-9 .\-*]", "", part))
            except EwcCodeError:
                continue
            for c, conf in self._ewc_one(parsed.code).items():
                found[c] = max(found.get(c, 0.0), conf)
        return found

    def _ewc_one(self, code: str) -> dict[str, float]:
        pairs = code.split()
        candidates: list[tuple[str, float]] = []
        if len(pairs) == 3:
            candidates.append((code, EWC_CONFIDENCE[3]))
            candidates.append((f"{pairs[0]} ** {pairs[2]}", EWC_WILDCARD_CONFIDENCE))
        if len(pairs) >= 2:
            candidates.append((f"{pairs[0]} {pairs[1]}", EWC_CONFIDENCE[2]))
        candidates.append((pairs[0], EWC_CONFIDENCE[1]))
        for pattern, conf in candidates:
            if pattern in self._ewc:
                return dict.fromkeys(self._ewc[pattern], conf)
        return {}

    def ewc_entries_of(self, code: str | None) -> tuple[str, ...]:
        """The six-digit List of Waste entries a code field names ("20 01 08;20 01 25" names two)."""
        return self._entries_cached(code) if code else ()

    def _ewc_entries(self, code: str) -> tuple[str, ...]:
        found: list[str] = []
        for part in code.split(";"):
            try:
                parsed = parse_ewc_code(re.sub(r"[^0-9 .\-*]", "", part))
            except EwcCodeError:
                continue
            if len(parsed.code.split()) == 3 and parsed.code not in found:
                found.append(parsed.code)
        return tuple(found)

    def receivers_of_entry(self, entry: str) -> tuple[ReceiverLink, ...]:
        """The receiver links that take this six-digit entry in."""
        return self._links_of_entry.get(entry, ())

    def ewc_hazardous(self, code: str | None) -> bool:
        """True when any code given is marked hazardous (*) in the List of Waste."""
        return bool(code) and self._hazardous_cached(code)

    def _ewc_hazardous(self, code: str) -> bool:
        for part in code.split(";"):
            entry = get_ewc(re.sub(r"[^0-9 .\-]", "", part)) if part.strip() else None
            if entry is not None and entry.hazardous:
                return True
        return False

    def activities(self, naf_code: str | None) -> list[NafActivity]:
        """Activity profiles matching a NAF code, from the division down to the class."""
        return list(self._activities_cached(naf_code))

    def _activities(self, naf_code: str | None) -> tuple[NafActivity, ...]:
        digits = naf_digits(naf_code)
        return tuple(self._naf[digits[:n]] for n in (2, 3, 4) if len(digits) >= n and digits[:n] in self._naf)

    def naf_produces(self, naf_code: str | None) -> frozenset[str]:
        return frozenset().union(*(a.produces for a in self.activities(naf_code)))

    def naf_uses(self, naf_code: str | None) -> frozenset[str]:
        return frozenset().union(*(a.uses for a in self.activities(naf_code)))


def _under(code: str | None, patterns: tuple[str, ...]) -> bool:
    """Whether any EWC code given ("17 06 05*", "170605", "20 01 08;20 01 25") falls under a pattern."""
    if not code or not patterns:
        return False
    for part in code.split(";"):
        try:
            parsed = parse_ewc_code(re.sub(r"[^0-9 .\-*]", "", part)).code
        except EwcCodeError:
            continue
        if any(parsed == p or parsed.startswith(p + " ") for p in patterns):
            return True
    return False


def _in_activity(naf_code: str | None, prefixes: tuple[str, ...], *, empty: bool = True) -> bool:
    """Whether a NAF code falls under one of the prefixes (digits); `empty` when no prefix is listed."""
    if not prefixes:
        return empty
    digits = naf_digits(naf_code)
    return bool(digits) and any(digits.startswith(p) for p in prefixes)


def _lexicon(data: Mapping[str, bytes]) -> frozenset[str]:
    """Plain words that are not typos of a keyword: lexicon.csv and every word of the official
    nomenclatures' labels (EWC in French and English, NAF in French)."""
    found: set[str] = set()
    if "lexicon.csv" in data:
        for row in _rows(data, "lexicon.csv"):
            found.update(words(row["words"].replace("|", " ")))
    for entry in ewc_entries():
        found.update(words(entry.label_fr))
        found.update(words(entry.label_en))
    for naf in naf_entries():
        found.update(words(naf.label_fr))
    return frozenset(found)


def _read_packaged() -> dict[str, bytes]:
    folder = resources.files(_DATA_PACKAGE)
    return {name: folder.joinpath(name).read_bytes() for name in _DATA_FILES}


_lock = threading.Lock()
_loaded: dict[str, Knowledge] = {}


def load_knowledge(encoder: PhraseEncoder | None = None) -> Knowledge:
    """The knowledge built from the packaged data files (with that encoder), loaded once per process."""
    key = encoder.name if encoder else ""
    if key in _loaded:
        return _loaded[key]
    with _lock:
        if key not in _loaded:
            _loaded[key] = Knowledge(_read_packaged(), encoder)
        return _loaded[key]
