"""Ranking between receivers: among needs the same evidence links, the trade focused on the resource first."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_substitution
from ecocirc_matcher.domain.scoring import FOCUSED_PROFILE_USES, profile_focus
from ecocirc_shared.flows import Category
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


def test_a_focused_profile_fits_fully_and_a_broad_one_less() -> None:
    assert profile_focus(1) == profile_focus(FOCUSED_PROFILE_USES) == 1.0
    assert 1.0 > profile_focus(FOCUSED_PROFILE_USES + 1) > profile_focus(20) > 0.0


def test_the_receiver_whose_trade_is_focused_on_the_resource_ranks_first(kb: Knowledge) -> None:
    """Spent acid to two sites asking for "matière première": a metal-finishing shop (a profile of four
    uses) and a fertiliser maker (a dozen), both NAF classes listing acids: only the focus tells them apart.
    (Hydrochloric acid is a hazardous waste, 06 01 02*: both receivers declare they accept it.)"""
    acid = offer("acide chlorhydrique", naf="20.13A")
    finishing = need("matière première", category=Category.MATERIAL, naf="25.61Z", hazardous=True)
    fertiliser = need("matière première", category=Category.MATERIAL, naf="20.15Z", hazardous=True)
    to_finishing = evaluate_substitution(acid, finishing, kb)
    to_fertiliser = evaluate_substitution(acid, fertiliser, kb)
    assert to_finishing is not None and to_fertiliser is not None
    assert to_finishing.score_parts["resource"] == to_fertiliser.score_parts["resource"]
    assert to_finishing.score > to_fertiliser.score
