"""The synergy endpoints: the notifier's read model (through its read contract), scoped and redacted
for the caller by the shared confidentiality rules (the advisors' follow-up is in followup_routes)."""

from __future__ import annotations

import dataclasses
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from ecocirc_intake.adapters import directory as intake_directory
from ecocirc_intake.adapters import notifier_reads
from ecocirc_intake.adapters.store import IntakeStore
from ecocirc_intake.entrypoints import unsubscribe_routes
from ecocirc_intake.entrypoints.api import Limit, Offset, PrincipalDep, StoreDep
from ecocirc_intake.entrypoints.schemas import (
    ImpactPublic,
    Page,
    ParticipantPublic,
    QuantityPublic,
    RangePublic,
    SynergyPublic,
)
from ecocirc_intake.service_layer.errors import NotFound
from ecocirc_intake.service_layer.principals import Advisor, CompanyPrincipal, Principal
from ecocirc_shared.bands import Band
from ecocirc_shared.directory import Directory, RecipientKind, Viewer
from ecocirc_shared.followup import SynergyStatus
from ecocirc_shared.recorded import is_stand_in
from ecocirc_shared.settings import IntakeSettings
from ecocirc_shared.synergies import SynergyKind
from ecocirc_shared.visibility import Figure, sees_prices
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


def _figure(value: Figure | None) -> float | RangePublic | None:
    if isinstance(value, Band):
        return RangePublic(min=value.low, max=value.high)
    return value


def _public(row: notifier_reads.StoredSynergy, directory: Directory, viewer: Viewer) -> SynergyPublic:
    """A synergy as the caller may read it, by the shared rules the emails follow: counterparts named,
    and figures exact, as ranges or withheld, as `ecocirc_shared.visibility` says."""
    snapshot = row.snapshot
    view = synergy_view(snapshot, directory, viewer, introduced=row.introduced)
    facts = view.figures
    quantity = facts.quantity
    impact = facts.impact
    return SynergyPublic(
        id=snapshot.synergy_id,
        kind=snapshot.kind.value,
        disclosure=facts.disclosure.value,
        score=facts.score,
        score_parts=dict(facts.score_parts),
        participants=[
            ParticipantPublic(
                company_id=participant.company_id if party.named else None,
                # A participant of a recorded lead named without a flow has none to show.
                flow_id=participant.flow_id
                if party.in_full
                and not is_stand_in(snapshot.synergy_id, participant.company_id, participant.flow_id)
                else None,
                role=participant.role.value,
                label=party.flow_label,
            )
            for participant, party in zip(snapshot.participants, view.parties, strict=True)
        ],
        distance_km=facts.distance_km,
        # The matcher's sentence and notes may echo a name, a label or an exact figure: the view's.
        explanation=view.explanation,
        status=row.status,
        resource=view.resource,
        months=list(facts.months or ()),
        quantity=None
        if quantity is None
        else QuantityPublic(
            amount_per_year=_figure(quantity.amount_per_year),
            unit=quantity.unit,
            coverage=_figure(quantity.coverage),
        ),
        impact=None
        if impact is None
        else ImpactPublic(
            tonnes_diverted_per_year=_figure(impact.tonnes_diverted_per_year),
            co2e_avoided_kg_per_year=_figure(impact.co2e_avoided_kg_per_year),
            transport_co2e_kg_per_year=_figure(impact.transport_co2e_kg_per_year),
            notes=list(impact.notes),
            **_euros(row, directory, viewer),
        ),
        revision=snapshot.revision,
        updated_at=row.updated_at,
    )


def _euros(row: notifier_reads.StoredSynergy, directory: Directory, viewer: Viewer) -> dict[str, object]:
    """Euros derive from the participants' prices, commercial information: for those who may read them."""
    impact = row.snapshot.impact
    if impact.eur_saved_per_year is None or not sees_prices(row.snapshot, directory, viewer):
        return {}
    return {"eur_saved_per_year": impact.eur_saved_per_year, "eur_notes": list(impact.eur_notes)}


async def _shaped(
    store: IntakeStore, rows: list[notifier_reads.StoredSynergy], principal: Principal
) -> list[SynergyPublic]:
    companies = {p.company_id for r in rows for p in r.snapshot.participants}
    if isinstance(principal, CompanyPrincipal):
        companies.add(principal.id)
    async with store.pool.acquire() as conn:
        directory = await intake_directory.companies(conn, companies)
        introduced = await notifier_reads.introduced(conn, [r.snapshot.synergy_id for r in rows])
    viewer = viewer_of(principal, directory)
    # Every participant said yes: each is named to the others, with the exact figures.
    rows = [dataclasses.replace(r, introduced=r.snapshot.synergy_id in introduced) for r in rows]
    return [_public(r, directory, viewer) for r in rows]


@router.get("/synergies", response_model=Page[SynergyPublic], tags=["synergies"])
async def list_synergies(
    request: Request,
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
    resource_class: Annotated[
        str | None, Query(max_length=100, description="Only the leads of this resource class.")
    ] = None,
    min_score: Annotated[
        float | None, Query(ge=0, le=1, description="Only the leads scored this or more.")
    ] = None,
    overdue: Annotated[
        bool,
        Query(description="Advisors: only the open leads whose next action is past (the programme's day)."),
    ] = False,
) -> Page[SynergyPublic]:
    """Best first. A lead withdrawn by the matcher is left out unless include_withdrawn (a lead people
    had taken up keeps its status and stays)."""
    settings: IntakeSettings = request.app.state.settings
    filters = notifier_reads.Filters(
        statuses=tuple(s.value for s in status or ()),
        kind=kind.value if kind else None,
        owner_id=owner_id,
        territory=territory,
        resource_class=resource_class,
        min_score=min_score,
        overdue_on=settings.today() if overdue else None,
    )
    items, total = await synergies_for(
        store,
        principal,
        company_id=company_id,
        include_withdrawn=include_withdrawn or SynergyStatus.WITHDRAWN in (status or ()),
        limit=limit,
        offset=offset,
        filters=filters,
    )
    return Page[SynergyPublic](items=items, total=total, limit=limit, offset=offset)


async def synergies_for(
    store: IntakeStore,
    principal: Principal,
    *,
    company_id: UUID | None,
    include_withdrawn: bool,
    limit: int,
    offset: int,
    filters: notifier_reads.Filters | None = None,
) -> tuple[list[SynergyPublic], int]:
    """The synergies a caller may see, best first, redacted for them: the API's list and the web's leads."""
    rows, total = await notifier_reads.list_synergies(
        store.pool,
        _scope(principal),
        company_id=company_id,
        include_withdrawn=include_withdrawn,
        limit=limit,
        offset=offset,
        filters=filters or notifier_reads.Filters(),
    )
    return await _shaped(store, rows, principal), total


@router.get("/synergies/{synergy_id}", response_model=SynergyPublic, tags=["synergies"])
async def get_synergy(synergy_id: UUID, store: StoreDep, principal: PrincipalDep) -> SynergyPublic:
    row = await notifier_reads.get_synergy(store.pool, _scope(principal), synergy_id)
    if row is None:
        raise NotFound("Synergie introuvable.")
    [item] = await _shaped(store, [row], principal)
    return item
