"""The HTTP API under /v1: thin routes that authenticate, call a use case and shape the answer."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ecocirc_intake.adapters import notifier_reads
from ecocirc_intake.adapters.notifier_reads import EmailPreferences
from ecocirc_intake.adapters.store import CompanyRecord, IntakeStore
from ecocirc_intake.entrypoints.errors import install_error_handlers
from ecocirc_intake.entrypoints.schemas import (
    CompanyCreate,
    CompanyPublic,
    CompanyUpdate,
    Credentials,
    ErrorBody,
    FlowCreate,
    FlowPublic,
    FlowUpdate,
    FlowVersion,
    Page,
)
from ecocirc_intake.service_layer import use_cases
from ecocirc_intake.service_layer.auth_failures import FailureLimiter, failure_keys
from ecocirc_intake.service_layer.errors import TooManyAttempts, UseCaseError
from ecocirc_intake.service_layer.principals import Principal, hash_token
from ecocirc_shared.flows import Category, Direction, FlowSnapshot
from ecocirc_shared.settings import IntakeSettings

__all__ = [
    "ERRORS",
    "Limit",
    "Offset",
    "PrincipalDep",
    "StoreDep",
    "TokenHashDep",
    "install_error_handlers",
    "router",
]

bearer = HTTPBearer(
    auto_error=False, description="Le jeton remis à la création du conseiller ou de l'entreprise."
)


def get_store(request: Request) -> IntakeStore:
    store: IntakeStore = request.app.state.store
    return store


StoreDep = Annotated[IntakeStore, Depends(get_store)]


def get_bearer(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    if credentials is None:
        raise UseCaseError("Authentification requise (en-tête Authorization: Bearer <jeton>).")
    return credentials.credentials


BearerDep = Annotated[str, Depends(get_bearer)]


def get_token_hash(token: BearerDep) -> bytes:
    return hash_token(token)


TokenHashDep = Annotated[bytes, Depends(get_token_hash)]


def get_limiter(request: Request) -> FailureLimiter:
    limiter: FailureLimiter = request.app.state.auth_failures
    return limiter


async def get_principal(
    request: Request,
    store: StoreDep,
    limiter: Annotated[FailureLimiter, Depends(get_limiter)],
    token: BearerDep,
    token_hash: TokenHashDep,
) -> Principal:
    # The token first: a valid one is never refused, however many failures its address made.
    principal = await store.principal_for(token_hash)
    if principal is not None:
        return principal
    # request.client is the peer, or the forwarded client when the peer is a trusted proxy.
    keys = failure_keys(request.client.host if request.client else None, token)
    wait = limiter.retry_after(keys)
    if wait is not None:
        raise TooManyAttempts(f"Trop d'échecs d'authentification : réessayez dans {wait} s.", wait)
    limiter.record_failure(keys)
    raise UseCaseError("Jeton invalide ou révoqué.")


PrincipalDep = Annotated[Principal, Depends(get_principal)]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# Error answers every authenticated route may give, for the OpenAPI description.
ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error("Missing, invalid or revoked token."),
    403: _error("The caller's role does not allow this."),
    404: _error("Not found, or not visible to the caller (the two are not told apart)."),
    413: _error("Body too large (1 MiB for JSON, 10 MiB for imports)."),
    422: _error("Invalid input: `errors` names each field and why, in French."),
}

router = APIRouter(prefix="/v1", responses=ERRORS)


def flow_public(snapshot: FlowSnapshot, active: bool) -> FlowPublic:
    return FlowPublic(
        id=snapshot.flow_id,
        active=active,
        months=list(snapshot.months),
        **snapshot.model_dump(exclude={"flow_id", "months", "site", "naf_code"}),
    )


async def companies_public(
    store: IntakeStore, records: list[CompanyRecord], decided: dict[UUID, bool] | None = None
) -> list[CompanyPublic]:
    """Companies as the API shows them; whether each opted out of emails is the notifier's to say
    (read through its contract), unless the caller just decided it."""
    preferences = await notifier_reads.email_preferences(store.pool, "company", [c.id for c in records])
    decided = decided or {}
    return [
        company_public(c, decided.get(c.id, preferences.get(c.id, EmailPreferences()).opted_out))
        for c in records
    ]


def company_public(c: CompanyRecord, email_opt_out: bool) -> CompanyPublic:
    return CompanyPublic(
        id=c.id,
        name=c.name,
        naf_code=c.naf_code,
        contact_email=c.contact_email,
        siret=c.siret,
        site=c.site,
        territory=c.territory,
        consent_to_be_named=c.consent_to_be_named,
        email_opt_out=email_opt_out,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )


@router.post(
    "/companies",
    status_code=status.HTTP_201_CREATED,
    response_model=Credentials,
    tags=["companies"],
    responses={409: _error("A company with this SIRET exists.")},
    summary="Register a company (advisor of its territory)",
)
async def create_company(
    body: CompanyCreate, request: Request, store: StoreDep, principal: PrincipalDep
) -> Credentials:
    """The company's contact is emailed a welcome: what the programme is, who its advisor is, and a
    sign-in link to its pages (no token needs to be passed on by hand; the token is for programs)."""
    company_id, token = await use_cases.register_company(
        store, principal, body, welcome=request.app.state.sign_in_policy
    )
    return Credentials(id=company_id, token=token)


@router.get(
    "/companies",
    response_model=Page[CompanyPublic],
    tags=["companies"],
    summary="Companies the caller may see: an advisor's territories, or the company itself",
)
async def list_companies(
    store: StoreDep,
    principal: PrincipalDep,
    territory: Annotated[str | None, Query(max_length=100, description="Only this territory.")] = None,
    name: Annotated[str | None, Query(max_length=200, description="Part of the name.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CompanyPublic]:
    records, total = await use_cases.list_companies(
        store, principal, territory=territory, name=name, limit=limit, offset=offset
    )
    return Page[CompanyPublic](
        items=await companies_public(store, records), total=total, limit=limit, offset=offset
    )


@router.get(
    "/companies/{company_id}", response_model=CompanyPublic, tags=["companies"], summary="One company"
)
async def get_company(company_id: UUID, store: StoreDep, principal: PrincipalDep) -> CompanyPublic:
    [company] = await companies_public(store, [await use_cases.get_company(store, principal, company_id)])
    return company


@router.patch(
    "/companies/{company_id}",
    response_model=CompanyPublic,
    tags=["companies"],
    summary="Change the contact e-mail, the consent to be named, or the e-mail opt-out",
)
async def update_company(
    company_id: UUID, body: CompanyUpdate, request: Request, store: StoreDep, principal: PrincipalDep
) -> CompanyPublic:
    record, decision = await use_cases.update_company(store, principal, company_id, body)
    decided: dict[UUID, bool] = {}
    if decision is not None and decision.opted_out is not None:
        settings: IntakeSettings = request.app.state.settings
        await notifier_reads.wait_for_decision(store.pool, decision.event_id, settings.decision_wait_seconds)
        decided[company_id] = decision.opted_out
    [company] = await companies_public(store, [record], decided)
    return company


@router.post(
    "/companies/{company_id}/flows",
    status_code=status.HTTP_201_CREATED,
    response_model=FlowPublic,
    tags=["flows"],
    summary="Declare a flow (the company, or its advisor)",
)
async def create_flow(
    company_id: UUID, body: FlowCreate, store: StoreDep, principal: PrincipalDep
) -> FlowPublic:
    return flow_public(await use_cases.declare_flow(store, principal, company_id, body), True)


@router.get(
    "/companies/{company_id}/flows",
    response_model=Page[FlowPublic],
    tags=["flows"],
    summary="A company's flows, oldest first, with filters",
)
async def list_flows(
    company_id: UUID,
    store: StoreDep,
    principal: PrincipalDep,
    direction: Direction | None = None,
    category: Category | None = None,
    active: Annotated[
        bool | None,
        Query(description="true: current flows; false: withdrawn ones; absent: as include_withdrawn."),
    ] = None,
    include_withdrawn: Annotated[
        bool, Query(description="With active absent: also list withdrawn flows.")
    ] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[FlowPublic]:
    if active is None and not include_withdrawn:
        active = True
    records, total = await use_cases.list_flows(
        store,
        principal,
        company_id,
        active=active,
        direction=direction.value if direction else None,
        category=category.value if category else None,
        limit=limit,
        offset=offset,
    )
    return Page[FlowPublic](
        items=[flow_public(r.snapshot, r.active) for r in records], total=total, limit=limit, offset=offset
    )


@router.get("/flows/{flow_id}", response_model=FlowPublic, tags=["flows"], summary="One flow, as it stands")
async def get_flow(flow_id: UUID, store: StoreDep, principal: PrincipalDep) -> FlowPublic:
    record = await use_cases.get_flow(store, principal, flow_id)
    return flow_public(record.snapshot, record.active)


@router.get(
    "/flows/{flow_id}/history",
    response_model=list[FlowVersion],
    tags=["flows"],
    summary="Every version of a flow: declared, revised, withdrawn",
)
async def flow_history(flow_id: UUID, store: StoreDep, principal: PrincipalDep) -> list[FlowVersion]:
    return [FlowVersion.model_validate(v) for v in await use_cases.flow_history(store, principal, flow_id)]


@router.patch(
    "/flows/{flow_id}",
    response_model=FlowPublic,
    tags=["flows"],
    responses={409: _error("The flow was withdrawn.")},
    summary="Revise a flow: a new version; absent fields keep their value, null clears an optional one",
)
async def update_flow(
    flow_id: UUID, body: FlowUpdate, store: StoreDep, principal: PrincipalDep
) -> FlowPublic:
    return flow_public(await use_cases.revise_flow(store, principal, flow_id, body), True)


@router.delete(
    "/flows/{flow_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["flows"],
    responses={409: _error("The flow was already withdrawn.")},
    summary="Withdraw a flow (kept in its history; the matcher withdraws its synergies)",
)
async def delete_flow(flow_id: UUID, store: StoreDep, principal: PrincipalDep) -> None:
    await use_cases.withdraw_flow(store, principal, flow_id)
