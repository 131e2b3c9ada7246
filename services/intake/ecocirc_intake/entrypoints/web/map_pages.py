"""The advisors' map, « Carte »: a territory's companies and leads over the outline of the departments.

The page holds the same GeoJSON as GET /v1/territories/{territory}/map.geojson (the same use case,
hence the same confidentiality rules), which static/map.js draws with the vendored Leaflet; the
leads and companies are also listed under the map, for whoever does not see it, and the filters
(step, kind) work as a plain form without JavaScript. Tiles come from ECOCIRC_MAP_TILES_URL when it
is set; without it (or without a reachable tile server) the outline shipped in static/geo is the
background.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from ecocirc_intake.entrypoints.web.context import ContextDep
from ecocirc_intake.entrypoints.web.present import kind_label, status_label
from ecocirc_intake.service_layer import territory as territories
from ecocirc_intake.service_layer.errors import Forbidden
from ecocirc_shared.followup import SynergyStatus
from ecocirc_shared.territories import ALL_TERRITORIES

router = APIRouter(include_in_schema=False)

MAP_PATH = "/carte"
OUTLINE = "/static/geo/departements.geojson"
OUTLINE_FILE = Path(__file__).parent / "static" / "geo" / "departements.geojson"
OUTLINE_CREDIT = "Contours\u00a0: IGN ADMIN EXPRESS, INSEE COG 2018 (Licence Ouverte)"
# The steps a lead on the map can be at, in the pipeline's order (withdrawn leads are not drawn).
STEPS = tuple(s.value for s in SynergyStatus if s is not SynergyStatus.WITHDRAWN)
KINDS = ("substitution", "mutualisation")
# An advisor's page of one company, where the app serves one (the dashboard's); the popups of the
# companies link to it, "{id}" standing for the company's id.
COMPANY_ROUTE = "/entreprises/{company_id}"
Choices = Annotated[list[str], Query(max_length=20)]


@cache
def department_names() -> dict[str, str]:
    """INSEE code → name, from the outline the page draws."""
    with OUTLINE_FILE.open(encoding="utf-8") as handle:
        outline = json.load(handle)
    return {f["properties"]["code"]: f["properties"]["nom"] for f in outline["features"]}


def territory_label(territory: str) -> str:
    if territory == ALL_TERRITORIES:
        return "Tous les territoires"
    name = department_names().get(territory)
    return f"{name} ({territory})" if name else territory


def tiles_source(template: str) -> str:
    """The Content-Security-Policy source of a tile address template: its scheme, host and port,
    Leaflet's {s} subdomain as a wildcard (the setting admits nothing else in the host)."""
    parts = urlsplit(template.replace("{s}.", "SUBDOMAIN.", 1))
    return f"{parts.scheme}://{parts.netloc}".replace("SUBDOMAIN.", "*.", 1)


@dataclass(frozen=True)
class LeadLine:
    """A lead as the list under the map reads it."""

    id: str
    link: str
    resource: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    score: str
    parties: str
    shown: bool


@dataclass(frozen=True)
class CompanyLine:
    name: str
    activity: str
    commune: str
    offers: int
    needs: int


def _party(participant: dict[str, Any]) -> str:
    return str(participant.get("name") or participant.get("description") or "Une entreprise")


def lead_line(properties: dict[str, Any], steps: set[str], kinds: set[str]) -> LeadLine:
    participants = properties["participants"]
    if properties["kind"] == "substitution":
        suppliers = [_party(p) for p in participants if p["role"] == "supplier"]
        receivers = [_party(p) for p in participants if p["role"] == "receiver"]
        parties = f"{', '.join(suppliers)} → {', '.join(receivers)}"
    else:
        parties = ", ".join(_party(p) for p in participants)
    return LeadLine(
        id=properties["id"],
        link=properties["link"],
        resource=properties["resource"],
        kind=properties["kind"],
        kind_label=kind_label(properties["kind"]),
        status=properties["status"],
        status_label=status_label(properties["status"]),
        score=f"{round(properties['score'] * 100)} %",
        parties=parties,
        shown=properties["status"] in steps and properties["kind"] in kinds,
    )


def company_line(properties: dict[str, Any]) -> CompanyLine:
    return CompanyLine(
        name=properties["name"],
        activity=properties["naf_label"] or properties["naf_code"] or "",
        commune=" ".join(p for p in (properties["postcode"], properties["commune"]) if p),
        offers=properties["offers"],
        needs=properties["needs"],
    )


def company_page(app: Any) -> str:
    """The address template of a company's page, or "" when the app has no such page to link to."""
    served = {getattr(route, "path", None) for route in app.routes}
    return COMPANY_ROUTE.replace("{company_id}", "{id}") if COMPANY_ROUTE in served else ""


def _chosen(given: list[str], every: tuple[str, ...], filtered: bool) -> set[str]:
    """What a filter keeps: everything until the form is sent, then what it ticked."""
    return {value for value in given if value in every} if filtered else set(every)


@router.get(MAP_PATH, response_class=HTMLResponse)
async def territory_map(
    web: ContextDep,
    territoire: Annotated[str | None, Query(max_length=100)] = None,
    statut: Choices = [],  # noqa: B006 (FastAPI copies query defaults)
    nature: Choices = [],  # noqa: B006
    filtre: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    if web.user is None:
        return web.redirect("/")
    advisor = web.advisor
    if advisor is None:
        raise Forbidden("La carte est celle des conseillers du programme.")
    choices = await territories.map_territories(web.store, advisor)
    territory = territoire or (choices[0] if choices else "")
    if not territory:
        raise Forbidden("Aucun territoire ne vous est confié pour l'instant.")
    body = await territories.territory_map(web.store, advisor, territory, web.settings.public_base_url)
    steps = _chosen(statut, STEPS, filtre is not None)
    kinds = _chosen(nature, KINDS, filtre is not None)
    features = [f["properties"] for f in body["features"]]
    leads = [lead_line(p, steps, kinds) for p in features if p["feature"] == "lead"]
    companies = [company_line(p) for p in features if p["feature"] == "company"]
    counts = {step: sum(1 for lead in leads if lead.status == step) for step in STEPS}
    tiles = web.settings.map_tiles_url
    if tiles:
        web.image_sources = (tiles_source(tiles),)
    if territory not in choices:
        choices = [*choices, territory]
    return web.render(
        "map.html.j2",
        territory=territory,
        territory_name=territory_label(territory),
        choices=[(t, territory_label(t)) for t in choices],
        geojson=body,
        leads=leads,
        companies=companies,
        steps=[(s, status_label(s), counts[s], s in steps) for s in STEPS],
        kinds=[(k, kind_label(k), sum(1 for x in leads if x.kind == k), k in kinds) for k in KINDS],
        shown=sum(1 for lead in leads if lead.shown),
        outline=OUTLINE,
        outline_credit=OUTLINE_CREDIT,
        tiles_url=tiles or "",
        tiles_attribution=web.settings.map_tiles_attribution,
        company_page=company_page(web.request.app),
    )
