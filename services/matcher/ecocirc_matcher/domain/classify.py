"""Turning what a flow says (label, description, EWC code, activity) into resource classes with confidences."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ecocirc_matcher.domain.text import (
    Vocabulary,
    affirmed,
    denied,
    denied_items,
    fold,
    governed,
    keys,
    made,
    term_keys,
    words,
)
from ecocirc_shared.flows import Category, Direction

if TYPE_CHECKING:
    from ecocirc_matcher.domain.knowledge import Knowledge

# Words of a term may be separated by a few others ("copeaux et sciure de bois").
EXTRA_SPAN = 2
# A corrected typo is a guess: trust it less than a word spelt right.
FUZZY_PENALTY = 0.85
# The description elaborates the label; it counts, a little less.
DESCRIPTION_WEIGHT = 0.8
# Classes guessed from the activity (NAF) when the words say too little.
NAF_CONFIDENCE = 0.6
# An offer that names nothing is one of what its trade produces, not all of them: a guess worth a look,
# never an email on its own.
NAF_OFFER_CONFIDENCE = 0.5
FALLBACK_CONFIDENCE = 0.3
# A code read at this confidence names its entry (or a cross-section pattern): the declarer's own word.
CODE_ENTRY_CONFIDENCE = 0.85
# Classes of this family name what a need is for (use_animal_feed), not a resource.
USE_FAMILY = "use"
OPEN_FAMILIES = frozenset({USE_FAMILY, "energy", "generic"})
# A training need's staff words name the trainees (knowledge/classes.csv families).
TRAINING_FAMILY, STAFF_FAMILY = "training", "skills"
# Uses that stay open whatever resources a need names: a licensed collector of hazardous waste lists
# examples ("acides, solvants, huiles, boues") of all it takes in.
OPEN_USES = frozenset({"use_hazardous_waste"})
# Families that name no resource: what a need is for ("combustible"), or nothing specific.
VAGUE_FAMILIES = frozenset({USE_FAMILY, "generic"})

# Places a text the keywords did not read near the classes it resembles (domain/semantic.py).
Place = Callable[[str, Collection[str]], dict[str, float]]

HEAT_CLASSES = ("waste_heat_low", "waste_heat_medium", "waste_heat_high")
# A keyword term that starts with this matches its words as written (see Classifier).
EXACT_MARK = "="
# The vague class of "coproduits", "intrants", "sous-produits": whatever the need's trade takes in.
OPEN_CLASS = "open_inputs"
# Words by which a need asks for what its trade takes in: "matière première", and the open inputs.
INTAKE_CLASSES = frozenset({"raw_material", OPEN_CLASS})
# Classes that say how a need is met ("achat groupé"), not what: they fit any category, and never hide
# the resource they qualify ("Achat groupé d'électricité" under services is electricity bought together).
QUALIFIER_CLASSES = frozenset({"group_purchasing"})
# A service or logistics need that names only wastes asks for them to be collected ("Tournée biodéchets
# à partager", "benne cartons commune"): the service is their collection, not the waste itself.
COLLECTION_CLASS = "waste_collection"
COLLECTING_CATEGORIES = frozenset({Category.SERVICE, Category.LOGISTICS})
# A label's first segment ends at a bracket, a slash, a colon, a comma or a semicolon; an ellipsis or
# "etc." after it makes what follows examples.
_SEGMENT = re.compile(r"[(/:,;]")
_OPEN_LIST = re.compile(r"\.\.\.|…|\betc\b")
# "45 °C", "80°C", "300 degres", "90 deg C" (unidecode writes ° as "deg").
_TEMPERATURE = re.compile(r"(\d{2,4})\s*(?:deg(?:res?|rees?)?\s*c?\b|°\s*c?|c\b)")


@dataclass(frozen=True, slots=True)
class Term:
    """One keyword phrase of a class, as written in keywords.csv."""

    class_id: str
    lang: str
    direction: str
    phrase: str
    excludes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Compiled:
    class_id: str
    direction: str
    tokens: tuple[frozenset[str], ...]
    excludes: frozenset[str]
    # The term's first word as written (folded), to tell a word from another that only shares its stem.
    first_word: str
    # Matched on the text's words as written (and their singular), never on their stems.
    exact: bool = False


@dataclass(frozen=True, slots=True)
class Classification:
    """Classes of a flow, each with a confidence in (0, 1]; `fuzzy` when a typo was corrected."""

    confidence: dict[str, float]
    fuzzy: bool = False
    # Resources the flow says it does not want or is not ("pas de sciure", "sans plâtre ni bois").
    refused: frozenset[str] = frozenset()
    # Uses a need's words name ("pour nourrir nos porcs"), kept even when the need names a resource.
    uses: frozenset[str] = frozenset()
    # Resources its label or code names (not a use or a vague word, not what its description or its
    # activity suggests): a need that names one wants that, not whatever its trade usually takes in.
    named_resources: frozenset[str] = frozenset()
    # Classes placed by resemblance (the semantic fallback), not named by a keyword or a code.
    guessed: frozenset[str] = frozenset()
    # Classes only inferred, not read: no keyword of the label (or, for a need, of the description)
    # and no code entry names them, and at most one weak sign does (an offer's description, a code's
    # section or chapter, the activity, a resemblance). Evidence resting on one is never emailed alone.
    inferred: frozenset[str] = frozenset()
    # What a need's words deny, item by item, each word with its stems ("pas de boues ni de digestat"):
    # an offer that names one of them is refused even when its class is one the need asks for
    # ("compost, oui ; digestat, non").
    denied: tuple[tuple[frozenset[str], ...], ...] = ()


class Classifier:
    """Keyword matching over stems, order-free within a short window, longest phrase wins."""

    def __init__(
        self,
        terms: list[Term],
        lexicon: frozenset[str] = frozenset(),
        everyday: frozenset[str] = frozenset(),
        *,
        stemmed: bool = True,
        vessels: frozenset[str] = frozenset(),
    ) -> None:
        # Unstemmed terms match their words exactly (in any inflection listed): for words whose stem is
        # another word's ("usagée" and "usage" share "usag").
        stem = term_keys if stemmed else _exact
        # Classes of things a resource is kept or carried in (drums, bins, bags): see _vessels_only.
        self._vessels = vessels
        self._terms: list[_Compiled] = []
        self._index: defaultdict[str, list[int]] = defaultdict(list)
        known_words: set[str] = set()
        known_keys: set[str] = set()
        for term in terms:
            # "=laitier": a term written after "=" matches its words as written, never by their stem
            # ("laitier" is slag, "laitières" are dairy cows).
            exact = term.phrase.lstrip().startswith(EXACT_MARK)
            keyed = _exact if exact else stem
            tokens = tuple(keyed(w, term.lang) for w in words(term.phrase))
            if not tokens:
                continue
            excludes = frozenset().union(*(stem(w, term.lang) for e in term.excludes for w in words(e)))
            position = len(self._terms)
            self._terms.append(
                _Compiled(term.class_id, term.direction, tokens, excludes, words(term.phrase)[0], exact)
            )
            for key in tokens[0]:
                self._index[key].append(position)
            known_words.update(words(term.phrase))
            for token in tokens:
                known_keys.update(token)
        self._vocabulary = Vocabulary(known_words, known_keys, lexicon, everyday)
        # The semantic fallback's batch preparation reads a batch of flows' texts just before they are
        # classified: enough room for a rebuild batch (four readings a flow), not for every text ever.
        self._match_cached = lru_cache(maxsize=8192)(self._match)

    def match_text(
        self, text: str, direction: Direction, *, negated: bool = False
    ) -> tuple[dict[str, float], bool]:
        """Classes a text names (or, `negated`, denies) with a confidence, and whether a typo was corrected."""
        found, fuzzy = self._match_cached(text, direction, negated)
        return dict(found), fuzzy

    def head_uses(self, kb: Knowledge, label: str, direction: Direction) -> frozenset[str]:
        """The uses a label opens with, when what follows gives examples rather than a specification:
        "Engrais organique / digestat" (an alternative), "Complément énergétique (céréales,
        drêches...)" (an open list) ask for the use; "Litière : copeaux ou sciure", "Fertilisants
        (digestat, fumiers)" say which resources, and "Amendement calcaire" names one with it."""
        head, separator, rest = _split_head(label)
        if separator != "/" and not _OPEN_LIST.search(rest):
            return frozenset()
        found, _ = self.match_text(head, direction)
        named_uses = found and all(kb.classes[c].family == USE_FAMILY for c in found)
        return frozenset(found) if named_uses else frozenset()

    def _match(self, text: str, direction: Direction, negated: bool) -> tuple[dict[str, float], bool]:
        read = denied(text) if negated else affirmed(text)
        raw = words(read)
        if not raw:
            return {}, False
        corrected: list[str] = []
        fuzzy_at: set[int] = set()
        for i, word in enumerate(raw):
            fixed = self._vocabulary.correct(word)
            if fixed is not None:
                fuzzy_at.add(i)
            corrected.append(fixed or word)
        text_keys = [keys(w) for w in corrected]
        as_written = [frozenset({w, _singular(w)}) for w in corrected]
        all_keys = frozenset().union(*text_keys)

        matches: list[tuple[str, frozenset[int]]] = []
        # Positions where a one-word term is the word itself (give or take a plural), not a word that
        # only shares its stem: "aciérie" is a steelworks, not "acier"; "paille" is not "paillis".
        exact_at: set[int] = set()
        exact: set[tuple[str, int]] = set()
        for i, token_keys in enumerate(text_keys):
            # A term written "=fonte" is indexed by the word itself, which the stems of its plural
            # ("fontes" -> "font") do not hold: look it up by the word as written too.
            candidates = {
                position for key in token_keys | as_written[i] for position in self._index.get(key, ())
            }
            for position in sorted(candidates):
                term = self._terms[position]
                if term.direction and term.direction != direction.value:
                    continue
                if not term.excludes.isdisjoint(all_keys):
                    continue
                if term.exact and term.tokens[0].isdisjoint(as_written[i]):
                    continue
                placed = _place(term.tokens, as_written if term.exact else text_keys, i)
                if placed is not None:
                    matches.append((term.class_id, placed))
                    if len(term.tokens) == 1 and _singular(corrected[i]) == _singular(term.first_word):
                        exact_at.add(i)
                        exact.add((term.class_id, i))

        # A phrase inside a longer phrase of another class is not evidence for its own class:
        # "huile" does not make "huile de friture" a mineral oil.
        matches.sort(key=lambda m: -len(m[1]))
        kept: list[tuple[str, frozenset[int]]] = []
        for class_id, placed in matches:
            if any(placed < other and class_id != other_class for other_class, other in kept):
                continue
            if len(placed) == 1 and not placed.isdisjoint(exact_at) and (class_id, *placed) not in exact:
                continue
            kept.append((class_id, placed))
        complements = governed(read)
        if self._vessels:
            kept = _not_vessels(kept, self._vessels, complements, raw)
        kept = _not_origins(kept, complements, raw)
        found: dict[str, float] = {}
        for class_id, placed in kept:
            conf = FUZZY_PENALTY if placed & fuzzy_at else 1.0
            found[class_id] = max(found.get(class_id, 0.0), conf)
        return _heat_level(found, text), bool(fuzzy_at and any(p & fuzzy_at for _, p in kept))

    def classify(
        self,
        kb: Knowledge,
        direction: Direction,
        category: Category,
        label: str,
        description: str,
        ewc: str,
        naf: str,
        place: Place | None = None,
    ) -> Classification:
        """Classes of a flow: its words and EWC code first, then (when they name nothing specific) the
        classes its words resemble, if `place` is given, and its activity."""
        found, fuzzy = self.match_text(label, direction)
        from_description, fuzzy_description = self.match_text(description, direction)
        if direction is Direction.NEED:
            # "Production of bricks", "power plant", "usine de papier": what the receiver makes or is,
            # not what it takes in (its activity, its uses and its profile say that).
            # A label's "pour X" names the use ("Paille pour le compost"); a description's often says
            # what else, or what a permit is for ("agrément pour les sous-produits animaux").
            found = self._not_made(kb, found, label, direction, naf)
            from_description = self._not_made(
                kb, from_description, description, direction, naf, purposes=False
            )
        from_label = tuple(found)
        label_resources = [
            c for c in _fitting(kb, found, category) if kb.classes[c].family not in VAGUE_FAMILIES
        ]
        from_code = kb.ewc_classes(ewc)
        # An EWC entry often covers several resources ("sciure, copeaux, chutes, bois..."); when the
        # label names some of them, the label says which one this is.
        both = from_code.keys() & {c for c in found if kb.classes[c].specific}
        for class_id, conf in from_code.items():
            if not both or class_id in both:
                found[class_id] = max(found.get(class_id, 0.0), conf)
        named = _fitting(kb, found, category)
        specific = any(kb.classes[c].specific for c in found)
        resources = frozenset(
            c for c in found if kb.classes[c].specific and kb.classes[c].family not in VAGUE_FAMILIES
        )
        # The description elaborates what the label names: once the label names a resource of the
        # flow's category, the description adds only resources of the same family ("Copeaux alu" +
        # "aluminium" is metal; "en fûts de 200 L", "bennes fournies" are not what is offered).
        # A label naming only a use ("Amendement pour verger bio", "Aliments pour les vaches") names no
        # resource: its description says which ("compost, cendres de bois, fumier").
        named_resources = [c for c in named if kb.classes[c].family not in VAGUE_FAMILIES]
        families = {kb.classes[c].family for c in named_resources}
        described = False
        said = set(found)
        label_uses = any(kb.classes[c].family == USE_FAMILY for c in from_label)
        for class_id, conf in from_description.items():
            if named_resources and kb.classes[class_id].family not in families:
                continue
            if label_uses and kb.classes[class_id].family == USE_FAMILY and class_id not in from_label:
                # The label says what the flow is for; another use its description names is what it
                # accepts or where it goes: "Combustibles de substitution pour le four" + "déchets
                # dangereux acceptés" is a kiln that burns them, not a collector of hazardous waste.
                continue
            if (
                direction is Direction.OFFER
                and named_resources
                and not any(kb.related(c, class_id) for c in named_resources)
            ):
                # What an offer is made of, held or where it goes today is not another thing it offers:
                # "Substrat épuisé" + "marc de café et paille colonisés" is spent substrate, "Digestat" +
                # "nos intrants : lisiers, graisses" is digestate, "Coquilles d'huîtres" + "elles partent
                # en remblai" are shells. The description adds a refinement of the label's resource, a
                # class related to it ("Déchets de bois" + "sciure", "Ferrailles" + "alu, cuivre").
                continue
            if class_id not in said and category.value not in kb.classes[class_id].categories:
                # The description elaborates: a word of another category there is said in passing
                # ("benne de 30 m3" under trimmings, "transport à votre charge").
                continue
            described = True
            found[class_id] = max(found.get(class_id, 0.0), conf * DESCRIPTION_WEIGHT)
        if (
            direction is Direction.NEED
            and category in COLLECTING_CATEGORIES
            and not _fitting(kb, found, category)
        ):
            wastes = [c for c in found if "waste" in kb.classes[c].categories]
            if wastes:
                # Read where its wastes were read (the label's words, the description's).
                if any(c in from_label for c in wastes):
                    from_label = (*from_label, COLLECTION_CLASS)
                collected = max(found[c] for c in wastes)
                if any(c in from_description for c in wastes):
                    from_description = {**from_description, COLLECTION_CLASS: collected}
                found = {COLLECTION_CLASS: collected}
        # A class of another category is a word used in passing ("chauffeur" in an equipment offer),
        # unless nothing fits the category the company chose (then the category may be the mistake).
        if [c for c in _fitting(kb, found, category) if c not in QUALIFIER_CLASSES]:
            found = {
                c: conf
                for c, conf in found.items()
                if category.value in kb.classes[c].categories or c in QUALIFIER_CLASSES
            }
        # A family's generic class (its id is the family's name: "training") gives way to a precise one
        # ("formation SST" is first-aid training, not any training).
        precise = {kb.classes[c].family for c in found if kb.classes[c].family != c}
        found = {c: conf for c, conf in found.items() if not (c == kb.classes[c].family and c in precise)}
        if any(kb.classes[c].family == TRAINING_FAMILY for c in found):
            # A training need names whom it trains: "ATEX pour 8 techniciens", "CACES pour 12 caristes"
            # want a session, not technicians or drivers.
            found = {c: conf for c, conf in found.items() if kb.classes[c].family != STAFF_FAMILY}
        uses = frozenset(c for c in found if kb.classes[c].family == USE_FAMILY)
        if direction is Direction.OFFER and label_resources:
            # An offer whose label names a resource is that resource; a use it mentions is where it
            # comes from or goes today ("pailles de lavandin après distillation", "cendres de chaudière
            # bois", "scories d'aciérie"), not something it offers. (A label naming only a use,
            # "Fertilisant", says what the product is.)
            found = {c: conf for c, conf in found.items() if kb.classes[c].family != USE_FAMILY}
        if direction is Direction.NEED and any(kb.classes[c].family not in OPEN_FAMILIES for c in named):
            # "Plaquettes pour la chaufferie", "lactosérum pour les porcs": the need is the resource it
            # names; the use only says what for, and must not open the door to everything else it takes.
            # ("Fuel", "heat" name an energy, which is a use in itself: any fuel will do.)
            # Unless the label's head is the use alone: "Engrais organique / digestat", "Complément
            # énergétique (céréales, drêches...)" ask for any organic fertiliser or energy feed, of which
            # the resources named are examples.
            head_use = self.head_uses(kb, label, direction)
            if OPEN_CLASS in found:
                # "Gisements méthanisables IAA et biodéchets": a need open to its trade's inputs
                # ("IAA", "coproduits", "intrants") asks for the use it names, of which the resources
                # named are examples.
                head_use = head_use | {c for c in found if kb.classes[c].family == USE_FAMILY}
            found = {
                c: conf
                for c, conf in found.items()
                if kb.classes[c].family != USE_FAMILY or c in OPEN_USES or c in head_use
            }
        guessed: set[str] = set()
        worded = any(kb.classes[c].specific for c in (*from_label, *from_description))
        if place is not None and not worded:
            # Words the keywords do not know ("son de blé", "tempérer l'atelier"; "sour gas" under a
            # drilling-mud code): the classes they resemble, less surely than any keyword or code.
            placed = place(semantic_text(label, description), kb.placeable(direction, category))
            guessed = set(placed) - found.keys()
            for class_id, conf in placed.items():
                found[class_id] = max(found.get(class_id, 0.0), conf)
        # A need that also says "coproduits", "intrants", "sous-produits" is open to what its trade
        # takes in, besides what it names ("effluents d'élevage et coproduits agricoles" at a digester).
        open_need = direction is Direction.NEED and OPEN_CLASS in found
        if (not specific or open_need) and naf:
            # "Matière première" from a cement works means what a cement works takes in.
            profile = kb.naf_uses(naf) if direction is Direction.NEED else kb.naf_produces(naf)
            for class_id in profile:
                if category.value not in kb.classes[class_id].categories:
                    continue
                guess = NAF_CONFIDENCE if direction is Direction.NEED else NAF_OFFER_CONFIDENCE
                if open_need and uses:
                    # "Coproduits pour la ration" opens the door to feed, not to the farm's litter, and
                    # to each input only as surely as it feeds: crop residues "complete a ration" (0.5).
                    serves = [1.0 if c == class_id else _weight(kb, class_id, c) for c in uses]
                    if not any(serves):
                        continue
                    guess = min(guess, max(serves))
                found[class_id] = max(found.get(class_id, 0.0), guess)
        inferred = _inferred(
            kb, direction, naf, found, from_label, from_description, from_code, frozenset(guessed)
        )
        if not any(kb.classes[c].specific for c in found):
            found[f"generic_{category.value}"] = FALLBACK_CONFIDENCE
        refused = set(self.match_text(label, direction, negated=True)[0])
        refused |= set(self.match_text(description, direction, negated=True)[0])
        denied_words = (
            tuple(tuple(keys(w) for w in item) for item in denied_items(f"{label}. {description}"))
            if direction is Direction.NEED
            else ()
        )
        return Classification(
            confidence=found,
            fuzzy=fuzzy or (described and fuzzy_description),
            refused=frozenset(refused) - found.keys(),
            uses=uses if direction is Direction.NEED else frozenset(),
            named_resources=resources,
            guessed=frozenset(guessed & found.keys()),
            inferred=inferred,
            denied=denied_words,
        )

    def _not_made(
        self,
        kb: Knowledge,
        found: dict[str, float],
        text: str,
        direction: Direction,
        naf: str,
        *,
        purposes: bool = True,
    ) -> dict[str, float]:
        """The classes a need's text names, without the resources it only names as what its activity
        makes ("Production of bricks", "steel production", "power plant", "fabrication de compost"),
        unless the text also names them elsewhere as what it takes ("compost pour la production de
        compost"). Use classes stay: "cement production", "fabrication de briques" say what for. The
        activity code says what the trade takes in (its profile); without one, the product stands for
        the activity that makes it (made_by.csv: bricks are made by a building-products maker,
        electricity by a plant that burns fuel)."""
        product, rest = made(text, purposes=purposes)
        if not product:
            return found
        products = self.match_text(product, direction)[0]
        elsewhere = self.match_text(rest, direction)[0]
        kept: dict[str, float] = {}
        for class_id, conf in found.items():
            if class_id not in products or class_id in elsewhere or kb.classes[class_id].family == USE_FAMILY:
                kept[class_id] = max(kept.get(class_id, 0.0), conf)
                continue
            use = None if naf else kb.made_by(class_id)
            if use is not None:
                kept[use] = max(kept.get(use, 0.0), conf)
        return kept


