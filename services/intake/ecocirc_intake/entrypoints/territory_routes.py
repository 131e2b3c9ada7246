"""A territory for its advisors: the map as GeoJSON, the report for funders as JSON, CSV or XLSX."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ecocirc_intake.adapters.exports import to_csv, to_xlsx
from ecocirc_intake.domain.report import FIGURES, Report, rows
from ecocirc_intake.entrypoints.api import ERRORS, PrincipalDep, StoreDep
from ecocirc_intake.service_layer import territory as territories
from ecocirc_intake.service_layer.errors import InvalidInput, Problem
from ecocirc_shared.settings import IntakeSettings

router = APIRouter(prefix="/v1", responses=ERRORS, tags=["territories"])

Territory = Annotated[
    str, Path(min_length=1, max_length=100, description='A territory; "*": the whole programme (admin).')
]
GEOJSON = "application/geo+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAP_EXAMPLE = {
    "type": "FeatureCollection",
    "territory": "32",
    "features": [
        {
            "type": "Feature",
            "id": "2f0d3a6e-8a55-4b53-9a3c-1b4f0e7d9c10",
            "geometry": {"type": "Point", "coordinates": [0.9297, 43.4936]},
            "properties": {
                "feature": "company",
                "id": "2f0d3a6e-8a55-4b53-9a3c-1b4f0e7d9c10",
                "name": "Scierie du Savès",
                "naf_code": "16.10A",
                "naf_label": "Sciage et rabotage du bois, hors imprégnation",
                "commune": "Samatan",
                "postcode": "32130",
                "territory": "32",
                "offers": 2,
                "needs": 0,
            },
        },
        {
            "type": "Feature",
            "id": "b9765dec-0c1e-5d3a-9f4b-8e2a7c6d5f41",
            "geometry": {"type": "LineString", "coordinates": [[0.9297, 43.4936], [0.9989, 43.4694]]},
            "properties": {
                "feature": "lead",
                "id": "b9765dec-0c1e-5d3a-9f4b-8e2a7c6d5f41",
                "kind": "substitution",
                "status": "in_contact",
                "active": True,
                "origin": "matcher",
                "score": 0.82,
                "resource": "sciures et copeaux de bois",
                "resource_class": "sawdust_shavings",
                "distance_km": 7.4,
                "members": 2,
                "participants": [
                    {"company_id": "2f0d3a6e-8a55-4b53-9a3c-1b4f0e7d9c10", "name": "Scierie du Savès",
                     "description": None, "role": "supplier", "territory": "32"},
                    {"company_id": "7a9c1e2b-3d4f-4a6b-8c0d-5e1f2a3b4c5d", "name": "Élevage de Lombez",
                     "description": None, "role": "receiver", "territory": "32"},
                ],
                "owner_id": None,
                "next_action_on": "2025-03-14",
                "tonnes_estimated": 37.0,
                "co2e_t_estimated": None,
                "tonnes_realised": None,
                "link": "https://eco-circulaire.example/pistes/b9765dec-0c1e-5d3a-9f4b-8e2a7c6d5f41",
            },
        },
    ],
}  # fmt: skip


def _settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


@router.get(
    "/territories/{territory}/map.geojson",
    response_class=JSONResponse,
    summary="The territory's companies and leads as GeoJSON (advisors of the territory)",
    responses={
        200: {"content": {GEOJSON: {"example": MAP_EXAMPLE}}, "description": "A GeoJSON FeatureCollection."}
    },
)
async def territory_map(
    territory: Territory,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    include_withdrawn: Annotated[bool, Query(description="Also the leads the matcher withdrew.")] = False,
) -> JSONResponse:
    """Companies as points (name, NAF code and label, commune, current offers and needs); leads as a
    LineString from supplier to receiver for a two-party substitution, else the MultiPoint of the
    members (a mutualisation group), with status, score, kind, resource and the link to the lead's
    page. A participant of another territory is placed to about a kilometre and named only as the
    confidentiality rules allow. Coordinates are [longitude, latitude] (RFC 7946)."""
    body = await territories.territory_map(
        store, principal, territory, _settings(request).public_base_url, include_withdrawn
    )
    return JSONResponse(body, media_type=GEOJSON)


class ReportPublic(BaseModel):
    """The figures are for the period, per year where they are tonnes, CO2e or euros."""

    territory: str
    from_: date = Field(alias="from")
    to: date
    generated_at: datetime
    companies: int = Field(description=FIGURES["companies"])
    companies_new: int = Field(description=FIGURES["companies_new"])
    companies_engaged: int = Field(description=FIGURES["companies_engaged"])
    flows: int = Field(description=FIGURES["flows"])
    flows_new: int = Field(description=FIGURES["flows_new"])
    flows_by_direction: dict[str, int] = Field(description=FIGURES["flows_by_direction"])
    leads: int = Field(description=FIGURES["leads"])
    leads_new: int = Field(description=FIGURES["leads_new"])
    leads_by_status: dict[str, int] = Field(description=FIGURES["leads_by_status"])
    leads_reached: dict[str, int] = Field(description=FIGURES["leads_reached"])
    leads_by_kind: dict[str, int] = Field(description=FIGURES["leads_by_kind"])
    abandoned_by_reason: dict[str, int] = Field(description=FIGURES["abandoned_by_reason"])
    tonnes_estimated: float = Field(description=FIGURES["tonnes_estimated"])
    tonnes_realised: float = Field(description=FIGURES["tonnes_realised"])
    co2e_t_estimated: float = Field(description=FIGURES["co2e_t_estimated"])
    co2e_t_realised: float = Field(description=FIGURES["co2e_t_realised"])
    eur_estimated: float = Field(description=FIGURES["eur_estimated"])
    eur_realised: float = Field(description=FIGURES["eur_realised"])
    jobs_realised: float = Field(description=FIGURES["jobs_realised"])
    synergies_realised: int = Field(description=FIGURES["synergies_realised"])

    model_config = {"populate_by_name": True}


LEAD_COLUMNS = (
    "piste", "nature", "ressource", "étape à la fin de la période", "motif d'abandon", "tonnes/an estimées",
    "tonnes/an réalisées", "t CO2e/an estimées", "t CO2e/an réalisées", "€/an réalisés", "lien",
)  # fmt: skip


def _filename(territory_name: str, first: date, last: date, extension: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", territory_name).strip("_") or "territoire"
    return f"rapport-{safe}-{first.isoformat()}-{last.isoformat()}.{extension}"


@router.get(
    "/territories/{territory}/report",
    response_model=ReportPublic,
    summary="The territory's report for funders over a period: JSON, CSV or XLSX (advisors of the territory)",
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
            "description": "The report; as a file with format=csv or format=xlsx.",
        }
    },
)
async def territory_report(
    territory: Territory,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    first: Annotated[
        date | None, Query(alias="from", description="First day, YYYY-MM-DD (default: 1 January).")
    ] = None,
    last: Annotated[
        date | None, Query(alias="to", description="Last day, included (default: today).")
    ] = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query(description="json, csv or xlsx.")] = "json",
) -> Any:
    """Companies and flows of the territory; the leads touching it by status at the end of the period,
    by status reached within it, by kind and by abandonment reason; tonnes, CO2e and euros a year, as
    the platform estimates them (leads open or done) and as advisors recorded them (leads done).
    Days are the programme's (ECOCIRC_PROGRAMME_TIMEZONE). The CSV (semicolons, UTF-8) and the XLSX hold
    the same figures, the XLSX also the list of leads; text cells that a spreadsheet would run as a
    formula are prefixed with '."""
    first, last = report_period(first, last, _settings(request).today())
    result, lines = await territories.territory_report(
        store,
        principal,
        territory,
        territories.period_of(first, last, _settings(request).zone()),
        _settings(request).public_base_url,
    )
    if format == "json":
        return ReportPublic.model_validate(
            {
                "territory": territory,
                "from": first,
                "to": last,
                "generated_at": datetime.now(UTC),
                **result.figures,
            }
        )
    return report_download(result, lines, format)


