"""The intake use cases: register companies, read and update them, declare, revise and withdraw flows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from ecocirc_intake.adapters.store import CompanyRecord, FlowRecord, IntakeStore, IntakeTx
from ecocirc_intake.domain.errors import BodyValidationError, ErrorCollector
from ecocirc_intake.domain.identifiers import check_email
from ecocirc_intake.domain.text import clean_optional_text
from ecocirc_intake.domain.validation import (
    CompanyInput,
    FlowInput,
    check_territory,
    validate_company,
    validate_flow,
    validate_flow_update,
)
from ecocirc_intake.entrypoints.schemas import CompanyCreate, CompanyUpdate, FlowCreate, FlowUpdate
from ecocirc_intake.service_layer import sign_in
from ecocirc_intake.service_layer.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from ecocirc_intake.service_layer.principals import (
    Advisor,
    CompanyPrincipal,
    Principal,
    hash_token,
    may_act_for_company,
    new_token,
)
from ecocirc_intake.service_layer.sign_in import SignInPolicy
from ecocirc_shared.directory import RecipientKind
from ecocirc_shared.events import EmailPreferencesChanged, FlowDeclared, FlowRevised, FlowWithdrawn
from ecocirc_shared.flows import FlowSnapshot

INVALID = "Certaines informations sont invalides."


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn the domain's field errors into the use-case error the API answers with."""
    try:
        yield
    except BodyValidationError as failed:
        raise InvalidInput(INVALID, [Problem(e.field, e.message) for e in failed.errors]) from failed


def require_advisor(principal: Principal, action: str = "enregistrer une entreprise") -> Advisor:
    if not isinstance(principal, Advisor):
        raise Forbidden(f"Seul un conseiller peut {action}.")
    return principal


def company_territory(company: CompanyInput) -> str | None:
    """As given, else the department of the commune (advisors follow departments by default)."""
    return company.territory or (company.commune.department if company.commune else None)


def company_columns(company: CompanyInput, territory: str, consent_to_be_named: bool) -> dict[str, Any]:
    """The row of a validated company, as the store inserts it."""
    site = company.site
    return {
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
        "consent_to_be_named": consent_to_be_named,
    }


async def register_company(
    store: IntakeStore, principal: Principal, body: CompanyCreate, welcome: SignInPolicy | None = None
) -> tuple[uuid.UUID, str]:
    """Register a company; with `welcome`, its contact is emailed a welcome and a sign-in link."""
    advisor = require_advisor(principal)
    with domain_errors():
        company = validate_company(body.model_dump())
    territory = company_territory(company)
    if territory is None:
        raise InvalidInput(INVALID, [Problem("territory", "Indiquez le territoire de l'entreprise.")])
    if not advisor.covers(territory):
        raise Forbidden(f"Le territoire {territory} ne fait pas partie de vos territoires.")
    company_id, token = uuid.uuid4(), new_token()
    async with store.transaction() as tx:
        if company.siret and await tx.siret_taken(company.siret):
            raise Conflict(
                "Une entreprise avec ce SIRET existe déjà.", [Problem("siret", "SIRET déjà enregistré.")]
            )
        columns = company_columns(company, territory, body.consent_to_be_named)
        await tx.insert_company(company_id, columns, created_by=advisor.id)
        await tx.insert_token(hash_token(token), company_id=company_id)
        if welcome is not None:
            await sign_in.queue_welcome(tx, company_id, company.name, company.contact_email, welcome)
    return company_id, token


async def company_for(
    tx: IntakeTx, principal: Principal, company_id: uuid.UUID, *, lock: bool = False
) -> CompanyRecord:
    """The company, if the caller may act for it; the same 404 otherwise, so ids cannot be probed."""
    company = await tx.get_company(company_id, lock=lock)
    if company is None or not may_act_for_company(principal, company.id, company.territory):
        raise NotFound("Entreprise introuvable.")
    return company


