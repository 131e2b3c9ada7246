"""Where the knowledge comes from: cited sources, nomenclature labels or a sourced glossary, never evaluation data."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

import ecocirc_matcher.evaluation
from ecocirc_matcher.domain.knowledge import _read_packaged
from ecocirc_matcher.domain.text import keys, words
from ecocirc_shared.reference import ewc_entries, naf_entries

REPO = Path(__file__).resolve().parents[4]
# Every file of data the matcher is measured on: the development sets, the demo territory and any set
# added under these folders later.
EVALUATION_FOLDERS = (Path(ecocirc_matcher.evaluation.__file__).parent / "data", REPO / "demo")
EVALUATION_SUFFIXES = frozenset({".csv", ".tsv", ".json", ".jsonl"})
# Files whose rows cite sources, and the column that names them.
CITING = {
    "keywords.csv": "source",
    "links.csv": "source",
    "naf_activities.csv": "source",
    "glossary.csv": "source",
    "ewc_receivers.csv": "source",
    "shared_needs.csv": "source",
    "made_by.csv": "source",
    "trade_wastes.csv": "source",
}
# Words of a term may stand a little apart in a label ("sciure de bois, copeaux" holds "copeaux de bois"),
# as the classifier itself allows (classify.EXTRA_SPAN).
EXTRA_SPAN = 2

Phrase = tuple[frozenset[str], ...]


def _rows(name: str) -> list[dict[str, str]]:
    with io.StringIO(_read_packaged()[name].decode("utf-8-sig"), newline="") as text:
        return list(csv.DictReader(text))


def _ids(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _phrase(text: str) -> Phrase:
    """A phrase as the classifier reads it: its significant words, each with its French and English stems."""
    return tuple(keys(w) for w in words(text))


def _same(a: Phrase, b: Phrase) -> bool:
    return len(a) == len(b) and all(not x.isdisjoint(y) for x, y in zip(a, b, strict=True))


def _terms() -> Iterator[tuple[str, str, str]]:
    """(class, language, phrase) of every keyword term."""
    for row in _rows("keywords.csv"):
        for term in row["terms"].split("|"):
            if term.strip():
                yield row["class_id"], row["lang"], term


class Labels:
    """The nomenclatures' own labels (EWC/LoW in French and English, NAF in French), searchable by phrase."""

    def __init__(self) -> None:
        texts = [t for e in ewc_entries() for t in (e.label_fr, e.label_en)]
        for naf in naf_entries():
            texts += [naf.label_fr]
        self._labels = [_phrase(t) for t in texts]
        self._containing: defaultdict[str, set[int]] = defaultdict(set)
        for i, label in enumerate(self._labels):
            for word_keys in label:
                for key in word_keys:
                    self._containing[key].add(i)

    def hold(self, phrase: Phrase) -> bool:
        """True when one label has all the phrase's words within a short window, in any order."""
        if not phrase:
            return False
        candidates = set.intersection(*(set().union(*(self._containing[k] for k in w)) for w in phrase))
        return any(_in_window(phrase, self._labels[i]) for i in candidates)


def _in_window(phrase: Phrase, label: Phrase) -> bool:
    span = len(phrase) + EXTRA_SPAN
    for start in range(max(1, len(label) - span + 1)):
        window = list(label[start : start + span])
        used: set[int] = set()
        for word_keys in phrase:
            found = next(
                (j for j, w in enumerate(window) if j not in used and not w.isdisjoint(word_keys)), None
            )
            if found is None:
                break
            used.add(found)
        else:
            return True
    return False


@cache
def _labels() -> Labels:
    return Labels()


@cache
def _glossary() -> dict[str, list[Phrase]]:
    """Glossary phrases by class."""
    found: defaultdict[str, list[Phrase]] = defaultdict(list)
    for row in _rows("glossary.csv"):
        found[row["class_id"]].append(_phrase(row["term"]))
    return found


def _backed(phrase: Phrase, class_id: str | None = None) -> bool:
    """In a nomenclature label, or in the glossary (for that class when one is given)."""
    if _labels().hold(phrase):
        return True
    glossary = _glossary()
    entries = glossary.get(class_id, []) if class_id else [p for ps in glossary.values() for p in ps]
    return any(_same(phrase, entry) for entry in entries)


