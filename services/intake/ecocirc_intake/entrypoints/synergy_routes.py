"""The synergy endpoints: the notifier's read model (through its read contract), scoped and redacted
for the caller by the shared confidentiality rules, and the advisors' follow-up (status with history,
review mode, emails sent and failed), each advisor reading only what their territories allow."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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
from ecocirc_intake.service_layer import followup
from ecocirc_intake.service_layer.errors import NotFound
from ecocirc_intake.service_layer.principals import Advisor, CompanyPrincipal, Principal
from ecocirc_shared.bands import Band
from ecocirc_shared.directory import Directory, RecipientKind, Viewer, synergy_territories
from ecocirc_shared.followup import SynergyStatus, sees_in_full
from ecocirc_shared.settings import IntakeSettings
from ecocirc_shared.visibility import Figure
from ecocirc_shared.wording import synergy_view

router = APIRouter(prefix="/v1")
router.include_router(unsubscribe_routes.router)

Territory = Annotated[str, Path(min_length=1, max_length=100)]


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: SynergyStatus = Field(
        description="proposed, under_review, contacted, accepted, refused, done, withdrawn"
    )
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class StatusEntry(BaseModel):
    status: str
    previous: str | None
    source: str = Field(description="matcher or advisor")
    changed_by: UUID | None = Field(description="null for a note by an advisor of another territory")
    note: str | None = Field(description="null when written by an advisor of another territory")
    changed_at: datetime


class DeliveryPublic(BaseModel):
    news: str = Field(description="proposed or withdrawn")
    recipient_kind: str
    recipient_id: UUID | None = Field(description="null for a recipient outside the caller's territories")
    email: str | None
    status: str = Field(description="held (awaiting approval), pending, sent, failed or cancelled")
    attempts: int
    last_error: str | None = Field(description="null for a recipient outside the caller's territories")
    digest: bool
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


class Decision(BaseModel):
    id: UUID
    applied: bool = Field(description="false: recorded, not yet applied (the answer is then 202)")


class FollowUp(BaseModel):
    synergy_id: UUID
    status: str
    released: bool = Field(description="false while companies wait for an advisor's approval (review mode)")
    held_by: list[str] = Field(description="territories in review mode whose advisors must approve it")
    history: list[StatusEntry]
    deliveries: list[DeliveryPublic]
    failed: int = Field(description="emails given up after every SMTP retry")
    decision: Decision | None = Field(None, description="the status change this answer follows")


class ReviewMode(BaseModel):
    territory: str
    enabled: bool


class ReviewModeChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool


def _wait_s(request: Request) -> float:
    settings: IntakeSettings = request.app.state.settings
    return settings.decision_wait_seconds


def _scope(principal: Principal) -> notifier_reads.Scope:
    if isinstance(principal, CompanyPrincipal):
        return notifier_reads.Scope(company_id=principal.id)
    return notifier_reads.Scope(territories=principal.territories)


def _viewer(principal: Principal, directory: Directory) -> Viewer:
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
                flow_id=participant.flow_id if party.in_full else None,
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
        ),
        revision=snapshot.revision,
        updated_at=row.updated_at,
    )


async def _shaped(
    store: IntakeStore, rows: list[notifier_reads.StoredSynergy], principal: Principal
) -> list[SynergyPublic]:
    companies = {p.company_id for r in rows for p in r.snapshot.participants}
    if isinstance(principal, CompanyPrincipal):
        companies.add(principal.id)
    async with store.pool.acquire() as conn:
        directory = await intake_directory.companies(conn, companies)
    viewer = _viewer(principal, directory)
    return [_public(r, directory, viewer) for r in rows]


@router.get("/synergies", response_model=Page[SynergyPublic], tags=["synergies"])
async def list_synergies(
    store: StoreDep,
    principal: PrincipalDep,
    company_id: UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
    include_withdrawn: bool = False,
) -> Page[SynergyPublic]:
    items, total = await synergies_for(
        store,
        principal,
        company_id=company_id,
        include_withdrawn=include_withdrawn,
        limit=limit,
        offset=offset,
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
) -> tuple[list[SynergyPublic], int]:
    """The synergies a caller may see, best first, redacted for them: the API's list and the web's leads."""
    rows, total = await notifier_reads.list_synergies(
        store.pool,
        _scope(principal),
        company_id=company_id,
        include_withdrawn=include_withdrawn,
        limit=limit,
        offset=offset,
    )
    return await _shaped(store, rows, principal), total


@router.get("/synergies/{synergy_id}", response_model=SynergyPublic, tags=["synergies"])
async def get_synergy(synergy_id: UUID, store: StoreDep, principal: PrincipalDep) -> SynergyPublic:
    row = await notifier_reads.get_synergy(store.pool, _scope(principal), synergy_id)
    if row is None:
        raise NotFound("Synergie introuvable.")
    [item] = await _shaped(store, [row], principal)
    return item


@router.post(
    "/synergies/{synergy_id}/status",
    response_model=FollowUp,
    tags=["follow-up"],
    responses={202: {"model": FollowUp, "description": "Recorded; not yet applied by the notifier."}},
)
async def change_status(
    synergy_id: UUID,
    body: StatusChange,
    request: Request,
    response: Response,
    store: StoreDep,
    principal: PrincipalDep,
) -> FollowUp:
    """Advisors only. In review mode, moving a synergy on (proposed, contacted, accepted, done) approves it
    and its companies are emailed; refused or withdrawn drops the emails held for them. Only an advisor
    of every territory whose review mode holds the synergy may approve or refuse it."""
    decision_id, outcome = await followup.change_status(
        store, principal, synergy_id, body.status, body.note, _wait_s(request)
    )
    if outcome is None:
        response.status_code = status.HTTP_202_ACCEPTED
    answer = await get_followup(synergy_id, store, principal)
    return answer.model_copy(update={"decision": Decision(id=decision_id, applied=outcome is not None)})


@router.get("/synergies/{synergy_id}/followup", response_model=FollowUp, tags=["follow-up"])
async def get_followup(synergy_id: UUID, store: StoreDep, principal: PrincipalDep) -> FollowUp:
    """Advisors only: status history, and every email about the synergy with its outcome (failures
    included). What concerns another territory (its companies' and advisors' addresses and delivery
    errors, the notes of its advisors) is not shown."""
    advisor = followup.require_advisor(principal)
    row = await notifier_reads.get_synergy(store.pool, followup.scope_of(advisor), synergy_id)
    if row is None:
        raise NotFound("Synergie introuvable.")
    async with store.pool.acquire() as conn:
        directory = await intake_directory.companies(conn, {p.company_id for p in row.snapshot.participants})
        history = await notifier_reads.history(store.pool, synergy_id)
        authors = await intake_directory.advisor_territories(
            conn, {h["changed_by"] for h in history if h["changed_by"] is not None}
        )
    territories = synergy_territories(row.snapshot, directory)

    def readable(territories_of_other: tuple[str, ...], other_id: UUID | None) -> bool:
        return other_id == advisor.id or sees_in_full(advisor.territories, territories_of_other, territories)

    entries = []
    for h in history:
        by = h["changed_by"]
        shown = by is None or readable(authors.get(by, ()), by)
        entries.append(
            StatusEntry(**{**h, "changed_by": by if shown else None, "note": h["note"] if shown else None})
        )
    deliveries = []
    for d in await notifier_reads.deliveries(store.pool, synergy_id):
        visible = readable(tuple(d["recipient_territories"]), d["recipient_id"])
        deliveries.append(
            DeliveryPublic(
                news=d["news_kind"],
                recipient_kind=d["recipient_kind"],
                recipient_id=d["recipient_id"] if visible else None,
                email=d["email"] if visible else None,
                status=d["status"],
                attempts=d["attempts"],
                # An SMTP error quotes the address it refused.
                last_error=d["last_error"] if visible else None,
                digest=d["digest"],
                created_at=d["created_at"],
                next_attempt_at=d["next_attempt_at"],
                sent_at=d["sent_at"],
            )
        )
    return FollowUp(
        synergy_id=synergy_id,
        status=row.status,
        released=row.released,
        held_by=list(row.held_by),
        history=entries,
        deliveries=deliveries,
        failed=sum(1 for d in deliveries if d.status == "failed"),
    )


@router.get("/territories/{territory}/review-mode", response_model=ReviewMode, tags=["follow-up"])
async def get_review_mode(territory: Territory, store: StoreDep, principal: PrincipalDep) -> ReviewMode:
    """An advisor of the territory only."""
    return ReviewMode(territory=territory, enabled=await followup.review_mode(store, principal, territory))


@router.put("/territories/{territory}/review-mode", response_model=ReviewMode, tags=["follow-up"])
async def put_review_mode(
    territory: Territory, body: ReviewModeChange, request: Request, store: StoreDep, principal: PrincipalDep
) -> ReviewMode:
    """In review mode, companies of the territory hear of a new synergy only once an advisor approves it.
    Turning it off applies to synergies proposed afterwards; those waiting still need a decision."""
    await followup.set_review_mode(store, principal, territory, body.enabled, _wait_s(request))
    return ReviewMode(territory=territory, enabled=body.enabled)
