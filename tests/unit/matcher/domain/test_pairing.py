"""Substitution and mutualisation: links, reach, months, quantities, hazards, score and explanation."""

from __future__ import annotations

import uuid

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_mutualisation, evaluate_substitution
from ecocirc_shared.flows import Category, Period, Price, Unit
from ecocirc_shared.synergies import SynergyKind
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.mark.parametrize(
    ("offered", "needed"),
    [
        ("sciure de bois", "litière pour volailles"),
        ("sciure de bois", "matière pour fabrication de granulés"),
        ("plaquettes de bois", "combustible pour chaudière biomasse"),
        ("lactosérum", "alimentation des porcs"),
        ("lactosérum", "intrants pour méthanisation"),
        ("drêches de brasserie", "aliment pour bovins"),
        ("marc de raisin", "distillerie"),
        ("copeaux d'acier", "fonderie"),
        ("digestat", "engrais pour nos cultures"),
        ("huile de friture usagée", "biodiesel"),
    ],
)
def test_known_substitutions(kb: Knowledge, offered: str, needed: str) -> None:
    proposal = evaluate_substitution(offer(offered), need(needed, road_km=10), kb)
    assert proposal is not None
    assert proposal.kind is SynergyKind.SUBSTITUTION
    assert 0.0 <= proposal.score <= 1.0


def test_unrelated_resources_do_not_pair(kb: Knowledge) -> None:
    assert evaluate_substitution(offer("lactosérum"), need("ferraille"), kb) is None
    assert evaluate_substitution(offer("huile de coupe"), need("biodiesel"), kb) is None


def test_same_company_never_pairs_with_itself(kb: Knowledge) -> None:
    company = uuid.uuid4()
    assert (
        evaluate_substitution(offer("sciure", company=company), need("litière", company=company), kb) is None
    )


def test_reach_depends_on_the_resource(kb: Knowledge) -> None:
    heat = offer("chaleur fatale 80 °C", category=Category.ENERGY)
    assert kb.reach_km("waste_heat_medium") == 5
    assert kb.reach_km("wood_chips") == 50
    assert evaluate_substitution(heat, need("chauffage de serres", category=Category.ENERGY, road_km=4), kb)
    assert (
        evaluate_substitution(heat, need("chauffage de serres", category=Category.ENERGY, road_km=8), kb)
        is None
    )
    chips = offer("plaquettes forestières")
    assert evaluate_substitution(chips, need("chaudière biomasse", road_km=40), kb)
    assert evaluate_substitution(chips, need("chaudière biomasse", road_km=70), kb) is None


def test_own_max_distance_only_shortens(kb: Knowledge) -> None:
    assert (
        evaluate_substitution(
            offer("plaquettes de bois", max_distance_km=10), need("chaudière bois", road_km=20), kb
        )
        is None
    )
    far = evaluate_substitution(
        offer("plaquettes de bois", max_distance_km=500), need("chaudière bois", road_km=70), kb
    )
    assert far is None


def test_a_declared_maximum_is_refused_only_when_even_the_straight_line_exceeds_it(kb: Knowledge) -> None:
    # 12 km by the estimated road is 9.2 km as the crow flies: within "10 km maximum", since the real
    # road may be straighter than the average detour; 14 km (10.8 straight) is beyond it whatever the road.
    within = evaluate_substitution(
        offer("plaquettes de bois", max_distance_km=10), need("chaudière bois", road_km=12), kb
    )
    assert within is not None
    assert within.score_parts["distance"] < 0.25  # near the limit: the distance part says so
    assert (
        evaluate_substitution(
            offer("plaquettes de bois"), need("chaudière bois", road_km=14, max_distance_km=10), kb
        )
        is None
    )


def test_hazardous_only_to_receivers_that_accept(kb: Knowledge) -> None:
    solvents = offer("solvants usés", hazardous=True)
    assert evaluate_substitution(solvents, need("régénération de solvants"), kb) is None
    accepted = evaluate_substitution(solvents, need("régénération de solvants", hazardous=True), kb)
    assert accepted is not None
    assert accepted.score_parts["hazard"] < 1.0
    # The EWC code's star makes a waste hazardous even when the box was not ticked.
    assert (
        evaluate_substitution(offer("huiles", ewc="13 02 05*"), need("régénération des huiles"), kb) is None
    )


def test_months_must_overlap(kb: Knowledge) -> None:
    assert (
        evaluate_substitution(offer("marc de raisin", months=(9, 10)), need("distillerie", months=(3, 4)), kb)
        is None
    )
    proposal = evaluate_substitution(
        offer("marc de raisin", months=(9, 10)), need("distillerie", months=(10, 11)), kb
    )
    assert proposal is not None
    assert proposal.months == (10,)
    assert proposal.score_parts["season"] == 0.5


