"""How a need is read: what the receiver takes in, not what it makes or what it is."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_substitution
from ecocirc_matcher.domain.text import made, words
from ecocirc_shared.flows import Category
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.mark.parametrize("label", ["Fuel", "fuel", "Combustible"])
def test_fuel_in_a_need_is_any_fuel(kb: Knowledge, label: str) -> None:
    # "fuel" is heating oil in French only when the text says so: a need for "fuel" is a use, so the
    # receiver links of its activity (sludge or biomass burnt at a power plant) still reach it.
    wanted = need(label, description="Power plant", naf="35.11Z", category=Category.ENERGY)
    read = kb.classification(wanted)
    assert "use_fuel" in read.confidence
    assert "liquid_fuel" not in read.named_resources
    # and a power plant makes electricity, it does not ask for it
    assert "electricity" not in read.confidence
    assert kb.takes_in_by_activity(wanted)


def test_fioul_in_a_need_is_still_heating_oil(kb: Knowledge) -> None:
    assert (
        "liquid_fuel" in kb.classification(need("Fioul domestique", category=Category.ENERGY)).named_resources
    )
    # and an offer of "fuel" is the oil it is in French
    assert "liquid_fuel" in kb.classify(offer("Fuel en cuve, fin de stock", category=Category.ENERGY))


@pytest.mark.parametrize("label", ["Heating oil", "Heating gasoil"])
def test_heating_oil_in_a_need_is_a_fuel_not_a_waste_oil(kb: Knowledge, label: str) -> None:
    # "heating and other gasoil" is a fuel oil product (Regulation 1099/2008 on energy statistics): a
    # need for it wants fuel, not used oil, and it does not ask for space heating.
    read = kb.classification(need(label, category=Category.ENERGY))
    assert "liquid_fuel" in read.named_resources
    assert "waste_mineral_oil" not in read.confidence
    assert "use_space_heating" not in read.confidence


def test_heat_transmission_oils_are_not_heating_oil(kb: Knowledge) -> None:
    # "heating oil" is read as written: the List of Waste's "heat transmission oils" stay used oils.
    read = kb.classify(offer("insulating and heat transmission oils", category=Category.MATERIAL))
    assert "liquid_fuel" not in read


@pytest.mark.parametrize(
    ("text", "product", "rest"),
    [
        ("Production of bricks", ["bricks"], ["production"]),
        ("Iron and steel production", ["iron", "steel"], ["production"]),
        ("usine de papier", ["papier"], ["usine"]),
        ("Power plant", ["power"], ["plant"]),
        ("Producteur d'électricité", ["electricite"], ["producteur"]),
        ("Fabrication de briques et tuiles", ["briques", "tuiles"], ["fabrication"]),
        # what the activity takes in is not its product
        ("Coal-fired power station", ["power"], ["coal", "station"]),
        ("Production de compost à partir de déchets verts", ["compost"], ["dechets", "verts"]),
        # a noun joined by "de" before "production" is no product of it
        ("Chauffage des serres de production", [], ["chauffage", "serres", "production"]),
        ("Palettes pour notre production", ["production"], ["palettes"]),
        # what an additive is added to is its purpose
        ("Soil additive", ["soil"], ["additive"]),
    ],
)
def test_what_an_activity_makes(text: str, product: list[str], rest: list[str]) -> None:
    made_words, rest_words = (set(words(part)) for part in made(text))
    assert made_words == set(product)
    assert set(rest) <= rest_words


@pytest.mark.parametrize(
    ("label", "description", "naf", "not_wanted"),
    [
        ("Raw material", "Production of bricks", "23.32Z", "inert_rubble"),
        ("Raw material", "Production of refractories", "23.20Z", "refractories"),
        ("Raw material", "Iron and steel production", "24.10Z", None),
        ("Matière première", "Fabrication de briques", "23.32Z", "inert_rubble"),
        ("Intrants", "Producteur de compost", "38.21Z", "digestate_compost"),
        ("Matière première", "Usine de verre creux", "23.13Z", "glass_cullet"),
    ],
)
def test_a_need_is_not_what_its_receiver_makes(
    kb: Knowledge, label: str, description: str, naf: str, not_wanted: str | None
) -> None:
    read = kb.classification(need(label, description=description, naf=naf, category=Category.MATERIAL))
    if not_wanted is not None:
        assert read.confidence.get(not_wanted, 0.0) <= 0.6  # at most what the trade's profile guesses
    assert not read.named_resources


def test_steel_production_is_not_a_need_for_steel_scrap_by_its_name(kb: Knowledge) -> None:
    # A steelworks takes scrap in, but it says so by its activity, not because "steel" is in its name.
    read = kb.classification(need("Raw material", description="Steel production", category=Category.MATERIAL))
    assert "ferrous_scrap" not in read.confidence


@pytest.mark.parametrize(
    ("label", "description", "use", "not_wanted"),
    [
        ("Matière première", "Production de compost", "use_composting", "digestate_compost"),
        ("Raw material", "Brick works", "use_building_products", "inert_rubble"),
        ("Raw material", "Glass factory", "use_building_products", "glass_cullet"),
        ("Raw material", "Steel production", "use_metal_recycling", "ferrous_scrap"),
    ],
)
def test_without_a_code_the_product_stands_for_the_activity(
    kb: Knowledge, label: str, description: str, use: str, not_wanted: str
) -> None:
    read = kb.classification(need(label, description=description, category=Category.MATERIAL))
    assert use in read.confidence
    assert not_wanted not in read.confidence


def test_a_resource_named_as_an_input_too_stays(kb: Knowledge) -> None:
    read = kb.classification(
        need(
            "Compost mûr", description="pour la production de compost de qualité", category=Category.MATERIAL
        )
    )
    assert "digestate_compost" in read.named_resources


@pytest.mark.parametrize(
    ("label", "wanted", "not_wanted"),
    [
        # "pour X" in a label names what the need is for, not a second thing it wants
        ("Paille pour le compost", "straw", "digestate_compost"),
        ("Eau pour le lavage des camions", "process_water", "transport_capacity"),
        ("Big bags pour conditionner la sciure", "reusable_containers", "sawdust_shavings"),
        # a partitive after "pour" is a thing: "pour de la sciure" asks for sawdust
        ("Fournisseur pour de la sciure", "sawdust_shavings", None),
    ],
)
def test_a_labels_purpose_is_a_use(kb: Knowledge, label: str, wanted: str, not_wanted: str | None) -> None:
    read = kb.classification(need(label, category=Category.MATERIAL))
    assert wanted in read.confidence
    if not_wanted is not None:
        assert not_wanted not in read.confidence


def test_a_labels_purpose_names_the_use_that_makes_it(kb: Knowledge) -> None:
    assert (
        "use_composting" in kb.classification(need("Paille pour le compost", category=Category.MATERIAL)).uses
    )


def test_a_descriptions_pour_is_not_always_a_purpose(kb: Knowledge) -> None:
    # "agrément pour les sous-produits animaux": what the digester is licensed to take in
    read = kb.classification(
        need(
            "Matières méthanisables",
            description="Agrément sanitaire pour les sous-produits animaux de catégorie 3.",
            category=Category.WASTE,
        )
    )
    assert "animal_by_products" in read.confidence


def test_an_additive_is_not_what_it_is_added_to(kb: Knowledge) -> None:
    read = kb.classification(need("Soil additive", category=Category.MATERIAL))
    assert "excavated_soil" not in read.confidence
    assert "use_cement_kiln" in kb.classification(need("Cement additive", category=Category.MATERIAL)).uses


def test_a_power_plant_named_by_its_adjective_makes_electricity(kb: Knowledge) -> None:
    # "centrale électrique" is read as "centrale de production d'électricité": it burns fuel.
    read = kb.classification(need("Centrale électrique", category=Category.MATERIAL))
    assert "electricity" not in read.confidence
    assert "use_fuel" in read.confidence
    assert made("usine chimique")[0] == ". chimique"


@pytest.mark.parametrize(
    "label, is_, is_not",
    [
        ("Restes du self", "food_waste", "transport_capacity"),
        ("Retours plateaux des chambres", "food_waste", "transport_capacity"),
        ("Marc de la cafét'", "coffee_grounds", "grape_marc_lees"),
        ("Pains de savon cassés", "chemical_residues", "bakery_waste"),
    ],
)
def test_homonyms_of_canteens_cafeterias_and_soap_makers(label: str, is_: str, is_not: str) -> None:
    """A self-service's or meal trays' leftovers are meals, a cafeteria's marc is coffee, a soap bar
    (pain de savon) is no bread (TLFi)."""
    found = load_knowledge().classification(offer(label)).confidence
    assert is_ in found and is_not not in found


def test_expired_flour_is_a_former_foodstuff_for_feed() -> None:
    """Flour past its date in closed bags is a former foodstuff (feed catalogue, section 13), not plastics
    or packaging."""
    kb = load_knowledge()
    flour = offer("Farine périmée", description="Sacs fermés, date dépassée.", naf="10.71C")
    assert set(kb.classification(flour).confidence) == {"bakery_waste"}


def test_a_need_that_states_a_quality_refuses_the_contrary_one(kb: Knowledge) -> None:
    # ISO 17225-1 moisture classes: dry shavings for pellets are not green sawdust from the saw.
    dry = need("Copeaux secs pour granulés", description="Moins de 12 % d'eau.", naf="16.29Z", road_km=5)
    assert evaluate_substitution(offer("Sciure humide de chêne", naf="16.10A"), dry, kb) is None
    assert evaluate_substitution(offer("Copeaux de rabotage secs", naf="16.23Z"), dry, kb) is not None
    # A solid amendment spread with a muck spreader is no liquid digestate.
    solid = need("Amendement organique solide", naf="01.11Z", category=Category.MATERIAL, road_km=5)
    assert evaluate_substitution(offer("Digestat liquide", naf="35.21Z"), solid, kb) is None
    assert evaluate_substitution(offer("Digestat solide", naf="35.21Z"), solid, kb) is not None


def test_moisture_grades_wood_not_minerals_dried_at_the_works(kb: Knowledge) -> None:
    works = need("Sable à sécher", description="On sèche nous-mêmes.", naf="23.61Z", road_km=5)
    assert evaluate_substitution(offer("Sable de lavage humide", naf="08.12Z"), works, kb) is not None