def _inferred(
    kb: Knowledge,
    direction: Direction,
    naf: str,
    found: dict[str, float],
    from_label: Collection[str],
    from_description: Collection[str],
    from_code: dict[str, float],
    guessed: frozenset[str],
) -> frozenset[str]:
    """The specific classes found that the flow's words or code do not name, and that fewer than two
    weak signs agree on.

    Read: a keyword of the label; a code entry of its own (a code is the declarer's precise word); for
    a need, a keyword of its description too (a need's description says what it wants; an offer's
    often says where it goes today, "elles partent en remblai", or how it is packed). Weak signs: an
    offer's description, a code read only through its section or chapter, the activity (what the
    supplier's trade produces, what the receiver's uses), a resemblance. Two of them corroborate each
    other ("Déchets de l'atelier. Sciure et copeaux" from a joinery is sawdust).
    """
    activity = kb.naf_uses(naf) if direction is Direction.NEED else kb.naf_produces(naf)
    # "Matière première", "intrants", "coproduits": the need asks for what its trade takes in, which
    # its activity profile then reads (a need naming nothing at all only has its trade to go by).
    asks_intake = direction is Direction.NEED and not INTAKE_CLASSES.isdisjoint(
        {*from_label, *from_description}
    )
    inferred = set()
    for class_id in found:
        if not kb.classes[class_id].specific or class_id in from_label:
            continue
        if from_code.get(class_id, 0.0) >= CODE_ENTRY_CONFIDENCE:
            continue
        if direction is Direction.NEED and (
            class_id in from_description or (asks_intake and class_id in activity)
        ):
            continue
        signs = (
            (class_id in from_description)
            + (class_id in from_code)
            + (class_id in activity)
            + (class_id in guessed)
        )
        if signs < 2:
            inferred.add(class_id)
    return frozenset(inferred)


