"""A service need that names only wastes asks for their collection, not for the wastes."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_mutualisation, evaluate_substitution
from ecocirc_shared.flows import Category
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


def test_a_round_for_biowaste_is_a_collection_that_pools_and_takes_no_bread(kb: Knowledge) -> None:
    """Restaurants must sort their biowaste (code de l'environnement L541-21-1): one asking for a shared round for it and one
    asking for its kitchen waste to be picked up pool one collection; neither is a taker of bread."""
    round_ = need("Tournée biodéchets à partager", category=Category.SERVICE, road_km=5)
    pickup = need("Ramassage des déchets de cuisine, mutualisé", category=Category.SERVICE, road_km=5)
    assert set(kb.classification(round_).confidence) == {"waste_collection"}
    assert evaluate_mutualisation(round_, pickup, kb) is not None
    assert evaluate_substitution(offer("Pain invendu", naf="10.71C"), round_, kb) is None


def test_a_material_need_for_biowaste_still_wants_the_waste(kb: Knowledge) -> None:
    intake = need("Biodéchets", category=Category.WASTE, naf="35.21Z", road_km=5)
    assert "waste_collection" not in kb.classification(intake).confidence
