"""Intake's own companies and advisors, as the shared confidentiality rules read them."""

from __future__ import annotations

from collections.abc import Iterable
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
        companies={
            r["id"]: CompanyEntry(
                id=r["id"],
                name=r["name"],
                contact_email=r["contact_email"],
                naf_code=r["naf_code"],
                city=r["city"],
                territory=r["territory"],
                consent_to_be_named=r["consent_to_be_named"],
            )
            for r in rows
        }
    )


async def advisor_territories(conn: Connection, advisor_ids: Iterable[UUID]) -> dict[UUID, tuple[str, ...]]:
    """The territories each advisor follows now (an advisor since removed is absent)."""
    rows = await conn.fetch(
        "SELECT id, territories FROM advisors WHERE id = ANY($1::uuid[])", list(advisor_ids)
    )
    return {r["id"]: tuple(r["territories"]) for r in rows}
