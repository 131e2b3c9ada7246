"""The synergy endpoints: the read model the notifier keeps, scoped and redacted for the caller."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from ecocirc_intake.adapters import synergies as synergy_reads
from ecocirc_intake.entrypoints.api import Limit, Offset, PrincipalDep
from ecocirc_intake.entrypoints.schemas import Page, SynergyPublic, synergy_public
from ecocirc_intake.service_layer.errors import NotFound
from ecocirc_intake.service_layer.principals import Advisor, CompanyPrincipal, Principal
from ecocirc_shared.flows import Confidentiality
from ecocirc_shared.synergies import SynergySnapshot

router = APIRouter(prefix="/v1")


def _scope(principal: Principal) -> synergy_reads.Scope:
    if isinstance(principal, CompanyPrincipal):
        return synergy_reads.Scope(company_id=principal.id)
    return synergy_reads.Scope(territories=principal.territories)


def _visible(snapshot: SynergySnapshot, principal: Principal) -> dict[str, Any] | None:
    """Participants as the caller may see them; None if a company may not see this synergy at all."""
    participants = []
    for p in snapshot.participants:
        own = isinstance(principal, Advisor) or p.company_id == principal.id
        if not own and p.confidentiality is Confidentiality.ADVISOR_ONLY:
            return None  # an advisor_only flow never reaches another company
        participants.append(
            {
                "company_id": p.company_id if own else None,
                "flow_id": p.flow_id if own else None,
                "role": p.role.value,
                "label": p.flow_label,
            }
        )
    return {"participants": participants}


@router.get("/synergies", response_model=Page[SynergyPublic], tags=["synergies"])
async def list_synergies(
    request: Request,
    principal: PrincipalDep,
    company_id: UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
    include_withdrawn: bool = False,
) -> Page[SynergyPublic]:
    rows, total = await synergy_reads.list_synergies(
        request.app.state.store.pool,
        _scope(principal),
        company_id=company_id,
        include_withdrawn=include_withdrawn,
        limit=limit,
        offset=offset,
    )
    items = []
    for row in rows:
        visible = _visible(row.snapshot, principal)
        if visible is not None:
            items.append(
                SynergyPublic.model_validate(
                    {**synergy_public(row.snapshot, row.status, row.updated_at), **visible}
                )
            )
    return Page[SynergyPublic](items=items, total=total, limit=limit, offset=offset)


@router.get("/synergies/{synergy_id}", response_model=SynergyPublic, tags=["synergies"])
async def get_synergy(synergy_id: UUID, request: Request, principal: PrincipalDep) -> SynergyPublic:
    row = await synergy_reads.get_synergy(request.app.state.store.pool, _scope(principal), synergy_id)
    visible = _visible(row.snapshot, principal) if row else None
    if row is None or visible is None:
        raise NotFound("Synergie introuvable.")
    return SynergyPublic.model_validate(
        {**synergy_public(row.snapshot, row.status, row.updated_at), **visible}
    )
