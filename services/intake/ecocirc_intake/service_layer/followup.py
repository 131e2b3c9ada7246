"""Advisors follow a synergy up: change its status (in review mode, approve or refuse it) and set
review mode. Intake checks who may decide; the notifier, which owns that state, applies the decision
(docs/boundaries.md)."""

from __future__ import annotations

from uuid import UUID

from ecocirc_intake.adapters import notifier_reads
from ecocirc_intake.adapters.store import IntakeStore
from ecocirc_intake.service_layer.errors import Conflict, Forbidden, NotFound
from ecocirc_intake.service_layer.principals import Advisor, Principal
from ecocirc_shared.events import ReviewModeChanged, SynergyStatusChanged
from ecocirc_shared.followup import (
    REFUSED_WITHDRAWN,
    SynergyStatus,
    discards_held,
    may_decide_held,
    releases_companies,
)
from ecocirc_shared.territories import ALL_TERRITORIES

WITHDRAWN = "Cette synergie a été retirée : ses flux ne se correspondent plus. Son suivi est clos."


def require_advisor(principal: Principal) -> Advisor:
    if not isinstance(principal, Advisor):
        raise Forbidden("Seul un conseiller peut suivre une synergie.")
    return principal


def scope_of(advisor: Advisor) -> notifier_reads.Scope:
    return notifier_reads.Scope(territories=advisor.territories)


def require_territory(principal: Principal, territory: str) -> Advisor:
    """An advisor of `territory` (review mode of "*" is the admin's alone)."""
    advisor = require_advisor(principal)
    if not advisor.covers(territory) or (territory == ALL_TERRITORIES and not advisor.is_admin):
        raise Forbidden(f"Le territoire {territory} ne fait pas partie de vos territoires.")
    return advisor


async def change_status(
    store: IntakeStore,
    principal: Principal,
    synergy_id: UUID,
    status: SynergyStatus,
    note: str | None,
    wait_s: float,
) -> tuple[UUID, str | None]:
    """Record the decision; return its id and outcome (None: not applied by the notifier yet).

    In review mode, approving releases the companies' emails and refusing drops them; only an
    advisor following every territory whose review mode holds the synergy may do either.
    """
    advisor = require_advisor(principal)
    async with store.transaction() as tx:
        synergy = await notifier_reads.get_synergy(tx.conn, scope_of(advisor), synergy_id)
        if synergy is None:
            raise NotFound("Synergie introuvable.")
        if not synergy.active and status is not SynergyStatus.WITHDRAWN:
            raise Conflict(WITHDRAWN)
        decides_held = releases_companies(status) or discards_held(status)
        if (
            not synergy.released
            and decides_held
            and not may_decide_held(advisor.territories, synergy.held_by)
        ):
            others = ", ".join(t for t in synergy.held_by if not advisor.covers(t))
            raise Forbidden(
                f"Cette synergie attend l'accord d'un conseiller du territoire {others} (mode relecture) : "
                "vous pouvez la suivre, pas la valider ni la refuser."
            )
        decision = SynergyStatusChanged(
            synergy_id=synergy_id, status=status, note=note, advisor_id=advisor.id
        )
        await tx.enqueue_decision(decision)
    outcome = await notifier_reads.wait_for_decision(store.pool, decision.event_id, wait_s)
    if outcome == REFUSED_WITHDRAWN:
        raise Conflict(WITHDRAWN)
    return decision.event_id, outcome


async def review_mode(store: IntakeStore, principal: Principal, territory: str) -> bool:
    require_territory(principal, territory)
    return await notifier_reads.review_mode(store.pool, territory)


async def set_review_mode(
    store: IntakeStore, principal: Principal, territory: str, enabled: bool, wait_s: float
) -> str | None:
    advisor = require_territory(principal, territory)
    decision = ReviewModeChanged(territory=territory, enabled=enabled, advisor_id=advisor.id)
    async with store.transaction() as tx:
        await tx.enqueue_decision(decision)
    return await notifier_reads.wait_for_decision(store.pool, decision.event_id, wait_s)
