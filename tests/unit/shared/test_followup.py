"""What a status change does to the emails held for review."""

from __future__ import annotations

import pytest

from ecocirc_shared.followup import SynergyStatus, discards_held, initial_status, releases_companies


@pytest.mark.parametrize("status", ["proposed", "contacted", "accepted", "done"])
def test_moving_a_synergy_on_approves_it(status: str) -> None:
    assert releases_companies(SynergyStatus(status)) and not discards_held(SynergyStatus(status))


@pytest.mark.parametrize("status", ["refused", "withdrawn"])
def test_refusing_drops_the_held_emails(status: str) -> None:
    assert discards_held(SynergyStatus(status)) and not releases_companies(SynergyStatus(status))


def test_under_review_neither_releases_nor_drops() -> None:
    assert not releases_companies(SynergyStatus.UNDER_REVIEW)
    assert not discards_held(SynergyStatus.UNDER_REVIEW)


def test_a_synergy_of_a_territory_in_review_starts_under_review() -> None:
    assert initial_status(True) is SynergyStatus.UNDER_REVIEW
    assert initial_status(False) is SynergyStatus.PROPOSED
