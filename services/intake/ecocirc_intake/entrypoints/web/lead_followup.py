"""What an advisor reads and changes on a lead's page: where it stands in the pipeline and the moves
it allows, its owner, next action and notes, its history with the companies' answers, and, once done,
what it achieves beside the platform's estimate. Read through the API's own follow-up and outcome
answers, so that another territory's notes, comments and authors stay hidden exactly as there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from ecocirc_intake.adapters import directory as intake_directory
from ecocirc_intake.entrypoints.followup_routes import FollowUp, OutcomeAnswer, get_followup, outcome_answer
from ecocirc_intake.entrypoints.web.present import number, status_label
from ecocirc_intake.service_layer import dashboard
from ecocirc_intake.service_layer.principals import Advisor
from ecocirc_shared import french
from ecocirc_shared.answers import ANSWER_LABELS, DECLINE_REASON_LABELS, Answer, DeclineReason
from ecocirc_shared.directory import Directory, synergy_territories
from ecocirc_shared.followup import (
    ABANDON_REASON_LABELS,
    PIPELINE,
    AbandonReason,
    SynergyStatus,
    allowed_moves,
)
from ecocirc_shared.synergies import SynergySnapshot
from ecocirc_shared.wording import SynergyView

PARIS = ZoneInfo("Europe/Paris")
# The web form's names of the follow-up's and the outcome's fields (and where an API field's error goes).
FOLLOWUP_FIELDS = {
    "status": "etape",
    "abandon_reason": "motif",
    "abandon_comment": "commentaire_abandon",
    "owner_id": "responsable",
    "next_action_on": "prochaine_action",
    "note": "note",
}
OUTCOME_FIELDS = {
    "tonnes_per_year": "tonnes",
    "co2e_t_per_year": "co2e",
    "eur_per_year": "euros",
    "eur_by_company": "euros",
    "jobs": "emplois",
    "started_on": "demarrage",
    "comment": "commentaire_resultats",
}


@dataclass
class Submitted:
    """A form sent back with its errors, the values as typed."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryLine:
    when: str
    who: str
    what: tuple[str, ...]
    note: str | None


@dataclass(frozen=True)
class ShareField:
    name: str
    label: str
    value: str


def moment(value: datetime) -> str:
    local = value.astimezone(PARIS)
    return f"{french.day(local.date())} à {local:%H:%M}"


def abandon_reason_label(code: str | None) -> str | None:
    if not code:
        return None
    label = ABANDON_REASON_LABELS[AbandonReason(code)]
    return label[:1].upper() + label[1:]


def status_moves(current: SynergyStatus) -> list[tuple[str, str]]:
    """The steps the pipeline lets the lead go to from where it is, the current one first."""
    allowed = allowed_moves(current)
    return [
        (s.value, status_label(s.value) + (" (étape actuelle)" if s is current else ""))
        for s in PIPELINE
        if s in allowed
    ]


def _who(
    source: str, by: UUID | None, advisors: dict[UUID, str], companies: dict[UUID, str], reader: Advisor
) -> str:
    if source == "matcher":
        return "La plateforme"
    if source == "company":
        return companies.get(by, "Une entreprise") if by else "Une entreprise"
    if by is None:
        return "Un conseiller d'un autre territoire"
    if by == reader.id:
        return "Vous"
    return advisors.get(by, "Un conseiller")


def history_lines(
    followup: FollowUp, advisors: dict[UUID, str], companies: dict[UUID, str], reader: Advisor
) -> list[HistoryLine]:
    """The lead's history and the companies' answers, the newest first."""
    lines: list[tuple[datetime, HistoryLine]] = []
    for entry in followup.history:
        what: list[str] = []
        changes = set(entry.changes)
        if "recorded" in changes:
            what.append("Piste notée par un conseiller")
        if "status" in changes or (entry.previous is None and not changes):
            before = f"{status_label(entry.previous)} → " if entry.previous else ""
            what.append(f"Étape : {before}{status_label(entry.status)}")
        if "active" in changes:
            what.append("La plateforme ne trouve plus la piste (ses flux ont changé) ; son étape est gardée")
        if "abandon_reason" in changes or (entry.status == "abandoned" and "status" in changes):
            reason = abandon_reason_label(entry.abandon_reason) or "non précisé"
            comment = f" — {entry.abandon_comment}" if entry.abandon_comment else ""
            what.append(f"Motif d'abandon : {reason}{comment}")
        if "owner_id" in changes:
            owner = advisors.get(entry.owner_id, "un conseiller") if entry.owner_id else "personne"
            what.append(f"Responsable : {owner}")
        if "next_action_on" in changes:
            due = french.day(entry.next_action_on) if entry.next_action_on else "aucune"
            what.append(f"Prochaine action : {due}")
        if "outcome" in changes:
            what.append("Résultats enregistrés")
        if not what and not entry.note:
            continue
        who = _who(entry.source, entry.changed_by, advisors, companies, reader)
        lines.append((entry.changed_at, HistoryLine(moment(entry.changed_at), who, tuple(what), entry.note)))
    for given in followup.answers:
        label = ANSWER_LABELS[Answer(given.answer)]
        detail = ""
        if given.reason:
            detail = f" ({DECLINE_REASON_LABELS[DeclineReason(given.reason)]})"
        text = f"Réponse : « {label} »{detail}"
        who = companies.get(given.company_id, "Une entreprise")
        lines.append((given.answered_at, HistoryLine(moment(given.answered_at), who, (text,), given.comment)))
    return [line for _, line in sorted(lines, key=lambda x: x[0], reverse=True)]