# A vessel named after these is where the resource is ("en bacs de 600 L", "dans un bac étanche")...
_VESSEL_PLACES = frozenset({"en", "dans", "in", "into"})


# ...and what is left at the bottom of a vessel is its content, not the vessel: "fonds de cuve", "restes
# de pots", "résidus de fûts" (folded, with their plurals).
_LEFT_IN = frozenset({"fond", "fonds", "reste", "restes", "residu", "residus", "bas"})
# Words that say where a thing comes from: "ferrailles sorties des mâchefers", "fibres issues du
# recyclage", "boues provenant de la station". What follows them is the origin, not the thing.
_ORIGIN_WORDS = frozenset(
    {
        "sorti", "sortie", "sortis", "sorties", "issu", "issue", "issus", "issues", "provenant",
        "extrait", "extraite", "extraits", "extraites", "recupere", "recuperee", "recuperes", "recuperees",
    }
)  # fmt: skip


def _not_vessels(
    kept: list[tuple[str, frozenset[int]]],
    vessels: frozenset[str],
    complements: dict[int, str],
    raw: list[str],
) -> list[tuple[str, frozenset[int]]]:
    """Matches without the containers that only hold or receive what the text is about: a vessel after
    "en" or "dans" ("abats en bacs réfrigérés"), the complement of a thing named before it ("huile
    soluble (vidange des bacs)", "marc de café pour nos sacs de culture"), or of what is left in it
    ("fonds de cuve", "restes de pots"). The head noun is the resource; "Fûts 200 L vides", "Cuves pour
    l'eau de pluie", "palettes et fûts" still name drums."""
    starts = [min(placed) for class_id, placed in kept if class_id not in vessels]
    result = []
    for class_id, placed in kept:
        if class_id in vessels:
            start = min(placed)
            preposition = complements.get(start)
            if preposition in _VESSEL_PLACES:
                continue
            if preposition and any(other < start for other in starts):
                continue
            if preposition and start > 0 and raw[start - 1] in _LEFT_IN:
                continue
        result.append((class_id, placed))
    return result


