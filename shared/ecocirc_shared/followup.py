"""The follow-up of a synergy by advisors: the pipeline a lead moves along, which moves are allowed,
why a lead is abandoned, what a status change does to emails, who may decide on a synergy held for
review, and what of another territory's follow-up an advisor reads."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from ecocirc_shared.territories import ALL_TERRITORIES, covers


class SynergyStatus(StrEnum):
    """Where a lead stands. The pipeline runs idea → proposed → in_contact → study → in_progress →
    done, or abandoned at any step; `withdrawn` is the matcher's: the flows no longer match and no
    one had taken the lead up yet."""

    IDEA = "idea"
    PROPOSED = "proposed"
    IN_CONTACT = "in_contact"
    STUDY = "study"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ABANDONED = "abandoned"
    WITHDRAWN = "withdrawn"


PIPELINE: tuple[SynergyStatus, ...] = (
    SynergyStatus.IDEA,
    SynergyStatus.PROPOSED,
    SynergyStatus.IN_CONTACT,
    SynergyStatus.STUDY,
    SynergyStatus.IN_PROGRESS,
    SynergyStatus.DONE,
    SynergyStatus.ABANDONED,
)
# Statuses a lead is still being worked in: the weekly reminders look at these.
OPEN = frozenset(PIPELINE[:5])
# Statuses people brought a lead to: a withdrawal by the matcher (a company changed or withdrew a
# flow, often because the exchange now happens) no longer resets them.
TAKEN_UP = frozenset(
    {
        SynergyStatus.IN_CONTACT,
        SynergyStatus.STUDY,
        SynergyStatus.IN_PROGRESS,
        SynergyStatus.DONE,
        SynergyStatus.ABANDONED,
    }
)

STATUS_LABELS = {
    SynergyStatus.IDEA: "idée",
    SynergyStatus.PROPOSED: "proposée",
    SynergyStatus.IN_CONTACT: "en contact",
    SynergyStatus.STUDY: "à l'étude",
    SynergyStatus.IN_PROGRESS: "en cours de mise en œuvre",
    SynergyStatus.DONE: "réalisée",
    SynergyStatus.ABANDONED: "abandonnée",
    SynergyStatus.WITHDRAWN: "retirée (les flux ne se correspondent plus)",
}


class AbandonReason(StrEnum):
    """Why a lead was abandoned: the short list the programme learns its barriers from."""

    DISTANCE = "distance"
    QUANTITY = "quantity"
    QUALITY = "quality"
    REGULATION = "regulation"
    COST = "cost"
    NO_INTEREST = "no_interest"
    OTHER = "other"


ABANDON_REASON_LABELS = {
    AbandonReason.DISTANCE: "distance",
    AbandonReason.QUANTITY: "quantités",
    AbandonReason.QUALITY: "qualité",
    AbandonReason.REGULATION: "réglementation",
    AbandonReason.COST: "coût",
    AbandonReason.NO_INTEREST: "pas d'intérêt",
    AbandonReason.OTHER: "autre",
}

# The statuses of the first follow-up (before the pipeline), as older clients and events name them.
LEGACY_STATUSES = {
    "under_review": SynergyStatus.IDEA,
    "contacted": SynergyStatus.IN_CONTACT,
    "accepted": SynergyStatus.STUDY,
    "refused": SynergyStatus.ABANDONED,
}


def from_legacy(value: str, *, set_by_advisor: bool = True) -> SynergyStatus:
    """A status of either vocabulary in the pipeline's. An advisor who set `withdrawn` dropped the
    lead: it is abandoned (the matcher's own withdrawals keep `withdrawn`)."""
    if value == SynergyStatus.WITHDRAWN and set_by_advisor:
        return SynergyStatus.ABANDONED
    return LEGACY_STATUSES.get(value) or SynergyStatus(value)


class StatusSource(StrEnum):
    MATCHER = "matcher"
    ADVISOR = "advisor"
    # A participant company's answer (ecocirc_shared.answers); the last yes moves the lead by itself.
    COMPANY = "company"


# Where a lead goes by itself once every participant company said yes: in contact.
INTRODUCED_STATUS = SynergyStatus.IN_CONTACT


def allowed_moves(current: SynergyStatus) -> frozenset[SynergyStatus]:
    """Where an advisor may move a lead from `current` (staying put is allowed: a note, a reason).

    An open lead goes anywhere in the pipeline (a workshop lead may start in contact, a correction
    goes back); a done lead only back to in_progress (recorded too early) or to abandoned (it
    stopped); an abandoned lead is reopened at any open step; a withdrawn one is the matcher's.
    """
    if current in OPEN:
        return frozenset(PIPELINE)
    if current is SynergyStatus.DONE:
        return frozenset({SynergyStatus.DONE, SynergyStatus.IN_PROGRESS, SynergyStatus.ABANDONED})
    if current is SynergyStatus.ABANDONED:
        return OPEN | {SynergyStatus.ABANDONED}
    return frozenset()


def move_refusal(current: SynergyStatus, new: SynergyStatus) -> str | None:
    """Why a lead cannot move from `current` to `new`, in French; None if it can."""
    if new in allowed_moves(current):
        return None
    if current is SynergyStatus.WITHDRAWN:
        return WITHDRAWN_MESSAGE
    allowed = ", ".join(
        f"« {s.value} »" for s in PIPELINE if s in allowed_moves(current) and s is not current
    )
    return (
        f"Une piste « {current.value} » ({STATUS_LABELS[current]}) ne peut pas passer à « {new.value} » : "
        f"statuts possibles {allowed}."
    )


WITHDRAWN_MESSAGE = "Cette synergie a été retirée : ses flux ne se correspondent plus. Son suivi est clos."


# In review mode an advisor approves a synergy by moving it on; abandoning it means the companies
# held back are never told.
_APPROVING = frozenset(
    {
        SynergyStatus.PROPOSED,
        SynergyStatus.IN_CONTACT,
        SynergyStatus.STUDY,
        SynergyStatus.IN_PROGRESS,
        SynergyStatus.DONE,
    }
)
_DISCARDING = frozenset({SynergyStatus.ABANDONED, SynergyStatus.WITHDRAWN})


def releases_companies(status: SynergyStatus) -> bool:
    """Whether setting `status` on a synergy held for review lets its companies be told."""
    return status in _APPROVING


def discards_held(status: SynergyStatus) -> bool:
    """Whether setting `status` cancels the emails held for review."""
    return status in _DISCARDING


def initial_status(in_review: bool) -> SynergyStatus:
    """A lead the matcher finds is an idea while review mode holds it, proposed once companies hear of it."""
    return SynergyStatus.IDEA if in_review else SynergyStatus.PROPOSED


# Outcomes of an advisor's decision, as the notifier records them and intake reads them back.
APPLIED = "applied"
UNCHANGED = "unchanged"
UNKNOWN_SYNERGY = "unknown_synergy"
REFUSED_WITHDRAWN = "refused_withdrawn"
REFUSED_MOVE = "refused_move"
REFUSED_NOT_DONE = "refused_not_done"


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
