"""Every score part the matcher writes has a French label, and no explanation says « environ 0 km », nor « 0 % du besoin »."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.model import Proposal
from ecocirc_matcher.evaluation.demo import load_territory, run_index
from ecocirc_shared import french


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="module")
def proposals(kb: Knowledge) -> list[Proposal]:
    """What the matcher proposes on the Gers demo: substitutions, pairs and groups of every kind."""
    return run_index(list(load_territory().flows.values()), kb)


def test_every_score_part_of_the_demo_has_a_french_label(proposals: list[Proposal]) -> None:
    keys = {key for proposal in proposals for key in proposal.score_parts}
    assert {"activity", "season", "text_confidence", "group_size"} <= keys  # the demo reaches them all
    assert keys <= french.SCORE_PARTS.keys(), keys - french.SCORE_PARTS.keys()


def test_explanations_never_say_about_zero_or_about_less_than(proposals: list[Proposal]) -> None:
    for proposal in proposals:
        text = proposal.explanation.replace(french.NBSP, " ")
        assert "environ 0 km" not in text and "environ moins" not in text
        assert " 0 % " not in text  # a small share reads « < 1 % »
