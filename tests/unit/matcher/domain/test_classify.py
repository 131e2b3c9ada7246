"""Classification of what people write: French, English, typos, plurals, look-alikes, codes, activity."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_shared.flows import Category
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Sciure de bois", "sawdust_shavings"),
        ("sawdust", "sawdust_shavings"),
        ("SCIURES ET COPEAUX", "sawdust_shavings"),
        ("siure de bois", "sawdust_shavings"),  # typo
        ("Lactosérum", "whey"),
        ("lactoserum", "whey"),
        ("petit-lait de fromagerie", "whey"),
        ("whey", "whey"),
        ("drêches de brasserie", "spent_grain"),
        ("brewers spent grain", "spent_grain"),
        ("marcs et lies de raisin", "grape_marc_lees"),
        ("copeaux d'aluminium", "metal_chips"),
        ("tournures d'acier", "metal_chips"),
        ("digestat de méthanisation", "digestate_compost"),
        ("palettes, de temps en temps", "pallets_wood_packaging"),
        ("Black furnace slag", "slag"),
        ("cendres volantes", "ash"),
        ("ferailles", "ferrous_scrap"),  # typo
    ],
)
def test_labels_in_french_english_and_misspelt(kb: Knowledge, label: str, expected: str) -> None:
    assert expected in kb.classify(offer(label))


def test_used_cooking_oil_is_not_cutting_oil(kb: Knowledge) -> None:
    frying = kb.classify(offer("huile de friture usagée"))
    cutting = kb.classify(offer("huile de coupe usagée"))
    assert frying == {"used_cooking_oil"}
    assert cutting == {"cutting_fluids"}
    assert "waste_mineral_oil" in kb.classify(offer("huiles usagées de vidange"))


def test_wood_chips_are_not_metal_chips(kb: Knowledge) -> None:
    assert "metal_chips" not in kb.classify(offer("copeaux de bois"))
    assert "sawdust_shavings" not in kb.classify(offer("copeaux d'acier"))


def test_temperature_decides_the_heat_level(kb: Knowledge) -> None:
    assert "waste_heat_low" in kb.classify(offer("chaleur fatale à 45 °C", category=Category.ENERGY))
    assert "waste_heat_medium" in kb.classify(offer("eau chaude 90°C", category=Category.ENERGY))
    assert "waste_heat_high" in kb.classify(
        offer("fumées à 300 °C, chaleur fatale", category=Category.ENERGY)
    )


def test_ewc_code_alone_classifies(kb: Knowledge) -> None:
    assert "sawdust_shavings" in kb.classify(offer("résidus", ewc="03 01 05"))
    assert "whey" in kb.classify(offer("sous-produit", ewc="020501"))


def test_never_empty_falls_back_to_category(kb: Knowledge) -> None:
    assert kb.classify(offer("truc", category=Category.EQUIPMENT)) == {"generic_equipment"}


def test_generic_need_uses_the_activity(kb: Knowledge) -> None:
    classes = kb.classify(need("matière première", category=Category.MATERIAL, naf="23.51Z"))
    assert {"slag", "ash"} <= classes


def test_specific_need_ignores_the_activity(kb: Knowledge) -> None:
    classes = kb.classify(need("litière pour chevaux", category=Category.MATERIAL, naf="01.43Z"))
    assert "use_animal_bedding" in classes
    assert "whey" not in classes
