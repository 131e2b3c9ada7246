"""Who to write to: intake's directory through its read contract (`intake_read`), with the email
preferences the notifier keeps. Read again at sending time: a contact changed or an advisor
deactivated is followed at once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from uuid import UUID

import asyncpg

from ecocirc_shared.db import Connection
from ecocirc_shared.directory import AdvisorEntry, CompanyEntry, DeliveryMode, Directory
from ecocirc_shared.logging import get_logger

log = get_logger(__name__)

CONTRACT = ("intake_read.companies_v1", "intake_read.advisors_v1")


async def load_directory(conn: Connection, company_ids: Iterable[UUID], digest: bool) -> Directory:
    """The companies of one synergy and every active advisor (a few dozen per programme)."""
    companies = await conn.fetch(
        """SELECT c.id, c.name, c.contact_email, c.naf_code, c.city, c.territory, c.consent_to_be_named,
                  coalesce(p.opted_out, false) AS opted_out
           FROM intake_read.companies_v1 c
           LEFT JOIN email_preferences p ON p.recipient_kind = 'company' AND p.recipient_id = c.id
           WHERE c.id = ANY($1::uuid[])""",
        list(company_ids),
    )
    advisors = await conn.fetch(
        """SELECT a.id, a.name, a.email, a.territories, coalesce(p.opted_out, false) AS opted_out, p.delivery
           FROM intake_read.advisors_v1 a
           LEFT JOIN email_preferences p ON p.recipient_kind = 'advisor' AND p.recipient_id = a.id
           WHERE a.active"""
    )
    return Directory(
        # The columns are named as CompanyEntry's fields (it forbids any other): one row, one entry.
        companies={r["id"]: CompanyEntry(**dict(r)) for r in companies},
        advisors=tuple(
            AdvisorEntry(
                id=r["id"],
                name=r["name"],
                email=r["email"],
                territories=tuple(r["territories"]),
                # The advisor's own choice, else the programme's default; the digest exists only
                # where the programme sends digests at all.
                delivery=DeliveryMode(r["delivery"])
                if r["delivery"] and digest
                else (DeliveryMode.DIGEST if digest else DeliveryMode.IMMEDIATE),
                opted_out=r["opted_out"],
            )
            for r in advisors
        ),
    )


async def review_territories(conn: Connection, territories: Iterable[str]) -> list[str]:
    """Which of `territories` are in review mode (companies told only after an advisor approves)."""
    rows = await conn.fetch(
        "SELECT territory FROM review_territories WHERE territory = ANY($1::text[]) ORDER BY territory",
        list(territories),
    )
    return [r["territory"] for r in rows]


async def wait_for_contract(pool: asyncpg.Pool, poll_s: float = 0.5) -> None:
    """Wait until intake has published its read contract: the services may start in any order."""
    while True:
        found = await pool.fetchval(
            "SELECT bool_and(to_regclass(name) IS NOT NULL) FROM unnest($1::text[]) AS name", list(CONTRACT)
        )
        if found:
            return
        log.info("waiting_for_intake_read_contract", views=list(CONTRACT))
        await asyncio.sleep(poll_s)
