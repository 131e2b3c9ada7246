"""Resources that are not wastes: tanker water, warehouse cells, used machines, empty trucks, regenerated products."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.index import MatchIndex
from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.pairing import TANKER_REACH_KM, evaluate_substitution
from ecocirc_shared.flows import Category
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


def test_water_hauled_by_tanker_travels_further_than_a_pipe(kb: Knowledge) -> None:
    rain = offer("Eaux pluviales du toit", category=Category.WATER, road_km=0)
    far = need("Eau pour nettoyer la cour", category=Category.WATER, road_km=12)
    assert evaluate_substitution(rain, far, kb) is None
    by_tanker = need(
        "Eau pour nettoyer la cour",
        description="On vient avec une citerne.",
        category=Category.WATER,
        road_km=12,
    )
    assert evaluate_substitution(rain, by_tanker, kb) is not None


def test_water_is_seen_as_far_as_a_tanker_takes_it_whichever_side_says_tanker(kb: Knowledge) -> None:
    # The pipe-water offer does not say "citerne", the need does: the index (and a worker's regions and
    # locks, which follow `visibility_km`) must still reach the offer from the need and the need from it.
    rain = offer("Eaux pluviales du toit", category=Category.WATER, road_km=0)
    by_tanker = need(
        "Eau pour nettoyer la cour",
        description="On vient avec une citerne.",
        category=Category.WATER,
        road_km=25,
    )
    index = MatchIndex(kb)
    assert index.visibility_km(rain) >= TANKER_REACH_KM
    assert index.visibility_km(by_tanker) >= TANKER_REACH_KM
    index.put(rain)
    index.put(by_tanker)
    assert [p.resource_class for p in index.substitutions_for(rain)]


def test_a_free_warehouse_cell_is_storage_a_logistics_need_takes(kb: Knowledge) -> None:
    cell = offer("Cellule libre au printemps", category=Category.LOGISTICS, naf="52.10B", road_km=0)
    wanted = need("Stockage de cartons", category=Category.LOGISTICS, road_km=5)
    proposal = evaluate_substitution(cell, wanted, kb)
    assert proposal is not None and proposal.resource_class == "storage_space"


def test_sewing_machines_of_the_trade_are_machines(kb: Knowledge) -> None:
    machines = offer("Trois surjeteuses réformées", category=Category.EQUIPMENT, road_km=0)
    wanted = need("Machines à coudre d'occasion", category=Category.EQUIPMENT, road_km=3)
    proposal = evaluate_substitution(machines, wanted, kb)
    assert proposal is not None and proposal.score >= 0.5


def test_a_regenerated_solvent_is_a_product_but_not_a_new_one(kb: Knowledge) -> None:
    regenerated = offer("Acétone régénérée", description="Redistillée, en fûts.", category=Category.MATERIAL)
    any_grade = need("Solvant pour rincer les outils", category=Category.MATERIAL, road_km=5)
    new_only = need("Solvant neuf", category=Category.MATERIAL, road_km=5)
    assert evaluate_substitution(regenerated, any_grade, kb) is not None
    assert evaluate_substitution(regenerated, new_only, kb) is None
    # The same words for a waste still make it hazardous.
    spent = offer("Acétone usée", description="Sale, en fûts.")
    assert evaluate_substitution(spent, any_grade, kb) is None


def test_plastics_feed_needs_for_the_same_polymer_only(kb: Knowledge) -> None:
    foam = offer("Chutes de mousse polyuréthane", road_km=0)
    stuffing = need("Mousse pour rembourrer des coussins", category=Category.MATERIAL, road_km=2)
    regrind = need("Broyé PP recyclé", category=Category.MATERIAL, road_km=2)
    assert evaluate_substitution(foam, stuffing, kb) is not None
    assert evaluate_substitution(foam, regrind, kb) is None
    assert evaluate_substitution(offer("Carottes d'injection PP", road_km=0), regrind, kb) is not None
