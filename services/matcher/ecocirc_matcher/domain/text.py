"""Reading what people write: accents, case, stop words, French and English stems, typos."""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA
from unidecode import unidecode
from wordfreq import get_frequency_dict

_WORD = re.compile(r"[a-z0-9]+")

# Function words of both languages carry no meaning for matching; dropping them lets
# "huile de coupe" meet the term "huile coupe" and "marc and dregs" meet "marc". ("son" is not one of
# them: "son de blé" is bran.)
_STOPWORDS_TEXT = """
    a au aux avec ce ces d de des du en et l la le les leur leurs ou par pour sans sur un une nos notre
    votre vos sa ses qui que dont est sont etre y dans chez tres plus moins environ
    tout toute toutes tous nous vous ils elles il elle on se ne avons avez ont
    the of and or for with without from to in an as by on at per our their its is are be into containing
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
# Prepositions that make the next noun a complement of the one before ("vidange des bacs", "marc de café
# pour nos sacs de culture") or a place or vessel ("en bacs de 600 L", "dans un bac étanche").
_PREPOSITIONS = frozenset(
    ["en", "dans", "pour", "de", "des", "du", "d", "a", "au", "aux", "in", "into", "for", "of"]
)

# A negation denies what follows it in its own clause: "Pas de sciure : elle bouche la vis". The clause
# ends at a sentence mark or a colon, and the negation at a comma or a conjunction ("sans poussière,
# copeaux ou sciure" still wants chips and sawdust) unless the list goes on negated: its next item
# repeats the partitive or a negation ("pas de filtres, de batteries"), or a "ni" closes it later in
# the sentence ("pas de filtres, de batteries ni de fûts souillés", "sans plâtre ni bois"). ("non" is no
# cue: "bois non traité", "déchets non dangereux" are names of resources.)
_CUE = re.compile(
    r"\b(?:pas|sans|ni|aucun|aucune|jamais|sauf|excepte|exceptes|except|without|no|not|never|nor)\b"
)
_CLAUSE = re.compile(r"[^.;:!?()\[\]\n]+")
_BREAK = re.compile(r",|\b(?:et|ou|mais|puis|and|or|but)\b")
_GOES_ON = re.compile(r"\s*(?:de|d|du|des|ni|nor|no|pas|sans|aucun|aucune|without)\b")
_CLOSING_NI = re.compile(r"\b(?:ni|nor)\b")
# Where one denied item ends and the next begins ("pas de boues, pas d'effluents", "ni de digestat").
_ITEM_BREAK = re.compile(r"[,.+/]|\b(?:ni|nor|et|ou|and|or)\b")
# "pas rincés", "pas traité": "pas" right before a past participle of a first-group verb (-é, -ée, -és,
# -ées) says what state a thing is not in, as "non" does ("non rincés"); it denies no item of a list.
_PAS_PARTICIPLE = re.compile(
    r"\bpas\s+(?=[a-z]{2,}(?:e|ee|es|ees)\b)(?!(?:encore|une|elle|elles|cette|comme|que|assez|toute|toutes|entre|autre|autres|meme|memes|notre|votre|leur|leurs|ce|ces|se|de|des|me|te)\b)"
)
# "non traité", "non ferreux", "non-hazardous": one word, the opposite of the second.
_NON = re.compile(r"\bnon[\s-]+(?=[a-z])")
# "contenant des substances dangereuses", "contenant du mercure": the participle (containing, a stop word
# in English), not the noun "contenant" (a container): it says what a waste holds, not that it is a drum.
_PARTICIPLE = re.compile(r"\bcontenant(?=\s+(?:des|du|de\s+la|de\s+l)\b)")

# Words by which a text names an activity by what it makes, as the NAF and NACE labels do ("Fabrication
# de briques", "Production d'électricité", "Manufacture of bricks", "Steel production"), or a site by
# its product ("power plant", "brick works", "usine de papier", "centrale de cogénération"). In a need
# they say what the receiver makes or is, not the resource it takes in.
# "Steel production", "power plant": the product comes before these English words...
_MADE_BEFORE = frozenset(
    {"production", "productions", "manufacturing", "making", "producer", "producers", "manufacturer"}
    | {"manufacturers", "maker", "makers", "plant", "plants", "works", "factory", "factories", "mill"}
    | {"mills", "refinery", "refineries", "station", "stations"}
)
# ...and after "de", "of" following any of them: "production de briques", "manufacture of bricks" (a
# French noun before "production" is joined by "de", never its product: "serres de production").
_MAKERS = _MADE_BEFORE | frozenset(
    {"producteur", "producteurs", "productrice", "fabrication", "fabricant", "fabricants", "fabrique"}
    | {"usine", "usines", "centrale", "centrales", "manufacture"}
)
_MADE_AFTER = frozenset({"de", "d", "du", "des", "of"})
_WORKS_FR = frozenset({"usine", "usines", "centrale", "centrales"})
# Within a product's name: "iron and steel production", "fabrication de briques et tuiles".
_MADE_JOINS = frozenset({"and", "et", "&", "/", "-"})
# "Coal-fired power station", "RDF fuelled plant", "gas-fed": what comes before is what it takes in.
_TAKES_IN = frozenset({"fired", "fueled", "fuelled", "fed", "based"})
# At most this many words name one product.
_MADE_SPAN = 4
# "Paille pour le compost", "sand for glass making": what follows names what the need is for.
_FOR = frozenset({"pour", "for"})
_PURPOSE_DETERMINERS = frozenset(
    {"'", "l", "la", "le", "les", "nos", "notre", "vos", "votre", "son", "sa", "ses", "leur", "leurs"}
    | {"the", "our", "their", "its"}
)
_THING_ARTICLES = frozenset({"du", "de", "des", "d", "un", "une", "a", "an", "some"})
# A purpose ends with its clause, or where a negation or another purpose begins.
_PURPOSE_ENDS = frozenset({".", ",", ";", ":", "!", "?", "(", ")", "[", "]", "pas", "sans", "not", "no"})
_PURPOSE_SPAN = 6
# "Soil additive", "cement additive": what an additive is added to is its purpose, not what is wanted.
_ADDED_TO = frozenset({"additive", "additives"})
_TOKEN = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")

_FR = snowballstemmer.stemmer("french")
_EN = snowballstemmer.stemmer("english")

# Below this length a "typo" is as likely another word (fer/for, lie/lin): no fuzzy correction.
MIN_FUZZY_LENGTH = 5
# A typo is one slip (a letter missing, extra, wrong or two letters swapped), two in a long word, and
# keeps its first letter: "copaux" is "copeaux", but "scierie" is not "acierie" nor "vendanges"
# "vendangeurs".
LONG_WORD = 10
# A word people use is never a typo, even when it is one slip from a keyword: "canettes" are not
# "cagettes", "soupe" is not "soude", "cavistes" are not "caristes". Everyday words are those of
# wordfreq's French and English lists seen at least once in ten million words (Zipf 2).
EVERYDAY_ZIPF = 2.0


def fold(text: str) -> str:
    """Lower-case ASCII form: "Œufs, Écorces" -> "oeufs, ecorces"; "pas rincés" -> "non rinces"."""
    return _PAS_PARTICIPLE.sub("non ", unidecode(text).lower())


def words(text: str) -> list[str]:
    """Significant words of a text, folded, without stop words or bare numbers ("non X" is one word)."""
    return [w for w in _WORD.findall(_plain(fold(text))) if w not in STOPWORDS and not w.isdigit()]


def _plain(folded: str) -> str:
    """A folded text with "non X" as one word and without the participle "contenant" (see above)."""
    return _PARTICIPLE.sub(" ", _NON.sub("non", folded))


def made(text: str, *, purposes: bool = True) -> tuple[str, str]:
    """What a text says an activity makes or a need is for, and the rest of it, each word of the one a
    "." in the other: "Production of bricks" -> (". . bricks", "production of ."), "Iron and steel
    production" -> ("iron . steel .", ". and . production"), "usine de papier" -> (". . papier", "usine
    de ."), "Paille pour le compost" -> (". . . compost", "paille pour le .") unless `purposes` is false.
    Words apart are thus kept apart ("a . b"); nothing made: ("", the folded text)."""
    tokens = _TOKEN.findall(_NON.sub("non", fold(text)))
    product: set[int] = set()
    for i, token in enumerate(tokens):
        if token not in _MAKERS:
            continue
        j = i + 1
        if j < len(tokens) and tokens[j] in _MADE_AFTER:
            j += 1
            # "d'électricité", "de la chaux", "des briques"
            while j < len(tokens) and (
                tokens[j] in ("'", "l", "la", "le", "les", "the") or tokens[j] in _MADE_AFTER
            ):
                j += 1
            product |= _product(tokens, range(j, len(tokens)))
        if token in _MADE_BEFORE:
            product |= _product(tokens, range(i - 1, -1, -1))
        # A French adjective of what is made right after the works: "centrale électrique", "usine
        # chimique", "usine sidérurgique" (the "-ique" adjectives of a product or trade).
        if token in _WORKS_FR and i + 1 < len(tokens) and tokens[i + 1].endswith(("ique", "iques")):
            product.add(i + 1)
    for i, token in enumerate(tokens):
        if purposes and token in _FOR:
            product |= _purpose(tokens, i + 1)
        if purposes and token in _ADDED_TO:
            product |= _product(tokens, range(i - 1, -1, -1))
    if not product:
        return "", fold(text)
    made_text = " ".join(t if k in product else "." for k, t in enumerate(tokens))
    rest = " ".join("." if k in product else t for k, t in enumerate(tokens))
    return made_text, rest


def _purpose(tokens: list[str], start: int) -> set[int]:
    """The positions of what "pour", "for" say a need is for, up to the end of the clause: "paille pour
    le compost", "eau pour le lavage des camions". A partitive or an indefinite article after it ("pour
    de la sciure", "for some chips") introduces a thing, not a purpose."""
    j = start
    while j < len(tokens) and tokens[j] in _PURPOSE_DETERMINERS:
        j += 1
    if j < len(tokens) and tokens[j] in _THING_ARTICLES:
        return set()
    found: set[int] = set()
    for k in range(j, len(tokens)):
        token = tokens[k]
        if token in _PURPOSE_ENDS:
            break
        if token.isalnum() and token not in STOPWORDS:
            found.add(k)
            if len(found) == _PURPOSE_SPAN:
                break
    return found


