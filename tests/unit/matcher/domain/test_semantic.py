"""The semantic fallback, with a fake encoder: only what the keywords leave unread, less surely, switchable."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.explain import GUESSED
from ecocirc_matcher.domain.knowledge import Knowledge, _read_packaged, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_substitution
from ecocirc_matcher.domain.semantic import MAX_PLACED, SEMANTIC_CONFIDENCE, ClassText, class_phrases
from ecocirc_matcher.evaluation.demo import NOTIFY_THRESHOLD
from ecocirc_shared.flows import Category
from tests.unit.matcher.factories import need, offer
from tests.unit.matcher.fake_encoder import FakeEncoder

DATA = _read_packaged()

# Made-up words no keyword can know, each with how near the fake encoder puts it to a few classes.
NEAR = {
    "zorglub de meunerie": {"milling_byproducts": 0.9},
    "sciure de bois": {"metal_chips": 0.99},
    "plumbix": {"milling_byproducts": 0.4},
    "vortak": {"straw": 0.9, "crop_residues": 0.85, "milling_byproducts": 0.84, "bark": 0.7},
    "grumph": {"use_animal_feed": 0.9},
    "kwisp": {"waste_heat_low": 0.95, "straw": 0.9},
    "blorg. pour nos vaches": {"use_animal_feed": 0.9},
    # As near to three classes but for the last bits of the floats, which vary with the machine.
    "plonk": {"straw": 0.9000000002, "crop_residues": 0.9000000001, "bark": 0.9},
    # Under the fake's least similarity (0.5) by less than a float's last bits: at it, as far as a
    # guess is concerned.
    "smorf": {"bark": 0.4999999999},
}


@pytest.fixture(scope="module")
def encoder() -> FakeEncoder:
    return FakeEncoder(NEAR)


@pytest.fixture(scope="module")
def kb(encoder: FakeEncoder) -> Knowledge:
    # One knowledge for the module (building one takes seconds); each test has its own words.
    return Knowledge(DATA, encoder)


def test_words_no_keyword_knows_are_placed_near_what_they_resemble(kb: Knowledge) -> None:
    placed = kb.classification(offer("Zorglub de meunerie")).confidence
    assert placed == {"milling_byproducts": SEMANTIC_CONFIDENCE}
    without = load_knowledge().classification(offer("Zorglub de meunerie")).confidence
    assert "milling_byproducts" not in without


def test_what_the_keywords_read_is_not_asked(kb: Knowledge, encoder: FakeEncoder) -> None:
    assert "metal_chips" not in kb.classify(offer("Sciure de bois"))
    assert encoder.asked_about("Sciure de bois") == []


def test_too_far_from_every_class_places_nothing(kb: Knowledge) -> None:
    assert kb.classify(offer("Plumbix")) == {"generic_waste"}


def test_the_nearest_few_are_kept_within_the_margin(kb: Knowledge) -> None:
    assert MAX_PLACED == 2
    assert set(kb.classification(offer("Vortak")).confidence) == {"straw", "crop_residues"}


def test_the_last_bits_of_a_similarity_decide_nothing_and_ties_go_by_class_id(kb: Knowledge) -> None:
    # Nearest by a few billionths, straw and crop residues are no nearer than bark: a tie of three,
    # of which the first two by class id are kept.
    assert set(kb.classification(offer("Plonk")).confidence) == {"bark", "crop_residues"}
    assert set(kb.classification(offer("Smorf")).confidence) == {"bark"}


def test_an_offer_is_never_placed_near_a_use_a_need_may_be(kb: Knowledge) -> None:
    assert "use_animal_feed" not in kb.classify(offer("Grumph"))
    assert "use_animal_feed" in kb.classify(need("Grumph", category=Category.MATERIAL))


def test_only_classes_of_the_flows_category(kb: Knowledge) -> None:
    assert "waste_heat_low" not in kb.classify(offer("Kwisp"))
    assert "straw" in kb.classify(offer("Kwisp"))


def test_the_description_is_read_with_the_label(kb: Knowledge, encoder: FakeEncoder) -> None:
    classes = kb.classify(need("Blorg", description="pour nos vaches", category=Category.MATERIAL))
    assert "use_animal_feed" in classes
    assert encoder.asked_about("Blorg. pour nos vaches") == [["Blorg. pour nos vaches"]]


def test_a_placed_offer_pairs_but_less_surely_than_a_named_one(kb: Knowledge) -> None:
    feed = need("Aliment pour bétail", category=Category.MATERIAL, road_km=5)
    guessed = evaluate_substitution(offer("Zorglub de meunerie"), feed, kb)
    named = evaluate_substitution(offer("Son de blé et issues de meunerie"), feed, kb)
    assert evaluate_substitution(offer("Zorglub de meunerie"), feed, load_knowledge()) is None
    assert guessed is not None and named is not None
    assert guessed.resource_class == "milling_byproducts"
    assert guessed.score < named.score
    assert guessed.score < NOTIFY_THRESHOLD  # a guess alone is listed, not emailed
    assert GUESSED in guessed.explanation and GUESSED not in named.explanation
    assert kb.classification(offer("Zorglub de meunerie")).guessed == {"milling_byproducts"}


def test_prepare_encodes_the_unread_texts_of_many_flows_in_one_batch(
    kb: Knowledge, encoder: FakeEncoder
) -> None:
    kb.prepare([offer("Snirf"), offer("Sciure de bois"), need("Quorble", category=Category.MATERIAL)])
    assert encoder.asked_about("Snirf", "Quorble") == [["Quorble", "Snirf"]]


def test_the_encoder_is_part_of_the_version(kb: Knowledge) -> None:
    assert kb.version != load_knowledge().version
    assert kb.version.endswith("+fake")


def test_class_descriptions_come_from_the_knowledge_own_labels_and_terms(
    kb: Knowledge, encoder: FakeEncoder
) -> None:
    text = ClassText("straw", "Paille", "Straw", ("paille de blé", "paille"), ("wheat straw",))
    assert class_phrases([text]) == [("straw", "Paille, paille de blé"), ("straw", "Straw, wheat straw")]
    kb.classify(offer("Vortak"))
    assert {c for c, _ in encoder.phrases} == {c.id for c in kb.classes.values() if c.specific}


@pytest.mark.parametrize("label", ["Sciure de bois", "Frumbleplox", "Plumbix"])
def test_a_fallback_that_places_nothing_changes_nothing(kb: Knowledge, label: str) -> None:
    assert kb.classification(offer(label)) == load_knowledge().classification(offer(label))