def _not_origins(
    kept: list[tuple[str, frozenset[int]]], complements: dict[int, str], raw: list[str]
) -> list[tuple[str, frozenset[int]]]:
    """Matches without what a thing named before is said to come from: "Ferrailles sorties des
    mâchefers" is scrap, not bottom ash."""
    starts = [min(placed) for _, placed in kept]
    result = []
    for class_id, placed in kept:
        start = min(placed)
        if (
            start > 0
            and complements.get(start)
            and raw[start - 1] in _ORIGIN_WORDS
            and any(other < start - 1 for other in starts)
        ):
            continue
        result.append((class_id, placed))
    return result


def _split_head(label: str) -> tuple[str, str, str]:
    """A label's first segment, the mark that ends it, and the rest."""
    mark = _SEGMENT.search(label)
    if mark is None:
        return label, "", ""
    return label[: mark.start()], mark.group(0), label[mark.end() :]


def _weight(kb: Knowledge, offer_class: str, need_class: str) -> float:
    link = kb.link(offer_class, need_class)
    return link.weight if link else 0.0


def semantic_text(label: str, description: str) -> str:
    """What is placed by resemblance: the label, with the description that elaborates it."""
    return f"{label.strip()}. {description.strip()}" if description.strip() else label.strip()


def _singular(word: str) -> str:
    """A folded word without a plural ending, to compare words as written ("palettes" is "palette")."""
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def _exact(word: str, lang: str) -> frozenset[str]:
    return frozenset({word, _singular(word)})


