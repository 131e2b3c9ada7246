"""Hazards said only in words reach the receivers that accept hazardous waste, and only them."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_substitution, is_hazardous
from ecocirc_shared.flows import Category
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.mark.parametrize(
    "label, description",
    [
        ("Bidons d'acide sulfurique dilué", "Reste de l'atelier de traitement de surface."),
        ("Produit de nettoyage usé", "Liquide corrosif, à manipuler avec des gants."),
        ("Sable de grenaillage usé", "Après décapage de coques peintes à l'antifouling."),
        ("Rouleaux de pré-imprégnés verre", "Résine non polymérisée, date limite passée."),
        # CLP's toxic pictogram in plain French, and a thiol (INRS FT 190) an empty drum still holds.
        ("Bidons de 30 L vides", "Ils contenaient un produit toxique pour le traitement des eaux."),
        ("Conteneurs métalliques de thiols", "Vides, non lavés."),
    ],
)
def test_words_naming_a_hazard_make_the_waste_hazardous(kb: Knowledge, label: str, description: str) -> None:
    assert is_hazardous(kb, offer(label, description=description))


def test_a_hazard_said_in_words_goes_to_a_collector_not_to_a_road_builder(kb: Knowledge) -> None:
    grit = offer("Sable de grenaillage usé", description="Après décapage de coques peintes à l'antifouling.")
    collector = need("Déchets dangereux", naf="38.12Z", hazardous=True, road_km=10)
    road = need("Matériaux pour remblai", category=Category.MATERIAL, naf="42.11Z", road_km=10)
    to_collector = evaluate_substitution(grit, collector, kb)
    assert to_collector is not None and to_collector.score >= 0.5
    assert evaluate_substitution(grit, road, kb) is None


def test_a_kiln_that_accepts_hazardous_waste_is_not_a_collector(kb: Knowledge) -> None:
    """Its label says what it burns; "déchets dangereux acceptés" says what it may take, so an ordinary
    waste fuel (tyres) still reaches it, and glues it lists reach it above the emailing threshold."""
    kiln = need(
        "Combustibles de substitution",
        description="Solvants, colles, pneus. Déchets dangereux acceptés.",
        naf="23.51Z",
        hazardous=True,
        road_km=10,
    )
    tyres = evaluate_substitution(offer("Pneus usagés", naf="45.20A"), kiln, kb)
    glue = evaluate_substitution(offer("Restes de colle", description="Colle à solvant."), kiln, kb)
    assert tyres is not None
    assert glue is not None and glue.score >= 0.5


def test_a_hazardous_waste_receiver_of_liquids_takes_the_solid_wastes_it_names_too(kb: Knowledge) -> None:
    # "Liquides" restricts the receiver to what flows and the solid wastes it names as well: what a
    # receiver lists is what it accepts, and naming oil filters takes no treated wood.
    listing = need(
        "Déchets dangereux liquides et boueux",
        description="Solvants, fûts souillés, poteaux en bois traité.",
        hazardous=True,
        road_km=5,
    )
    assert evaluate_substitution(offer("Poteaux en bois traité CCA"), listing, kb)
    assert evaluate_substitution(offer("Bidons vides", description="Non rincés, ex-acétone."), listing, kb)
    filters = need("Déchets dangereux liquides (solvants) et filtres à huile", hazardous=True, road_km=5)
    assert evaluate_substitution(offer("Poteaux en bois traité CCA"), filters, kb) is None
    liquids = need("Déchets dangereux liquides (solvants, huiles usagées)", hazardous=True, road_km=5)
    assert evaluate_substitution(offer("Poteaux en bois traité CCA"), liquids, kb) is None
