"""Vague farm and digester needs read as the trade means them, and labels read by their head noun."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_substitution
from ecocirc_shared.flows import Category, Direction
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


def _classes(kb: Knowledge, label: str, direction: Direction = Direction.OFFER) -> set[str]:
    flow = offer(label) if direction is Direction.OFFER else need(label, category=Category.MATERIAL)
    return set(kb.classification(flow).confidence)


def test_what_is_left_in_a_vessel_is_its_content(kb: Knowledge) -> None:
    assert "reusable_containers" not in _classes(kb, "Fonds de fûts (lies de vin)")
    assert "reusable_containers" in _classes(kb, "Fûts vides")


def test_what_a_thing_comes_from_is_not_the_thing(kb: Knowledge) -> None:
    assert _classes(kb, "Ferrailles issues des cendres de chaudière") & {"ash"} == set()
    assert "ash" in _classes(kb, "Cendres de chaudière")


def test_a_digester_asking_for_agrifood_wastes_takes_what_its_trade_takes_in(kb: Knowledge) -> None:
    digester = need("Déchets d'IAA et effluents d'élevage", naf="35.21Z", road_km=10)
    whey = evaluate_substitution(offer("Lactosérum", category=Category.MATERIAL, naf="10.51C"), digester, kb)
    assert whey is not None


def test_a_farmer_asking_for_organic_fertiliser_takes_manure_and_slurry(kb: Knowledge) -> None:
    farm = need("Engrais organiques pour le blé", category=Category.MATERIAL, naf="01.11Z", road_km=10)
    for label in ("Lisier de porcs", "Fientes de poules"):
        proposal = evaluate_substitution(offer(label, naf="01.47Z"), farm, kb)
        assert proposal is not None and proposal.score >= 0.5, label


def test_bread_for_sheep_is_bakery_waste_not_a_soil_need(kb: Knowledge) -> None:
    classes = _classes(kb, "Pain dur pour les agneaux", Direction.NEED)
    assert "bakery_waste" in classes
    assert "use_fertiliser" not in classes


def test_a_need_for_organic_matter_refuses_mineral_amendments(kb: Knowledge) -> None:
    organic = need("Matière organique pour le verger", category=Category.MATERIAL, naf="01.24Z", road_km=5)
    any_kind = need("Amendement pour le verger", category=Category.MATERIAL, naf="01.24Z", road_km=5)
    shells = offer("Coquilles broyées", naf="10.91Z")
    assert evaluate_substitution(shells, organic, kb) is None
    assert evaluate_substitution(shells, any_kind, kb) is not None
    assert evaluate_substitution(offer("Fumier de cheval", naf="01.43Z"), organic, kb) is not None


def test_a_label_headed_by_a_use_keeps_it_besides_its_examples(kb: Knowledge) -> None:
    feed = need(
        "Complément énergétique (drêches, pulpes...)", category=Category.MATERIAL, naf="01.45Z", road_km=5
    )
    bread = evaluate_substitution(offer("Pain rassis", naf="10.71C"), feed, kb)
    assert bread is not None and bread.score >= 0.5
    # A closed list says which: "Litière : copeaux ou paille" wants those, not any bedding.
    bedding = need("Litière : copeaux ou paille", category=Category.MATERIAL, naf="01.47Z", road_km=5)
    assert evaluate_substitution(offer("Chutes de carton", naf="17.21A"), bedding, kb) is None
    # A use after the resource only says what for: pellets for a boiler are not any fuel.
    boiler = need("Plaquettes pour la chaudière", category=Category.ENERGY, road_km=5)
    assert evaluate_substitution(offer("Pneus usagés"), boiler, kb) is None


def test_a_need_for_organic_or_mineral_amendments_still_takes_the_mineral_one(kb: Knowledge) -> None:
    both = need("Amendement organique ou calcaire", category=Category.MATERIAL, naf="01.13Z", road_km=5)
    assert evaluate_substitution(offer("Coquilles broyées", naf="10.91Z"), both, kb) is not None


@pytest.mark.parametrize(
    "label, naf",
    [("Huile de friture usagée", "56.10A"), ("Drêches de brassage", "11.05Z")],
)
def test_a_need_for_biowaste_takes_frying_oil_and_brewers_grains(label: str, naf: str) -> None:
    """Biowaste (code de l'environnement L541-1-1) is food and kitchen waste, and comparable waste of food
    processing: used frying oil (20 01 25) and spent grains reach an approved digester asking for it."""
    kb = load_knowledge()
    digester = need("Biodéchets, graisses, invendus", naf="35.21Z", road_km=10)
    assert evaluate_substitution(offer(label, naf=naf), digester, kb) is not None


def test_a_restaurants_frying_oil_still_never_feeds_pigs_asking_for_biowaste() -> None:
    kb = load_knowledge()
    pigs = need("Biodéchets pour la soupe des cochons", naf="01.46Z", road_km=10)
    assert evaluate_substitution(offer("Huile de friture usagée", naf="56.10A"), pigs, kb) is None


@pytest.mark.parametrize(
    "label", ["Chaux pour des sables acides", "Chaulage de limons acides", "Liming acid soils"]
)
def test_an_acid_soil_is_a_soil_to_lime_not_an_acid(kb: Knowledge, label: str) -> None:
    classes = _classes(kb, label, Direction.NEED)
    assert "acids" not in classes
    assert "mineral_fines" not in classes


def test_a_need_for_a_liming_material_refuses_manure_and_compost(kb: Knowledge) -> None:
    # NF U 44-001 (basic mineral amendments) against NF U 44-051 (organic): manure does not lime a soil.
    liming = need("Amendement basique pour le chaulage", category=Category.MATERIAL, naf="01.11Z", road_km=5)
    assert evaluate_substitution(offer("Fumier de vaches", naf="01.41Z"), liming, kb) is None
    assert evaluate_substitution(offer("Compost de déchets verts", naf="38.21Z"), liming, kb) is None
    assert evaluate_substitution(offer("Chaux éteinte déclassée", naf="23.52Z"), liming, kb) is not None
    both = need("Amendement calcique et organique", category=Category.MATERIAL, naf="01.11Z", road_km=5)
    assert evaluate_substitution(offer("Fumier de vaches", naf="01.41Z"), both, kb) is not None


def test_a_digester_whose_approval_is_pending_takes_no_animal_by_products(kb: Knowledge) -> None:
    # 1069/2009 art. 24: a biogas plant transforming animal by-products must be approved.
    pending = need(
        "Matières pour notre méthaniseur",
        description="Agrément en cours : lisiers et cultures seulement.",
        naf="35.21Z",
        road_km=5,
    )
    approved = need(
        "Matières pour notre méthaniseur", description="Agréé catégorie 3.", naf="35.21Z", road_km=5
    )
    offal = offer("Abats de volailles catégorie 3", naf="10.12Z")
    assert evaluate_substitution(offal, pending, kb) is None
    assert evaluate_substitution(offal, approved, kb) is not None
    assert evaluate_substitution(offer("Lisier de porcs", naf="01.46Z"), pending, kb) is not None


def test_an_open_digester_need_keeps_the_use_it_names(kb: Knowledge) -> None:
    # "Coproduits", "IAA", "intrants" open a need to its trade's inputs: the resources it names with them
    # are examples of what its use (methanisation) takes, not the only things it wants.
    digester = need("Coproduits d'IAA méthanisables, lactosérum", naf="35.21Z", road_km=5)
    assert "use_anaerobic_digestion" in _classes(
        kb, "Coproduits d'IAA méthanisables, lactosérum", Direction.NEED
    )
    proposal = evaluate_substitution(offer("Écarts de tri de carottes", naf="10.39A"), digester, kb)
    assert proposal is not None and proposal.score >= 0.5


def test_a_pending_approval_is_read_whatever_its_name_says_between(kb: Knowledge) -> None:
    pending = need(
        "Intrants du méthaniseur",
        description="Agrément sanitaire des sous-produits animaux de catégorie 3 en cours d'instruction.",
        naf="35.21Z",
        road_km=5,
    )
    assert evaluate_substitution(offer("Plumes de volailles", naf="10.12Z"), pending, kb) is None
