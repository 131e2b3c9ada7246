"""The everyday words of small businesses (abbreviations, trade words) name the resource they mean."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_shared.flows import Category
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.mark.parametrize(
    ("label", "category", "expected"),
    [
        ("DIB en mélange", Category.WASTE, "mixed_waste"),
        ("DND de bureau", Category.WASTE, "mixed_waste"),
        ("OMR", Category.WASTE, "mixed_waste"),
        ("FFOM de la cantine", Category.WASTE, "food_waste"),
        ("DEA : mobilier de bureau usagé", Category.WASTE, "furniture"),
        ("VHU", Category.WASTE, "ferrous_scrap"),
        ("D3E", Category.WASTE, "weee"),
        ("GRV 1000 L vides", Category.EQUIPMENT, "reusable_containers"),
        ("PSE (polystyrène expansé)", Category.WASTE, "plastics"),
        ("films PEBD", Category.WASTE, "plastics"),
        ("caisses PP", Category.WASTE, "plastics"),
        ("MIOM", Category.WASTE, "ash"),
        ("petit-lait", Category.WASTE, "whey"),
        ("vinasses", Category.WASTE, "effluent_organic"),
        ("lisier de porc", Category.WASTE, "manure"),
        ("vapeur BP", Category.ENERGY, "steam"),
        ("eaux grises", Category.WASTE, "effluent_industrial"),
        ("Fenwick disponible le samedi", Category.EQUIPMENT, "handling_equipment"),
        ("quai de chargement", Category.EQUIPMENT, "storage_space"),
        ("camion avec hayon élévateur", Category.LOGISTICS, "transport_capacity"),
        ("palettes EPAL", Category.MATERIAL, "pallets_wood_packaging"),
    ],
)
def test_trade_words_of_an_offer(kb: Knowledge, label: str, category: Category, expected: str) -> None:
    assert expected in kb.classify(offer(label, category=category))


@pytest.mark.parametrize(
    ("label", "category", "expected"),
    [
        ("BRF pour paillage", Category.MATERIAL, "green_waste"),
        ("affrètement vers Toulouse", Category.LOGISTICS, "transport_capacity"),
        ("groupage de palettes", Category.LOGISTICS, "transport_capacity"),
        ("CACES R489", Category.SERVICE, "training"),
        ("intérimaires pour la récolte", Category.SKILLS, "seasonal_staff"),
    ],
)
def test_trade_words_of_a_need(kb: Knowledge, label: str, category: Category, expected: str) -> None:
    assert expected in kb.classify(need(label, category=category))
