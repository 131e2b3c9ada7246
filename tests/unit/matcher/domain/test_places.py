"""Transport is shared along a route: the places two transport flows name must meet."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.index import MatchIndex
from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_substitution
from ecocirc_matcher.domain.places import places_named, routes_meet
from ecocirc_shared.flows import Category
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


def test_names_mid_sentence_are_places_and_a_sentence_opening_word_is_not() -> None:
    assert len(places_named("Départ Sélestat 6h, passe par Colmar, chargement à Mulhouse.")) == 3
    assert places_named("Camion disponible le vendredi") == frozenset()
    assert len(places_named("Expéditions vers Saint-Étienne")) == 1


def test_a_city_and_its_suburbs_are_one_destination() -> None:
    assert routes_meet(places_named("retour à vide vers Toulouse"), places_named("livraisons sur Blagnac"))
    assert not routes_meet(places_named("retour à vide vers Lyon"), places_named("livraisons vers Paris"))
    assert routes_meet(places_named("retour à vide vers Lyon"), frozenset())


def test_an_empty_truck_helps_only_deliveries_along_its_way(kb: Knowledge) -> None:
    truck = offer("Camion qui rentre à vide de Lyon le vendredi", category=Category.LOGISTICS)
    to_lyon = need("Livraisons de palettes vers Villeurbanne", category=Category.LOGISTICS, road_km=5)
    to_paris = need("Livraisons de palettes vers Paris", category=Category.LOGISTICS, road_km=5)
    assert evaluate_substitution(truck, to_lyon, kb) is not None
    assert evaluate_substitution(truck, to_paris, kb) is None


def test_delivery_rounds_pool_only_towards_the_same_place(kb: Knowledge) -> None:
    for other, pooled in (
        ("Livraisons hebdomadaires vers Lyon", True),
        ("Livraisons hebdomadaires vers Paris", False),
    ):
        flows = [
            need("Tournée de livraison vers Lyon", category=Category.LOGISTICS),
            need(other, category=Category.LOGISTICS, road_km=5),
        ]
        index = MatchIndex(kb)
        for flow in flows:
            index.put(flow)
        groups = [p for p in index.proposals_for(flows[0]) if p.group_key is not None]
        assert bool(groups) is pooled, other


def test_the_paris_region_is_delivered_as_paris() -> None:
    assert routes_meet(
        places_named("Livraisons Île-de-France chaque semaine"), places_named("Navette vers Paris")
    )
    assert not routes_meet(
        places_named("Livraisons Île-de-France chaque semaine"),
        places_named("Camion qui rentre de Strasbourg"),
    )
