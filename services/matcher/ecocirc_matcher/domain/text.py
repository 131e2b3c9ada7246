"""Reading what people write: accents, case, stop words, French and English stems, typos."""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process
from unidecode import unidecode

_WORD = re.compile(r"[a-z0-9]+")

# Function words of both languages carry no meaning for matching; dropping them lets
# "huile de coupe" meet the term "huile coupe" and "marc and dregs" meet "marc".
_STOPWORDS_TEXT = """
    a au aux avec ce ces d de des du en et l la le les leur leurs ou par pour sans sur un une nos notre
    votre vos son sa ses qui que dont est sont etre y dans chez tres plus moins environ
    the of and or for with without from to in an as by on at per our their its is are be into
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_FR = snowballstemmer.stemmer("french")
_EN = snowballstemmer.stemmer("english")

# Below this length a "typo" is as likely another word (fer/for, lie/lin): no fuzzy correction.
MIN_FUZZY_LENGTH = 5
FUZZY_CUTOFF = 84.0


def fold(text: str) -> str:
    """Lower-case ASCII form: "Œufs, Écorces" -> "oeufs, ecorces"."""
    return unidecode(text).lower()


def words(text: str) -> list[str]:
    """Significant words of a text, folded, without stop words or bare numbers."""
    return [w for w in _WORD.findall(fold(text)) if w not in STOPWORDS and not w.isdigit()]


@lru_cache(maxsize=65536)
def keys(word: str) -> frozenset[str]:
    """Forms a folded word may match by: itself and its French and English stems (plurals, genders)."""
    return frozenset({word, _FR.stemWord(word), _EN.stemWord(word)})


def term_keys(word: str, lang: str) -> frozenset[str]:
    """Forms a knowledge term's word is indexed by: itself and its stem in the term's language."""
    stemmer = _FR if lang == "fr" else _EN
    return frozenset({word, stemmer.stemWord(word)})


class Vocabulary:
    """Known words of the knowledge, for correcting typos in what people write."""

    def __init__(self, known_words: set[str], known_keys: set[str]) -> None:
        self._words = sorted(known_words)
        self._keys = frozenset(known_keys)
        self._correct = lru_cache(maxsize=65536)(self._nearest)

    def is_known(self, word: str) -> bool:
        return not keys(word).isdisjoint(self._keys)

    def correct(self, word: str) -> str | None:
        """The known word a misspelt word most likely meant, or None."""
        if len(word) < MIN_FUZZY_LENGTH or self.is_known(word):
            return None
        return self._correct(word)

    def _nearest(self, word: str) -> str | None:
        found = process.extractOne(word, self._words, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return None if found is None else str(found[0])
