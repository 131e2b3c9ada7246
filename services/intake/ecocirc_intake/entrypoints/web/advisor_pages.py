"""An advisor's pages: the dashboard of their territories (figures, search, companies, flows, leads),
a company's page, and the pipeline of leads by status. Read through the same use cases and the same
scope as the API; a company signed in is refused them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from ecocirc_intake.adapters.store import AdvisorRecord
from ecocirc_intake.entrypoints.web.context import ContextDep, WebContext
from ecocirc_intake.entrypoints.web.pipeline_rows import PipelineRow, pipeline_rows
from ecocirc_intake.entrypoints.web.present import FlowRow, flow_row, kind_label, status_label
from ecocirc_intake.entrypoints.web.search import LeadSearch, Pages, page_number
from ecocirc_intake.service_layer import dashboard, use_cases
from ecocirc_intake.service_layer.errors import Forbidden
from ecocirc_intake.service_layer.principals import Advisor
from ecocirc_shared.flows import FlowSnapshot
from ecocirc_shared.followup import PIPELINE, SynergyStatus
from ecocirc_shared.recorded import RECORDED_CLASS
from ecocirc_shared.reference import get_naf
from ecocirc_shared.synergies import SynergyKind

router = APIRouter(include_in_schema=False)

COMPANIES_PER_PAGE = 25
FLOWS_PER_PAGE = 25
LEADS_SHOWN = 20
PIPELINE_SHOWN = 500
RECORDED_LABEL = "Pistes notées en atelier"
ONLY_ADVISORS = "Cette page est réservée aux conseillers du programme."


def advisor_or_none(web: WebContext) -> Advisor | None:
    """The advisor reading the page; None when nobody is signed in (sent to the sign-in page);
    a company is refused."""
    if web.user is None or web.user.principal is None:
        return None
    if web.advisor is None:
        raise Forbidden(ONLY_ADVISORS)
    return web.advisor


@dataclass(frozen=True)
class Count:
    label: str
    count: int
    href: str


@dataclass(frozen=True)
class CompanyLine:
    id: UUID
    name: str
    commune: str
    territory: str
    offers: int
    needs: int


@dataclass(frozen=True)
class TerritoryFlow:
    flow: FlowRow
    company_id: UUID
    company: str
    commune: str


def owner_names(owners: list[AdvisorRecord]) -> dict[UUID, str]:
    return {a.id: a.name for a in owners}


def status_choices() -> list[tuple[str, str]]:
    return [(s.value, status_label(s.value)) for s in PIPELINE]


def kind_choices() -> list[tuple[str, str]]:
    return [(k.value, kind_label(k.value)) for k in SynergyKind]


def class_label(resource_class: str, label: str) -> str:
    if resource_class == RECORDED_CLASS:
        return RECORDED_LABEL
    return label[:1].upper() + label[1:]


def commune_of(city: str | None, postcode: str | None) -> str:
    return " ".join(x for x in (postcode, city) if x)


async def dashboard_page(web: WebContext, advisor: Advisor) -> Response:
    params = web.request.query_params
    search = LeadSearch.read(params)
    territories = await dashboard.followed_territories(web.store, advisor)
    territory = search.territory if search.territory in territories else None
    search = replace(search, territory=territory or "")
    overview = await dashboard.overview(web.store, advisor, territory)
    by_status = overview.by("status")
    by_kind = overview.by("kind")
    by_class = overview.by("resource_class")
    labels = overview.class_labels()
    scope = {"territoire": territory} if territory else {}

    def pipeline_link(**more: str) -> str:
        return "/pistes?" + urlencode({**scope, **more}) if scope or more else "/pistes"

    def dashboard_link(**more: str) -> str:
        return "/?" + urlencode({**scope, **more}) + "#pistes-titre"

    statuses = [
        Count(status_label(s.value), by_status.get(s.value, 0), pipeline_link(etape=s.value))
        for s in PIPELINE
    ]
    kinds = [
        Count(kind_label(k.value), by_kind.get(k.value, 0), dashboard_link(nature=k.value))
        for k in SynergyKind
    ]
    classes = sorted(
        (Count(class_label(c, labels[c]), n, dashboard_link(ressource=c)) for c, n in by_class.items()),
        key=lambda c: (-c.count, c.label),
    )

    # One search narrows the three lists: leads, companies and flows.
    ids = await dashboard.company_ids(
        web.store, advisor, territory=territory, name=search.company or None, commune=search.commune or None
    )
    owners = await dashboard.possible_owners(web.store, advisor)
    leads, lead_total = await pipeline_rows(
        web.store,
        advisor,
        filters=search.filters(ids, web.settings.today()),
        include_withdrawn=search.status == SynergyStatus.WITHDRAWN,
        limit=LEADS_SHOWN,
        offset=0,
        owners=owner_names(owners),
        today=web.settings.today(),
    )
    kept = search.query()
    company_pages = Pages(page_number(params, "pe"), COMPANIES_PER_PAGE, 0, "pe", kept)
    records, company_total = await use_cases.list_companies(
        web.store,
        advisor,
        territory=territory,
        name=search.company or None,
        commune=search.commune or None,
        limit=company_pages.size,
        offset=company_pages.offset,
    )
    async with web.store.transaction() as tx:
        counts = await tx.flow_counts([c.id for c in records])
    companies = [
        CompanyLine(
            c.id,
            c.name,
            commune_of(c.site.city, c.site.postcode),
            c.territory,
            *counts.get(c.id, (0, 0)),
        )
        for c in records
    ]
    flow_pages = Pages(page_number(params, "pf"), FLOWS_PER_PAGE, 0, "pf", kept)
    flow_records, flow_total = await dashboard.territory_flows(
        web.store,
        advisor,
        territory=territory,
        name=search.company or None,
        commune=search.commune or None,
        limit=flow_pages.size,
        offset=flow_pages.offset,
    )
    flows = [
        TerritoryFlow(
            flow_row(FlowSnapshot.model_validate_json(r["snapshot"])),
            r["company_id"],
            r["company_name"],
            commune_of(r["city"], r["postcode"]),
        )
        for r in flow_records
    ]
    return web.render(
        "advisor_home.html.j2",
        advisor=advisor,
        territories=territories,
        territory_choices=[(t, t) for t in territories],
        territory=territory,
        search=search,
        overview=overview,
        statuses=statuses,
        kinds=kinds,
        classes=classes,
        status_choices=status_choices(),
        kind_choices=kind_choices(),
        class_choices=sorted(((c, class_label(c, labels[c])) for c in labels), key=lambda x: x[1]),
        done=by_status.get(SynergyStatus.DONE.value, 0),
        leads=leads,
        lead_total=lead_total,
        all_leads_href=pipeline_link(**{k: v for k, v in kept.items() if k != "territoire"}),
        companies=companies,
        company_pages=Pages(company_pages.number, COMPANIES_PER_PAGE, company_total, "pe", kept),
        flows=flows,
        flow_pages=Pages(flow_pages.number, FLOWS_PER_PAGE, flow_total, "pf", kept),
    )


@router.get("/entreprises/{company_id}", response_class=HTMLResponse)
async def company_page(company_id: UUID, web: ContextDep) -> Response:
    advisor = advisor_or_none(web)
    if advisor is None:
        return web.redirect("/")
    # The same use cases as GET /v1/companies/{id} and its flows: another territory's company is not found.
    record = await use_cases.get_company(web.store, advisor, company_id)
    flows, flow_total = await use_cases.list_flows(
        web.store, advisor, company_id, active=True, direction=None, category=None, limit=200, offset=0
    )
    owners = await dashboard.possible_owners(web.store, advisor)
    leads, lead_total = await pipeline_rows(
        web.store,
        advisor,
        filters=LeadSearch().filters((company_id,), web.settings.today()),
        include_withdrawn=False,
        limit=200,
        offset=0,
        owners=owner_names(owners),
        today=web.settings.today(),
    )
    naf = get_naf(record.naf_code)
    return web.render(
        "advisor_company.html.j2",
        company=record,
        naf=f"{record.naf_code} — {naf.label_fr}" if naf else record.naf_code,
        commune=commune_of(record.site.city, record.site.postcode),
        flows=[flow_row(f.snapshot) for f in flows],
        flow_total=flow_total,
        leads=leads,
        lead_total=lead_total,
    )


@dataclass(frozen=True)
class StatusGroup:
    status: str
    label: str
    leads: list[PipelineRow]


@router.get("/pistes", response_class=HTMLResponse)
async def pipeline_page(web: ContextDep) -> Response:
    advisor = advisor_or_none(web)
    if advisor is None:
        return web.redirect("/")
    web.extra["notice"] = NOTICES.get(web.request.query_params.get("fait") or "")
    search = LeadSearch.read(web.request.query_params)
    territories = await dashboard.followed_territories(web.store, advisor)
    if search.territory not in territories:
        search = replace(search, territory="")
    owners = await dashboard.possible_owners(web.store, advisor)
    ids = await dashboard.company_ids(
        web.store,
        advisor,
        territory=search.territory or None,
        name=search.company or None,
        commune=search.commune or None,
    )
    leads, total = await pipeline_rows(
        web.store,
        advisor,
        filters=search.filters(ids, web.settings.today()),
        include_withdrawn=search.status == SynergyStatus.WITHDRAWN,
        limit=PIPELINE_SHOWN,
        offset=0,
        owners=owner_names(owners),
        today=web.settings.today(),
    )
    order = [s.value for s in (*PIPELINE, SynergyStatus.WITHDRAWN)]
    groups = [
        StatusGroup(status, status_label(status), [lead for lead in leads if lead.status == status])
        for status in order
        if status != SynergyStatus.WITHDRAWN or search.status == status
    ]
    return web.render(
        "advisor_pipeline.html.j2",
        advisor=advisor,
        search=search,
        territories=territories,
        territory_choices=[(t, t) for t in territories],
        owners=[(str(a.id), a.name + (" (vous)" if a.id == advisor.id else "")) for a in owners],
        status_choices=status_choices(),
        kind_choices=kind_choices(),
        groups=[g for g in groups if g.leads or not search.status],
        total=total,
        shown=len(leads),
    )


# Notices after an action that lands on the pipeline.
NOTICES = {
    "notee": "La piste est notée\u00a0: elle apparaît dans le suivi dans quelques secondes.",
}