def _figure(value: float | None) -> str:
    return "" if value is None else number(value).replace("\u202f", "")


def party_names(view: SynergyView) -> dict[UUID, str]:
    """Each participant as the reader may name it (else described), as on the rest of the page."""
    return {p.company_id: p.name if p.named and p.name else p.description for p in view.parties}


async def advisor_context(
    web: Any,
    advisor: Advisor,
    snapshot: SynergySnapshot,
    directory: Directory,
    view: SynergyView,
    followup_form: Submitted | None = None,
    outcome_form: Submitted | None = None,
) -> dict[str, Any]:
    """The template's values for the advisor's part of a lead's page."""
    synergy_id = snapshot.synergy_id
    companies = party_names(view)
    followup = await get_followup(synergy_id, web.request, web.store, advisor)
    territories = list(synergy_territories(snapshot, directory))
    owners = await dashboard.possible_owners(web.store, advisor, territories or None)
    async with web.store.pool.acquire() as conn:
        authors = {by for by in (h.changed_by for h in followup.history) if by is not None}
        authors |= {h.owner_id for h in followup.history if h.owner_id is not None}
        advisors = await intake_directory.advisor_names(conn, authors | {a.id for a in owners})
    current = SynergyStatus(followup.status)
    values = {
        "etape": followup.status,
        "motif": followup.abandon_reason or "",
        "commentaire_abandon": followup.abandon_comment or "",
        "responsable": str(followup.owner_id) if followup.owner_id else "",
        "prochaine_action": followup.next_action_on.isoformat() if followup.next_action_on else "",
        "note": "",
    }
    form = followup_form or Submitted()
    context: dict[str, Any] = {
        "followup": followup,
        "followup_values": {**values, **form.values},
        "followup_errors": form.errors,
        "may_move": current is not SynergyStatus.WITHDRAWN,
        "moves": status_moves(current) if current is not SynergyStatus.WITHDRAWN else [],
        "abandon_reasons": [(r.value, abandon_reason_label(r.value)) for r in AbandonReason],
        "owner_choices": [(str(a.id), a.name + (" (vous)" if a.id == advisor.id else "")) for a in owners],
        "owner_name": advisors.get(followup.owner_id) if followup.owner_id else None,
        "next_action": french.day(followup.next_action_on) if followup.next_action_on else None,
        "abandon_text": abandon_reason_label(followup.abandon_reason),
        "history": history_lines(followup, advisors, companies, advisor),
        "outcome": None,
    }
    if current is SynergyStatus.DONE:
        context.update(await _outcome_context(web, advisor, snapshot, companies, outcome_form))
    return context


async def _outcome_context(
    web: Any, advisor: Advisor, snapshot: SynergySnapshot, companies: dict[UUID, str], form: Submitted | None
) -> dict[str, Any]:
    answer: OutcomeAnswer = await outcome_answer(web.store, advisor, snapshot.synergy_id)
    estimate, recorded = answer.estimate, answer.outcome
    source = recorded if recorded is not None else estimate
    shares = {s.company_id: s.eur_per_year for s in recorded.eur_by_company} if recorded else {}
    values = {
        "tonnes": _figure(source.tonnes_per_year),
        "co2e": _figure(source.co2e_t_per_year),
        "euros": _figure(source.eur_per_year),
        "emplois": _figure(recorded.jobs) if recorded else "",
        "demarrage": recorded.started_on.isoformat() if recorded and recorded.started_on else "",
        "commentaire_resultats": (recorded.comment or "") if recorded else "",
    }
    share_fields = []
    for participant in snapshot.participants:
        name = f"euros_{participant.company_id}"
        label = companies.get(participant.company_id, "Une entreprise")
        share_fields.append(ShareField(name, label, _figure(shares.get(participant.company_id))))
        values[name] = _figure(shares.get(participant.company_id))
    submitted = form or Submitted()
    return {
        "outcome": answer,
        "outcome_values": {**values, **submitted.values},
        "outcome_errors": submitted.errors,
        "estimate_text": {
            "tonnes": "—" if estimate.tonnes_per_year is None else f"{number(estimate.tonnes_per_year)} t/an",
            "co2e": "—"
            if estimate.co2e_t_per_year is None
            else f"{number(estimate.co2e_t_per_year)} t CO2e/an",
            "euros": "—" if estimate.eur_per_year is None else f"{number(round(estimate.eur_per_year))} €/an",
        },
        "share_fields": share_fields,
        "recorded_at": moment(recorded.recorded_at) if recorded else None,
    }
