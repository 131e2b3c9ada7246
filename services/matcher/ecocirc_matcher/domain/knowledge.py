"""The matcher's knowledge: resource classes, which class feeds which, how far each travels, read from data."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ecocirc_matcher.domain.classify import Classification, Classifier, Term
from ecocirc_matcher.domain.text import words
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
    # Provenance: read by no rule, hashed into the version all the same (see knowledge/README.md).
    "sources.csv",
    "glossary.csv",
)

# How sure an EWC code makes us, by how precisely the mapping names it: an entry of its own, a
# pattern across sections, its section, or only its chapter.
EWC_CONFIDENCE = {3: 0.9, 2: 0.75, 1: 0.6}
EWC_WILDCARD_CONFIDENCE = 0.85

# The same resource on both sides needs no reason from the data.
IDENTITY_REASON = "Il s'agit de la même ressource."


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
class NafActivity:
    """What an activity (a NAF/NACE prefix) typically produces and uses."""

    prefix: str
    produces: frozenset[str]
    uses: frozenset[str]
    note: str


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


def naf_digits(code: str | None) -> str:
    """The digits of a NAF/NACE code ("16.10A" -> "1610", "4120*" -> "4120")."""
    return re.sub(r"\D", "", code or "")[:4]


class Knowledge:
    """Everything the matcher knows, loaded from the packaged data files (see knowledge/README.md).

    The index relies on `version`, `classify`, `partner_classes` and `reach_km`; pairing also reads
    links, activity profiles and factors.
    """

    def __init__(self, data: Mapping[str, bytes] | None = None) -> None:
        # No data: the packaged files (prefer load_knowledge(), which loads them once per process).
        data = _read_packaged() if data is None else data
        digest = hashlib.sha256()
        for name in sorted(data):
            digest.update(name.encode() + b"\0" + data[name])
        self.version = "kb-" + digest.hexdigest()[:12]

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

        self._naf: dict[str, NafActivity] = {}
        for row in _rows(data, "naf_activities.csv"):
            activity = NafActivity(
                row["naf_prefix"], _split(row["produces"]), _split(row["uses"]), row["note"]
            )
            for c in activity.produces | activity.uses:
                self._check_class(c, "naf_activities.csv")
            self._naf[activity.prefix] = activity

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
        self._classifier = Classifier(terms, _lexicon(data))
        self._classify_cached = lru_cache(maxsize=200_000)(self._classify_key)
        self._ewc_cached = lru_cache(maxsize=4096)(self._ewc_classes)
        self._hazardous_cached = lru_cache(maxsize=4096)(self._ewc_hazardous)
        # Pairing asks for a company's activities at every pair it judges.
        self._activities_cached = lru_cache(maxsize=4096)(self._activities)

    def _check_class(self, class_id: str, where: str) -> None:
        if class_id not in self.classes:
            raise ValueError(f"{where}: unknown resource class {class_id!r}")

    # --- the contract with the index -------------------------------------------------------------

    def classify(self, flow: FlowSnapshot) -> frozenset[str]:
        """Resource classes of a flow; never empty (a category-level class at worst)."""
        return frozenset(self.classification(flow).confidence)

    def partner_classes(self, resource_class: str, direction: Direction) -> frozenset[str]:
        """For an offer class, the need classes it can feed; for a need class, the offer classes
        that can feed it; itself included either way."""
        table = self._feeds if direction is Direction.OFFER else self._fed_by
        return table.get(resource_class, frozenset({resource_class}))

    def reach_km(self, resource_class: str) -> float:
        """How far a flow of this class sensibly travels (road km)."""
        found = self.classes.get(resource_class)
        return found.reach_km if found else 50.0

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
        return self._classifier.classify(self, direction, category, label, description, ewc, naf)

    def link(self, offer_class: str, need_class: str) -> Link | None:
        """The link from an offer class to a need class (identity included), or None."""
        if offer_class == need_class:
            return Link(offer_class, need_class, 1.0, IDENTITY_REASON)
        return self.links.get((offer_class, need_class))

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
_loaded: list[Knowledge] = []


def load_knowledge() -> Knowledge:
    """The knowledge built from the packaged data files, loaded once per process."""
    if _loaded:
        return _loaded[0]
    with _lock:
        if not _loaded:
            _loaded.append(Knowledge(_read_packaged()))
        return _loaded[0]