def _product(tokens: list[str], positions: range) -> set[int]:
    """The positions of a product's name, walked from next to its activity word outwards."""
    found: set[int] = set()
    count = 0
    for k in positions:
        token = tokens[k]
        if token in _MADE_JOINS:
            continue
        if token in _TAKES_IN or token in _MAKERS or not token.isalnum() or token in STOPWORDS:
            break
        found.add(k)
        count += 1
        if count == _MADE_SPAN:
            break
    return found


def governed(text: str) -> dict[int, str]:
    """Words of `words(text)` that follow a preposition, by position, with the preposition: in "huile
    (vidange des bacs) en fûts", "bacs" follows "des" and "futs" "en". Determiners and numbers between
    them are skipped ("dans un bac", "en bacs de 600 L", "pour nos sacs")."""
    found: dict[int, str] = {}
    position, preposition = 0, ""
    for token in _WORD.findall(_plain(fold(text))):
        if token in _PREPOSITIONS:
            preposition = token
            continue
        if token in STOPWORDS or token.isdigit():
            continue
        if preposition:
            found[position] = preposition
        position, preposition = position + 1, ""
    return found


def clauses(text: str) -> list[str]:
    """A text's clauses, folded: what lies between stops (. ; : ! ? brackets, line ends)."""
    return [clause.group(0) for clause in _CLAUSE.finditer(fold(text))]


