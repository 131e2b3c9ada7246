"""The synergy endpoints: the notifier's read model (through its read contract), scoped and redacted
for the caller by the shared confidentiality rules (the follow-up is in followup_routes)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from ecocirc_intake.adapters import directory as intake_directory
from ecocirc_intake.adapters import notifier_reads
from ecocirc_intake.entrypoints import unsubscribe_routes
from ecocirc_intake.entrypoints.api import Limit, Offset, PrincipalDep, StoreDep
from ecocirc_intake.entrypoints.schemas import Page, SynergyPublic, synergy_public
from ecocirc_intake.service_layer.errors import NotFound
from ecocirc_intake.service_layer.principals import Advisor, CompanyPrincipal, Principal
from ecocirc_shared.directory import Directory, RecipientKind, Viewer, territory_of
from ecocirc_shared.followup import SynergyStatus
from ecocirc_shared.recorded import is_stand_in
from ecocirc_shared.synergies import SynergyKind
from ecocirc_shared.visibility import party_views, sees_prices
from ecocirc_shared.wording import synergy_view

router = APIRouter(prefix="/v1")
router.include_router(unsubscribe_routes.router)


def _scope(principal: Principal) -> notifier_reads.Scope:
    if isinstance(principal, CompanyPrincipal):
        return notifier_reads.Scope(company_id=principal.id)
    return notifier_reads.Scope(territories=principal.territories)


def viewer_of(principal: Principal, directory: Directory) -> Viewer:
    """The caller as a reader of the shared confidentiality rules: the same rules as the emails."""
    if isinstance(principal, Advisor):
        return Viewer(kind=RecipientKind.ADVISOR, id=principal.id, territories=principal.territories)
    entry = directory.companies.get(principal.id)
    territory = entry.territory if entry else None
    return Viewer(kind=RecipientKind.COMPANY, id=principal.id, territories=(territory,) if territory else ())


def public(row: notifier_reads.StoredSynergy, directory: Directory, viewer: Viewer) -> SynergyPublic:
    """A synergy as the caller may read it: counterparts named only when the rules allow it."""
    snapshot = row.snapshot
    view = synergy_view(snapshot, directory, viewer)
    participants = []
    for participant, party in zip(
        snapshot.participants, party_views(snapshot, directory, viewer), strict=True
    ):
        in_full = party.is_viewer or viewer.follows(territory_of(participant, directory))
        # A participant of a recorded lead named without a flow has none to show.
        no_flow = is_stand_in(snapshot.synergy_id, participant.company_id, participant.flow_id)
        participants.append(
            {
                "company_id": participant.company_id if party.named else None,
                "flow_id": participant.flow_id if in_full and not no_flow else None,
                "role": participant.role.value,
                "label": party.flow_label,
            }
        )
    body: dict[str, Any] = synergy_public(snapshot, row.status, row.updated_at)
    # The matcher's sentence and notes may echo a name or label the caller may not read.
    impact: dict[str, Any] = {**snapshot.impact.model_dump(), "notes": list(view.impact_notes)}
    if not sees_prices(snapshot, directory, viewer):
        # Euros derive from the participants' prices: commercial information (visibility.py).
        impact.update(eur_saved_per_year=None, eur_notes=[])
    body.update(
        participants=participants, explanation=view.explanation, resource=view.resource, impact=impact
    )
    return SynergyPublic.model_validate(body)


async def shaped(
    store: StoreDep, rows: list[notifier_reads.StoredSynergy], principal: Principal
) -> list[SynergyPublic]:
    companies = {p.company_id for r in rows for p in r.snapshot.participants}
    if isinstance(principal, CompanyPrincipal):
        companies.add(principal.id)
    async with store.pool.acquire() as conn:
        directory = await intake_directory.companies(conn, companies)
    viewer = viewer_of(principal, directory)
    return [public(r, directory, viewer) for r in rows]


@router.get("/synergies", response_model=Page[SynergyPublic], tags=["synergies"])
async def list_synergies(
    store: StoreDep,
    principal: PrincipalDep,
    company_id: UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
    include_withdrawn: bool = False,
    status: Annotated[
        list[SynergyStatus] | None,
        Query(description="Only these statuses (repeat the parameter for several)."),
    ] = None,
    kind: SynergyKind | None = None,
    owner_id: Annotated[UUID | None, Query(description="Advisors: only the leads this advisor owns.")] = None,
    territory: Annotated[
        str | None, Query(max_length=100, description="Advisors: only the leads touching this territory.")
    ] = None,
) -> Page[SynergyPublic]:
    """Best first. A lead withdrawn by the matcher is left out unless include_withdrawn (a lead people
    had taken up keeps its status and stays)."""
    filters = notifier_reads.Filters(
        statuses=tuple(s.value for s in status or ()),
        kind=kind.value if kind else None,
        owner_id=owner_id,
        territory=territory,
    )
    rows, total = await notifier_reads.list_synergies(
        store.pool,
        _scope(principal),
        company_id=company_id,
        include_withdrawn=include_withdrawn or SynergyStatus.WITHDRAWN in (status or ()),
        limit=limit,
        offset=offset,
        filters=filters,
    )
    items = await shaped(store, rows, principal)
    return Page[SynergyPublic](items=items, total=total, limit=limit, offset=offset)


@router.get("/synergies/{synergy_id}", response_model=SynergyPublic, tags=["synergies"])
async def get_synergy(synergy_id: UUID, store: StoreDep, principal: PrincipalDep) -> SynergyPublic:
    row = await notifier_reads.get_synergy(store.pool, _scope(principal), synergy_id)
    if row is None:
        raise NotFound("Synergie introuvable.")
    [item] = await shaped(store, [row], principal)
    return item
