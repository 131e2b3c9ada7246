"""The follow-up of a synergy by advisors: its statuses, what a status change does to emails, who
may decide on a synergy held for review, and what of another territory's follow-up an advisor reads."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from ecocirc_shared.territories import ALL_TERRITORIES, covers


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


# Outcomes of an advisor's decision, as the notifier records them and intake reads them back.
APPLIED = "applied"
UNCHANGED = "unchanged"
UNKNOWN_SYNERGY = "unknown_synergy"
REFUSED_WITHDRAWN = "refused_withdrawn"


def may_decide_held(followed: Collection[str], held_by: Collection[str]) -> bool:
    """Whether an advisor may release or drop what review mode holds: only if every territory holding
    it is theirs (an advisor of another territory of the synergy may follow it up, not approve it)."""
    return all(covers(followed, territory) for territory in held_by)


def concerned_territories(followed: Collection[str], territories: Collection[str]) -> set[str]:
    """The territories of a synergy that someone follows ("*": all of them)."""
    if ALL_TERRITORIES in followed:
        return set(territories)
    return {t for t in territories if t in followed}


def sees_in_full(viewer: Collection[str], other: Collection[str], territories: Collection[str]) -> bool:
    """Whether an advisor following `viewer` may read what concerns someone else on a synergy of
    `territories` (a note they wrote; their email address and its delivery errors), that someone
    following `other` (a company: its own territory).

    Only if the viewer follows every territory of the synergy the other follows: an advisor of one
    territory does not read another territory's notes or addresses. Someone concerned by none of
    them (an advisor who since moved) is read by advisors of every territory only.
    """
    concerned = concerned_territories(other, territories)
    if not concerned:
        return ALL_TERRITORIES in viewer
    return all(covers(viewer, territory) for territory in concerned)