def _negated_spans(folded: str) -> list[tuple[int, int]]:
    """Where a folded text denies something: from each negation to the end of what it governs."""
    spans: list[tuple[int, int]] = []
    for clause in _CLAUSE.finditer(folded):
        text, offset, pos = clause.group(0), clause.start(), 0
        while (cue := _CUE.search(text, pos)) is not None:
            end = _scope_end(text, cue.end())
            spans.append((offset + cue.start(), offset + end))
            pos = max(end, cue.end())
    return spans


def _scope_end(clause: str, start: int) -> int:
    """Where a negation starting at `start` stops within its clause."""
    closing = max((m.end() for m in _CLOSING_NI.finditer(clause, start)), default=None)
    pos = closing if closing is not None else start
    while (brk := _BREAK.search(clause, pos)) is not None:
        if closing is None and _GOES_ON.match(clause, brk.end()):
            pos = brk.end()
            continue
        return brk.start()
    return len(clause)


def affirmed(text: str) -> str:
    """The folded text without what it denies: "bois sec. Pas de sciure" -> "bois sec.  . "."""
    folded = fold(text)
    kept, last = [], 0
    for start, end in _negated_spans(folded):
        kept.append(folded[last:start])
        kept.append(" . ")
        last = end
    kept.append(folded[last:])
    return "".join(kept)


