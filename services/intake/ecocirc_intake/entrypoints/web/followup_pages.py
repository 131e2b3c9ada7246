"""An advisor's forms on a lead's page: the follow-up (step, owner, next action, note, abandonment with
a reason) and, on a done lead, its results. Each is the API's use case (the same decision event to the
notifier); a form sends only what the advisor changed, so that the history records what happened."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from ecocirc_intake.adapters import notifier_reads
from ecocirc_intake.entrypoints.followup_routes import OutcomeCreate
from ecocirc_intake.entrypoints.web.advisor_pages import advisor_or_none
from ecocirc_intake.entrypoints.web.context import ContextDep, WebContext
from ecocirc_intake.entrypoints.web.lead_followup import FOLLOWUP_FIELDS, OUTCOME_FIELDS, Submitted
from ecocirc_intake.entrypoints.web.lead_pages import lead_page
from ecocirc_intake.service_layer import followup
from ecocirc_intake.service_layer.errors import InvalidInput, NotFound, Problem
from ecocirc_intake.service_layer.principals import Advisor
from ecocirc_shared.events import FollowUpField
from ecocirc_shared.followup import AbandonReason, SynergyStatus
from ecocirc_shared.links import lead_path

router = APIRouter(include_in_schema=False)

NOT_A_NUMBER = "Indiquez un nombre, par exemple 12,5."
NOT_A_DAY = "Indiquez une date (jour, mois, année)."


def parse_number(text: str) -> float | None:
    """A number as people type it in French ("1 200,5"); None when blank; ValueError otherwise."""
    cleaned = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    value = float(cleaned)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def parse_day(text: str) -> date | None:
    return date.fromisoformat(text.strip()) if text.strip() else None


async def _stored(web: WebContext, advisor: Advisor, synergy_id: UUID) -> notifier_reads.StoredSynergy:
    row = await notifier_reads.get_synergy(web.store.pool, followup.scope_of(advisor), synergy_id)
    if row is None:
        raise NotFound("Piste introuvable : elle n'existe pas, ou elle n'est pas sur vos territoires.")
    return row


def _done(synergy_id: UUID, notice: str, anchor: str = "") -> str:
    return f"{lead_path(synergy_id)}?fait={notice}{anchor}"


# The use cases' messages that name the API's values, as the form's words say them.
_FORM_WORDING = {
    "abandon_reason": ("Dites pourquoi", "Dites pourquoi la piste est abandonnée : choisissez un motif.")
}


def _form_errors(problems: list[Problem], names: dict[str, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for problem in problems:
        field = problem.field.split(".", 1)[0]
        start, worded = _FORM_WORDING.get(field, ("", ""))
        message = worded if start and problem.message.startswith(start) else problem.message
        errors.setdefault(names.get(field, field), []).append(message)
    return errors


@router.post("/pistes/{synergy_id}/suivi", response_class=HTMLResponse)
async def change_followup(synergy_id: UUID, web: ContextDep) -> Response:
    fields = dict(await web.check_csrf())
    advisor = advisor_or_none(web)
    if advisor is None:
        return web.redirect("/")
    row = await _stored(web, advisor, synergy_id)
    pipeline = row.pipeline
    current = SynergyStatus(row.status)
    problems: list[Problem] = []

    def chosen(name: str) -> str:
        return (fields.get(FOLLOWUP_FIELDS[name]) or "").strip()

    status = None
    if chosen("status") and chosen("status") != current.value:
        try:
            status = SynergyStatus(chosen("status"))
        except ValueError:
            problems.append(Problem("status", "Choisissez une étape de la liste."))
    target = status or current
    reason = None
    comment = None
    if target is SynergyStatus.ABANDONED:
        # The reason and comment go with an abandonment, or correct those of an abandoned lead; on any
        # other step they are not sent (the form keeps showing an abandoned lead's old reason).
        typed_reason, typed_comment = chosen("abandon_reason"), chosen("abandon_comment") or None
        changed = typed_reason != (pipeline.abandon_reason or "") or typed_comment != pipeline.abandon_comment
        if status is not None or changed:
            comment = typed_comment
            if typed_reason:
                try:
                    reason = AbandonReason(typed_reason)
                except ValueError:
                    problems.append(Problem("abandon_reason", "Choisissez un motif de la liste."))
    owner_id = None
    clear: list[FollowUpField] = []
    if chosen("owner_id"):
        try:
            owner_id = UUID(chosen("owner_id"))
        except ValueError:
            problems.append(Problem("owner_id", "Choisissez un conseiller de la liste."))
        if owner_id == pipeline.owner_id:
            owner_id = None
    elif pipeline.owner_id is not None:
        clear.append("owner_id")
    next_action = None
    try:
        due = parse_day(chosen("next_action_on"))
    except ValueError:
        problems.append(Problem("next_action_on", NOT_A_DAY))
        due = pipeline.next_action_on
    if due is None and pipeline.next_action_on is not None:
        clear.append("next_action_on")
    elif due != pipeline.next_action_on:
        next_action = due
    note = chosen("note") or None
    change = followup.FollowUpRequest(
        status=status,
        abandon_reason=reason,
        abandon_comment=comment,
        owner_id=owner_id,
        next_action_on=next_action,
        clear=tuple(clear),
        note=note,
    )
    try:
        if problems:
            raise InvalidInput(followup.INVALID, problems)
        if change == followup.FollowUpRequest():
            return web.redirect(_done(synergy_id, "inchange"))
        _, outcome = await followup.change_followup(
            web.store, advisor, synergy_id, change, web.settings.decision_wait_seconds
        )
    except InvalidInput as invalid:
        submitted = {name: fields.get(name, "") for name in FOLLOWUP_FIELDS.values()}
        form = Submitted(submitted, _form_errors(invalid.problems, FOLLOWUP_FIELDS))
        return await lead_page(web, synergy_id, principal=advisor, status=422, followup_form=form)
    if outcome is None:
        return web.redirect(_done(synergy_id, "attente"))
    if status is SynergyStatus.DONE:
        return web.redirect(_done(synergy_id, "realisee", "#resultats-titre"))
    return web.redirect(_done(synergy_id, "suivi"))


def outcome_body(
    fields: dict[str, str], participants: list[UUID]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The API's outcome body from the form, or the fields whose text is not a number or a date."""
    errors: dict[str, list[str]] = {}
    body: dict[str, Any] = {}
    for api, name in (("tonnes_per_year", "tonnes"), ("co2e_t_per_year", "co2e"), ("jobs", "emplois")):
        try:
            body[api] = parse_number(fields.get(name, ""))
        except ValueError:
            errors[name] = [NOT_A_NUMBER]
    shares = []
    for company_id in participants:
        name = f"euros_{company_id}"
        try:
            value = parse_number(fields.get(name, ""))
        except ValueError:
            errors[name] = [NOT_A_NUMBER]
            continue
        if value is not None:
            shares.append({"company_id": str(company_id), "eur_per_year": value})
    try:
        total = parse_number(fields.get("euros", ""))
    except ValueError:
        errors["euros"] = [NOT_A_NUMBER]
        total = None
    # With a split and no total, the total is the split's (the use case adds it up).
    if total is not None or not shares:
        body["eur_per_year"] = total
    if shares:
        body["eur_by_company"] = shares
    try:
        body["started_on"] = parse_day(fields.get("demarrage", ""))
    except ValueError:
        errors["demarrage"] = [NOT_A_DAY]
    body["comment"] = (fields.get("commentaire_resultats") or "").strip() or None
    return body, errors


