"""Reading French right: where a negation stops, homonyms, typos that are real words, used things."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_substitution
from ecocirc_matcher.domain.text import Vocabulary, affirmed, denied, everyday_words
from ecocirc_shared.flows import Category
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.mark.parametrize(
    ("text", "still_said", "denied_words"),
    [
        # A comma or a conjunction ends the negation...
        ("sans poussière, copeaux ou sciure", ["copeaux", "sciure"], ["poussiere"]),
        ("Pas de sciure, elle bouche la vis", ["bouche"], ["sciure"]),
        ("Pas de sciure : elle bouche la vis", ["bouche"], ["sciure"]),
        ("no paint, glue or nails", ["glue", "nails"], ["paint"]),
        # ...unless the list goes on negated: a repeated "de", another negation, a closing "ni".
        ("pas de filtres, de batteries ni de fûts souillés", [], ["filtres", "batteries", "futs"]),
        ("sans plâtre ni bois", [], ["platre", "bois"]),
        ("sans amiante et sans plomb", [], ["amiante", "plomb"]),
        (
            "Pas de palettes cassées ni de bois traité, mais la sciure oui.",
            ["sciure"],
            ["palettes", "traite"],
        ),
        # "non" names a resource, it denies nothing.
        ("bois non traité", ["bois", "non traite"], []),
    ],
)
def test_where_a_negation_stops(text: str, still_said: list[str], denied_words: list[str]) -> None:
    for word in still_said:
        assert word in affirmed(text), word
        assert word not in denied(text), word
    for word in denied_words:
        assert word in denied(text), word
        assert word not in affirmed(text), word


def test_a_need_refuses_only_what_its_negation_governs(kb: Knowledge) -> None:
    dust_free = kb.classification(
        need(
            "litière pour volailles",
            description="sans poussière, copeaux ou sciure",
            category=Category.MATERIAL,
        )
    )
    assert "sawdust_shavings" not in dust_free.refused
    listed = kb.classification(
        need(
            "litière pour volailles",
            description="pas de sciure, de copeaux ni de paille",
            category=Category.MATERIAL,
        )
    )
    assert {"sawdust_shavings", "straw"} <= listed.refused


@pytest.mark.parametrize(
    ("label", "is_class", "is_not_class"),
    [
        ("pommes de terre déclassées", "food_produce", "excavated_soil"),
        ("épluchures de pommes de terre", "fruit_veg_residues", "excavated_soil"),
        ("terre végétale de décapage", "topsoil", "food_produce"),
        ("tuiles en terre cuite cassées", "inert_rubble", "excavated_soil"),
        ("marc de café du restaurant", "food_waste", "grape_marc_lees"),
        ("marc de raisin après pressurage", "grape_marc_lees", "food_waste"),
        ("bois B de déchetterie", "treated_wood", "wood_offcuts"),
        ("bois de classe B", "treated_wood", "wood_offcuts"),
        ("chutes de bois non traité", "wood_offcuts", "treated_wood"),
        ("emballages souillés", "chemical_residues", "packaging_supplies"),
        ("canettes vides", "non_ferrous_scrap", "pallets_wood_packaging"),
        ("cagettes en bois", "pallets_wood_packaging", "non_ferrous_scrap"),
    ],
)
def test_homonyms(kb: Knowledge, label: str, is_class: str, is_not_class: str) -> None:
    classes = kb.classify(offer(label))
    assert is_class in classes
    assert is_not_class not in classes


@pytest.mark.parametrize("word", ["canettes", "soupe", "cavistes", "ligne", "peintre"])
def test_a_real_word_is_never_corrected_into_another(word: str) -> None:
    vocabulary = Vocabulary(
        {"cagettes", "soude", "caristes", "linge", "peinture"}, set(), everyday=everyday_words()
    )
    assert vocabulary.correct(word) is None
    assert vocabulary.correct("cagetes") == "cagettes"  # a real typo still is


USED_IS_NOT_NEW = [
    ("copeaux de litière usagés", "litière pour chevaux"),
    ("huile hydraulique usagée", "huile hydraulique pour nos presses"),
    ("emballages souillés", "emballages"),
    ("fûts souillés", "fûts"),
    ("chiffons souillés", "chiffons d'essuyage"),
    ("palettes cassées", "palettes neuves"),
]


@pytest.mark.parametrize(("offered", "needed"), USED_IS_NOT_NEW)
def test_a_used_or_soiled_thing_is_not_the_thing_a_need_consumes(
    kb: Knowledge, offered: str, needed: str
) -> None:
    demand = need(needed, category=Category.MATERIAL, hazardous=True)
    assert evaluate_substitution(offer(offered, category=Category.MATERIAL), demand, kb) is None


STILL_THE_THING = [
    ("copeaux de bois", "litière pour chevaux"),  # the clean thing meets the need
    ("palettes cassées", "palettes"),  # broken pallets are still pallets for whoever takes pallets
    ("palettes", "palettes neuves"),
    ("fûts vides propres", "fûts"),
    ("huile hydraulique usagée", "régénération des huiles usagées"),  # a need that asks for waste
    ("fûts souillés", "fûts souillés à reconditionner"),
]


@pytest.mark.parametrize(("offered", "needed"), STILL_THE_THING)
def test_the_clean_thing_or_a_need_asking_for_waste_still_pairs(
    kb: Knowledge, offered: str, needed: str
) -> None:
    demand = need(needed, category=Category.MATERIAL, hazardous=True)
    assert evaluate_substitution(offer(offered, category=Category.MATERIAL), demand, kb) is not None


def test_states_are_read_after_negation(kb: Knowledge) -> None:
    assert kb.states(offer("fûts non souillés")) == frozenset()
    assert kb.states(offer("palettes, aucune cassée")) == frozenset()
    assert kb.states(offer("huile alimentaire usagée")) == {"used"}
    assert kb.states(offer("gobelets à usage unique")) == frozenset()


def test_a_need_labelled_by_its_use_is_told_by_its_description_what_will_do(kb: Knowledge) -> None:
    """ "Paillage : paille ou BRF": the label says what for, the description what; raw grass clippings
    are not the composted manure an "engrais organique : fumier composté ou digestat" asks for."""
    mulch = need("Paillage", description="paille ou BRF", category=Category.MATERIAL, naf="01.13Z")
    assert {"straw", "green_waste"} <= kb.classification(mulch).confidence.keys()
    fertiliser = need(
        "Engrais organique",
        description="fumier composté ou digestat",
        category=Category.MATERIAL,
        naf="01.11Z",
    )
    read = kb.classification(fertiliser).confidence
    assert {"manure", "digestate_compost", "use_fertiliser"} <= read.keys()
    assert "use_composting" not in read
    clippings = evaluate_substitution(offer("Tontes de pelouse", road_km=5), fertiliser, kb)
    assert clippings is None or clippings.score < 0.5