def _evaluation_phrases() -> dict[Phrase, str]:
    """Every phrase of every evaluation file (a CSV cell, a JSON string), with where it was seen."""
    found: dict[Phrase, str] = {}
    for folder in EVALUATION_FOLDERS:
        for path in sorted(folder.rglob("*")):
            if path.suffix not in EVALUATION_SUFFIXES or not path.is_file():
                continue
            for value in _strings(path):
                phrase = _phrase(value)
                if phrase:
                    found.setdefault(phrase, f"{path.relative_to(REPO)}: {value[:60]!r}")
    return found


def _strings(path: Path) -> Iterator[str]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix in {".csv", ".tsv"}:
        for row in csv.reader(io.StringIO(text), delimiter="\t" if path.suffix == ".tsv" else ","):
            yield from row
    elif path.suffix == ".jsonl":
        for line in text.splitlines():
            if line.strip():
                yield from _json_strings(json.loads(line))
    else:
        yield from _json_strings(json.loads(text))


def _json_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def test_sources_are_described_once() -> None:
    rows = _rows("sources.csv")
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate source ids"
    for row in rows:
        assert row["title"].strip() and row["publisher"].strip() and row["reference"].strip(), row["id"]
        assert row["supports"].strip(), row["id"]


@pytest.mark.parametrize("name", sorted(CITING))
def test_every_row_cites_known_sources(name: str) -> None:
    known = {r["id"] for r in _rows("sources.csv")}
    column = CITING[name]
    uncited = [row for row in _rows(name) if not _ids(row[column])]
    unknown = sorted({i for row in _rows(name) for i in _ids(row[column])} - known)
    assert uncited == [], f"{name}: rows without a source"
    assert unknown == [], f"{name}: unknown source ids"


def test_every_source_is_cited() -> None:
    cited = {i for name, column in CITING.items() for row in _rows(name) for i in _ids(row[column])}
    cited |= {i for row in _rows("lexicon.csv") for i in _ids(row["source"])}
    assert sorted({r["id"] for r in _rows("sources.csv")} - cited) == []


def test_lexicon_rows_cite_known_sources() -> None:
    known = {r["id"] for r in _rows("sources.csv")}
    for row in _rows("lexicon.csv"):
        assert _ids(row["source"]), row["topic"]
        assert set(_ids(row["source"])) <= known, row["topic"]


def test_glossary_names_known_classes_and_defines_each_term() -> None:
    classes = {r["id"] for r in _rows("classes.csv")}
    for row in _rows("glossary.csv"):
        assert row["class_id"] in classes, row["term"]
        assert row["lang"] in {"fr", "en"}, row["term"]
        assert row["definition"].strip(), row["term"]


def test_every_keyword_term_is_a_label_phrase_or_in_the_glossary() -> None:
    unbacked = [(c, lang, t) for c, lang, t in _terms() if not _backed(_phrase(t), c)]
    assert unbacked == [], "keyword terms neither in the EWC/NAF labels nor in glossary.csv"


def test_no_knowledge_phrase_is_taken_from_evaluation_data() -> None:
    evaluation = _evaluation_phrases()
    assert evaluation, "no evaluation data found: the check would prove nothing"
    knowledge = [(c, t) for c, _, t in _terms()]
    knowledge += [(None, w) for row in _rows("lexicon.csv") for w in row["words"].split("|") if w.strip()]
    copied = []
    for class_id, text in knowledge:
        phrase = _phrase(text)
        seen = next((where for p, where in evaluation.items() if _same(phrase, p)), None)
        if seen is not None and not _backed(phrase, class_id):
            copied.append((text, seen))
    assert copied == [], "phrases found in evaluation data and in no source"


def test_the_checks_can_fail() -> None:
    # A copied development-set phrase with its spelling mistake is neither a label phrase nor sourced,
    # and the demo territory's own label is evaluation data.
    assert not _backed(_phrase("phosphorous from wastewater"), "use_water_treatment")
    assert _labels().hold(_phrase("cendres volantes"))
    assert _backed(_phrase("lactosérum"), "whey")
    assert not _backed(_phrase("lactosérum"), "slag")
    assert any(_same(_phrase("Marcs de raisin"), p) for p in _evaluation_phrases())