def report_period(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """The period asked for: by default from 1 January to `today` (the programme's day); refused if it
    ends before it starts."""
    last = last or today
    first = first or date(last.year, 1, 1)
    if first > last:
        raise InvalidInput(
            "Période invalide.", [Problem("from", "Le premier jour (from) doit précéder le dernier (to).")]
        )
    return first, last


def report_download(
    result: Report, lines: list[territories.LeadLine], format: Literal["csv", "xlsx"]
) -> Response:
    """The report as a file to download: the figures (CSV), or the figures and the leads (XLSX)."""
    header = _header(result)
    figures = [("indicateur", "libellé", "valeur"), *rows(result)]
    leads = [
        LEAD_COLUMNS,
        *(
            (str(x.id), x.kind, x.resource, x.status, x.abandon_reason, x.tonnes_estimated, x.tonnes_realised,
             x.co2e_t_estimated, x.co2e_t_realised, x.eur_realised, x.link)
            for x in lines
        ),
    ]  # fmt: skip
    if format == "csv":
        content, media = to_csv(header, figures), "text/csv; charset=utf-8"
    else:
        content, media = to_xlsx([("Rapport", header, figures), ("Pistes", header, leads)]), XLSX
    name = _filename(result.territory, result.period.first, result.period.last, format)
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _header(result: Report) -> list[tuple[str, Any]]:
    return [
        ("Rapport Eco'circulaire", "territoire " + result.territory),
        ("territory", result.territory),
        ("from", result.period.first.isoformat()),
        ("to", result.period.last.isoformat()),
        ("generated_at", datetime.now(UTC).isoformat(timespec="seconds")),
    ]
