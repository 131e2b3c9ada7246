"""An advisor's view of their territories as a whole: how many companies, flows and leads (by status,
kind and resource class), every current flow, and the advisors who may own a lead. Leads are counted
through the notifier's read contract with the same scope as the list of leads."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from ecocirc_intake.adapters import notifier_reads
from ecocirc_intake.adapters.store import AdvisorRecord, IntakeStore
from ecocirc_intake.domain.errors import FieldError
from ecocirc_intake.domain.text import clean_optional_text
from ecocirc_intake.service_layer.errors import Forbidden, InvalidInput, Problem
from ecocirc_intake.service_layer.followup import require_advisor
from ecocirc_intake.service_layer.principals import Advisor, Principal
from ecocirc_shared.territories import ALL_TERRITORIES


def territories_of(advisor: Advisor, territory: str | None) -> list[str] | None:
    """The territories a view covers: one the advisor follows, else all of theirs (None: every one)."""
    if territory:
        if not advisor.covers(territory) or territory == ALL_TERRITORIES:
            raise Forbidden(f"Le territoire {territory} ne fait pas partie de vos territoires.")
        return [territory]
    return None if advisor.covers(None) else list(advisor.territories)


def lead_scope(territories: list[str] | None) -> notifier_reads.Scope:
    return notifier_reads.Scope(
        territories=tuple(territories) if territories is not None else (ALL_TERRITORIES,)
    )


@dataclass(frozen=True)
class Overview:
    companies: int
    offers: int
    needs: int
    leads: list[notifier_reads.LeadCount]

    @property
    def flows(self) -> int:
        return self.offers + self.needs

    @property
    def lead_total(self) -> int:
        return sum(c.count for c in self.leads)

    def by(self, field: str) -> dict[str, int]:
        counted: dict[str, int] = {}
        for count in self.leads:
            key = getattr(count, field)
            counted[key] = counted.get(key, 0) + count.count
        return counted

    def class_labels(self) -> dict[str, str]:
        return {c.resource_class: c.resource_label for c in self.leads}


async def overview(store: IntakeStore, principal: Principal, territory: str | None) -> Overview:
    """Companies, current offers and needs, and the leads (the matcher's withdrawals apart) counted."""
    advisor = require_advisor(principal)
    territories = territories_of(advisor, territory)
    async with store.transaction() as tx:
        counts = await tx.territory_counts(territories)
    leads = await notifier_reads.lead_counts(store.pool, lead_scope(territories))
    return Overview(int(counts["companies"]), int(counts["offers"]), int(counts["needs"]), leads)


def _clean(value: str | None, field: str) -> str | None:
    try:
        return clean_optional_text(value, field, max_length=200)
    except FieldError as error:
        raise InvalidInput("Recherche invalide.", [Problem(error.field, error.message)]) from error


async def territory_flows(
    store: IntakeStore,
    principal: Principal,
    *,
    territory: str | None,
    name: str | None,
    commune: str | None,
    limit: int,
    offset: int,
) -> tuple[list[asyncpg.Record], int]:
    """Every current flow of the advisor's territories (advisor_only ones too: theirs to read), with
    its company; narrowed to a territory, a company name or a commune."""
    advisor = require_advisor(principal)
    territories = territories_of(advisor, territory)
    async with store.transaction() as tx:
        return await tx.territory_flow_list(
            territories=territories,
            territory=None,
            name=_clean(name, "name"),
            commune=_clean(commune, "commune"),
            limit=limit,
            offset=offset,
        )


async def company_ids(
    store: IntakeStore, principal: Principal, *, territory: str | None, name: str | None, commune: str | None
) -> tuple[UUID, ...] | None:
    """The advisor's companies a name or commune designates (None when neither narrows anything)."""
    advisor = require_advisor(principal)
    if not name and not commune:
        return None
    territories = territories_of(advisor, territory)
    async with store.transaction() as tx:
        found, _ = await tx.list_companies(
            territories=territories,
            territory=None,
            name=_clean(name, "name"),
            commune=_clean(commune, "commune"),
            limit=10_000,
            offset=0,
        )
    return tuple(c.id for c in found)


async def followed_territories(store: IntakeStore, principal: Principal) -> list[str]:
    """The territories an advisor may choose among (for "*": those the programme's companies are in)."""
    advisor = require_advisor(principal)
    if not advisor.covers(None):
        return sorted(advisor.territories)
    async with store.transaction() as tx:
        return await tx.known_territories()


async def possible_owners(
    store: IntakeStore, principal: Principal, territories: list[str] | None = None
) -> list[AdvisorRecord]:
    """The active advisors who follow some of these territories (default: the reader's)."""
    advisor = require_advisor(principal)
    wanted = territories if territories is not None else territories_of(advisor, None)
    async with store.transaction() as tx:
        return await tx.advisors_following(wanted)
