"""Safety and law as hard rules: hazards read from the words, regulatory bans refused whatever the score."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, _read_packaged, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_mutualisation, evaluate_substitution, is_hazardous
from ecocirc_shared.flows import Category

from .factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.mark.parametrize(
    "label",
    [
        "sciure traitée CCA",
        "poteaux en bois traité autoclave",
        "vieilles traverses créosotées",
        "plaques de fibro-ciment",
        "gravats avec un peu d'amiante",
        "transformateur au pyralène",
        "chiffons souillés de l'atelier",
        "terres polluées du chantier",
        "boues huileuses du séparateur",
        "huile de vidange des tracteurs",
        "fonds de pots de peinture",
        "bidons de produits phytos vides",
        "old railway sleepers, creosote",
        "contaminated soil",
    ],
)
def test_words_of_a_hazard_make_the_flow_hazardous(kb: Knowledge, label: str) -> None:
    flow = offer(label)
    assert flow.ewc_code is None and not flow.hazardous
    assert is_hazardous(kb, flow)


@pytest.mark.parametrize(
    "label",
    [
        "chutes de bois non traité",
        "palettes sans peinture ni traitement",
        "gravats de béton, sans amiante",
        "terres non polluées de terrassement",
        "litière souillée de la volaille",  # soiled with droppings: manure, not a chemical hazard
        "huile alimentaire usagée",
        "déchets non dangereux en mélange",
        "chutes de tuyaux de plomberie en cuivre",  # plomberie is not plomb
    ],
)
def test_what_is_denied_or_harmless_is_no_hazard(kb: Knowledge, label: str) -> None:
    assert not is_hazardous(kb, offer(label))


def test_a_hazard_in_words_needs_a_receiver_that_accepts_hazardous_waste(kb: Knowledge) -> None:
    assert evaluate_substitution(offer("chutes de bois traité autoclave"), need("chaudière bois"), kb) is None
    assert evaluate_substitution(offer("chutes de bois non traité"), need("chaudière bois"), kb) is not None


def test_hazard_in_words_keeps_ordinary_and_hazardous_needs_apart(kb: Knowledge) -> None:
    ordinary = need("collecte de cartons", category=Category.SERVICE)
    hazardous = need("collecte de chiffons souillés et solvants", category=Category.SERVICE, road_km=5)
    assert evaluate_mutualisation(ordinary, hazardous, kb) is None
    plain = need("collecte de chiffons et papiers", category=Category.SERVICE, road_km=5)
    assert evaluate_mutualisation(ordinary, plain, kb) is not None


def test_every_hazard_row_cites_its_source() -> None:
    kb = Knowledge(_read_packaged())
    assert len(kb.hazard_terms) >= 30
    for hazard in kb.hazard_terms:
        assert hazard.terms and hazard.reason.strip() and hazard.source.strip()
        assert hazard.lang in {"fr", "en"}
