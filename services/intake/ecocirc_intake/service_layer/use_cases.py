"""The intake use cases: register advisors and companies, declare, revise and withdraw flows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from ecocirc_intake.adapters.store import CompanyRecord, IntakeStore, IntakeTx
from ecocirc_intake.domain.errors import BodyValidationError, ErrorCollector
from ecocirc_intake.domain.identifiers import check_email
from ecocirc_intake.domain.validation import FlowInput, validate_company, validate_flow, validate_flow_update
from ecocirc_intake.entrypoints.schemas import AdvisorCreate, CompanyCreate, FlowCreate, FlowUpdate
from ecocirc_intake.service_layer.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from ecocirc_intake.service_layer.principals import (
    Advisor,
    Principal,
    hash_token,
    may_act_for_company,
    new_token,
)
from ecocirc_shared.events import FlowDeclared, FlowRevised, FlowWithdrawn
from ecocirc_shared.flows import FlowSnapshot

INVALID = "Certaines informations sont invalides."


@contextmanager
def _domain_errors() -> Iterator[None]:
    """Turn the domain's field errors into the use-case error the API answers with."""
    try:
        yield
    except BodyValidationError as failed:
        raise InvalidInput(INVALID, [Problem(e.field, e.message) for e in failed.errors]) from failed


def _require_admin(principal: Principal) -> Advisor:
    if not isinstance(principal, Advisor) or not principal.is_admin:
        raise Forbidden("Seul l'administrateur peut enregistrer des conseillers.")
    return principal


def _require_advisor(principal: Principal) -> Advisor:
    if not isinstance(principal, Advisor):
        raise Forbidden("Seul un conseiller peut enregistrer une entreprise.")
    return principal


async def register_advisor(
    store: IntakeStore, principal: Principal, body: AdvisorCreate
) -> tuple[uuid.UUID, str]:
    _require_admin(principal)
    errors = ErrorCollector()
    email = errors.run(check_email, body.email, "email")
    with _domain_errors():
        errors.raise_if_any()
    assert email is not None
    advisor_id, token = uuid.uuid4(), new_token()
    async with store.transaction() as tx:
        await tx.insert_advisor(advisor_id, body.name, email, sorted(set(body.territories)))
        await tx.insert_token(hash_token(token), advisor_id=advisor_id)
    return advisor_id, token


async def register_company(
    store: IntakeStore, principal: Principal, body: CompanyCreate
) -> tuple[uuid.UUID, str]:
    advisor = _require_advisor(principal)
    with _domain_errors():
        company = validate_company(body.model_dump())
    # Territory: as given, else the department of the commune (advisors follow departments by default).
    territory = company.territory or (company.commune.department if company.commune else None)
    if territory is None:
        raise InvalidInput(INVALID, [Problem("territory", "Indiquez le territoire de l'entreprise.")])
    if not advisor.covers(territory):
        raise Forbidden(f"Le territoire {territory} ne fait pas partie de vos territoires.")
    company_id, token = uuid.uuid4(), new_token()
    site = company.site
    fields: dict[str, Any] = {
        "name": company.name,
        "naf_code": company.naf_code,
        "contact_email": company.contact_email,
        "siret": company.siret,
        "postcode": site.postcode,
        "city": site.city,
        "commune_insee": site.commune_insee,
        "lat": site.lat,
        "lon": site.lon,
        "territory": territory,
        "consent_to_be_named": body.consent_to_be_named,
    }
    async with store.transaction() as tx:
        if company.siret and await tx.siret_taken(company.siret):
            raise Conflict(
                "Une entreprise avec ce SIRET existe déjà.", [Problem("siret", "SIRET déjà enregistré.")]
            )
        await tx.insert_company(company_id, fields, created_by=advisor.id)
        await tx.insert_token(hash_token(token), company_id=company_id)
    return company_id, token


async def company_for(
    tx: IntakeTx, principal: Principal, company_id: uuid.UUID, *, lock: bool = False
) -> CompanyRecord:
    """The company, if the caller may act for it; the same 404 otherwise, so ids cannot be probed."""
    company = await tx.get_company(company_id, lock=lock)
    if company is None or not may_act_for_company(principal, company.id, company.territory):
        raise NotFound("Entreprise introuvable.")
    return company


def _snapshot_fields(flow: FlowInput) -> dict[str, Any]:
    return {
        "direction": flow.direction,
        "category": flow.category,
        "label": flow.label,
        "description": flow.description,
        "ewc_code": flow.ewc_code,
        "quantity": flow.quantity,
        "months": flow.months,
        "hazardous": flow.hazardous,
        "max_distance_km": flow.max_distance_km,
        "confidentiality": flow.confidentiality,
    }


async def declare_flow(
    store: IntakeStore, principal: Principal, company_id: uuid.UUID, body: FlowCreate
) -> FlowSnapshot:
    with _domain_errors():
        flow = validate_flow(body.model_dump())
    async with store.transaction() as tx:
        company = await company_for(tx, principal, company_id)
        snapshot = FlowSnapshot(
            flow_id=uuid.uuid4(),
            company_id=company.id,
            version=1,
            naf_code=company.naf_code,
            site=company.site,
            declared_at=datetime.now(UTC),
            **_snapshot_fields(flow),
        )
        await tx.save_flow(snapshot, flow.declared(), "declared", FlowDeclared(flow=snapshot), principal.id)
    return snapshot


async def _active_flow(
    tx: IntakeTx, principal: Principal, flow_id: uuid.UUID
) -> tuple[FlowSnapshot, dict[str, Any]]:
    record = await tx.get_flow(flow_id, lock=True)
    if record is None:
        raise NotFound("Flux introuvable.")
    await company_for(tx, principal, record.snapshot.company_id)
    if not record.active:
        raise Conflict("Ce flux a été retiré ; déclarez-en un nouveau.")
    return record.snapshot, record.declared


async def revise_flow(
    store: IntakeStore, principal: Principal, flow_id: uuid.UUID, body: FlowUpdate
) -> FlowSnapshot:
    changes = body.model_dump(mode="json", exclude_unset=True)
    async with store.transaction() as tx:
        current, declared = await _active_flow(tx, principal, flow_id)
        with _domain_errors():
            flow = validate_flow_update(declared, changes)
        snapshot = FlowSnapshot.model_validate(
            {
                **current.model_dump(),
                **_snapshot_fields(flow),
                "version": current.version + 1,
                "declared_at": datetime.now(UTC),
            }
        )
        await tx.save_flow(snapshot, flow.declared(), "revised", FlowRevised(flow=snapshot), principal.id)
    return snapshot


async def withdraw_flow(store: IntakeStore, principal: Principal, flow_id: uuid.UUID) -> None:
    async with store.transaction() as tx:
        current, declared = await _active_flow(tx, principal, flow_id)
        snapshot = current.model_copy(update={"version": current.version + 1})
        event = FlowWithdrawn(flow_id=flow_id, company_id=current.company_id, version=snapshot.version)
        await tx.save_flow(snapshot, declared, "withdrawn", event, principal.id)
