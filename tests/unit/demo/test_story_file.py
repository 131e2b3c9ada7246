"""The demo's story (what its advisor did with some Gers leads) names leads the answer key expects,
in the pipeline's own words, so that `make demo` can play it through the public API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecocirc_shared.followup import AbandonReason, SynergyStatus

GERS = Path(__file__).resolve().parents[3] / "demo" / "gers"
STORY: dict[str, Any] = json.loads((GERS / "story.json").read_text(encoding="utf-8"))
TERRITORY: dict[str, Any] = json.loads((GERS / "territory.json").read_text(encoding="utf-8"))
FLOWS = {f"{c['key']}/{f['key']}" for c in TERRITORY["companies"] for f in c["flows"]}
EXPECTED = [frozenset(e["flows"]) for e in TERRITORY["expected"]]
MOVES = {s.value for s in SynergyStatus} - {SynergyStatus.WITHDRAWN.value, SynergyStatus.IDEA.value}


def test_the_advisor_is_fictitious_and_follows_the_gers() -> None:
    advisor = STORY["advisor"]
    assert advisor["email"].endswith(".example") and advisor["territories"] == ["32"]
    assert advisor["name"].strip()


@pytest.mark.parametrize("step", STORY["leads"], ids=lambda s: "+".join(s["flows"]))
def test_each_lead_is_an_expected_one_moved_in_the_pipeline_s_words(step: dict[str, Any]) -> None:
    assert set(step["flows"]) <= FLOWS
    assert frozenset(step["flows"]) in EXPECTED  # the matcher is meant to find it
    assert step["status"] in MOVES
    assert ("outcome" in step) == (step["status"] == SynergyStatus.DONE)
    assert ("abandon_reason" in step) == (step["status"] == SynergyStatus.ABANDONED)
    if "abandon_reason" in step:
        AbandonReason(step["abandon_reason"])
    if "next_action_in_days" in step:
        assert isinstance(step["next_action_in_days"], int) and step["next_action_in_days"] > 0
    known = {"flows", "status", "note", "next_action_in_days", "abandon_reason", "abandon_comment", "outcome"}
    assert set(step) <= known


def test_the_story_shows_every_step_but_the_idea() -> None:
    assert {s["status"] for s in STORY["leads"]} == MOVES - {SynergyStatus.PROPOSED.value}
    assert len({frozenset(s["flows"]) for s in STORY["leads"]}) == len(STORY["leads"])
