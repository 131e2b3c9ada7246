"""Declaring, revising and withdrawing a flow from the browser, and the suggestions its form asks for."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ecocirc_intake.entrypoints.web.context import ContextDep, WebContext
from ecocirc_intake.entrypoints.web.forms import (
    CATEGORIES,
    CONFIDENTIALITY,
    DIRECTIONS,
    PERIODS,
    UNITS,
    FlowForm,
)
from ecocirc_intake.entrypoints.web.present import flow_row
from ecocirc_intake.service_layer import use_cases
from ecocirc_intake.service_layer.errors import Forbidden, InvalidInput
from ecocirc_intake.service_layer.principals import CompanyPrincipal
from ecocirc_shared.french import MONTH_NAMES_FR
from ecocirc_shared.reference import search_ewc

router = APIRouter(include_in_schema=False)
SUGGESTIONS = 12


def _company(web: WebContext) -> CompanyPrincipal:
    """The company the session acts for; advisors declare through the API or imports for now."""
    principal = web.user.principal if web.user else None
    if not isinstance(principal, CompanyPrincipal):
        raise Forbidden(
            "Cette page est celle d'une entreprise : connectez-vous avec l'adresse de son contact."
        )
    return principal


def _form_page(web: WebContext, form: FlowForm, action: str, title: str, status: int = 200) -> Response:
    return web.render(
        "flow_form.html.j2",
        status,
        form=form,
        action=action,
        title=title,
        directions=DIRECTIONS,
        categories=CATEGORIES,
        units=UNITS,
        periods=PERIODS,
        confidentiality=CONFIDENTIALITY,
        month_names=MONTH_NAMES_FR,
    )


@router.get("/flux/nouveau", response_class=HTMLResponse)
async def new_flow(web: ContextDep) -> Response:
    if web.user is None:
        return web.redirect("/")
    _company(web)
    return _form_page(web, FlowForm.blank(), "/flux/nouveau", "Déclarer un flux")


@router.post("/flux/nouveau", response_class=HTMLResponse)
async def create_flow(web: ContextDep) -> Response:
    fields = await web.check_csrf()
    if web.user is None:
        return web.redirect("/")
    company = _company(web)
    form = FlowForm.from_submission(fields)
    try:
        await use_cases.declare_flow_fields(web.store, company, company.id, form.body())
    except InvalidInput as invalid:
        return _form_page(web, form.with_problems(invalid.problems), "/flux/nouveau", "Déclarer un flux", 422)
    return web.redirect("/?fait=declare")


@router.get("/flux/{flow_id}/modifier", response_class=HTMLResponse)
async def edit_flow(flow_id: UUID, web: ContextDep) -> Response:
    if web.user is None:
        return web.redirect("/")
    record = await use_cases.get_flow(web.store, _company(web), flow_id)
    form = FlowForm.from_declared(record.declared)
    return _form_page(web, form, f"/flux/{flow_id}/modifier", f"Modifier « {record.snapshot.label} »")


@router.post("/flux/{flow_id}/modifier", response_class=HTMLResponse)
async def update_flow(flow_id: UUID, web: ContextDep) -> Response:
    fields = await web.check_csrf()
    if web.user is None:
        return web.redirect("/")
    company = _company(web)
    form = FlowForm.from_submission(fields)
    try:
        await use_cases.revise_flow_fields(web.store, company, flow_id, form.body())
    except InvalidInput as invalid:
        record = await use_cases.get_flow(web.store, company, flow_id)
        title = f"Modifier « {record.snapshot.label} »"
        return _form_page(web, form.with_problems(invalid.problems), f"/flux/{flow_id}/modifier", title, 422)
    return web.redirect("/?fait=modifie")


@router.get("/flux/{flow_id}/retirer", response_class=HTMLResponse)
async def confirm_withdrawal(flow_id: UUID, web: ContextDep) -> Response:
    if web.user is None:
        return web.redirect("/")
    record = await use_cases.get_flow(web.store, _company(web), flow_id)
    return web.render("flow_withdraw.html.j2", flow=flow_row(record.snapshot), active=record.active)


@router.post("/flux/{flow_id}/retirer", response_class=HTMLResponse)
async def withdraw_flow(flow_id: UUID, web: ContextDep) -> Response:
    await web.check_csrf()
    if web.user is None:
        return web.redirect("/")
    await use_cases.withdraw_flow(web.store, _company(web), flow_id)
    return web.redirect("/?fait=retire")


Search = Annotated[str, Query(max_length=100)]


@router.get("/reference/codes-dechet")
async def waste_codes(q: Search = "") -> JSONResponse:
    """Waste codes for the form's search-as-you-type: by code or by French words (public reference data)."""
    found = search_ewc(q, SUGGESTIONS) if len(q.strip()) >= 2 else ()
    return JSONResponse(
        [{"value": e.code, "label": e.label_fr, "hazardous": e.hazardous} for e in found],
        headers={"Cache-Control": "public, max-age=3600"},
    )
