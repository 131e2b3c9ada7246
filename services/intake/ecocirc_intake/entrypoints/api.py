"""The HTTP API under /v1: thin routes that authenticate, call a use case and shape the answer."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ecocirc_intake.adapters.store import IntakeStore
from ecocirc_intake.entrypoints.schemas import (
    AdvisorCreate,
    CompanyCreate,
    CompanyPublic,
    Credentials,
    FlowCreate,
    FlowPublic,
    FlowUpdate,
    Page,
)
from ecocirc_intake.service_layer import use_cases
from ecocirc_intake.service_layer.errors import NotFound, UseCaseError
from ecocirc_intake.service_layer.principals import Principal, hash_token
from ecocirc_shared.flows import FlowSnapshot

bearer = HTTPBearer(auto_error=False)


def get_store(request: Request) -> IntakeStore:
    store: IntakeStore = request.app.state.store
    return store


StoreDep = Annotated[IntakeStore, Depends(get_store)]


async def get_principal(
    store: StoreDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None:
        raise UseCaseError("Authentification requise (en-tête Authorization: Bearer <jeton>).") from None
    principal = await store.principal_for(hash_token(credentials.credentials))
    if principal is None:
        raise UseCaseError("Jeton invalide ou révoqué.")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]

router = APIRouter(prefix="/v1")


def flow_public(snapshot: FlowSnapshot, active: bool) -> FlowPublic:
    return FlowPublic(
        id=snapshot.flow_id,
        active=active,
        months=list(snapshot.months),
        **snapshot.model_dump(exclude={"flow_id", "months", "site", "naf_code"}),
    )


@router.post("/advisors", status_code=status.HTTP_201_CREATED, response_model=Credentials, tags=["advisors"])
async def create_advisor(body: AdvisorCreate, store: StoreDep, principal: PrincipalDep) -> Credentials:
    advisor_id, token = await use_cases.register_advisor(store, principal, body)
    return Credentials(id=advisor_id, token=token)


@router.post(
    "/companies", status_code=status.HTTP_201_CREATED, response_model=Credentials, tags=["companies"]
)
async def create_company(body: CompanyCreate, store: StoreDep, principal: PrincipalDep) -> Credentials:
    company_id, token = await use_cases.register_company(store, principal, body)
    return Credentials(id=company_id, token=token)


@router.get("/companies/{company_id}", response_model=CompanyPublic, tags=["companies"])
async def get_company(company_id: UUID, store: StoreDep, principal: PrincipalDep) -> CompanyPublic:
    async with store.transaction() as tx:
        c = await use_cases.company_for(tx, principal, company_id)
    return CompanyPublic(
        id=c.id,
        name=c.name,
        naf_code=c.naf_code,
        contact_email=c.contact_email,
        siret=c.siret,
        site=c.site,
        territory=c.territory,
        created_at=c.created_at,
    )


@router.post(
    "/companies/{company_id}/flows",
    status_code=status.HTTP_201_CREATED,
    response_model=FlowPublic,
    tags=["flows"],
)
async def create_flow(
    company_id: UUID, body: FlowCreate, store: StoreDep, principal: PrincipalDep
) -> FlowPublic:
    return flow_public(await use_cases.declare_flow(store, principal, company_id, body), True)


@router.get("/companies/{company_id}/flows", response_model=Page[FlowPublic], tags=["flows"])
async def list_flows(
    company_id: UUID,
    store: StoreDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    offset: Offset = 0,
    include_withdrawn: bool = False,
) -> Page[FlowPublic]:
    async with store.transaction() as tx:
        await use_cases.company_for(tx, principal, company_id)
        records, total = await tx.list_flows(
            company_id, include_withdrawn=include_withdrawn, limit=limit, offset=offset
        )
    return Page[FlowPublic](
        items=[flow_public(r.snapshot, r.active) for r in records], total=total, limit=limit, offset=offset
    )


@router.get("/flows/{flow_id}", response_model=FlowPublic, tags=["flows"])
async def get_flow(flow_id: UUID, store: StoreDep, principal: PrincipalDep) -> FlowPublic:
    async with store.transaction() as tx:
        record = await tx.get_flow(flow_id)
        if record is None:
            raise NotFound("Flux introuvable.")
        await use_cases.company_for(tx, principal, record.snapshot.company_id)
    return flow_public(record.snapshot, record.active)


@router.get("/flows/{flow_id}/history", tags=["flows"])
async def flow_history(flow_id: UUID, store: StoreDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    async with store.transaction() as tx:
        record = await tx.get_flow(flow_id)
        if record is None:
            raise NotFound("Flux introuvable.")
        await use_cases.company_for(tx, principal, record.snapshot.company_id)
        return await tx.flow_history(flow_id)


@router.patch("/flows/{flow_id}", response_model=FlowPublic, tags=["flows"])
async def update_flow(
    flow_id: UUID, body: FlowUpdate, store: StoreDep, principal: PrincipalDep
) -> FlowPublic:
    return flow_public(await use_cases.revise_flow(store, principal, flow_id, body), True)


@router.delete("/flows/{flow_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["flows"])
async def delete_flow(flow_id: UUID, store: StoreDep, principal: PrincipalDep) -> None:
    await use_cases.withdraw_flow(store, principal, flow_id)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(UseCaseError)
    async def use_case_error(_: Request, exc: UseCaseError) -> JSONResponse:
        code = 401 if type(exc) is UseCaseError else exc.status
        body = {
            "detail": exc.message,
            "errors": [{"field": p.field, "message": p.message} for p in exc.problems],
        }
        headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
        return JSONResponse(body, status_code=code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(part) for part in e["loc"][1:]) or str(e["loc"][0]),
                "message": e["msg"],
                "type": e["type"],
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": "Requête invalide.", "errors": errors}, status_code=422)
