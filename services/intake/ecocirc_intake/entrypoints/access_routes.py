"""Who is calling, the advisors the admin manages, and token rotation and revocation."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from ecocirc_intake.adapters.store import AdvisorRecord
from ecocirc_intake.entrypoints.api import ERRORS, Limit, Offset, PrincipalDep, StoreDep, TokenHashDep
from ecocirc_intake.entrypoints.schemas import (
    AdvisorCreate,
    AdvisorPublic,
    AdvisorUpdate,
    Credentials,
    ErrorBody,
    Me,
    Page,
)
from ecocirc_intake.service_layer import access, preferences
from ecocirc_intake.service_layer.principals import Advisor
from ecocirc_shared.settings import IntakeSettings

router = APIRouter(prefix="/v1", responses=ERRORS)
ADMIN_BY_CONFIG: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "The admin token is changed through configuration."}
}


def advisor_public(a: AdvisorRecord) -> AdvisorPublic:
    return AdvisorPublic(
        id=a.id,
        name=a.name,
        email=a.email,
        territories=a.territories,
        is_admin=a.is_admin,
        active=a.active,
        created_at=a.created_at,
    )


@router.get("/me", response_model=Me, tags=["access"], summary="Who the token belongs to")
async def me(principal: PrincipalDep) -> Me:
    if isinstance(principal, Advisor):
        role = "admin" if principal.is_admin else "advisor"
        return Me(role=role, id=principal.id, name=principal.name, territories=list(principal.territories))
    return Me(role="company", id=principal.id)


@router.post(
    "/advisors",
    status_code=status.HTTP_201_CREATED,
    response_model=Credentials,
    tags=["advisors"],
    summary="Register an advisor (admin)",
)
async def create_advisor(body: AdvisorCreate, store: StoreDep, principal: PrincipalDep) -> Credentials:
    advisor_id, token = await access.register_advisor(store, principal, body)
    return Credentials(id=advisor_id, token=token)


@router.get(
    "/advisors", response_model=Page[AdvisorPublic], tags=["advisors"], summary="Every advisor (admin)"
)
async def list_advisors(
    store: StoreDep, principal: PrincipalDep, limit: Limit = 50, offset: Offset = 0
) -> Page[AdvisorPublic]:
    records, total = await access.list_advisors(store, principal, limit=limit, offset=offset)
    return Page[AdvisorPublic](
        items=[advisor_public(a) for a in records], total=total, limit=limit, offset=offset
    )


@router.get(
    "/advisors/{advisor_id}",
    response_model=AdvisorPublic,
    tags=["advisors"],
    summary="One advisor (admin, or self)",
)
async def get_advisor(advisor_id: UUID, store: StoreDep, principal: PrincipalDep) -> AdvisorPublic:
    return advisor_public(await access.get_advisor(store, principal, advisor_id))


@router.patch(
    "/advisors/{advisor_id}",
    response_model=AdvisorPublic,
    tags=["advisors"],
    responses=ADMIN_BY_CONFIG,
    summary="Change an advisor's email or territories, or deactivate them: emails stop at once (admin)",
)
async def update_advisor(
    advisor_id: UUID, body: AdvisorUpdate, store: StoreDep, principal: PrincipalDep
) -> AdvisorPublic:
    return advisor_public(await access.update_advisor(store, principal, advisor_id, body))


@router.post(
    "/advisors/{advisor_id}/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=Credentials,
    tags=["access"],
    responses=ADMIN_BY_CONFIG,
    summary="Issue a new token to an advisor, revoking the earlier ones (admin)",
)
async def issue_advisor_token(advisor_id: UUID, store: StoreDep, principal: PrincipalDep) -> Credentials:
    return Credentials(id=advisor_id, token=await access.issue_advisor_token(store, principal, advisor_id))


@router.delete(
    "/advisors/{advisor_id}/tokens",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["access"],
    responses=ADMIN_BY_CONFIG,
    summary="Revoke every token of an advisor (admin)",
)
async def revoke_advisor_tokens(advisor_id: UUID, store: StoreDep, principal: PrincipalDep) -> None:
    await access.revoke_advisor_tokens(store, principal, advisor_id)


@router.post(
    "/companies/{company_id}/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=Credentials,
    tags=["access"],
    summary="Issue a new token to a company, revoking the earlier ones (its advisor)",
)
async def issue_company_token(company_id: UUID, store: StoreDep, principal: PrincipalDep) -> Credentials:
    return Credentials(id=company_id, token=await access.issue_company_token(store, principal, company_id))


@router.delete(
    "/companies/{company_id}/tokens",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["access"],
    summary="Revoke every token of a company (its advisor)",
)
async def revoke_company_tokens(company_id: UUID, store: StoreDep, principal: PrincipalDep) -> None:
    await access.revoke_company_tokens(store, principal, company_id)


@router.post(
    "/tokens/rotate",
    status_code=status.HTTP_201_CREATED,
    response_model=Credentials,
    tags=["access"],
    responses=ADMIN_BY_CONFIG,
    summary="Replace the caller's token: the answer holds the new one, the one used is revoked",
)
async def rotate_token(store: StoreDep, principal: PrincipalDep, token_hash: TokenHashDep) -> Credentials:
    return Credentials(id=principal.id, token=await access.rotate_token(store, principal, token_hash))


class AdvisorEmailPreferences(BaseModel):
    """How an advisor hears of synergies: one email per news, or the programme's digest."""

    model_config = ConfigDict(extra="forbid")

    delivery: Literal["immediate", "digest"] | None = Field(
        None, description="null: the programme's default (digest when the programme sends digests)."
    )
    opted_out: bool | None = Field(None, description="true: no synergy emails at all; absent: unchanged.")


class AdvisorEmailPreferencesPublic(BaseModel):
    delivery: Literal["immediate", "digest"] | None
    opted_out: bool
    digest_minutes: int = Field(description="The programme's digest interval; 0 when it sends no digest.")


@router.put(
    "/advisors/{advisor_id}/email-preferences",
    response_model=AdvisorEmailPreferencesPublic,
    tags=["advisors"],
    summary="An advisor's choice of single emails or digest, and opting out (the advisor or the admin)",
)
async def put_email_preferences(
    advisor_id: UUID,
    body: AdvisorEmailPreferences,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
) -> AdvisorEmailPreferencesPublic:
    settings: IntakeSettings = request.app.state.settings
    decided, digest_minutes = await preferences.set_email_preferences(
        store,
        principal,
        advisor_id,
        delivery=body.delivery,
        opted_out=body.opted_out,
        wait_s=settings.decision_wait_seconds,
    )
    return AdvisorEmailPreferencesPublic(
        delivery=decided.delivery,
        opted_out=decided.opted_out,
        digest_minutes=digest_minutes,
    )
