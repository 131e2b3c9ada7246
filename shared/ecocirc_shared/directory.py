"""Companies and advisors as the confidentiality rules and the emails see them, and whom a reader is."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ecocirc_shared.synergies import Participant, SynergySnapshot
from ecocirc_shared.territories import covers


class RecipientKind(StrEnum):
    """Who reads: a company or an advisor (the admin is an advisor of every territory)."""

    COMPANY = "company"
    ADVISOR = "advisor"


class Viewer(BaseModel):
    """Someone reading about a synergy: a company (its own territory) or an advisor (those followed)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: RecipientKind
    id: UUID
    # A company's own territory (zero or one), or the territories an advisor follows.
    territories: tuple[str, ...] = ()

    def follows(self, territory: str | None) -> bool:
        """Whether this reader is an advisor following `territory`."""
        return self.kind is RecipientKind.ADVISOR and covers(self.territories, territory)


class DeliveryMode(StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"


class CompanyEntry(BaseModel):
    """A company as the rules see it: who to write to, what it agreed to, where it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID
    name: str
    contact_email: str | None
    naf_code: str | None = None
    city: str | None = None
    territory: str | None = None
    opted_out: bool = False
    # Naming a company to its counterparts is opt-in: without an explicit yes it is described, not named.
    consent_to_be_named: bool = False


class AdvisorEntry(BaseModel):
    """An advisor who follows some territories ("*" for all)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID
    name: str
    # None: no mailbox (the admin, unless ECOCIRC_ADMIN_EMAIL gives one): never written to.
    email: str | None
    territories: tuple[str, ...] = ()
    delivery: DeliveryMode = DeliveryMode.IMMEDIATE
    opted_out: bool = False

    def covers(self, territory: str | None) -> bool:
        return covers(self.territories, territory)


class Directory(BaseModel):
    """Everything the notifier knows about people, keyed for look-up."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    companies: Mapping[UUID, CompanyEntry] = Field(default_factory=dict)
    advisors: tuple[AdvisorEntry, ...] = ()


def territory_of(participant: Participant, directory: Directory) -> str | None:
    """A participant's territory: the directory's current one first, else what the matcher saw."""
    entry = directory.companies.get(participant.company_id)
    if entry is not None and entry.territory is not None:
        return entry.territory
    return participant.territory


def synergy_territories(synergy: SynergySnapshot, directory: Directory) -> tuple[str, ...]:
    """Every territory a synergy touches, sorted, so that any advisor of any of them hears of it."""
    found = set(synergy.territories)
    for participant in synergy.participants:
        territory = territory_of(participant, directory)
        if territory is not None:
            found.add(territory)
    return tuple(sorted(found))
