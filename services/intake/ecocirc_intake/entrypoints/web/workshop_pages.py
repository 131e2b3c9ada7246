"""« Noter une piste d'atelier »: a synergy found in a workshop or on a visit, recorded by an advisor
with its participants (companies of their territories, with one of their flows or a few words), kind
and description. The body is checked as the API checks POST /v1/synergies and recorded by the same
use case: the lead then lives in the pipeline like any other."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from ecocirc_intake.entrypoints.followup_routes import SynergyCreate, record_request
from ecocirc_intake.entrypoints.web.advisor_pages import advisor_or_none, kind_choices, status_choices
from ecocirc_intake.entrypoints.web.context import ContextDep, WebContext
from ecocirc_intake.entrypoints.web.present import flow_row
from ecocirc_intake.service_layer import dashboard, followup, use_cases
from ecocirc_intake.service_layer.errors import InvalidInput
from ecocirc_intake.service_layer.principals import Advisor
from ecocirc_shared.flows import FlowSnapshot
from ecocirc_shared.links import lead_path
from ecocirc_shared.synergies import Role, SynergyKind

router = APIRouter(include_in_schema=False)

ROWS = 4
CHOICES_MAX = 2000
ROLES = (("supplier", "fournit (offre)"), ("receiver", "reçoit (besoin)"))
# Where an error of the API's body is shown on the form.
FIELDS = {
    "kind": "nature",
    "description": "description",
    "resource": "ressource",
    "status": "etape",
    "note": "note",
}


@dataclass(frozen=True)
class FlowChoice:
    id: str
    label: str


@dataclass(frozen=True)
class CompanyChoice:
    id: str
    name: str
    flows: tuple[FlowChoice, ...]


async def _choices(web: WebContext, advisor: Advisor) -> list[CompanyChoice]:
    companies, _ = await use_cases.list_companies(
        web.store, advisor, territory=None, name=None, limit=CHOICES_MAX, offset=0
    )
    flows, _ = await dashboard.territory_flows(
        web.store, advisor, territory=None, name=None, commune=None, limit=CHOICES_MAX, offset=0
    )
    by_company: dict[UUID, list[FlowChoice]] = defaultdict(list)
    for record in flows:
        row = flow_row(FlowSnapshot.model_validate_json(record["snapshot"]))
        what = f"{row.direction} — {row.label}" + (f" ({row.quantity})" if row.quantity else "")
        by_company[record["company_id"]].append(FlowChoice(str(row.id), what))
    return [
        CompanyChoice(
            str(c.id), f"{c.name} ({c.site.city or c.site.postcode or c.territory})", tuple(by_company[c.id])
        )
        for c in companies
    ]


async def _form(
    web: WebContext,
    advisor: Advisor,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Response:
    return web.render(
        "workshop_lead.html.j2",
        status,
        companies=await _choices(web, advisor),
        rows=range(1, ROWS + 1),
        roles=ROLES,
        kinds=kind_choices(),
        steps=[(v, label) for v, label in status_choices() if v != "abandoned"],
        values=values
        or {"nature": "substitution", "etape": "idea", "p1_role": "supplier", "p2_role": "receiver"},
        errors=errors or {},
    )


@router.get("/pistes/nouvelle", response_class=HTMLResponse)
async def workshop_form(web: ContextDep) -> Response:
    advisor = advisor_or_none(web)
    if advisor is None:
        return web.redirect("/")
    return await _form(web, advisor)


def _body(fields: dict[str, str]) -> tuple[dict[str, Any], list[int], dict[str, list[str]]]:
    """The API's body from the form, the form's row of each participant, and the rows left half-filled."""
    kind = fields.get("nature", "")
    participants: list[dict[str, Any]] = []
    rows: list[int] = []
    errors: dict[str, list[str]] = {}
    for row in range(1, ROWS + 1):
        company = fields.get(f"p{row}_entreprise", "").strip()
        flow = fields.get(f"p{row}_flux", "").strip()
        label = fields.get(f"p{row}_libelle", "").strip()
        if not company:
            if flow or label:
                errors[f"p{row}_entreprise"] = ["Choisissez l'entreprise de ce participant."]
            continue
        role = Role.MEMBER.value if kind == SynergyKind.MUTUALISATION else fields.get(f"p{row}_role", "")
        participants.append(
            {"company_id": company, "role": role, "flow_id": flow or None, "label": label or None}
        )
        rows.append(row)
    body = {
        "kind": kind,
        "participants": participants,
        "description": fields.get("description", ""),
        "resource": fields.get("ressource", "").strip() or None,
        "status": fields.get("etape", "") or "idea",
        "note": fields.get("note", "").strip() or None,
    }
    return body, rows, errors


def _place(field: str, rows: list[int]) -> str:
    """The form field an error of the body's `field` (« participants.1.flow_id ») belongs to."""
    parts = field.split(".")
    if parts[0] == "participants":
        if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(rows):
            row = rows[int(parts[1])]
            what = {"flow_id": "flux", "label": "libelle", "role": "role"}.get(
                parts[2] if len(parts) > 2 else "", "entreprise"
            )
            return f"p{row}_{what}"
        return "participants"
    return FIELDS.get(parts[0], parts[0])


def _pydantic_errors(failed: ValidationError, rows: list[int]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in failed.errors():
        field = ".".join(str(x) for x in error["loc"])
        place = _place(field, rows)
        if place == "description":
            message = "Décrivez la piste en quelques mots (2 000 caractères au plus)."
        elif place == "participants":
            message = "Une piste réunit au moins deux entreprises."
        elif place == "nature":
            message = "Choisissez la nature de la piste."
        elif place.endswith("_flux") or place.endswith("_entreprise"):
            message = "Choisissez dans la liste."
        elif place.endswith("_role"):
            message = "Choisissez le rôle : fournit ou reçoit."
        else:
            message = "Valeur invalide."
        errors.setdefault(place, []).append(message)
    return errors


@router.post("/pistes/nouvelle", response_class=HTMLResponse)
async def record_workshop_lead(web: ContextDep) -> Response:
    fields = dict(await web.check_csrf())
    advisor = advisor_or_none(web)
    if advisor is None:
        return web.redirect("/")
    values = {k: v for k, v in fields.items() if k != "csrf"}
    body, rows, errors = _body(fields)
    if errors:
        return await _form(web, advisor, values, errors, 422)
    try:
        checked = SynergyCreate.model_validate(body)
    except ValidationError as failed:
        return await _form(web, advisor, values, _pydantic_errors(failed, rows), 422)
    try:
        recorded = await followup.record_synergy(
            web.store, advisor, record_request(checked), web.settings.decision_wait_seconds
        )
    except InvalidInput as invalid:
        found: dict[str, list[str]] = {}
        for problem in invalid.problems:
            found.setdefault(_place(problem.field, rows), []).append(problem.message)
        return await _form(web, advisor, values, found, 422)
    if recorded.created and recorded.outcome is None:
        return web.redirect("/pistes?fait=notee")
    return web.redirect(f"{lead_path(recorded.synergy_id)}?fait={'notee' if recorded.created else 'deja'}")
