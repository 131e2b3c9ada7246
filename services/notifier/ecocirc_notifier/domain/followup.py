"""The follow-up of a synergy by advisors: its statuses and what a status change does to emails."""

from __future__ import annotations

from enum import StrEnum


class SynergyStatus(StrEnum):
    PROPOSED = "proposed"
    UNDER_REVIEW = "under_review"
    CONTACTED = "contacted"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    DONE = "done"
    WITHDRAWN = "withdrawn"


class StatusSource(StrEnum):
    MATCHER = "matcher"
    ADVISOR = "advisor"


# In review mode an advisor approves a synergy by moving it on; refusing or withdrawing it means
# the companies held back are never told.
_APPROVING = frozenset(
    {SynergyStatus.PROPOSED, SynergyStatus.CONTACTED, SynergyStatus.ACCEPTED, SynergyStatus.DONE}
)
_DISCARDING = frozenset({SynergyStatus.REFUSED, SynergyStatus.WITHDRAWN})


def releases_companies(status: SynergyStatus) -> bool:
    """Whether setting `status` on a synergy held for review lets its companies be told."""
    return status in _APPROVING


def discards_held(status: SynergyStatus) -> bool:
    """Whether setting `status` cancels the emails held for review."""
    return status in _DISCARDING


def initial_status(in_review: bool) -> SynergyStatus:
    return SynergyStatus.UNDER_REVIEW if in_review else SynergyStatus.PROPOSED
