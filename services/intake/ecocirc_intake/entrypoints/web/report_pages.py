"""« Rapports »: a territory's report for its funders over a period, as a printable page with charts
drawn on the server, and the same report as CSV or XLSX downloaded with the session. The figures are
those of GET /v1/territories/{territory}/report: the same use case, the same files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from ecocirc_intake.domain.report import Report
from ecocirc_intake.entrypoints.territory_routes import report_download, report_period
from ecocirc_intake.entrypoints.web.advisor_pages import advisor_or_none
from ecocirc_intake.entrypoints.web.charts import BarChart, bar_chart
from ecocirc_intake.entrypoints.web.context import ContextDep, WebContext
from ecocirc_intake.entrypoints.web.lead_followup import abandon_reason_label
from ecocirc_intake.entrypoints.web.present import kind_label, number, status_label
from ecocirc_intake.service_layer import dashboard
from ecocirc_intake.service_layer import territory as territories
from ecocirc_intake.service_layer.errors import InvalidInput
from ecocirc_intake.service_layer.principals import Advisor
from ecocirc_shared import french
from ecocirc_shared.followup import PIPELINE, AbandonReason, SynergyStatus
from ecocirc_shared.territories import ALL_TERRITORIES

router = APIRouter(include_in_schema=False)

WHOLE_PROGRAMME = "Tout le programme"


@dataclass(frozen=True)
class Asked:
    """The report asked for: a territory and a period, as the form and the export links carry them."""

    territory: str
    first: date
    last: date

    def query(self, **more: str) -> str:
        return urlencode(
            {"territoire": self.territory, "du": self.first.isoformat(), "au": self.last.isoformat(), **more}
        )


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


async def _asked(web: WebContext, advisor: Advisor) -> tuple[Asked, list[tuple[str, str]], str | None]:
    """The report asked for, the territories to choose among, and what was wrong with the period."""
    params = web.request.query_params
    followed = await dashboard.followed_territories(web.store, advisor)
    choices = [(t, t) for t in followed]
    if advisor.is_admin:
        choices.append((ALL_TERRITORIES, WHOLE_PROGRAMME))
    territory = params.get("territoire") or (choices[0][0] if choices else ALL_TERRITORIES)
    problem = None
    try:
        first, last = report_period(_day(params.get("du")), _day(params.get("au")), web.settings.today())
    except ValueError:
        problem = "Indiquez des dates complètes (jour, mois, année)."
        first, last = report_period(None, None, web.settings.today())
    except InvalidInput:
        problem = "La période doit commencer avant de finir."
        first, last = report_period(None, None, web.settings.today())
    return Asked(territory, first, last), choices, problem


async def _report(
    web: WebContext, advisor: Advisor, asked: Asked
) -> tuple[Report, list[territories.LeadLine]]:
    # The API's use case: an advisor of another territory is refused, as there.
    return await territories.territory_report(
        web.store,
        advisor,
        asked.territory,
        territories.period_of(asked.first, asked.last, web.settings.zone()),
        web.settings.public_base_url,
    )


def _amount(value: float | None, unit: str) -> str:
    return "—" if value is None else f"{number(round(value, 1))} {unit}"


def _charts(figures: dict[str, Any]) -> list[BarChart]:
    at_end = figures["leads_by_status"]
    steps = [*PIPELINE]
    by_status = bar_chart(
        "Pistes par étape à la fin de la période",
        [(status_label(s.value), at_end[s.value], str(at_end[s.value]), s.value) for s in steps],
    )
    compared = []
    for key, title, unit in (
        ("tonnes", "Tonnes détournées par an", "t"),
        ("co2e_t", "Tonnes de CO2e évitées par an", "t CO2e"),
        ("eur", "Euros économisés par an", "€"),
    ):
        estimated, realised = figures[f"{key}_estimated"], figures[f"{key}_realised"]
        compared.append(
            bar_chart(
                title,
                [
                    ("Estimé", estimated, _amount(estimated, unit), "estimated"),
                    ("Réalisé", realised, _amount(realised, unit), "realised"),
                ],
            )
        )
    return [by_status, *compared]


@router.get("/rapports", response_class=HTMLResponse)
async def report_page(web: ContextDep) -> Response:
    advisor = advisor_or_none(web)
    if advisor is None:
        return web.redirect("/")
    asked, choices, problem = await _asked(web, advisor)
    result, lines = await _report(web, advisor, asked)
    figures = result.figures
    reached = figures["leads_reached"]
    at_end = figures["leads_by_status"]
    steps = [(status_label(s.value), at_end[s.value], reached[s.value]) for s in PIPELINE]
    reasons = [
        (abandon_reason_label(r.value), figures["abandoned_by_reason"][r.value])
        for r in AbandonReason
        if figures["abandoned_by_reason"][r.value]
    ]
    done = [line for line in lines if line.status == SynergyStatus.DONE]
    territory_name = (
        WHOLE_PROGRAMME if asked.territory == ALL_TERRITORIES else f"territoire {asked.territory}"
    )
    return web.render(
        "advisor_report.html.j2",
        asked=asked,
        territory_name=territory_name,
        period=f"du {french.day(asked.first)} au {french.day(asked.last)}",
        choices=choices,
        problem=problem,
        figures=figures,
        steps=steps,
        reasons=reasons,
        charts=_charts(figures),
        impact=[
            ("Tonnes détournées par an", "tonnes", "t"),
            ("Tonnes de CO2e évitées par an", "co2e_t", "t CO2e"),
            ("Euros économisés par an", "eur", "€"),
        ],
        amount=_amount,
        kind_label=kind_label,
        done=done,
        csv_href="/rapports/export?" + asked.query(format="csv"),
        xlsx_href="/rapports/export?" + asked.query(format="xlsx"),
    )


@router.get("/rapports/export")
async def report_export(web: ContextDep) -> Response:
    """The report as a file, through the session: the same use case and file as the API's."""
    advisor = advisor_or_none(web)
    if advisor is None:
        return web.redirect("/")
    asked, _, problem = await _asked(web, advisor)
    if problem is not None:
        raise InvalidInput(problem, [])
    wanted = web.request.query_params.get("format")
    chosen: Literal["csv", "xlsx"] = "xlsx" if wanted == "xlsx" else "csv"
    result, lines = await _report(web, advisor, asked)
    return web.finish(report_download(result, lines, chosen))
