"""The semantic fallback, with a fake encoder: only what the keywords leave unread, less surely, switchable."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from ecocirc_matcher.domain.explain import GUESSED
from ecocirc_matcher.domain.knowledge import Knowledge, _read_packaged, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_substitution
from ecocirc_matcher.domain.semantic import MAX_PLACED, SEMANTIC_CONFIDENCE, ClassText, class_phrases
from ecocirc_matcher.evaluation.terms import evaluate_terms
from ecocirc_shared.flows import Category

from .factories import need, offer

DATA = _read_packaged()


class FakeIndex:
    def __init__(self, encoder: FakeEncoder, keys: set[str]) -> None:
        self._encoder = encoder
        self._keys = keys

    def nearest(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self._encoder.asked.append(list(texts))
        near = self._encoder.near
        return [
            {k: near.get(t.lower(), self._encoder.default).get(k, 0.0) for k in self._keys} for t in texts
        ]


class FakeEncoder:
    """Knows, for a few texts, how near they are to a few classes; everything else is unrelated."""

    name = "fake"
    min_similarity = 0.5
    margin = 0.1

    def __init__(self, near: dict[str, dict[str, float]], default: dict[str, float] | None = None) -> None:
        self.near = near
        self.default = default or {}
        self.asked: list[list[str]] = []
        self.phrases: list[tuple[str, str]] = []

    def index(self, phrases: Sequence[tuple[str, str]]) -> FakeIndex:
        self.phrases = list(phrases)
        return FakeIndex(self, {k for k, _ in phrases})


def knowledge(near: dict[str, dict[str, float]]) -> tuple[Knowledge, FakeEncoder]:
    encoder = FakeEncoder(near)
    return Knowledge(DATA, encoder), encoder


def test_words_no_keyword_knows_are_placed_near_what_they_resemble() -> None:
    kb, _ = knowledge({"zorglub de meunerie": {"milling_byproducts": 0.9}})
    placed = kb.classification(offer("Zorglub de meunerie")).confidence
    assert placed == {"milling_byproducts": SEMANTIC_CONFIDENCE}
    without = load_knowledge().classification(offer("Zorglub de meunerie")).confidence
    assert "milling_byproducts" not in without


def test_what_the_keywords_read_is_not_asked() -> None:
    kb, encoder = knowledge({"sciure de bois": {"metal_chips": 0.99}})
    assert "metal_chips" not in kb.classify(offer("Sciure de bois"))
    assert encoder.asked == []


def test_too_far_from_every_class_places_nothing() -> None:
    kb, _ = knowledge({"zorglub": {"milling_byproducts": 0.4}})
    assert kb.classify(offer("Zorglub")) == {"generic_waste"}


def test_the_nearest_few_are_kept_within_the_margin() -> None:
    near = {"zorglub": {"straw": 0.9, "crop_residues": 0.85, "milling_byproducts": 0.84, "bark": 0.7}}
    kb, _ = knowledge(near)
    assert MAX_PLACED == 2
    assert set(kb.classification(offer("Zorglub")).confidence) == {"straw", "crop_residues"}


def test_an_offer_is_never_placed_near_a_use_a_need_may_be() -> None:
    near = {"zorglub": {"use_animal_feed": 0.9}}
    kb, _ = knowledge(near)
    assert "use_animal_feed" not in kb.classify(offer("Zorglub"))
    assert "use_animal_feed" in kb.classify(need("Zorglub", category=Category.MATERIAL))


def test_only_classes_of_the_flows_category() -> None:
    kb, _ = knowledge({"zorglub": {"waste_heat_low": 0.95, "straw": 0.9}})
    assert "waste_heat_low" not in kb.classify(offer("Zorglub"))
    assert "straw" in kb.classify(offer("Zorglub"))


def test_the_description_is_read_with_the_label() -> None:
    kb, encoder = knowledge({"zorglub. pour nos vaches": {"use_animal_feed": 0.9}})
    assert "use_animal_feed" in kb.classify(
        need("Zorglub", description="pour nos vaches", category=Category.MATERIAL)
    )
    assert encoder.asked == [["Zorglub. pour nos vaches"]]


def test_a_placed_offer_pairs_but_less_surely_than_a_named_one() -> None:
    kb, _ = knowledge({"zorglub de meunerie": {"milling_byproducts": 0.9}})
    feed = need("Aliment pour bétail", category=Category.MATERIAL, road_km=5)
    guessed = evaluate_substitution(offer("Zorglub de meunerie"), feed, kb)
    named = evaluate_substitution(offer("Son de blé et issues de meunerie"), feed, kb)
    assert evaluate_substitution(offer("Zorglub de meunerie"), feed, load_knowledge()) is None
    assert guessed is not None and named is not None
    assert guessed.resource_class == "milling_byproducts"
    assert guessed.score < named.score
    assert GUESSED in guessed.explanation and GUESSED not in named.explanation
    assert kb.classification(offer("Zorglub de meunerie")).guessed == {"milling_byproducts"}


def test_prepare_encodes_the_unread_texts_of_many_flows_in_one_batch() -> None:
    kb, encoder = knowledge({})
    kb.prepare([offer("Zorglub"), offer("Sciure de bois"), need("Plumbix", category=Category.MATERIAL)])
    assert encoder.asked == [["Plumbix", "Zorglub"]]


def test_the_encoder_is_part_of_the_version() -> None:
    kb, _ = knowledge({})
    assert kb.version != load_knowledge().version
    assert kb.version.endswith("+fake")


def test_class_descriptions_come_from_the_knowledge_own_labels_and_terms() -> None:
    text = ClassText("straw", "Paille", "Straw", ("paille de blé", "paille"), ("wheat straw",))
    assert class_phrases([text]) == [("straw", "Paille, paille de blé"), ("straw", "Straw, wheat straw")]
    kb, encoder = knowledge({"zorglub": {"straw": 0.9}})
    kb.classify(offer("Zorglub"))
    described = {c for c, _ in encoder.phrases}
    assert described == {c.id for c in kb.classes.values() if c.specific}


@pytest.mark.parametrize("label", ["Sciure de bois", "Zorglub"])
def test_without_an_encoder_nothing_changes(label: str) -> None:
    plain = load_knowledge()
    kb, _ = knowledge({})
    assert kb.classification(offer(label)) == plain.classification(offer(label))


def test_held_out_terms_are_counted_once_each_and_placed_only_with_an_encoder() -> None:
    specific = sum(
        1
        for line in DATA["keywords.csv"].decode("utf-8-sig").splitlines()[1:]
        if load_knowledge().classes[line.split(",")[0]].specific
    )
    off = evaluate_terms(DATA, None, folds=2)
    assert off.outcomes["placed_right"] == off.outcomes["placed_wrong"] == 0
    assert off.unread == off.outcomes["unplaced"] > 0
    assert sum(off.outcomes.values()) > specific  # several terms a row
    # A fake that places every text near straw: right only for straw's own terms.
    on = evaluate_terms(DATA, FakeEncoder({}, default={"straw": 0.9}), folds=2)
    assert on.unread == off.unread
    assert on.outcomes["placed_wrong"] > on.outcomes["placed_right"] > 0
    assert on.outcomes["keyword_right"] == off.outcomes["keyword_right"]
