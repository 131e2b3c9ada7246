"""Intake's own companies and advisors, as the shared confidentiality rules read them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from ecocirc_shared.db import Connection
from ecocirc_shared.directory import CompanyEntry, Directory


async def companies(conn: Connection, company_ids: Iterable[UUID]) -> Directory:
    rows = await conn.fetch(
        """SELECT id, name, contact_email, naf_code, city, territory, consent_to_be_named
           FROM companies WHERE id = ANY($1::uuid[])""",
        list(company_ids),
    )
    return Directory(
        # The columns are named as CompanyEntry's fields (it forbids any other): one row, one entry.
        companies={r["id"]: CompanyEntry(**dict(r)) for r in rows}
    )


async def advisor_territories(conn: Connection, advisor_ids: Iterable[UUID]) -> dict[UUID, tuple[str, ...]]:
    """The territories each advisor follows now (an advisor since removed is absent)."""
    rows = await conn.fetch(
        "SELECT id, territories FROM advisors WHERE id = ANY($1::uuid[])", list(advisor_ids)
    )
    return {r["id"]: tuple(r["territories"]) for r in rows}


async def advisor_names(conn: Connection, advisor_ids: Iterable[UUID]) -> dict[UUID, str]:
    rows = await conn.fetch("SELECT id, name FROM advisors WHERE id = ANY($1::uuid[])", list(advisor_ids))
    return {r["id"]: r["name"] for r in rows}


async def active_advisors(conn: Connection, advisor_ids: Iterable[UUID]) -> dict[UUID, tuple[str, ...]]:
    """The territories of each of these advisors who is active (a deactivated one is absent)."""
    rows = await conn.fetch(
        "SELECT id, territories FROM advisors WHERE id = ANY($1::uuid[]) AND active", list(advisor_ids)
    )
    return {r["id"]: tuple(r["territories"]) for r in rows}


@dataclass(frozen=True)
class AdvisorContact:
    name: str
    email: str


async def advisor_for(conn: Connection, territory: str | None) -> AdvisorContact | None:
    """Whom a company of `territory` calls: an active advisor of that very territory with a mailbox
    (the first by name), as the emails say; nobody following every territory (the admin) is offered."""
    if territory is None:
        return None
    row = await conn.fetchrow(
        """SELECT name, email FROM advisors
           WHERE active AND email IS NOT NULL AND $1 = ANY(territories)
           ORDER BY lower(name), id LIMIT 1""",
        territory,
    )
    return None if row is None else AdvisorContact(row["name"], row["email"])