async def get_company(store: IntakeStore, principal: Principal, company_id: uuid.UUID) -> CompanyRecord:
    async with store.transaction() as tx:
        return await company_for(tx, principal, company_id)


async def list_companies(
    store: IntakeStore,
    principal: Principal,
    *,
    territory: str | None,
    name: str | None,
    limit: int,
    offset: int,
    commune: str | None = None,
) -> tuple[list[CompanyRecord], int]:
    """An advisor's companies (every one for "*"); a company only ever lists itself."""
    with domain_errors():
        errors = ErrorCollector()
        territory = errors.run(check_territory, territory)
        name = errors.run(clean_optional_text, name, "name", max_length=200)
        commune = errors.run(clean_optional_text, commune, "commune", max_length=200)
        errors.raise_if_any()
    async with store.transaction() as tx:
        if isinstance(principal, CompanyPrincipal):
            own = await tx.get_company(principal.id)
            matches = own is not None and territory in (None, own.territory) and _name_matches(own, name)
            found = [own] if own is not None and matches and _commune_matches(own, commune) else []
            return found[offset : offset + limit], len(found)
        scope = None if principal.covers(None) else list(principal.territories)
        return await tx.list_companies(
            territories=scope, territory=territory, name=name, commune=commune, limit=limit, offset=offset
        )


def _name_matches(company: CompanyRecord, name: str | None) -> bool:
    return name is None or name.casefold() in company.name.casefold()


def _commune_matches(company: CompanyRecord, commune: str | None) -> bool:
    places = (company.site.city or "", company.site.postcode or "")
    return commune is None or any(commune.casefold() in place.casefold() for place in places)


async def update_company(
    store: IntakeStore, principal: Principal, company_id: uuid.UUID, body: CompanyUpdate
) -> tuple[CompanyRecord, EmailPreferencesChanged | None]:
    """Change the contact address, the consent to be named, or the e-mail opt-out.

    Returns the company, and the opt-out decision sent to the notifier (which owns it), if any.
    """
    changes = body.model_dump(exclude_unset=True)
    problems = [
        Problem(field, "Ce champ ne peut pas être effacé : donnez une valeur.")
        for field, value in changes.items()
        if value is None
    ]
    if problems:
        raise InvalidInput(INVALID, problems)
    if "contact_email" in changes:
        with domain_errors():
            errors = ErrorCollector()
            changes["contact_email"] = errors.run(check_email, changes["contact_email"])
            errors.raise_if_any()
    opted_out = changes.pop("email_opt_out", None)
    decision = None
    if opted_out is not None:
        decision = EmailPreferencesChanged(
            recipient_kind=RecipientKind.COMPANY, recipient_id=company_id, opted_out=opted_out
        )
    async with store.transaction() as tx:
        await company_for(tx, principal, company_id, lock=True)
        await tx.update_company(company_id, changes)
        if decision is not None:
            await tx.enqueue_decision(decision)
        updated = await tx.get_company(company_id)
    assert updated is not None
    return updated, decision


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
        "price": flow.price,
    }


async def save_new_flow(
    tx: IntakeTx, company: CompanyRecord, flow: FlowInput, by: uuid.UUID, *, import_key: str | None = None
) -> FlowSnapshot:
    """Store version 1 of a validated flow and its FlowDeclared event, in the caller's transaction."""
    snapshot = FlowSnapshot(
        flow_id=uuid.uuid4(),
        company_id=company.id,
        version=1,
        naf_code=company.naf_code,
        site=company.site,
        declared_at=datetime.now(UTC),
        **_snapshot_fields(flow),
    )
    await tx.save_flow(
        snapshot, flow.declared(), "declared", FlowDeclared(flow=snapshot), by, import_key=import_key
    )
    return snapshot


