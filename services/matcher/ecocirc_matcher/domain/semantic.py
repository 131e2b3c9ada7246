"""Placing words the keywords do not know near the classes whose descriptions they resemble."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

# A guess from resemblance is less sure than a keyword (1.0), a corrected typo (0.85), a description
# (0.8), an EWC code (0.6 to 0.9) or an activity profile (0.6): when both speak, they win.
SEMANTIC_CONFIDENCE = 0.5
# A phrase may sit between two classes ("huile de pépins de raisin"): the nearest few are kept when they
# are almost as near as the nearest.
MAX_PLACED = 2
# Similarities are compared in ten-thousandths, as integers: the last bits of an encoder's floats depend
# on the machine's vector instructions and numeric library, and a guess must not.
SIMILARITY_STEPS = 10_000


class PhraseIndex(Protocol):
    """Phrases filed under keys; tells how near a text is to each key's nearest phrase."""

    def nearest(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """For each text, the cosine similarity of each key's nearest phrase (one batch for all)."""
        ...


class PhraseEncoder(Protocol):
    """A multilingual sentence encoder, as the matcher uses it (the real one is in adapters/)."""

    @property
    def name(self) -> str:
        """Which model: part of the knowledge's version, so changing it re-derives the synergies."""
        ...

    @property
    def min_similarity(self) -> float:
        """Below this similarity the model relates nothing (each model has its own scale)."""
        ...

    @property
    def margin(self) -> float:
        """How much less near than the nearest class another class may be and still be kept."""
        ...

    def index(self, phrases: Sequence[tuple[str, str]]) -> PhraseIndex:
        """An index of (key, phrase) pairs."""
        ...


@dataclass(frozen=True, slots=True)
class ClassText:
    """What the knowledge says of one class: its labels and keyword terms, by language."""

    class_id: str
    label_fr: str
    label_en: str
    terms_fr: tuple[str, ...]
    terms_en: tuple[str, ...]


def class_phrases(classes: Iterable[ClassText]) -> list[tuple[str, str]]:
    """One French and one English description per class, from the knowledge's own labels and terms
    (never from evaluation data)."""
    phrases: list[tuple[str, str]] = []
    for c in classes:
        for label, terms in ((c.label_fr, c.terms_fr), (c.label_en, c.terms_en)):
            wording = [label, *(t for t in terms if t.lower() != label.lower())]
            phrases.append((c.class_id, ", ".join(w.strip() for w in wording if w.strip())))
    return phrases


class SemanticPlacer:
    """Places a text near the classes it most resembles, for what the keywords leave unread.

    The index (the class descriptions encoded) is built on first use, once.
    """

    def __init__(self, encoder: PhraseEncoder, phrases: Callable[[], list[tuple[str, str]]]) -> None:
        self.encoder = encoder
        self._phrases = phrases
        self._index: PhraseIndex | None = None
        self._lock = threading.Lock()

    def _ready(self) -> PhraseIndex:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = self.encoder.index(self._phrases())
        return self._index

    def prepare(self, texts: Collection[str]) -> None:
        """Encode many texts ahead of `place` (the index keeps them), e.g. outside a lock.

        What `place` then says of a text does not depend on what was prepared, nor in what order: the
        index must give a text the same similarities whatever it was asked with.
        """
        if texts:
            self._ready().nearest(sorted(set(texts)))

    def place(self, text: str, candidates: Collection[str]) -> dict[str, float]:
        """The candidate classes the text is nearest to, with the semantic confidence; {} when none is
        near enough."""
        if not text.strip() or not candidates:
            return {}
        similarity = self._ready().nearest([text])[0]
        # Nearest first; at equal similarity, the class id first in alphabetical order.
        ranked = sorted(
            ((_steps(s), c) for c, s in similarity.items() if c in candidates), key=_nearest_first
        )
        least = _steps(self.encoder.min_similarity)
        if not ranked or ranked[0][0] < least:
            return {}
        floor = max(least, ranked[0][0] - _steps(self.encoder.margin))
        return {c: SEMANTIC_CONFIDENCE for s, c in ranked[:MAX_PLACED] if s >= floor}


def _steps(similarity: float) -> int:
    """A similarity in whole ten-thousandths."""
    return round(similarity * SIMILARITY_STEPS)


def _nearest_first(placed: tuple[int, str]) -> tuple[int, str]:
    steps, class_id = placed
    return -steps, class_id
