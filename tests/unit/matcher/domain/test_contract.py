"""The contract with the incremental index: what pairing accepts, blocking must find."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_mutualisation, evaluate_substitution
from ecocirc_matcher.domain.scoring import road_km
from ecocirc_shared.flows import Category, Direction, FlowSnapshot
from tests.unit.matcher.factories import flow

KB = load_knowledge()

WORDS = [
    "sciure",
    "copeaux",
    "bois",
    "palettes",
    "lactosérum",
    "drêches",
    "marc",
    "chaleur",
    "vapeur",
    "eau",
    "huile",
    "friture",
    "coupe",
    "ferraille",
    "acier",
    "litière",
    "méthanisation",
    "engrais",
    "compost",
    "formation",
    "saisonniers",
    "camion",
    "matière",
    "première",
    "combustible",
    "chauffage",
    "serres",
    "slag",
    "ash",
    "cement",
    "fuel",
    "heat",
    "raw",
    "material",
    "déchets",
    "boues",
    "solvants",
    "80",
    "°C",
]
NAFS = [None, "16.10A", "01.47Z", "23.51Z", "10.51C", "35.11Z", "11.02B", "01", "24.5", "10.91Z", "38.32Z"]
EWCS = [None, "03 01 05", "02 05 01", "10 02 02", "13 02 05*", "20 01 08", "10 01 02", "02 03 04;19 12 10"]


@st.composite
def flows(draw: st.DrawFn, direction: Direction | None = None) -> FlowSnapshot:
    return flow(
        direction or draw(st.sampled_from(list(Direction))),
        " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=4))) or "x",
        category=draw(st.sampled_from(list(Category))),
        road_km=draw(st.floats(min_value=0, max_value=400)),
        ewc=draw(st.sampled_from(EWCS)),
        naf=draw(st.sampled_from(NAFS)),
        months=tuple(draw(st.lists(st.integers(1, 12), max_size=3, unique=True))),
        hazardous=draw(st.booleans()),
        max_distance_km=draw(st.one_of(st.none(), st.floats(min_value=1, max_value=500))),
    )


def test_partner_classes_are_mutually_consistent() -> None:
    classes = list(KB.classes)
    for o, n in itertools.product(classes, classes):
        assert (n in KB.partner_classes(o, Direction.OFFER)) == (o in KB.partner_classes(n, Direction.NEED))
    for c in classes:
        assert c in KB.partner_classes(c, Direction.OFFER)
        assert c in KB.partner_classes(c, Direction.NEED)


def _blocked(kb: Knowledge, offer: FlowSnapshot, need: FlowSnapshot) -> bool:
    offer_keys, need_keys = kb.index_keys(offer), kb.index_keys(need)
    linked = any(n in kb.partner_classes(o, Direction.OFFER) for o in offer_keys for n in need_keys)
    reach = max(kb.reach_km(c) for c in offer_keys | need_keys)
    return linked and road_km(offer, need) <= reach


def test_index_keys_are_mutually_consistent() -> None:
    """An offer's EWC entry and a need's NAF prefix are partners both ways, or neither."""
    offer = flow(Direction.OFFER, "x", ewc="10 01 02")
    need = flow(Direction.NEED, "x", category=Category.MATERIAL, naf="23.51Z")
    assert "ewc:10 01 02" in KB.index_keys(offer)
    assert "naf:2351" in KB.index_keys(need)
    assert "naf:2351" in KB.partner_classes("ewc:10 01 02", Direction.OFFER)
    assert "ewc:10 01 02" in KB.partner_classes("naf:2351", Direction.NEED)


@settings(max_examples=400, deadline=None)
@given(flows(Direction.OFFER), flows(Direction.NEED))
def test_accepted_substitution_is_found_by_blocking(offer: FlowSnapshot, need: FlowSnapshot) -> None:
    assert KB.classify(offer) and KB.classify(need)
    proposal = evaluate_substitution(offer, need, KB)
    if proposal is not None:
        assert _blocked(KB, offer, need)
        assert 0.0 <= proposal.score <= 1.0
        assert proposal.resource_class in KB.classify(offer)


@settings(max_examples=300, deadline=None)
@given(flows(), flows())
def test_accepted_mutualisation_shares_a_class_within_reach(a: FlowSnapshot, b: FlowSnapshot) -> None:
    proposal = evaluate_mutualisation(a, b, KB)
    if proposal is not None:
        shared = KB.classify(a) & KB.classify(b)
        assert a.direction is b.direction
        assert shared
        assert road_km(a, b) <= max(KB.reach_km(c) for c in shared)
        assert 0.0 <= proposal.score <= 1.0


def test_pairing_is_deterministic() -> None:
    o = flow(Direction.OFFER, "sciure de bois", naf="16.10A")
    n = flow(Direction.NEED, "litière", road_km=20)
    assert evaluate_substitution(o, n, KB) == evaluate_substitution(o, n, KB)
