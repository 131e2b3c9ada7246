"""The notifier's tables as the API reads and writes them: synergies scoped to the caller, follow-up, opt-outs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from ecocirc_shared.db import Connection
from ecocirc_shared.synergies import SynergySnapshot
from ecocirc_shared.territories import ALL_TERRITORIES


@dataclass(frozen=True)
class StoredSynergy:
    snapshot: SynergySnapshot
    status: str
    updated_at: datetime
    active: bool = True
    released: bool = True


@dataclass(frozen=True)
class Scope:
    """What a caller may see: one company's synergies, or those touching some territories ("*": all)."""

    company_id: UUID | None = None
    territories: tuple[str, ...] = ()


def _where(scope: Scope, filter_company: UUID | None, include_withdrawn: bool) -> tuple[str, list[object]]:
    clauses: list[str] = [] if include_withdrawn else ["active"]
    args: list[object] = []
    if scope.company_id is not None:
        # company_viewers holds the participants once the synergy is released to them (review mode).
        args.append(scope.company_id)
        clauses.append(f"${len(args)} = ANY(company_viewers)")
    elif ALL_TERRITORIES not in scope.territories:
        args.append(list(scope.territories))
        clauses.append(f"territories && ${len(args)}::text[]")
    if filter_company is not None and scope.company_id is not None and filter_company != scope.company_id:
        # A company may filter on itself only: filtering on another id would tell it whether that
        # company is its counterpart, named or not.
        clauses.append("false")
    elif filter_company is not None:
        args.append(filter_company)
        clauses.append(f"${len(args)} = ANY(company_ids)")
    return (" AND ".join(clauses) or "true"), args


def _stored(r: asyncpg.Record) -> StoredSynergy:
    return StoredSynergy(
        SynergySnapshot.model_validate_json(r["snapshot"]),
        r["status"],
        r["updated_at"],
        r["active"],
        r["released"],
    )


_COLUMNS = "snapshot, status, updated_at, active, released"


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
        rows = await pool.fetch(
            f"SELECT {_COLUMNS}, count(*) OVER () AS total FROM notifier.synergies WHERE {where} "
            f"ORDER BY score DESC, synergy_id LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
            *args,
            limit,
            offset,
        )
        if rows:
            total = int(rows[0]["total"])
        else:
            # An offset past the end returns no row to carry the window count.
            total = int(await pool.fetchval(f"SELECT count(*) FROM notifier.synergies WHERE {where}", *args))
    except asyncpg.UndefinedTableError:
        return [], 0  # the notifier has not created its read model yet: nothing to show
    return [_stored(r) for r in rows], total


async def get_synergy(
    conn: Connection | asyncpg.Pool, scope: Scope, synergy_id: UUID
) -> StoredSynergy | None:
    where, args = _where(scope, None, include_withdrawn=True)
    args.append(synergy_id)
    try:
        row = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM notifier.synergies WHERE {where} AND synergy_id = ${len(args)}", *args
        )
    except asyncpg.UndefinedTableError:
        return None
    return None if row is None else _stored(row)


async def lock_synergy(conn: Connection, synergy_id: UUID) -> asyncpg.Record | None:
    """The follow-up state of a synergy, locked against the notifier's concurrent updates."""
    return await conn.fetchrow(
        """SELECT synergy_id, status, active, released, company_ids, territories
           FROM notifier.synergies WHERE synergy_id = $1 FOR UPDATE""",
        synergy_id,
    )


async def set_status(conn: Connection, synergy_id: UUID, status: str, released: bool, at: datetime) -> None:
    await conn.execute(
        """UPDATE notifier.synergies
           SET status = $2, released = $3, company_viewers = CASE WHEN $3 THEN company_ids ELSE '{}' END,
               updated_at = $4
           WHERE synergy_id = $1""",
        synergy_id,
        status,
        released,
        at,
    )


async def add_history(
    conn: Connection, synergy_id: UUID, status: str, previous: str, by: UUID, note: str | None, at: datetime
) -> None:
    await conn.execute(
        """INSERT INTO notifier.status_history (synergy_id, status, previous, source, changed_by, note, changed_at)
           VALUES ($1, $2, $3, 'advisor', $4, $5, $6)""",
        synergy_id,
        status,
        previous,
        by,
        note,
        at,
    )


async def release_held(conn: Connection, synergy_id: UUID, at: datetime) -> int:
    """Let the emails held for review go out now; return how many."""
    result = await conn.execute(
        """UPDATE notifier.deliveries SET status = 'pending', next_attempt_at = LEAST(next_attempt_at, $2)
           WHERE synergy_id = $1 AND status = 'held'""",
        synergy_id,
        at,
    )
    return int(result.split()[-1])


async def discard_held(conn: Connection, synergy_id: UUID, reason: str) -> int:
    result = await conn.execute(
        """UPDATE notifier.deliveries SET status = 'cancelled', last_error = $2
           WHERE synergy_id = $1 AND status = 'held'""",
        synergy_id,
        reason,
    )
    return int(result.split()[-1])


async def history(pool: asyncpg.Pool, synergy_id: UUID) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        """SELECT status, previous, source, changed_by, note, changed_at FROM notifier.status_history
           WHERE synergy_id = $1 ORDER BY id""",
        synergy_id,
    )
    return [dict(r) for r in rows]


async def deliveries(pool: asyncpg.Pool, synergy_id: UUID) -> list[dict[str, Any]]:
    """Every email queued about a synergy, with its outcome, and the recipient company's territory."""
    rows = await pool.fetch(
        """SELECT d.news_kind, d.recipient_kind, d.recipient_id, d.email, d.status, d.attempts, d.last_error,
                  d.digest, d.created_at, d.next_attempt_at, d.sent_at, c.territory AS company_territory
           FROM notifier.deliveries d LEFT JOIN intake.companies c
             ON d.recipient_kind = 'company' AND c.id = d.recipient_id
           WHERE d.synergy_id = $1 ORDER BY d.created_at, d.news_key""",
        synergy_id,
    )
    return [dict(r) for r in rows]


async def review_mode(pool: asyncpg.Pool, territory: str) -> bool:
    try:
        found = await pool.fetchval(
            "SELECT 1 FROM notifier.review_territories WHERE territory = $1", territory
        )
    except asyncpg.UndefinedTableError:
        return False
    return found is not None


async def set_review_mode(pool: asyncpg.Pool, territory: str, enabled: bool, by: UUID) -> None:
    if enabled:
        await pool.execute(
            """INSERT INTO notifier.review_territories (territory, enabled_by) VALUES ($1, $2)
               ON CONFLICT (territory) DO NOTHING""",
            territory,
            by,
        )
    else:
        await pool.execute("DELETE FROM notifier.review_territories WHERE territory = $1", territory)


async def opt_out(pool: asyncpg.Pool, kind: str, recipient_id: UUID) -> bool:
    """Stop emails to a company or an advisor; return False if nobody has that id."""
    if kind == "company":
        result = await pool.execute(
            "UPDATE intake.companies SET email_opt_out = true WHERE id = $1", recipient_id
        )
        return result != "UPDATE 0"
    exists = await pool.fetchval("SELECT 1 FROM intake.advisors WHERE id = $1", recipient_id)
    if exists is None:
        return False
    await pool.execute(
        """INSERT INTO notifier.advisor_preferences (advisor_id, opted_out, updated_at) VALUES ($1, true, now())
           ON CONFLICT (advisor_id) DO UPDATE SET opted_out = true, updated_at = now()""",
        recipient_id,
    )
    return True
