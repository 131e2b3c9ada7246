"""The wording of the List of Waste and of the trade, read without codes, names the classes its codes are given."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_shared.flows import Category, Direction
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        # Labels of the List of Waste, as a company copies them without the code.
        ("Métaux", "ferrous_scrap"),
        ("métaux en mélange", "non_ferrous_scrap"),
        ("emballages métalliques", "ferrous_scrap"),
        ("boues de phosphatation", "metal_sludge"),
        ("boues de décarbonatation", "lime_carbonate"),
        ("boues provenant de séparateurs eau/hydrocarbures", "waste_mineral_oil"),
        ("hydrocarbures de fond de cale", "waste_mineral_oil"),
        ("déchets de tissus animaux", "animal_by_products"),
        ("déchets de tissus végétaux", "crop_residues"),
        ("autres gâteaux de filtration et absorbants usés", "chemical_residues"),
        ("composés organochlorés de protection du bois", "chemical_residues"),
        ("eaux de lavage et liqueurs mères aqueuses", "effluent_industrial"),
        ("huiles et matières grasses alimentaires", "used_cooking_oil"),
        ("mélanges bitumineux", "asphalt_bitumen"),
        ("objets piquants et coupants", "medical_waste"),
        ("équipements mis au rebut", "weee"),
        ("déchets de nettoyage des rues", "mixed_waste"),
        ("wooden packaging", "pallets_wood_packaging"),
        ("machining oils", "cutting_fluids"),
        # Everyday words of the trade (glossary.csv).
        ("Inertes de chantier", "inert_rubble"),
        ("Chutes de placo", "gypsum"),
        ("Mobilier de bureau et chaises", "furniture"),
        ("Cageots usagés", "pallets_wood_packaging"),
        ("Son de blé", "milling_byproducts"),
        ("Pain invendu", "bakery_waste"),
        ("Liquide de refroidissement usagé", "chemical_residues"),
        ("bio-déchets de la cantine", "food_waste"),
        ("Compresseur d'air", "machinery"),
    ],
)
def test_a_label_names_its_class(kb: Knowledge, label: str, expected: str) -> None:
    category = Category.EQUIPMENT if expected == "machinery" else Category.WASTE
    assert expected in kb.classify(offer(label, category=category))


@pytest.mark.parametrize(
    ("label", "not_expected"),
    [
        # "contenant des" is the participle: what a waste holds, not a drum it comes in.
        ("déchets contenant des substances dangereuses", "reusable_containers"),
        ("boues contenant du mercure", "reusable_containers"),
        ("wastes containing oil", "reusable_containers"),
        # A digit is not read: "bois classe 4" was "bois classe", and clean class A wood was treated wood.
        ("Bois de classe A", "treated_wood"),
        # "structurant" as written, not every word of its stem.
        ("Chutes de structures métalliques", "use_composting"),
        ("gâteaux de filtration", "bakery_waste"),
        # Contaminants are not the resource they name.
        ("Terres polluées aux hydrocarbures", "waste_mineral_oil"),
        ("Terres chargées en métaux lourds", "ferrous_scrap"),
        ("boues d'hydroxydes métalliques", "ferrous_scrap"),
    ],
)
def test_a_label_does_not_name_another_class(kb: Knowledge, label: str, not_expected: str) -> None:
    assert not_expected not in kb.classify(offer(label))


def test_a_container_is_still_a_container(kb: Knowledge) -> None:
    assert "reusable_containers" in kb.classify(
        offer("Contenant de 1000 L vide", category=Category.EQUIPMENT)
    )


@pytest.mark.parametrize(
    ("text", "not_expected"),
    [
        # Everyday words that share a keyword's stem are not that keyword: the keyword is read as written.
        ("dont la collecte et l'élimination font l'objet de prescriptions", "ferrous_scrap"),
        ("pièces soudées", "alkalis"),
        ("en lisière de forêt", "slurry"),
        ("logement du personnel", "wood_pellets"),
        ("de petites quantités de sciure", "plastics"),
        ("saisir l'occasion", "animal_by_products"),
        ("cuvée 2023", "reusable_containers"),
        ("navets déclassés", "staff_mobility"),
        ("groupe électrogène de secours", "training_first_aid"),
        ("serrer les boulons", "use_space_heating"),
        # A carbonate is a salt, not carbon: "carbon" and "carbone" are read as written.
        ("Sodium carbonate", "carbon_fines"),
        ("carbonate de sodium", "carbon_fines"),
        # Diluted is not a thinner: "diluant" is read as written.
        ("jus de pomme dilué", "solvents"),
    ],
)
def test_a_word_sharing_a_stem_is_not_the_keyword(kb: Knowledge, text: str, not_expected: str) -> None:
    assert not_expected not in kb.named_classes(text, Direction.OFFER)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fontes", "ferrous_scrap"),
        ("lisiers", "slurry"),
        ("serres chauffées", "use_space_heating"),
        ("carbone", "carbon_fines"),
        ("carbon", "carbon_fines"),
        ("diluants", "solvents"),
    ],
)
def test_a_keyword_read_as_written_still_takes_its_plural(kb: Knowledge, text: str, expected: str) -> None:
    assert expected in kb.named_classes(text, Direction.OFFER)


@pytest.mark.parametrize(
    ("label", "expected", "not_expected"),
    [
        # A longer phrase says what the shorter keyword inside it does not (homonyms.csv).
        ("Marc de cidre", "fruit_veg_residues", "grape_marc_lees"),
        ("Marc d'olives", "fruit_veg_residues", "grape_marc_lees"),
        ("Filets de poisson invendus", "animal_by_products", "plastics"),
        ("Huile de lin", "used_cooking_oil", "waste_mineral_oil"),
        ("Pommes de pin", "green_waste", "wood_offcuts"),
        ("Copeaux de chocolat", "bakery_waste", "sawdust_shavings"),
        # What an offer of used litter or soiled straw is: manure (EU 1069/2009, art. 3(20)).
        ("Litière de volaille", "manure", "use_animal_bedding"),
        ("Paille souillée des boxes", "manure", "straw"),
    ],
)
def test_a_longer_phrase_names_another_class(
    kb: Knowledge, label: str, expected: str, not_expected: str
) -> None:
    classes = kb.classify(offer(label))
    assert expected in classes and not_expected not in classes


def test_a_heat_pump_is_equipment_not_heat(kb: Knowledge) -> None:
    classes = kb.classify(offer("Pompe à chaleur d'occasion", category=Category.EQUIPMENT))
    assert "machinery" in classes and "waste_heat_medium" not in classes


def test_a_need_for_poultry_litter_is_still_bedding(kb: Knowledge) -> None:
    assert "use_animal_bedding" in kb.classify(need("Litière pour volailles", category=Category.MATERIAL))


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Co-substrats pour notre méthaniseur", "use_anaerobic_digestion"),
        ("Céréales déclassées", "milling_byproducts"),
    ],
)
def test_farm_words_of_a_need(kb: Knowledge, label: str, expected: str) -> None:
    classes = kb.classify(need(label, category=Category.MATERIAL))
    assert expected in classes and "use_growing_substrate" not in classes


@pytest.mark.parametrize(
    ("label", "expected"),
    [("Films d'enrubannage usagés", "plastics"), ("EVPP rincés", "chemical_residues")],
)
def test_farm_waste_words_of_an_offer(kb: Knowledge, label: str, expected: str) -> None:
    assert expected in kb.classify(offer(label))


@pytest.mark.parametrize(
    ("label", "expected", "not_expected"),
    [
        ("Plaquettes de frein usagées", "mixed_waste", "wood_chips"),
        ("Journaux invendus", "paper_cardboard", "food_waste"),
        ("Frigos hors d'usage", "weee", "cold"),
        ("Chaussures et linge de maison", "textiles", "food_waste"),
    ],
)
def test_everyday_objects_are_what_their_take_back_scheme_says(
    kb: Knowledge, label: str, expected: str, not_expected: str
) -> None:
    classes = kb.classify(offer(label))
    assert expected in classes and not_expected not in classes


def test_unsold_food_is_still_food_waste(kb: Knowledge) -> None:
    assert "food_waste" in kb.classify(offer("Invendus du rayon frais"))


def test_an_exclude_is_a_word_not_a_phrase_split_into_vetoes(kb: Knowledge) -> None:
    # "banque alimentaire" as an exclude vetoed "aliment" in any text saying "alimentaire".
    assert "use_animal_feed" in kb.named_classes(
        "Aliment : issues de l'industrie alimentaire", Direction.NEED
    )
    assert "use_animal_feed" not in kb.named_classes("Aliments pour la banque alimentaire", Direction.NEED)
    # "poultry litter" as an exclude vetoed the English "litter" itself.
    assert "use_animal_bedding" in kb.named_classes("Litter for horses", Direction.NEED)


@pytest.mark.parametrize(
    "label", ["Sons de seigle", "Son d'orge", "son d'avoine", "Son de maïs", "son d'épeautre"]
)
def test_the_bran_of_any_cereal_is_a_milling_by_product(kb: Knowledge, label: str) -> None:
    # CPA 10.61.40 covers the bran of every cereal, not only of wheat and rice.
    assert "milling_byproducts" in kb.classify(offer(label, category=Category.MATERIAL))
