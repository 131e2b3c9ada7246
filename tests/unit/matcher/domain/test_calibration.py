"""What a substitution score means: the resource evidence gates it, feasibility only tempers it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from ecocirc_matcher.domain.explain import INFERRED
from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_substitution
from ecocirc_matcher.domain.scoring import substitution_score
from ecocirc_matcher.evaluation.demo import NOTIFY_THRESHOLD
from ecocirc_shared.flows import Category, Direction, FlowSnapshot, Period, Unit
from ecocirc_shared.settings import Settings
from tests.unit.matcher.factories import need, offer

from .test_contract import flows

PARTS = {"resource", "activity", "distance", "quantity", "season", "hazard", "text_confidence"}
FULL_YEAR = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


def test_the_threshold_is_the_notifier_s() -> None:
    assert NOTIFY_THRESHOLD == Settings.model_fields["notify_threshold"].default == 0.5


def test_a_weak_link_with_perfect_feasibility_stays_under_the_threshold(kb: Knowledge) -> None:
    """Offcuts may make litter (weight 0.3): next door, all year, quantities matching, a poultry farm."""
    offcuts = offer("chutes de bois", naf="16.23Z", quantity=(50, Unit.TONNE, Period.YEAR), months=FULL_YEAR)
    litter = need(
        "litière pour volailles",
        category=Category.MATERIAL,
        naf="01.47Z",
        quantity=(50, Unit.TONNE, Period.YEAR),
        months=FULL_YEAR,
    )
    proposal = evaluate_substitution(offcuts, litter, kb)
    assert proposal is not None
    parts = proposal.score_parts
    assert parts["resource"] == 0.3
    assert parts["distance"] == parts["season"] == parts["quantity"] == parts["activity"] == 1.0
    assert proposal.score < NOTIFY_THRESHOLD


def test_a_strong_link_between_feasible_flows_is_emailed(kb: Knowledge) -> None:
    sawdust = offer("sciure de bois", naf="16.10A", quantity=(80, Unit.TONNE, Period.YEAR))
    litter = need(
        "litière pour volailles",
        category=Category.MATERIAL,
        naf="01.47Z",
        road_km=20,
        quantity=(60, Unit.TONNE, Period.YEAR),
    )
    proposal = evaluate_substitution(sawdust, litter, kb)
    assert proposal is not None
    assert proposal.score >= 0.7


def test_an_outlet_an_offer_s_description_mentions_is_not_what_it_offers(kb: Knowledge) -> None:
    """A vague label whose description says where the residue goes today: the outlet is only inferred
    (an oyster farm produces no fill), a lead for an advisor, never an email."""
    residue = offer(
        "Résidus de l'exploitation", description="Ils partent aujourd'hui en remblai.", naf="03.22Z"
    )
    fill = need("Remblai pour plateforme", category=Category.MATERIAL, road_km=5)
    proposal = evaluate_substitution(residue, fill, kb)
    assert proposal is not None
    assert proposal.score < NOTIFY_THRESHOLD
    assert INFERRED in proposal.explanation


@pytest.mark.parametrize(("naf", "emailed"), [("16.23Z", True), ("47.11F", False)])
def test_a_description_is_read_when_the_supplier_s_trade_corroborates_it(
    kb: Knowledge, naf: str, emailed: bool
) -> None:
    """ "Déchets de l'atelier. Sciure et copeaux": a joinery's sawdust is read, a supermarket's inferred."""
    shop_waste = offer("Déchets de l'atelier", description="Sciure et copeaux de chêne sec.", naf=naf)
    litter = need("Litière pour volailles", category=Category.MATERIAL, naf="01.47Z", road_km=5)
    proposal = evaluate_substitution(shop_waste, litter, kb)
    assert proposal is not None
    assert (proposal.score >= NOTIFY_THRESHOLD) is emailed
    assert (INFERRED in proposal.explanation) is not emailed


@pytest.mark.parametrize(("label", "emailed"), [("Matière première", True), ("Besoin de l'usine", False)])
def test_a_need_naming_nothing_is_only_its_trade_s_guess(kb: Knowledge, label: str, emailed: bool) -> None:
    """A cement works asking for "matière première" asks for what cement works take in; one whose words
    name nothing only has its trade to go by."""
    ash = offer("Cendres de chaudière", naf="35.30Z")
    works = need(label, category=Category.MATERIAL, naf="23.51Z", road_km=5)
    proposal = evaluate_substitution(ash, works, kb)
    assert proposal is not None
    assert (proposal.score >= NOTIFY_THRESHOLD) is emailed


def test_feasibility_takes_off_at_most_its_floor() -> None:
    worst = {"resource": 0.9, "activity": 0.0, "distance": 0.0, "quantity": 0.0, "season": 0.0, "hazard": 1.0}
    best = {**worst, "activity": 1.0, "distance": 1.0, "quantity": 1.0, "season": 1.0}
    assert 0.9 * 0.6 <= substitution_score(worst) < 0.9 * 0.7
    assert substitution_score(best) == pytest.approx(0.9)
    assert substitution_score({**best, "hazard": 0.9}) == pytest.approx(0.81)


def test_a_known_need_larger_than_the_offer_counts_no_worse_than_an_unknown_one() -> None:
    parts = {"resource": 0.8, "activity": 0.5, "distance": 0.5, "season": 1.0, "hazard": 1.0}
    assert substitution_score({**parts, "quantity": 0.01}) == substitution_score({**parts, "quantity": 0.5})


@settings(max_examples=300, deadline=None)
@given(flows(Direction.OFFER), flows(Direction.NEED))
def test_a_score_never_exceeds_its_resource_evidence(
    offer_flow: FlowSnapshot, need_flow: FlowSnapshot
) -> None:
    kb = load_knowledge()
    proposal = evaluate_substitution(offer_flow, need_flow, kb)
    if proposal is not None:
        assert proposal.score_parts.keys() == PARTS
        assert all(0.0 <= v <= 1.0 for v in proposal.score_parts.values())
        assert proposal.score <= proposal.score_parts["resource"] + 1e-9
        if INFERRED in proposal.explanation:
            assert proposal.score < NOTIFY_THRESHOLD
