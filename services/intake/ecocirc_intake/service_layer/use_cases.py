"""The intake use cases: register advisors and companies, declare, revise and withdraw flows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from ecocirc_shared.events import FlowDeclared, FlowRevised, FlowWithdrawn
from ecocirc_shared.flows import FlowSnapshot

from ecocirc_intake.adapters.store import CompanyRecord, IntakeStore, IntakeTx
from ecocirc_intake.domain.codes import check_ewc_code, check_naf_code, effective_hazardous
from ecocirc_intake.domain.errors import ErrorCollector
from ecocirc_intake.domain.identifiers import check_email, check_siret
from ecocirc_intake.entrypoints.schemas import AdvisorCreate, CompanyCreate, FlowCreate, FlowUpdate
from ecocirc_intake.service_layer.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from ecocirc_intake.service_layer.principals import (
    Advisor,
    Principal,
    hash_token,
    may_act_for_company,
    new_token,
)
from ecocirc_intake.service_layer.sites import resolve_site


def _raise_if(collector: ErrorCollector) -> None:
    if collector.errors:
        raise InvalidInput(
            "Certaines informations sont invalides.",
            [Problem(e.field, e.message) for e in collector.errors],
        )


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
    _raise_if(errors)
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
    errors = ErrorCollector()
    naf = errors.run(check_naf_code, body.naf_code)
    email = errors.run(check_email, body.contact_email)
    siret = errors.run(check_siret, body.siret) if body.siret else None
    site = errors.run(resolve_site, body.postcode, body.city, body.lat, body.lon)
    _raise_if(errors)
    assert naf is not None and email is not None and site is not None
    territory = body.territory or site.territory
    if territory is None:
        raise InvalidInput(
            "Territoire inconnu.", [Problem("territory", "Indiquez le territoire de l'entreprise.")]
        )
    if not advisor.covers(territory):
        raise Forbidden(f"Le territoire {territory} ne fait pas partie de vos territoires.")
    company_id, token = uuid.uuid4(), new_token()
    fields: dict[str, Any] = {
        "name": body.name,
        "naf_code": naf.code,
        "contact_email": email,
        "siret": siret,
        "postcode": site.postcode,
        "city": site.city,
        "commune_insee": site.commune_insee,
        "lat": site.lat,
        "lon": site.lon,
        "territory": territory,
        "consent_to_be_named": body.consent_to_be_named,
    }
    async with store.transaction() as tx:
        if siret and await tx.siret_taken(siret):
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


def _flow_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Check the reference codes of a flow and apply what the law says about hazardous wastes."""
    errors = ErrorCollector()
    ewc = errors.run(check_ewc_code, data["ewc_code"]) if data.get("ewc_code") else None
    _raise_if(errors)
    months = data.get("months") or []
    if len(set(months)) != len(months):
        raise InvalidInput(
            "Mois en double.", [Problem("months", "Chaque mois ne doit apparaître qu'une fois.")]
        )
    data["months"] = tuple(sorted(months))
    data["ewc_code"] = ewc.code if ewc else None
    data["hazardous"] = effective_hazardous(data.get("hazardous"), ewc)
    return data


def _author(principal: Principal) -> uuid.UUID:
    return principal.id


async def declare_flow(
    store: IntakeStore, principal: Principal, company_id: uuid.UUID, body: FlowCreate
) -> FlowSnapshot:
    fields = _flow_fields(body.model_dump())
    async with store.transaction() as tx:
        company = await company_for(tx, principal, company_id)
        snapshot = FlowSnapshot(
            flow_id=uuid.uuid4(),
            company_id=company.id,
            version=1,
            naf_code=company.naf_code,
            site=company.site,
            declared_at=datetime.now(UTC),
            **fields,
        )
        await tx.save_flow(snapshot, "declared", FlowDeclared(flow=snapshot), _author(principal))
    return snapshot


async def _flow_for(tx: IntakeTx, principal: Principal, flow_id: uuid.UUID) -> FlowSnapshot:
    record = await tx.get_flow(flow_id, lock=True)
    if record is None:
        raise NotFound("Flux introuvable.")
    await company_for(tx, principal, record.snapshot.company_id)
    if not record.active:
        raise Conflict("Ce flux a été retiré ; déclarez-en un nouveau.")
    return record.snapshot


async def revise_flow(
    store: IntakeStore, principal: Principal, flow_id: uuid.UUID, body: FlowUpdate
) -> FlowSnapshot:
    changes = body.model_dump(exclude_unset=True)
    for required in ("direction", "category", "label", "hazardous", "confidentiality"):
        if required in changes and changes[required] is None:
            raise InvalidInput("Champ obligatoire.", [Problem(required, "Ce champ ne peut pas être vidé.")])
    async with store.transaction() as tx:
        current = await _flow_for(tx, principal, flow_id)
        merged = {**current.model_dump(include=set(FlowCreate.model_fields)), **changes}
        if "hazardous" not in changes:
            merged["hazardous"] = None if current.ewc_code else current.hazardous
        fields = _flow_fields(merged)
        snapshot = current.model_copy(
            update={**fields, "version": current.version + 1, "declared_at": datetime.now(UTC)}
        )
        snapshot = FlowSnapshot.model_validate(snapshot.model_dump())
        await tx.save_flow(snapshot, "revised", FlowRevised(flow=snapshot), _author(principal))
    return snapshot


async def withdraw_flow(store: IntakeStore, principal: Principal, flow_id: uuid.UUID) -> None:
    async with store.transaction() as tx:
        current = await _flow_for(tx, principal, flow_id)
        snapshot = current.model_copy(update={"version": current.version + 1})
        event = FlowWithdrawn(flow_id=flow_id, company_id=current.company_id, version=snapshot.version)
        await tx.save_flow(snapshot, "withdrawn", event, _author(principal))
