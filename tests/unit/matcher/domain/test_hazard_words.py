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


def test_a_collector_listing_coolants_among_its_wastes_still_takes_solids(kb: Knowledge) -> None:
    """ "Liquides de refroidissement" names one waste the collector lists; "déchets dangereux liquides"
    restricts it to what flows."""
    listing = need(
        "Déchets dangereux",
        description="Solvants, peintures, liquides de refroidissement, liquide de frein, huiles.",
        hazardous=True,
        road_km=5,
    )
    wood = offer("Poteaux en bois traité CCA")
    assert evaluate_substitution(wood, listing, kb) is not None
    for liquids_only in (
        "Déchets dangereux liquides",
        "Déchets dangereux liquides des PME (huiles, solvants)",
    ):
        assert evaluate_substitution(wood, need(liquids_only, hazardous=True, road_km=5), kb) is None


@pytest.mark.parametrize(
    "label, description",
    [
        ("Liquide de refroidissement usagé", "Vidangé des véhicules, en bidons."),
        ("Liquide de frein vidangé", None),
        ("Révélateur usé", "Bain de développement des plaques offset."),
        ("Fixateur photo usagé", None),
        ("Résidus de nettoyage à sec", "Boues de distillation au perchlo."),
        ("Fonds de tubes de coloration et oxydant", None),
        ("Fûts vides", "Ils ont contenu des tensioactifs."),
        ("Pots de laque vides", None),
    ],
)
def test_workshop_hazards_in_trade_words_reach_a_collector_only(
    kb: Knowledge, label: str, description: str | None
) -> None:
    """The List of Waste stars coolants and brake fluids (16 01 13-14), developer and fixer baths (09 01),
    halogenated solvents' sludges (14 06 04), peroxides (16 09 03), paints (08 01 11) and packaging with
    residues of them (15 01 10): said in a garage's, printer's, dry cleaner's or hairdresser's words, they
    go to a licensed collector and to no ordinary receiver."""
    waste = offer(label, description=description)
    collector = need("Déchets dangereux", naf="38.12Z", hazardous=True, road_km=10)
    digester = need("Intrants de méthanisation", naf="35.21Z", road_km=10)
    assert is_hazardous(kb, waste)
    assert evaluate_substitution(waste, collector, kb) is not None
    assert evaluate_substitution(waste, digester, kb) is None


def test_a_dry_cleaners_distillation_sludge_is_spent_solvent_not_organic_sludge(kb: Knowledge) -> None:
    sludge = offer("Boues de distillation de la machine", naf="96.01B")
    assert "solvents" in kb.classification(sludge).confidence
    assert "organic_sludge" not in kb.classification(sludge).confidence


def test_wood_said_treated_in_an_autoclave_or_for_use_class_4_is_treated_wood_for_a_collector(
    kb: Knowledge,
) -> None:
    """NF EN 335 use class 4 is wood treated for ground contact: treated wood (03 01 04*, 17 02 04*)."""
    offcuts = offer("Chutes de poteaux", description="Pin traité classe 4 en autoclave.")
    collector = need("Déchets dangereux", naf="38.12Z", hazardous=True, road_km=10)
    litter = need("Copeaux pour litière", naf="01.47Z", road_km=10)
    assert "treated_wood" in kb.classification(offcuts).confidence
    assert evaluate_substitution(offcuts, collector, kb) is not None
    assert evaluate_substitution(offcuts, litter, kb) is None


def test_polluted_soil_goes_to_a_need_that_asks_for_polluted_soil_never_to_backfill(kb: Knowledge) -> None:
    """A receiver asking for polluted soil is a treatment channel (guide des terres excavées, 2020); a
    backfill need that refuses it, or says nothing of it, never gets it."""
    soil = offer("Terres excavées", description="Ancien garage, elles sentent les hydrocarbures.")
    treatment = need(
        "Déchets dangereux", description="Solvants, huiles, terres polluées.", hazardous=True, road_km=10
    )
    backfill = need("Terres pour remblai", description="Pas de terres polluées.", hazardous=True, road_km=10)
    assert evaluate_substitution(soil, treatment, kb) is not None
    assert evaluate_substitution(soil, backfill, kb) is None
    assert evaluate_substitution(soil, need("Remblai", hazardous=True, road_km=10), kb) is None


def test_yeast_from_the_bottom_of_a_fermenter_is_feed_not_oily_sludge(kb: Knowledge) -> None:
    """A fermenter's bottom yeast is brewers' yeast (feed catalogue 68/2013), not a tank-bottom sludge."""
    yeast = offer("Levure de fond de cuve", description="Fin de fermentation.", naf="11.05Z")
    assert not is_hazardous(kb, yeast)
    assert is_hazardous(kb, offer("Boues de fond de cuve", description="Cuve de stockage de fioul."))


def test_fibre_cement_goes_only_to_a_collector_that_takes_asbestos(kb: Knowledge) -> None:
    """Fibre-cement ("Eternit" sheets laid before 1997) is asbestos-cement (17 06 05*): a collector naming
    asbestos takes it, one that does not and a backfill never do (décret 96-1133)."""
    sheets = offer("Plaques ondulées Eternit", description="Toiture de hangar déposée.")
    asbestos = need(
        "Déchets dangereux", description="Solvants, huiles, amiante en big bags.", hazardous=True, road_km=10
    )
    other = need("Déchets dangereux", description="Solvants, huiles.", hazardous=True, road_km=10)
    assert is_hazardous(kb, sheets)
    assert evaluate_substitution(sheets, asbestos, kb) is not None
    assert evaluate_substitution(sheets, other, kb) is None
    assert evaluate_substitution(sheets, need("Remblai", hazardous=True, road_km=10), kb) is None


def test_pas_before_a_participle_reads_as_non(kb: Knowledge) -> None:
    """ "Pas rincés" is "non rincés" (packaging with residues, 15 01 10*); "bois pas traité" is untreated."""
    assert is_hazardous(kb, offer("Bidons vides", description="Jerricans, pas rincés."))
    assert not is_hazardous(kb, offer("Bidons vides", description="Rincés trois fois."))
    assert not is_hazardous(kb, offer("Chutes de bois pas traité"))


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
