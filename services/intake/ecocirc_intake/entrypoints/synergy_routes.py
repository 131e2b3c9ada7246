"""The synergy endpoints: the read model the notifier keeps, scoped and redacted for the caller, and
the advisors' follow-up (status with history, review mode, emails sent and failed)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ecocirc_intake.adapters import synergies as synergy_reads
from ecocirc_intake.entrypoints import unsubscribe_routes
from ecocirc_intake.entrypoints.api import Limit, Offset, PrincipalDep
from ecocirc_intake.entrypoints.schemas import Page, SynergyPublic, synergy_public
from ecocirc_intake.service_layer import followup
from ecocirc_intake.service_layer.errors import NotFound
from ecocirc_intake.service_layer.principals import Advisor, CompanyPrincipal, Principal
from ecocirc_notifier.adapters.directory import load_directory
from ecocirc_notifier.domain.content import synergy_view
from ecocirc_notifier.domain.directory import Directory, territory_of
from ecocirc_notifier.domain.followup import SynergyStatus
from ecocirc_notifier.domain.recipients import Recipient, RecipientKind
from ecocirc_notifier.domain.visibility import party_views

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
    changed_by: UUID | None
    note: str | None
    changed_at: datetime


class DeliveryPublic(BaseModel):
    news: str = Field(description="proposed or withdrawn")
    recipient_kind: str
    recipient_id: UUID | None = Field(description="null for a company outside the caller's territories")
    email: str | None
    status: str = Field(description="held (awaiting approval), pending, sent, failed or cancelled")
    attempts: int
    last_error: str | None
    digest: bool
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


class FollowUp(BaseModel):
    synergy_id: UUID
    status: str
    released: bool = Field(description="false while companies wait for an advisor's approval (review mode)")
    history: list[StatusEntry]
    deliveries: list[DeliveryPublic]
    failed: int = Field(description="emails given up after every SMTP retry")


class ReviewMode(BaseModel):
    territory: str
    enabled: bool


class ReviewModeChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool


def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.store.pool
    return pool


def _scope(principal: Principal) -> synergy_reads.Scope:
    if isinstance(principal, CompanyPrincipal):
        return synergy_reads.Scope(company_id=principal.id)
    return synergy_reads.Scope(territories=principal.territories)


def _viewer(principal: Principal, directory: Directory) -> Recipient:
    """The caller as the notifier's visibility rules know a reader: the same rules as the emails."""
    if isinstance(principal, Advisor):
        return Recipient(
            kind=RecipientKind.ADVISOR,
            id=principal.id,
            email="",
            name=principal.name,
            territories=principal.territories,
        )
    entry = directory.companies.get(principal.id)
    territory = entry.territory if entry else None
    return Recipient(
        kind=RecipientKind.COMPANY,
        id=principal.id,
        email="",
        name="",
        territories=(territory,) if territory else (),
    )


def _public(row: synergy_reads.StoredSynergy, directory: Directory, viewer: Recipient) -> SynergyPublic:
    """A synergy as the caller may read it: counterparts named only when the rules allow it."""
    snapshot = row.snapshot
    view = synergy_view(snapshot, directory, viewer)
    participants = []
    for participant, party in zip(
        snapshot.participants, party_views(snapshot, directory, viewer), strict=True
    ):
        in_full = party.is_viewer or viewer.follows(territory_of(participant, directory))
        participants.append(
            {
                "company_id": participant.company_id if party.named else None,
                "flow_id": participant.flow_id if in_full else None,
                "role": participant.role.value,
                "label": party.flow_label,
            }
        )
    body: dict[str, Any] = synergy_public(snapshot, row.status, row.updated_at)
    # The matcher's sentence and notes may echo a name or label the caller may not read.
    body.update(
        participants=participants,
        explanation=view.explanation,
        resource=view.resource,
        impact={**snapshot.impact.model_dump(), "notes": list(view.impact_notes)},
    )
    return SynergyPublic.model_validate(body)


async def _shaped(
    pool: asyncpg.Pool, rows: list[synergy_reads.StoredSynergy], principal: Principal
) -> list[SynergyPublic]:
    companies = {p.company_id for r in rows for p in r.snapshot.participants}
    if isinstance(principal, CompanyPrincipal):
        companies.add(principal.id)
    async with pool.acquire() as conn:
        directory = await load_directory(conn, companies, digest=False)
    viewer = _viewer(principal, directory)
    return [_public(r, directory, viewer) for r in rows]