def denied(text: str) -> str:
    """What the text denies: "bois sec. Pas de sciure, ni d'écorces" -> "pas de sciure, ni d'ecorces"."""
    folded = fold(text)
    return " . ".join(folded[start:end] for start, end in _negated_spans(folded))


def denied_items(text: str) -> tuple[tuple[str, ...], ...]:
    """Each thing a text denies, as its significant words: "Pas de boues ni de digestat" ->
    (("boues",), ("digestat",)); "pas d'effluents d'élevage industriel" -> (("effluents", "elevage",
    "industriel"),). The items of a denied list are split at its commas and conjunctions."""
    found: list[tuple[str, ...]] = []
    for part in _ITEM_BREAK.split(denied(text)):
        item = tuple(w for w in words(part) if not _CUE.fullmatch(w))
        if item and item not in found:
            found.append(item)
    return tuple(found)


@lru_cache(maxsize=1)
def everyday_words() -> frozenset[str]:
    """Folded French and English words in common use (wordfreq), long enough to be mistaken for a typo."""
    floor = 10 ** (EVERYDAY_ZIPF - 9)  # wordfreq gives frequencies; Zipf = log10(per billion words)
    found: set[str] = set()
    for lang in ("fr", "en"):
        for word, frequency in get_frequency_dict(lang, wordlist="large").items():
            if frequency >= floor and len(word) >= MIN_FUZZY_LENGTH:
                found.update(w for w in _WORD.findall(fold(word)) if len(w) >= MIN_FUZZY_LENGTH)
    return frozenset(found)


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

    def __init__(
        self,
        known_words: set[str],
        known_keys: set[str],
        lexicon: frozenset[str] = frozenset(),
        everyday: frozenset[str] = frozenset(),
    ) -> None:
        self._everyday = everyday
        self._by_initial: dict[str, list[str]] = {}
        for word in sorted(known_words):
            self._by_initial.setdefault(word[:1], []).append(word)
        # Words of the vocabulary and of the lexicon (plain words that name no resource) are never typos.
        self._keys = frozenset(known_keys) | frozenset().union(*(keys(w) for w in lexicon))
        self._correct = lru_cache(maxsize=65536)(self._nearest)

    def is_known(self, word: str) -> bool:
        return not keys(word).isdisjoint(self._keys)

    def correct(self, word: str) -> str | None:
        """The known word a misspelt word most likely meant, or None (for a known or an everyday word)."""
        if len(word) < MIN_FUZZY_LENGTH or word in self._everyday or self.is_known(word):
            return None
        return self._correct(word)

    def _nearest(self, word: str) -> str | None:
        slips = 2 if len(word) >= LONG_WORD else 1
        candidates = self._by_initial.get(word[:1], [])
        found = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=slips)
        return None if found is None else str(found[0])
