"""Bans read from the law: catering waste and raw shellfish to farm animals, chemical packaging to food
contact, chrome-tanned leather to a clinker kiln."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_substitution
from ecocirc_shared.flows import Category
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


def test_restaurant_shells_never_go_straight_to_hens_but_a_feed_processor_may_take_them(
    kb: Knowledge,
) -> None:
    shells = offer("Coquilles d'huîtres du service", naf="56.10A")
    hens = need("Coquilles pour le calcium des poules", category=Category.MATERIAL, naf="01.47Z", road_km=10)
    processor = need("Coquilles à sécher et concasser", naf="10.91Z", road_km=10)
    assert evaluate_substitution(shells, hens, kb) is None
    assert evaluate_substitution(shells, processor, kb) is not None


def test_shells_with_flesh_never_go_straight_to_hens_empty_ones_do(kb: Knowledge) -> None:
    hens = need("Coquilles pour le calcium des poules", category=Category.MATERIAL, naf="01.47Z", road_km=10)
    with_flesh = offer("Coquilles de moules", description="Encore de la chair dessus.", naf="03.21Z")
    empty = offer("Coquilles de moules vides", description="Égouttées.", naf="03.21Z")
    assert evaluate_substitution(with_flesh, hens, kb) is None
    assert evaluate_substitution(empty, hens, kb) is not None


def test_kitchen_peelings_of_a_hospital_are_catering_waste(kb: Knowledge) -> None:
    peelings = offer("Épluchures de la cuisine", naf="86.10Z")
    pigs = need("Aliment pour les porcs", category=Category.MATERIAL, naf="01.46Z", road_km=10)
    assert evaluate_substitution(peelings, pigs, kb) is None


def test_bags_that_held_fertiliser_are_not_for_food_contact(kb: Knowledge) -> None:
    bags = offer("Big bags vides", description="Ont contenu des engrais.", category=Category.MATERIAL)
    food = need("Big bags pour farine (contact alimentaire)", category=Category.MATERIAL, road_km=5)
    other = need("Big bags pour gravats", category=Category.MATERIAL, road_km=5)
    assert evaluate_substitution(bags, food, kb) is None
    assert evaluate_substitution(bags, other, kb) is not None


def test_chrome_tanned_leather_is_no_fuel_for_a_clinker_kiln(kb: Knowledge) -> None:
    kiln = need("Combustibles de substitution", naf="23.51Z", road_km=5)
    assert evaluate_substitution(offer("Chutes de cuir tanné au chrome"), kiln, kb) is None