def test_partial_quantity_is_a_lower_scored_synergy(kb: Knowledge) -> None:
    full = evaluate_substitution(
        offer("sciure", quantity=(200, Unit.TONNE, Period.YEAR)),
        need("litière", quantity=(100, Unit.TONNE, Period.YEAR)),
        kb,
    )
    partial = evaluate_substitution(
        offer("sciure", quantity=(5, Unit.TONNE, Period.MONTH)),
        need("litière", quantity=(100, Unit.TONNE, Period.YEAR)),
        kb,
    )
    assert full is not None and partial is not None
    assert full.quantity is not None and full.quantity.coverage == 1.0
    assert partial.quantity is not None and partial.quantity.coverage == pytest.approx(0.6)
    assert partial.score < full.score
    assert "60\u00a0% du besoin" in partial.explanation  # French spacing: no break before %


def test_volume_and_mass_meet_through_density(kb: Knowledge) -> None:
    proposal = evaluate_substitution(
        offer("lactosérum", quantity=(100, Unit.CUBIC_METRE, Period.YEAR)),
        need("alimentation des porcs", quantity=(50, Unit.TONNE, Period.YEAR)),
        kb,
    )
    assert proposal is not None and proposal.quantity is not None
    assert proposal.quantity.coverage == 1.0


def test_explanation_is_french_and_names_no_company(kb: Knowledge) -> None:
    proposal = evaluate_substitution(
        offer("sciure de pin", naf="16.10A", quantity=(300, Unit.TONNE, Period.YEAR)),
        need("litière pour volailles", naf="01.47Z", road_km=12),
        kb,
    )
    assert proposal is not None
    text = proposal.explanation
    assert "sciage et rabotage du bois" in text and "NAF 16.10A" in text
    assert "à environ 12\u00a0km" in text
    assert "litière" in text
    assert set(proposal.score_parts) >= {"resource", "activity", "distance", "quantity", "season", "hazard"}
    assert proposal.impact.tonnes_diverted_per_year == 300
    assert proposal.impact.transport_co2e_kg_per_year == pytest.approx(300 * 12 * 0.083, rel=0.02)


def test_heat_impact_counts_avoided_gas(kb: Knowledge) -> None:
    proposal = evaluate_substitution(
        offer(
            "chaleur fatale 70 °C", category=Category.ENERGY, quantity=(500, Unit.MEGAWATT_HOUR, Period.YEAR)
        ),
        need("chauffage de serres", category=Category.ENERGY, road_km=2),
        kb,
    )
    assert proposal is not None
    assert proposal.impact.co2e_avoided_kg_per_year == pytest.approx(500 * 1000 * 0.227 / 0.9, rel=0.01)


def test_mutualisation_of_a_shared_need(kb: Knowledge) -> None:
    a = need("formation CACES cariste", category=Category.SKILLS)
    b = need("formation chariot élévateur", category=Category.SKILLS, road_km=15)
    proposal = evaluate_mutualisation(a, b, kb)
    assert proposal is not None
    assert proposal.kind is SynergyKind.MUTUALISATION
    assert proposal.resource_class == "training_handling"


def test_mutualisation_needs_same_direction_and_reach(kb: Knowledge) -> None:
    assert evaluate_mutualisation(offer("cartons"), need("cartons"), kb) is None
    assert evaluate_mutualisation(offer("cartons"), offer("cartons usagés", road_km=300), kb) is None
    assert evaluate_mutualisation(offer("cartons"), offer("cartons usagés", road_km=30), kb) is not None


def test_complementary_seasons_make_shared_staff(kb: Knowledge) -> None:
    kw = {"category": Category.SKILLS}
    vines = need("saisonniers pour les vendanges", months=(9, 10), **kw)
    orchard = need("main d'oeuvre saisonnière", months=(5, 6), road_km=10, **kw)
    same_time = need("main d'oeuvre saisonnière", months=(9,), road_km=10, **kw)
    complementary = evaluate_mutualisation(vines, orchard, kb)
    competing = evaluate_mutualisation(vines, same_time, kb)
    assert complementary is not None
    assert "complémentaires" in complementary.explanation
    # Same months: the two employers would compete for the same people.
    assert competing is None


def test_hazardous_and_ordinary_wastes_are_not_pooled(kb: Knowledge) -> None:
    treated = offer("sciure de bois traité", ewc="03 01 04*", hazardous=True)
    plain = offer("sciure de bois", ewc="03 01 05", road_km=10)
    assert evaluate_mutualisation(treated, plain, kb) is None


def test_prices_give_the_euros_a_substitution_saves(kb: Knowledge) -> None:
    sawdust = offer("sciure de bois", quantity=(120, Unit.TONNE, Period.YEAR))
    litter = need("litière pour volailles", road_km=10, quantity=(40, Unit.TONNE, Period.YEAR))
    priced = evaluate_substitution(
        sawdust.model_copy(update={"price": Price(eur_per_unit=25, unit=Unit.TONNE)}),
        litter.model_copy(update={"price": Price(eur_per_unit=0.06, unit=Unit.KILOGRAM)}),
        kb,
    )
    assert priced is not None
    # 40 t matched: 25 €/t of disposal avoided, 60 €/t of purchase avoided.
    assert priced.impact.eur_saved_per_year == 40 * 25 + 40 * 60
    assert any("Achat évité" in note for note in priced.impact.eur_notes)
    unpriced = evaluate_substitution(sawdust, litter, kb)
    assert (
        unpriced is not None and unpriced.impact.eur_saved_per_year is None and not unpriced.impact.eur_notes
    )
