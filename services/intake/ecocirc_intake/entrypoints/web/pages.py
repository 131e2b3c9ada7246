"""Sign-in, sign-out and the home page: the sign-in form without a session, the person's home with one."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from ecocirc_intake.adapters import notifier_reads
from ecocirc_intake.entrypoints.synergy_routes import synergies_for
from ecocirc_intake.entrypoints.web import advisor_pages
from ecocirc_intake.entrypoints.web.context import ContextDep, WebContext
from ecocirc_intake.entrypoints.web.present import flow_row, lead_row
from ecocirc_intake.service_layer import sign_in, use_cases
from ecocirc_intake.service_layer.principals import Advisor, CompanyPrincipal
from ecocirc_shared.links import SIGN_IN_PARAMETER, SIGN_IN_PATH

router = APIRouter(include_in_schema=False)

# Notices shown once after an action, named in the address the action redirects to.
NOTICES = {
    "declare": "Le flux est enregistré. Les pistes qu'il ouvre apparaîtront dans «\u00a0Mes pistes\u00a0».",
    "modifie": "Les modifications du flux sont enregistrées.",
    "retire": "Le flux est retiré\u00a0: il ne sera plus proposé.",
    "deconnecte": "Vous êtes déconnecté.",
}
Notice = Annotated[str | None, Query(alias="fait", max_length=20)]
FLOWS_SHOWN = 200
LEADS_SHOWN = 50


@router.get("/", response_class=HTMLResponse)
async def home(web: ContextDep, fait: Notice = None) -> Response:
    web.extra["notice"] = NOTICES.get(fait or "")
    if web.user is None:
        return sign_in_page(web)
    principal = web.user.principal
    if isinstance(principal, CompanyPrincipal):
        return await company_home(web, principal)
    if isinstance(principal, Advisor):
        return await advisor_home(web, principal)
    return web.render("choose_account.html.j2", accounts=await sign_in.accounts_of(web.store, web.user))


def sign_in_page(web: WebContext, email: str = "", error: str | None = None, status: int = 200) -> Response:
    minutes = web.settings.sign_in_link_minutes
    return web.render("sign_in.html.j2", status, email=email, error=error, minutes=minutes)


async def company_home(web: WebContext, company: CompanyPrincipal) -> Response:
    record = await use_cases.get_company(web.store, company, company.id)
    flows, flow_total = await use_cases.list_flows(
        web.store,
        company,
        company.id,
        active=True,
        direction=None,
        category=None,
        limit=FLOWS_SHOWN,
        offset=0,
    )
    # The same use case, scope and redaction as GET /v1/synergies.
    leads, lead_total = await synergies_for(
        web.store, company, company_id=None, include_withdrawn=False, limit=LEADS_SHOWN, offset=0
    )
    answered = await notifier_reads.own_answers(web.store.pool, company.id, [s.id for s in leads])
    return web.render(
        "company_home.html.j2",
        company=record,
        flows=[flow_row(f.snapshot) for f in flows],
        flow_total=flow_total,
        leads=[lead_row(s, company.id, answered.get(s.id)) for s in leads],
        lead_total=lead_total,
    )


async def advisor_home(web: WebContext, advisor: Advisor) -> Response:
    return await advisor_pages.dashboard_page(web, advisor)


@router.post("/connexion", response_class=HTMLResponse)
async def ask_for_link(web: ContextDep) -> Response:
    fields = dict(await web.check_csrf())
    email = fields.get("email", "").strip()
    problem = sign_in.email_problem(email)
    if problem is not None:
        return sign_in_page(web, email, problem, status=422)
    limits: sign_in.SendLimits = web.request.app.state.sign_in_limits
    # Known or not, limited or not: the same page, so that it tells nobody who has an account.
    await sign_in.request_link(web.store, email, web.client(), limits, web.policy)
    return web.render("link_sent.html.j2", email=email, minutes=web.settings.sign_in_link_minutes)


LinkValue = Annotated[str, Query(alias=SIGN_IN_PARAMETER, max_length=200)]


@router.get(SIGN_IN_PATH, response_class=HTMLResponse)
async def open_link(web: ContextDep, value: LinkValue = "") -> Response:
    """A page whose form uses the link: following the link alone (a mail scanner does) signs nobody in."""
    if not await sign_in.link_usable(web.store, value, web.policy):
        return link_invalid(web)
    return web.render("link_confirm.html.j2", value=value)


@router.post(SIGN_IN_PATH, response_class=HTMLResponse)
async def use_link(web: ContextDep) -> Response:
    fields = dict(await web.check_csrf())
    session = await sign_in.open_session(web.store, fields.get(SIGN_IN_PARAMETER, ""), web.policy)
    if session is None:
        return link_invalid(web)
    if web.session:
        await sign_in.end_session(web.store, web.session)
    response = web.redirect("/")
    web.start_session(response, session)
    return response


def link_invalid(web: WebContext) -> Response:
    return web.render(
        "link_invalid.html.j2", 400, minutes=web.settings.sign_in_link_minutes, email="", error=None
    )


@router.post("/deconnexion")
async def sign_out(web: ContextDep) -> Response:
    await web.check_csrf()
    if web.session:
        await sign_in.end_session(web.store, web.session)
    web.clear_session = True
    return web.redirect("/?fait=deconnecte")


@router.post("/espace")
async def choose_account(web: ContextDep) -> Response:
    fields = dict(await web.check_csrf())
    if web.user is None or web.session is None:
        return web.redirect("/")
    kind, _, raw_id = fields.get("compte", "").partition(":")
    try:
        account_id = UUID(raw_id)
    except ValueError:
        return web.redirect("/")
    await sign_in.choose_account(web.store, web.session, web.user, kind, account_id)
    return web.redirect("/")