def _fitting(kb: Knowledge, found: dict[str, float], category: Category) -> list[str]:
    """The specific classes found that fit the flow's category."""
    return [c for c in found if kb.classes[c].specific and category.value in kb.classes[c].categories]


def _place(
    tokens: tuple[frozenset[str], ...], text_keys: list[frozenset[str]], start: int
) -> frozenset[int] | None:
    """Positions of a term's words in the text, the first at `start`, all within a short window."""
    span = len(tokens) + EXTRA_SPAN
    used = {start}
    for token in tokens[1:]:
        best: int | None = None
        for j in range(max(0, start - span), min(len(text_keys), start + span + 1)):
            if (
                j not in used
                and not token.isdisjoint(text_keys[j])
                and (best is None or abs(j - start) < abs(best - start))
            ):
                best = j
        if best is None:
            return None
        used.add(best)
    if max(used) - min(used) >= span:
        return None
    return frozenset(used)


def _heat_level(found: dict[str, float], text: str) -> dict[str, float]:
    """A stated temperature decides the heat level ("eau chaude à 45 °C" is low-temperature heat)."""
    present = [c for c in HEAT_CLASSES if c in found]
    if not present:
        return found
    match = _TEMPERATURE.search(fold(text))
    if match is None:
        return found
    degrees = int(match.group(1))
    level = "waste_heat_low" if degrees < 60 else "waste_heat_medium" if degrees <= 150 else "waste_heat_high"
    conf = max(found.pop(c) for c in present)
    found[level] = conf
    return found
