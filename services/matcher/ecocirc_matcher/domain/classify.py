"""Turning what a flow says (label, description, EWC code, activity) into resource classes with confidences."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ecocirc_matcher.domain.text import Vocabulary, fold, keys, term_keys, words
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
FALLBACK_CONFIDENCE = 0.3

HEAT_CLASSES = ("waste_heat_low", "waste_heat_medium", "waste_heat_high")
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


@dataclass(frozen=True, slots=True)
class Classification:
    """Classes of a flow, each with a confidence in (0, 1]; `fuzzy` when a typo was corrected."""

    confidence: dict[str, float]
    fuzzy: bool = False


class Classifier:
    """Keyword matching over stems, order-free within a short window, longest phrase wins."""

    def __init__(self, terms: list[Term]) -> None:
        self._terms: list[_Compiled] = []
        self._index: defaultdict[str, list[int]] = defaultdict(list)
        known_words: set[str] = set()
        known_keys: set[str] = set()
        for term in terms:
            tokens = tuple(term_keys(w, term.lang) for w in words(term.phrase))
            if not tokens:
                continue
            excludes = frozenset().union(*(term_keys(w, term.lang) for e in term.excludes for w in words(e)))
            position = len(self._terms)
            self._terms.append(_Compiled(term.class_id, term.direction, tokens, excludes))
            for key in tokens[0]:
                self._index[key].append(position)
            known_words.update(words(term.phrase))
            for token in tokens:
                known_keys.update(token)
        self._vocabulary = Vocabulary(known_words, known_keys)

    def match_text(self, text: str, direction: Direction) -> tuple[dict[str, float], bool]:
        """Classes named in a text with a confidence, and whether a typo had to be corrected."""
        raw = words(text)
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
        all_keys = frozenset().union(*text_keys)

        matches: list[tuple[str, frozenset[int]]] = []
        for i, token_keys in enumerate(text_keys):
            candidates = {position for key in token_keys for position in self._index.get(key, ())}
            for position in sorted(candidates):
                term = self._terms[position]
                if term.direction and term.direction != direction.value:
                    continue
                if not term.excludes.isdisjoint(all_keys):
                    continue
                placed = _place(term.tokens, text_keys, i)
                if placed is not None:
                    matches.append((term.class_id, placed))

        # A phrase inside a longer phrase of another class is not evidence for its own class:
        # "huile" does not make "huile de friture" a mineral oil.
        matches.sort(key=lambda m: -len(m[1]))
        kept: list[tuple[str, frozenset[int]]] = []
        for class_id, placed in matches:
            if any(placed < other and class_id != other_class for other_class, other in kept):
                continue
            kept.append((class_id, placed))
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
    ) -> Classification:
        """Classes of a flow: its words and EWC code first, its activity when they say too little."""
        found, fuzzy = self.match_text(label, direction)
        from_description, fuzzy_description = self.match_text(description, direction)
        for class_id, conf in kb.ewc_classes(ewc).items():
            found[class_id] = max(found.get(class_id, 0.0), conf)
        specific = any(kb.classes[c].specific for c in found)
        for class_id, conf in from_description.items():
            found[class_id] = max(found.get(class_id, 0.0), conf * DESCRIPTION_WEIGHT)
        if not specific and naf:
            # "Matière première" from a cement works means what a cement works takes in.
            profile = kb.naf_uses(naf) if direction is Direction.NEED else kb.naf_produces(naf)
            for class_id in profile:
                if category.value in kb.classes[class_id].categories:
                    found[class_id] = max(found.get(class_id, 0.0), NAF_CONFIDENCE)
        if not any(kb.classes[c].specific for c in found):
            found[f"generic_{category.value}"] = FALLBACK_CONFIDENCE
        return Classification(confidence=found, fuzzy=fuzzy or fuzzy_description)


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
