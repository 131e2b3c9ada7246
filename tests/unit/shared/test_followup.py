"""The pipeline: which moves are allowed, what a status change does to the emails held for review, and
how the first follow-up's statuses read in the pipeline's words."""

from __future__ import annotations

import pytest

from ecocirc_shared.followup import (
    OPEN,
    PIPELINE,
    SynergyStatus,
    allowed_moves,
    discards_held,
    from_legacy,
    initial_status,
    move_refusal,
    releases_companies,
)

S = SynergyStatus


@pytest.mark.parametrize("status", ["proposed", "in_contact", "study", "in_progress", "done"])
def test_moving_a_synergy_on_approves_it(status: str) -> None:
    assert releases_companies(S(status)) and not discards_held(S(status))


def test_abandoning_drops_the_held_emails() -> None:
    assert discards_held(S.ABANDONED) and not releases_companies(S.ABANDONED)


def test_an_idea_neither_releases_nor_drops() -> None:
    assert not releases_companies(S.IDEA) and not discards_held(S.IDEA)


def test_a_synergy_of_a_territory_in_review_starts_as_an_idea() -> None:
    assert initial_status(True) is S.IDEA
    assert initial_status(False) is S.PROPOSED


@pytest.mark.parametrize("current", sorted(OPEN))
def test_an_open_lead_moves_anywhere_in_the_pipeline(current: SynergyStatus) -> None:
    assert allowed_moves(current) == set(PIPELINE)
    assert all(move_refusal(current, new) is None for new in PIPELINE)


def test_a_done_lead_goes_back_to_in_progress_or_is_abandoned_only() -> None:
    assert allowed_moves(S.DONE) == {S.DONE, S.IN_PROGRESS, S.ABANDONED}
    refusal = move_refusal(S.DONE, S.IDEA)
    assert refusal is not None and "« in_progress »" in refusal and "« abandoned »" in refusal


def test_an_abandoned_lead_is_reopened_at_an_open_step_not_done() -> None:
    assert allowed_moves(S.ABANDONED) == OPEN | {S.ABANDONED}
    assert move_refusal(S.ABANDONED, S.DONE) is not None


def test_a_withdrawn_lead_is_the_matchers() -> None:
    assert allowed_moves(S.WITHDRAWN) == set()
    assert "retirée" in (move_refusal(S.WITHDRAWN, S.IN_CONTACT) or "")
    assert S.WITHDRAWN not in PIPELINE


@pytest.mark.parametrize(
    ("legacy", "pipeline"),
    [
        ("under_review", "idea"),
        ("proposed", "proposed"),
        ("contacted", "in_contact"),
        ("accepted", "study"),
        ("refused", "abandoned"),
        ("done", "done"),
        ("withdrawn", "abandoned"),
    ],
)
def test_the_first_follow_up_s_statuses_in_the_pipeline_s_words(legacy: str, pipeline: str) -> None:
    assert from_legacy(legacy) is S(pipeline)


def test_the_matcher_s_withdrawal_stays_a_withdrawal() -> None:
    assert from_legacy("withdrawn", set_by_advisor=False) is S.WITHDRAWN
