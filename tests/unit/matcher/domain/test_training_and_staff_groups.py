"""Pooled trainings are on one topic and one certificate; the staff a training names are its trainees."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_mutualisation
from ecocirc_shared.flows import Category
from tests.unit.matcher.factories import need


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


def _skills(label: str, km: float = 0.0, months: tuple[int, ...] = ()) -> object:
    return need(label, category=Category.SKILLS, road_km=km, months=months)


def test_two_trainings_on_different_topics_are_not_one_session(kb: Knowledge) -> None:
    atex = _skills("Formation ATEX pour 4 techniciens")
    forklift = _skills("CACES chariots pour 6 caristes", km=5)
    assert evaluate_mutualisation(atex, forklift, kb) is None  # type: ignore[arg-type]


def test_the_same_topic_pools(kb: Knowledge) -> None:
    a = _skills("Formation ATEX niveau 1")
    b = _skills("Sensibilisation aux atmosphères explosives", km=5)
    assert evaluate_mutualisation(a, b, kb) is not None  # type: ignore[arg-type]
    c = _skills("Travail en hauteur pour 3 couvreurs")
    d = _skills("Formation au port du harnais", km=5)
    assert evaluate_mutualisation(c, d, kb) is not None  # type: ignore[arg-type]


def test_two_caces_pool_only_when_their_recommendations_meet(kb: Knowledge) -> None:
    site = _skills("CACES R482 pour nos conducteurs")
    warehouse = _skills("CACES R489 pour nos caristes", km=5)
    other_warehouse = _skills("CACES R489 et R490", km=8)
    unnamed = _skills("Formation CACES", km=8)
    assert evaluate_mutualisation(site, warehouse, kb) is None  # type: ignore[arg-type]
    assert evaluate_mutualisation(warehouse, other_warehouse, kb) is not None  # type: ignore[arg-type]
    assert evaluate_mutualisation(site, unnamed, kb) is not None  # type: ignore[arg-type]


def test_distillation_staff_and_harvest_staff_share_people_across_seasons(kb: Knowledge) -> None:
    harvest = _skills("Vendangeurs", months=(9, 10))
    distillery = _skills("Distillateurs pour la campagne", km=15, months=(11, 12, 1, 2, 3))
    assert evaluate_mutualisation(harvest, distillery, kb) is not None  # type: ignore[arg-type]


def test_electrical_clearance_in_workshop_words_is_one_session(kb: Knowledge) -> None:
    """ "Habilitation élec" and the vehicle symbols of NF C18-550 (B0L, B2VL) name the electrical clearance
    training (NF C18-510)."""
    a = _skills("Habilitation élec pour 2 monteurs", km=5)
    b = _skills("Formation pour 3 mécaniciens (B0L, B2VL)", km=5)
    assert set(kb.classification(a).confidence) == {"training_electrical"}  # type: ignore[arg-type]
    assert evaluate_mutualisation(a, b, kb) is not None  # type: ignore[arg-type]


def test_waiters_hired_as_extras_share_with_another_season_not_the_same(kb: Knowledge) -> None:
    """An "extra" is a hospitality worker hired for a service or a season (code du travail D1242-1)."""
    summer = _skills("Serveurs en extra", km=5, months=(7, 8))
    winter = _skills("Renfort conditionnement", km=5, months=(11, 12))
    pickers = _skills("Saisonniers pour la récolte", km=5, months=(6, 7, 8, 9))
    assert evaluate_mutualisation(summer, winter, kb) is not None  # type: ignore[arg-type]
    assert evaluate_mutualisation(summer, pickers, kb) is None  # type: ignore[arg-type]


def test_take_away_containers_are_a_purchase_restaurants_pool(kb: Knowledge) -> None:
    """Take-away containers (code de l'environnement L541-15-10) are new packaging a restaurant buys."""
    a = need("Contenants vente à emporter", category=Category.MATERIAL, road_km=5)
    b = need("Barquettes à emporter, commande groupée", category=Category.MATERIAL, road_km=5)
    assert set(kb.classification(a).confidence) == {"packaging_supplies"}
    assert evaluate_mutualisation(a, b, kb) is not None


def test_food_hygiene_and_dangerous_goods_are_topics_of_their_own(kb: Knowledge) -> None:
    # Regulation 852/2004 annex II ch. XII (food handlers' hygiene) and ADR 8.2 (drivers' certificate).
    hygiene = _skills("Formation HACCP pour la cuisine")
    other_hygiene = _skills("Hygiène alimentaire, 4 commis", km=5)
    drivers = _skills("Certificat ADR pour 2 chauffeurs", km=5)
    other_drivers = _skills("ADR citerne chauffeurs", km=8)
    assert evaluate_mutualisation(hygiene, other_hygiene, kb) is not None  # type: ignore[arg-type]
    assert evaluate_mutualisation(drivers, other_drivers, kb) is not None  # type: ignore[arg-type]
    assert evaluate_mutualisation(hygiene, drivers, kb) is None  # type: ignore[arg-type]


def test_staff_wanted_for_a_season_is_seasonal_staff(kb: Knowledge) -> None:
    # Code du travail L1242-2 3°: work repeated each year at fixed dates by the seasons is seasonal.
    harvest = need(
        "Conducteurs de tracteurs",
        description="Pour la saison des foins.",
        category=Category.SKILLS,
        months=(5, 6, 7),
    )
    winter = _skills("Saisonniers pour l'hiver", km=5, months=(11, 12, 1))
    assert "seasonal_staff" in kb.classification(harvest).confidence  # type: ignore[arg-type]
    assert evaluate_mutualisation(harvest, winter, kb) is not None  # type: ignore[arg-type]