def _validation_errors(failed: ValidationError, participants: list[UUID]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in failed.errors():
        location = error["loc"]
        field = str(location[0]) if location else ""
        name = OUTCOME_FIELDS.get(field, field)
        if field == "eur_by_company" and len(location) > 1 and isinstance(location[1], int):
            name = f"euros_{participants[location[1]]}" if location[1] < len(participants) else "euros"
        message = (
            "Valeur hors des limites admises."
            if error["type"].startswith(("greater", "less"))
            else NOT_A_NUMBER
        )
        if field == "comment":
            message = "Commentaire trop long (2 000 caractères au plus)."
        errors.setdefault(name, []).append(message)
    return errors


@router.post("/pistes/{synergy_id}/resultats", response_class=HTMLResponse)
async def record_outcome(synergy_id: UUID, web: ContextDep) -> Response:
    fields = dict(await web.check_csrf())
    advisor = advisor_or_none(web)
    if advisor is None:
        return web.redirect("/")
    row = await _stored(web, advisor, synergy_id)
    participants = [p.company_id for p in row.snapshot.participants]
    body, errors = outcome_body(fields, participants)
    named = [UUID(s["company_id"]) for s in body.get("eur_by_company", ())]

    async def again(errors: dict[str, list[str]]) -> Response:
        form = Submitted({k: v for k, v in fields.items() if k != "csrf"}, errors)
        return await lead_page(web, synergy_id, principal=advisor, status=422, outcome_form=form)

    if errors:
        return await again(errors)
    try:
        checked = OutcomeCreate.model_validate(body)
    except ValidationError as failed:
        return await again(_validation_errors(failed, named))
    given = checked.model_dump(include=checked.model_fields_set - {"mark_done"}, mode="python")
    try:
        _, outcome = await followup.record_outcome(
            web.store, advisor, synergy_id, given, False, web.settings.decision_wait_seconds
        )
    except InvalidInput as invalid:
        found = _form_errors(invalid.problems, OUTCOME_FIELDS)
        for problem in invalid.problems:
            parts = problem.field.split(".")
            if (
                parts[0] == "eur_by_company"
                and len(parts) > 1
                and parts[1].isdigit()
                and int(parts[1]) < len(named)
            ):
                found.setdefault(f"euros_{named[int(parts[1])]}", []).append(problem.message)
        return await again(found)
    return web.redirect(_done(synergy_id, "resultats" if outcome else "attente", "#resultats-titre"))
