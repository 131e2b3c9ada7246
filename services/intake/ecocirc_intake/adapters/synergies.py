"""Reads the synergy read model the notifier keeps (notifier.synergies), scoped to the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from ecocirc_shared.synergies import SynergySnapshot


@dataclass(frozen=True)
class StoredSynergy:
    snapshot: SynergySnapshot
    status: str
    updated_at: datetime


@dataclass(frozen=True)
class Scope:
    """What a caller may see: one company's synergies, or those touching some territories ("*": all)."""

    company_id: UUID | None = None
    territories: tuple[str, ...] = ()


def _where(scope: Scope, filter_company: UUID | None, include_withdrawn: bool) -> tuple[str, list[object]]:
    clauses: list[str] = [] if include_withdrawn else ["active"]
    args: list[object] = []
    if scope.company_id is not None:
        args.append(scope.company_id)
        clauses.append(f"${len(args)} = ANY(company_ids)")
    elif "*" not in scope.territories:
        args.append(list(scope.territories))
        clauses.append(f"territories && ${len(args)}::text[]")
    if filter_company is not None:
        args.append(filter_company)
        clauses.append(f"${len(args)} = ANY(company_ids)")
    return (" AND ".join(clauses) or "true"), args


async def list_synergies(
    pool: asyncpg.Pool,
    scope: Scope,
    *,
    company_id: UUID | None,
    include_withdrawn: bool,
    limit: int,
    offset: int,
) -> tuple[list[StoredSynergy], int]:
    where, args = _where(scope, company_id, include_withdrawn)
    try:
        total = await pool.fetchval(f"SELECT count(*) FROM notifier.synergies WHERE {where}", *args)
        rows = await pool.fetch(
            f"SELECT snapshot, status, updated_at FROM notifier.synergies WHERE {where} "
            f"ORDER BY score DESC, synergy_id LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
            *args,
            limit,
            offset,
        )
    except asyncpg.UndefinedTableError:
        return [], 0  # the notifier has not created its read model yet: nothing to show
    return [
        StoredSynergy(SynergySnapshot.model_validate_json(r["snapshot"]), r["status"], r["updated_at"])
        for r in rows
    ], int(total)


async def get_synergy(pool: asyncpg.Pool, scope: Scope, synergy_id: UUID) -> StoredSynergy | None:
    where, args = _where(scope, None, include_withdrawn=True)
    args.append(synergy_id)
    try:
        row = await pool.fetchrow(
            f"SELECT snapshot, status, updated_at FROM notifier.synergies WHERE {where} "
            f"AND synergy_id = ${len(args)}",
            *args,
        )
    except asyncpg.UndefinedTableError:
        return None
    if row is None:
        return None
    return StoredSynergy(
        SynergySnapshot.model_validate_json(row["snapshot"]), row["status"], row["updated_at"]
    )
