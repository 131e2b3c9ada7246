"""How flows and synergies read on the pages: French words for the API's values."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ecocirc_intake.entrypoints.schemas import SynergyPublic
from ecocirc_intake.entrypoints.web.forms import CATEGORIES, PERIODS, UNITS
from ecocirc_shared import french
from ecocirc_shared.answers import ANSWER_LABELS, Answer
from ecocirc_shared.directory import RecipientKind
from ecocirc_shared.flows import FlowSnapshot
from ecocirc_shared.french import MONTH_NAMES_FR
from ecocirc_shared.reference import get_ewc
from ecocirc_shared.visibility import Disclosure
from ecocirc_shared.wording import period

_CATEGORY = dict(CATEGORIES)
_UNIT = {"m3": "m³", "unit": "unités"} | {code: code for code, _ in UNITS if code not in {"m3", "unit"}}
_PERIOD = dict(PERIODS)
# The pipeline's statuses (ecocirc_shared.followup), as a company reads them on its leads.
_STATUS = {
    "idea": "Idée",
    "proposed": "Proposée",
    "in_contact": "Mise en relation",
    "study": "À l'étude",
    "in_progress": "En cours de mise en œuvre",
    "done": "Réalisée",
    "abandoned": "Abandonnée",
    "withdrawn": "Retirée",
}
_KIND = {"substitution": "Échange entre entreprises", "mutualisation": "Mutualisation"}
_ROLE = {"supplier": "fournit", "receiver": "reçoit", "member": "participe"}


def status_label(status: str) -> str:
    return _STATUS.get(status, status)


def kind_label(kind: str) -> str:
    return _KIND.get(kind, kind)


def number(value: float) -> str:
    """French writing: decimal comma, narrow no-break space between thousands."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return text.replace(",", "\u202f").replace(".", ",")


def months(values: tuple[int, ...] | list[int]) -> str:
    if not values or len(values) == 12:
        return "toute l'année"
    return ", ".join(MONTH_NAMES_FR[m - 1] for m in sorted(values))


@dataclass(frozen=True)
class FlowRow:
    id: UUID
    label: str
    is_offer: bool
    direction: str
    category: str
    quantity: str | None
    months: str
    waste: str | None
    hazardous: bool
    advisor_only: bool
    max_distance: str | None
    description: str | None


def flow_row(flow: FlowSnapshot) -> FlowRow:
    quantity = None
    if flow.quantity is not None:
        q = flow.quantity
        quantity = f"{number(q.amount)} {_UNIT.get(q.unit.value, q.unit.value)} {_PERIOD[q.period.value]}"
    waste = None
    if flow.ewc_code:
        entry = get_ewc(flow.ewc_code)
        waste = f"{flow.ewc_code} — {entry.label_fr}" if entry else flow.ewc_code
    return FlowRow(
        id=flow.flow_id,
        label=flow.label,
        is_offer=flow.direction.value == "offer",
        direction="Offre" if flow.direction.value == "offer" else "Besoin",
        category=_CATEGORY[flow.category.value],
        quantity=quantity,
        months=months(flow.months),
        waste=waste,
        hazardous=flow.hazardous,
        advisor_only=flow.confidentiality.value == "advisor_only",
        max_distance=f"{number(flow.max_distance_km)} km" if flow.max_distance_km else None,
        description=flow.description,
    )


@dataclass(frozen=True)
class LeadRow:
    id: UUID
    title: str
    kind: str
    explanation: str
    score: str
    distance: str | None
    status: str
    months: str
    sides: tuple[str, ...]
    # The company's own answer, as the button said it; None before it answers.
    answer: str | None = None
    answered_yes: bool = False


def lead_row(synergy: SynergyPublic, company_id: UUID, answer: str | None = None) -> LeadRow:
    """A synergy as the company reads it; counterparts are described only as the API shows them."""
    distance = None if synergy.distance_km is None else french.about_distance(synergy.distance_km)
    sides = []
    for participant in synergy.participants:
        who = "Vous" if participant.company_id == company_id else "Une autre entreprise"
        what = f" : {participant.label}" if participant.label else ""
        sides.append(f"{who} ({_ROLE.get(participant.role, participant.role)}){what}")
    return LeadRow(
        id=synergy.id,
        title=synergy.resource[:1].upper() + synergy.resource[1:],
        kind=_KIND.get(synergy.kind, synergy.kind),
        explanation=synergy.explanation,
        score=f"{round(synergy.score * 100)} %",
        distance=distance,
        status=_STATUS.get(synergy.status, synergy.status),
        # Seasons, or nothing, as the rules give them: an empty list is not "all year" when withheld.
        months=period(Disclosure(synergy.disclosure), synergy.months, RecipientKind.COMPANY),
        sides=tuple(sides),
        answer=ANSWER_LABELS[Answer(answer)] if answer else None,
        answered_yes=answer == Answer.INTERESTED,
    )
