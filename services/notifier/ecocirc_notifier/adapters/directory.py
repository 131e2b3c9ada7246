"""Reads who to write to from intake's tables (read-only): contacts change, emails use the latest."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from ecocirc_notifier.domain.directory import AdvisorEntry, CompanyEntry, DeliveryMode, Directory
from ecocirc_shared.db import Connection


async def load_directory(conn: Connection, company_ids: Iterable[UUID], digest: bool) -> Directory:
    """The companies of one synergy and every advisor (a few dozen per programme)."""
    companies = await conn.fetch(
        """SELECT id, name, contact_email, naf_code, city, territory, email_opt_out, consent_to_be_named
           FROM intake.companies WHERE id = ANY($1::uuid[])""",
        list(company_ids),
    )
    advisors = await conn.fetch(
        """SELECT a.id, a.name, a.email, a.territories, coalesce(p.opted_out, false) AS opted_out,
                  p.delivery
           FROM intake.advisors a LEFT JOIN notifier.advisor_preferences p ON p.advisor_id = a.id"""
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
                opted_out=r["email_opt_out"],
                consent_to_be_named=r["consent_to_be_named"],
            )
            for r in companies
        },
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
        "SELECT territory FROM notifier.review_territories WHERE territory = ANY($1::text[])",
        list(territories),
    )
    return [r["territory"] for r in rows]