async def save_revision(tx: IntakeTx, current: FlowSnapshot, flow: FlowInput, by: uuid.UUID) -> FlowSnapshot:
    """Store the next version of a flow and its FlowRevised event, in the caller's transaction."""
    snapshot = FlowSnapshot.model_validate(
        {
            **current.model_dump(),
            **_snapshot_fields(flow),
            "version": current.version + 1,
            "declared_at": datetime.now(UTC),
        }
    )
    await tx.save_flow(snapshot, flow.declared(), "revised", FlowRevised(flow=snapshot), by)
    return snapshot


async def declare_flow(
    store: IntakeStore, principal: Principal, company_id: uuid.UUID, body: FlowCreate
) -> FlowSnapshot:
    return await declare_flow_fields(store, principal, company_id, body.model_dump())


async def declare_flow_fields(
    store: IntakeStore, principal: Principal, company_id: uuid.UUID, fields: Mapping[str, object]
) -> FlowSnapshot:
    """Declare a flow from fields as the API names them, in any form the rules read (web forms send text)."""
    with domain_errors():
        flow = validate_flow(fields)
    async with store.transaction() as tx:
        company = await company_for(tx, principal, company_id)
        return await save_new_flow(tx, company, flow, principal.id)


async def list_flows(
    store: IntakeStore,
    principal: Principal,
    company_id: uuid.UUID,
    *,
    active: bool | None,
    direction: str | None,
    category: str | None,
    limit: int,
    offset: int,
) -> tuple[list[FlowRecord], int]:
    async with store.transaction() as tx:
        await company_for(tx, principal, company_id)
        return await tx.list_flows(
            company_id, active=active, direction=direction, category=category, limit=limit, offset=offset
        )


async def _visible_flow(
    tx: IntakeTx, principal: Principal, flow_id: uuid.UUID, *, lock: bool = False
) -> FlowRecord:
    record = await tx.get_flow(flow_id, lock=lock)
    if record is None:
        raise NotFound("Flux introuvable.")
    try:
        await company_for(tx, principal, record.snapshot.company_id)
    except NotFound:
        raise NotFound("Flux introuvable.") from None
    return record


async def get_flow(store: IntakeStore, principal: Principal, flow_id: uuid.UUID) -> FlowRecord:
    async with store.transaction() as tx:
        return await _visible_flow(tx, principal, flow_id)


async def flow_history(store: IntakeStore, principal: Principal, flow_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every version of a flow, oldest first: declared, each revision, the withdrawal."""
    async with store.transaction() as tx:
        await _visible_flow(tx, principal, flow_id)
        return await tx.flow_history(flow_id)


async def _active_flow(
    tx: IntakeTx, principal: Principal, flow_id: uuid.UUID
) -> tuple[FlowSnapshot, dict[str, Any]]:
    record = await _visible_flow(tx, principal, flow_id, lock=True)
    if not record.active:
        raise Conflict("Ce flux a été retiré ; déclarez-en un nouveau.")
    return record.snapshot, record.declared


async def revise_flow(
    store: IntakeStore, principal: Principal, flow_id: uuid.UUID, body: FlowUpdate
) -> FlowSnapshot:
    return await revise_flow_fields(
        store, principal, flow_id, body.model_dump(mode="json", exclude_unset=True)
    )


async def revise_flow_fields(
    store: IntakeStore, principal: Principal, flow_id: uuid.UUID, changes: Mapping[str, object]
) -> FlowSnapshot:
    """Revise a flow: fields absent keep their value, None clears an optional one."""
    async with store.transaction() as tx:
        current, declared = await _active_flow(tx, principal, flow_id)
        with domain_errors():
            flow = validate_flow_update(declared, changes)
        return await save_revision(tx, current, flow, principal.id)


async def withdraw_flow(store: IntakeStore, principal: Principal, flow_id: uuid.UUID) -> None:
    async with store.transaction() as tx:
        current, declared = await _active_flow(tx, principal, flow_id)
        snapshot = current.model_copy(update={"version": current.version + 1})
        event = FlowWithdrawn(flow_id=flow_id, company_id=current.company_id, version=snapshot.version)
        await tx.save_flow(snapshot, declared, "withdrawn", event, principal.id)