@router.get("/synergies", response_model=Page[SynergyPublic], tags=["synergies"])
async def list_synergies(
    request: Request,
    principal: PrincipalDep,
    company_id: UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
    include_withdrawn: bool = False,
) -> Page[SynergyPublic]:
    items, total = await synergies_for(
        _pool(request),
        principal,
        company_id=company_id,
        include_withdrawn=include_withdrawn,
        limit=limit,
        offset=offset,
    )
    return Page[SynergyPublic](items=items, total=total, limit=limit, offset=offset)


async def synergies_for(
    pool: asyncpg.Pool,
    principal: Principal,
    *,
    company_id: UUID | None,
    include_withdrawn: bool,
    limit: int,
    offset: int,
) -> tuple[list[SynergyPublic], int]:
    """The synergies a caller may see, best first, redacted for them: the API's list and the web's leads."""
    rows, total = await synergy_reads.list_synergies(
        pool,
        _scope(principal),
        company_id=company_id,
        include_withdrawn=include_withdrawn,
        limit=limit,
        offset=offset,
    )
    return await _shaped(pool, rows, principal), total


@router.get("/synergies/{synergy_id}", response_model=SynergyPublic, tags=["synergies"])
async def get_synergy(synergy_id: UUID, request: Request, principal: PrincipalDep) -> SynergyPublic:
    row = await synergy_reads.get_synergy(_pool(request), _scope(principal), synergy_id)
    if row is None:
        raise NotFound("Synergie introuvable.")
    [item] = await _shaped(_pool(request), [row], principal)
    return item


@router.post("/synergies/{synergy_id}/status", response_model=FollowUp, tags=["follow-up"])
async def change_status(
    synergy_id: UUID, body: StatusChange, request: Request, principal: PrincipalDep
) -> FollowUp:
    """Advisors only. In review mode, moving a synergy on (proposed, contacted, accepted, done) approves it
    and its companies are emailed; refused or withdrawn drops the emails held for them."""
    await followup.change_status(_pool(request), principal, synergy_id, body.status, body.note)
    return await get_followup(synergy_id, request, principal)


@router.get("/synergies/{synergy_id}/followup", response_model=FollowUp, tags=["follow-up"])
async def get_followup(synergy_id: UUID, request: Request, principal: PrincipalDep) -> FollowUp:
    """Advisors only: status history, and every email about the synergy with its outcome (failures included)."""
    advisor = followup.require_advisor(principal)
    pool = _pool(request)
    row = await synergy_reads.get_synergy(pool, followup.scope_of(advisor), synergy_id)
    if row is None:
        raise NotFound("Synergie introuvable.")
    deliveries = []
    for d in await synergy_reads.deliveries(pool, synergy_id):
        # A company outside the advisor's territories is not identified to them, even here.
        visible = d["recipient_kind"] == "advisor" or advisor.covers(d["company_territory"])
        deliveries.append(
            DeliveryPublic(
                news=d["news_kind"],
                recipient_kind=d["recipient_kind"],
                recipient_id=d["recipient_id"] if visible else None,
                email=d["email"] if visible else None,
                status=d["status"],
                attempts=d["attempts"],
                last_error=d["last_error"],
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
        history=[StatusEntry(**h) for h in await synergy_reads.history(pool, synergy_id)],
        deliveries=deliveries,
        failed=sum(1 for d in deliveries if d.status == "failed"),
    )


@router.get("/territories/{territory}/review-mode", response_model=ReviewMode, tags=["follow-up"])
async def get_review_mode(territory: Territory, request: Request, principal: PrincipalDep) -> ReviewMode:
    followup.require_advisor(principal)
    return ReviewMode(territory=territory, enabled=await synergy_reads.review_mode(_pool(request), territory))


@router.put("/territories/{territory}/review-mode", response_model=ReviewMode, tags=["follow-up"])
async def put_review_mode(
    territory: Territory, body: ReviewModeChange, request: Request, principal: PrincipalDep
) -> ReviewMode:
    """In review mode, companies of the territory hear of a new synergy only once an advisor approves it.
    Turning it off applies to synergies proposed afterwards; those waiting still need a decision."""
    await followup.set_review_mode(_pool(request), principal, territory, body.enabled)
    return ReviewMode(territory=territory, enabled=body.enabled)
