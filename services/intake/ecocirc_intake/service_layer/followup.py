"""Advisors follow a synergy up: change its status with history, approve it in review mode, set review mode."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import asyncpg

from ecocirc_intake.adapters import synergies as synergy_store
from ecocirc_intake.service_layer.errors import Conflict, Forbidden, NotFound
from ecocirc_intake.service_layer.principals import Advisor, Principal
from ecocirc_notifier.domain.followup import SynergyStatus, discards_held, releases_companies


def require_advisor(principal: Principal) -> Advisor:
    if not isinstance(principal, Advisor):
        raise Forbidden("Seul un conseiller peut suivre une synergie.")
    return principal


def scope_of(advisor: Advisor) -> synergy_store.Scope:
    return synergy_store.Scope(territories=advisor.territories)


async def change_status(
    pool: asyncpg.Pool, principal: Principal, synergy_id: UUID, status: SynergyStatus, note: str | None
) -> None:
    """Record the new status; in review mode, approving releases the companies' emails, refusing drops them."""
    advisor = require_advisor(principal)
    now = datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        if await synergy_store.get_synergy(conn, scope_of(advisor), synergy_id) is None:
            raise NotFound("Synergie introuvable.")
        row = await synergy_store.lock_synergy(conn, synergy_id)
        assert row is not None
        if not row["active"] and status is not SynergyStatus.WITHDRAWN:
            raise Conflict(
                "Cette synergie a été retirée : ses flux ne se correspondent plus. Son suivi est clos."
            )
        released = row["released"]
        if not released and releases_companies(status):
            released = True
            await synergy_store.release_held(conn, synergy_id, now)
        elif not released and discards_held(status):
            await synergy_store.discard_held(conn, synergy_id, f"{status.value} by an advisor")
        if row["status"] == status.value and released == row["released"] and not note:
            return  # setting the same status again is not history
        await synergy_store.set_status(conn, synergy_id, status.value, released, now)
        await synergy_store.add_history(conn, synergy_id, status.value, row["status"], advisor.id, note, now)


async def set_review_mode(pool: asyncpg.Pool, principal: Principal, territory: str, enabled: bool) -> None:
    advisor = require_advisor(principal)
    if not advisor.covers(territory) or (territory == "*" and not advisor.is_admin):
        raise Forbidden(f"Le territoire {territory} ne fait pas partie de vos territoires.")
    await synergy_store.set_review_mode(pool, territory, enabled, advisor.id)
