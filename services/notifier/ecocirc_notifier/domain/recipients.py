"""Who hears of a synergy: participant companies above the threshold and the advisors of its territories."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from ecocirc_shared.directory import (
    AdvisorEntry,
    CompanyEntry,
    DeliveryMode,
    Directory,
    RecipientKind,
    Viewer,
    synergy_territories,
)
from ecocirc_shared.synergies import SynergySnapshot
from ecocirc_shared.territories import ALL_TERRITORIES

__all__ = ["RecipientKind"]

RecipientRef = tuple[RecipientKind, UUID]


class Recipient(Viewer):
    """One person or company to write to, with what rendering needs to know about them."""

    email: str
    name: str
    delivery: DeliveryMode = DeliveryMode.IMMEDIATE

    @property
    def ref(self) -> RecipientRef:
        return (self.kind, self.id)


class SkipReason(StrEnum):
    BELOW_THRESHOLD = "below_threshold"
    OPTED_OUT = "opted_out"
    UNKNOWN_COMPANY = "unknown_company"
    UNKNOWN_ADVISOR = "unknown_advisor"
    NO_EMAIL = "no_email"


class Skipped(BaseModel):
    """Someone concerned who will not be written to, and why (for the caller's logs)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: RecipientKind
    id: UUID
    reason: SkipReason


class Audience(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    recipients: tuple[Recipient, ...] = ()
    skipped: tuple[Skipped, ...] = ()


def proposal_audience(
    synergy: SynergySnapshot,
    directory: Directory,
    threshold: float,
    advisor_threshold: float | None = None,
) -> Audience:
    """Recipients of a proposal: companies if score >= threshold, advisors if >= advisor_threshold.

    `advisor_threshold` defaults to `threshold`; it exists because advisors may want every plausible
    lead while companies should only hear of solid ones.
    """
    company_floor = threshold
    advisor_floor = threshold if advisor_threshold is None else advisor_threshold
    recipients, skipped = _companies(synergy, directory, below=synergy.score < company_floor)
    advisors, advisors_skipped = _advisors(synergy, directory, below=synergy.score < advisor_floor)
    return Audience(recipients=recipients + advisors, skipped=skipped + advisors_skipped)


def withdrawal_audience(directory: Directory, told: Collection[RecipientRef]) -> Audience:
    """Recipients of a withdrawal: exactly those who were told, if they can still be written to.

    Neither the score nor the current participants or territories are looked at: whoever heard of the
    proposal must hear it is over, even a company dropped by a later revision or an advisor who has
    since changed territories. The directory must hold the told companies.
    """
    advisors = {a.id: a for a in directory.advisors}
    recipients: list[Recipient] = []
    skipped: list[Skipped] = []
    for kind, recipient_id in sorted(told, key=lambda ref: (ref[0].value, str(ref[1]))):
        if kind is RecipientKind.COMPANY:
            entry = directory.companies.get(recipient_id)
            reason = _company_skip_reason(entry, below=False)
            if reason is None and entry is not None and entry.contact_email:
                recipients.append(_company_recipient(entry, entry.territory))
                continue
            skipped.append(Skipped(kind=kind, id=recipient_id, reason=reason or SkipReason.NO_EMAIL))
            continue
        advisor = advisors.get(recipient_id)
        reason = _advisor_skip_reason(advisor, below=False)
        if reason is not None or advisor is None:
            skipped.append(Skipped(kind=kind, id=recipient_id, reason=reason or SkipReason.UNKNOWN_ADVISOR))
            continue
        recipients.append(_advisor_recipient(advisor))
    return Audience(recipients=tuple(recipients), skipped=tuple(skipped))


def contact_advisor(territory: str | None, directory: Directory) -> AdvisorEntry | None:
    """The advisor a company should call: one of its own territory with a mailbox, if any.

    Nobody following every territory is offered instead (the admin is one): a company with no
    advisor of its own is given the programme's contact address (ECOCIRC_PROGRAMME_CONTACT).
    """

    def by_name(advisor: AdvisorEntry) -> tuple[str, str]:
        return (advisor.name.casefold(), str(advisor.id))

    local = [
        a for a in directory.advisors if territory is not None and territory in a.territories and a.email
    ]
    return min(local, key=by_name) if local else None


def _companies(
    synergy: SynergySnapshot, directory: Directory, *, below: bool
) -> tuple[tuple[Recipient, ...], tuple[Skipped, ...]]:
    recipients: dict[UUID, Recipient] = {}
    skipped: dict[UUID, Skipped] = {}
    for participant in synergy.participants:
        company_id = participant.company_id
        if company_id in recipients or company_id in skipped:
            continue  # one company with two flows in the synergy gets one email
        entry = directory.companies.get(company_id)
        reason = _company_skip_reason(entry, below=below)
        if reason is not None or entry is None or entry.contact_email is None:
            skipped[company_id] = Skipped(
                kind=RecipientKind.COMPANY, id=company_id, reason=reason or SkipReason.NO_EMAIL
            )
            continue
        recipients[company_id] = _company_recipient(entry, entry.territory or participant.territory)
    return tuple(recipients.values()), tuple(skipped.values())


def _company_recipient(entry: CompanyEntry, territory: str | None) -> Recipient:
    assert entry.contact_email, "callers skip companies without an email"
    return Recipient(
        kind=RecipientKind.COMPANY,
        id=entry.id,
        email=entry.contact_email,
        name=entry.name,
        territories=() if territory is None else (territory,),
    )


def _advisor_recipient(advisor: AdvisorEntry) -> Recipient:
    assert advisor.email, "callers skip advisors without an email"
    return Recipient(
        kind=RecipientKind.ADVISOR,
        id=advisor.id,
        email=advisor.email,
        name=advisor.name,
        delivery=advisor.delivery,
        territories=advisor.territories,
    )


def _company_skip_reason(entry: CompanyEntry | None, *, below: bool) -> SkipReason | None:
    if entry is None:
        return SkipReason.UNKNOWN_COMPANY
    if below:
        return SkipReason.BELOW_THRESHOLD
    if entry.opted_out:
        return SkipReason.OPTED_OUT
    if not entry.contact_email:
        return SkipReason.NO_EMAIL
    return None


def _advisor_skip_reason(advisor: AdvisorEntry | None, *, below: bool) -> SkipReason | None:
    if advisor is None:
        return SkipReason.UNKNOWN_ADVISOR
    if below:
        return SkipReason.BELOW_THRESHOLD
    if advisor.opted_out:
        return SkipReason.OPTED_OUT
    if not advisor.email:
        return SkipReason.NO_EMAIL
    return None


def _advisors(
    synergy: SynergySnapshot, directory: Directory, *, below: bool
) -> tuple[tuple[Recipient, ...], tuple[Skipped, ...]]:
    territories = synergy_territories(synergy, directory)
    recipients: list[Recipient] = []
    skipped: list[Skipped] = []
    seen: set[UUID] = set()
    for advisor in directory.advisors:
        concerned = ALL_TERRITORIES in advisor.territories or any(advisor.covers(t) for t in territories)
        if not concerned or advisor.id in seen:
            continue
        seen.add(advisor.id)
        reason = _advisor_skip_reason(advisor, below=below)
        if reason is not None:
            skipped.append(Skipped(kind=RecipientKind.ADVISOR, id=advisor.id, reason=reason))
            continue
        recipients.append(_advisor_recipient(advisor))
    return tuple(recipients), tuple(skipped)
