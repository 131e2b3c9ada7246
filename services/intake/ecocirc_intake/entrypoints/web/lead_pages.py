"""A lead's page, and answering it: « Ça m'intéresse » or « Pas pour nous » with a reason.

Read by a signed-in company (its own leads), by an advisor (the leads of their territories), or
through the signed link of a lead email, which speaks for one company on one lead until it expires.
Following a link only shows the page: the answer is recorded when the person presses the button
(a mail scanner that fetches every link of an email answers nothing). What a company reads of its
counterparts is what the shared confidentiality rules allow (ecocirc_shared.visibility), the same
as in its emails and through the API.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from ecocirc_intake.adapters import directory as intake_directory
from ecocirc_intake.adapters import notifier_reads
from ecocirc_intake.entrypoints.synergy_routes import viewer_of
from ecocirc_intake.entrypoints.web import lead_followup
from ecocirc_intake.entrypoints.web.context import ContextDep, WebContext
from ecocirc_intake.entrypoints.web.present import kind_label, status_label
from ecocirc_intake.service_layer import answers
from ecocirc_intake.service_layer.errors import InvalidInput, NotFound, Problem
from ecocirc_intake.service_layer.principals import Advisor, CompanyPrincipal, Principal
from ecocirc_shared.answers import ANSWER_LABELS, DECLINE_REASON_LABELS, Answer, DeclineReason
from ecocirc_shared.links import (
    LEAD_ANSWER_SUFFIX,
    LEAD_COMPANY,
    LEAD_EXPIRES,
    LEAD_PATH,
    LEAD_TOKEN,
    lead_path,
    read_lead_link,
)
from ecocirc_shared.wording import SynergyView, synergy_view

router = APIRouter(include_in_schema=False)

# Notices after an answer, named in the address the answer redirects to.
NOTICES = {
    "oui": "Votre réponse «\u00a0Ça m'intéresse\u00a0» est enregistrée. Dès que toutes les entreprises de la "
    "piste ont dit oui, chacune reçoit les coordonnées des autres par e-mail.",
    "non": "Votre réponse «\u00a0Pas pour nous\u00a0» est enregistrée, avec sa raison\u00a0: votre conseiller la "
    "verra. Merci, elle aide à proposer de meilleures pistes.",
    "relation": "Toutes les entreprises ont dit oui\u00a0: la mise en relation est faite. Chacune reçoit par "
    "e-mail les coordonnées des autres, qui sont aussi ci-dessous.",
    # An advisor's follow-up and results.
    "suivi": "Le suivi de la piste est enregistré.",
    "realisee": "La piste est réalisée\u00a0: enregistrez ci-dessous ce qu'elle apporte chaque année.",
    "resultats": "Les résultats de la synergie sont enregistrés.",
    "inchange": "Rien n'a changé\u00a0: le suivi reste tel quel.",
    "attente": "C'est enregistré\u00a0; la page le montrera dans quelques secondes (rechargez-la).",
    "deja": "Cette piste était déjà notée\u00a0: la voici.",
    "notee": "La piste d'atelier est notée\u00a0: elle vit désormais dans le suivi comme les autres.",
}
# The web's names of the answer fields, and the values of the signed answer links.
FIELD_NAMES = {"answer": "reponse", "reason": "raison", "comment": "commentaire"}
Param = Annotated[str, Query(max_length=100)]


@dataclass(frozen=True)
class Link:
    """A lead link's signed parameters, carried again by the form it opens."""

    company: str
    expires: str
    token: str

    def fields(self) -> dict[str, str]:
        return {LEAD_COMPANY: self.company, LEAD_EXPIRES: self.expires, LEAD_TOKEN: self.token}


@dataclass(frozen=True)
class Party:
    """Another participant as the reader may know it, and (for an advisor) its answer."""

    title: str
    city: str | None
    role: str
    flow_label: str | None
    contact_email: str | None
    answer: str | None
    answer_detail: str | None


def _company_reading(web: WebContext, synergy_id: UUID, link: Link | None) -> UUID | None:
    """The company the page speaks for: the link's if it holds, else the signed-in company's."""
    if link is not None:
        return read_lead_link(web.policy.key, synergy_id, link.company, link.expires, link.token, time.time())
    principal = web.user.principal if web.user else None
    return principal.id if isinstance(principal, CompanyPrincipal) else None


def _link(company: str, expires: str, token: str) -> Link | None:
    return Link(company, expires, token) if company or expires or token else None


async def lead_page(
    web: WebContext,
    synergy_id: UUID,
    *,
    principal: Principal,
    link: Link | None = None,
    chosen: str | None = None,
    errors: dict[str, list[str]] | None = None,
    submitted: dict[str, str] | None = None,
    status: int = 200,
    followup_form: lead_followup.Submitted | None = None,
    outcome_form: lead_followup.Submitted | None = None,
) -> Response:
    scope = (
        notifier_reads.Scope(company_id=principal.id)
        if isinstance(principal, CompanyPrincipal)
        else notifier_reads.Scope(territories=principal.territories)
    )
    row = await notifier_reads.get_synergy(web.store.pool, scope, synergy_id)
    if row is None:
        raise NotFound("Piste introuvable : elle n'existe pas, ou elle ne concerne pas votre entreprise.")
    snapshot = row.snapshot
    companies = {p.company_id for p in snapshot.participants}
    async with web.store.pool.acquire() as conn:
        directory = await intake_directory.companies(conn, companies | {principal.id})
        introduced = bool(await notifier_reads.introduced(conn, [synergy_id]))
        given = await notifier_reads.answers(conn, synergy_id)
        advisor = None
        if isinstance(principal, CompanyPrincipal):
            entry = directory.companies.get(principal.id)
            advisor = await intake_directory.advisor_for(conn, entry.territory if entry else None)
    viewer = viewer_of(principal, directory)
    view = synergy_view(snapshot, directory, viewer, introduced=introduced)
    is_company = isinstance(principal, CompanyPrincipal)
    mine = given.get(principal.id) if is_company else None
    others = _others(view, given, show_answers=isinstance(principal, Advisor))
    waiting = sum(1 for c in companies if c != principal.id and c not in given) if is_company else 0
    declined_by_other = is_company and any(
        a.answer == Answer.DECLINED and c != principal.id for c, a in given.items()
    )
    action = lead_path(synergy_id) + (LEAD_ANSWER_SUFFIX if link is not None else "/reponse")
    steering: dict[str, Any] = {"followup": None}
    if isinstance(principal, Advisor):
        steering = await lead_followup.advisor_context(
            web, principal, snapshot, directory, view, followup_form, outcome_form
        )
    return web.render(
        "lead.html.j2",
        status,
        lead=view,
        title=view.resource[:1].upper() + view.resource[1:],
        status_text=status_label(row.status),
        kind_text=kind_label(snapshot.kind.value),
        active=row.active,
        introduced=introduced,
        is_company=is_company,
        others=others,
        mine=mine,
        mine_label=ANSWER_LABELS[Answer(mine.answer)] if mine else None,
        mine_reason=_reason(mine.reason) if mine else None,
        waiting=waiting,
        declined_by_other=declined_by_other,
        may_answer=is_company and row.active and not introduced,
        action=action,
        link=link.fields() if link is not None else None,
        chosen=chosen,
        labels={a.value: label for a, label in ANSWER_LABELS.items()},
        reasons=[(r.value, label) for r, label in DECLINE_REASON_LABELS.items()],
        errors=errors or {},
        submitted=submitted or {},
        advisor=advisor,
        **steering,
    )


def _others(
    view: SynergyView, given: dict[UUID, notifier_reads.StoredAnswer], *, show_answers: bool
) -> list[Party]:
    parties = []
    for party in view.others:
        answer = detail = None
        if show_answers:
            found = given.get(party.company_id)
            if found is not None:
                answer = ANSWER_LABELS[Answer(found.answer)]
                reason = _reason(found.reason)
                detail = " — ".join(x for x in (reason, found.comment) if x) or None
            else:
                answer = "pas encore de réponse"
        parties.append(
            Party(
                title=party.name
                if party.named and party.name
                else party.description[:1].upper() + party.description[1:],
                city=party.city,
                role=party.role,
                flow_label=party.flow_label,
                contact_email=party.contact_email,
                answer=answer,
                answer_detail=detail,
            )
        )
    return parties


def _reason(code: str | None) -> str | None:
    return DECLINE_REASON_LABELS[DeclineReason(code)] if code else None


def _invalid_link(web: WebContext) -> Response:
    return web.render(
        "lead_link_invalid.html.j2", 400, minutes=web.settings.sign_in_link_minutes, email="", error=None
    )


@router.get(LEAD_PATH + "/{synergy_id}", response_class=HTMLResponse)
async def lead(
    synergy_id: UUID,
    web: ContextDep,
    entreprise: Param = "",
    expire: Param = "",
    jeton: Param = "",
    fait: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    web.extra["notice"] = NOTICES.get(fait or "")
    link = _link(entreprise, expire, jeton)
    if link is not None:
        company_id = _company_reading(web, synergy_id, link)
        if company_id is None:
            return _invalid_link(web)
        return await lead_page(web, synergy_id, principal=CompanyPrincipal(company_id), link=link)
    if web.user is None or web.user.principal is None:
        return web.redirect("/")
    return await lead_page(web, synergy_id, principal=web.user.principal)


@router.get(LEAD_PATH + "/{synergy_id}" + LEAD_ANSWER_SUFFIX, response_class=HTMLResponse)
async def confirm_answer(
    synergy_id: UUID,
    web: ContextDep,
    reponse: Param = "",
    entreprise: Param = "",
    expire: Param = "",
    jeton: Param = "",
) -> Response:
    """An answer link of an email: the lead's page with that answer's form ready; nothing recorded yet."""
    link = Link(entreprise, expire, jeton)
    company_id = _company_reading(web, synergy_id, link)
    if company_id is None:
        return _invalid_link(web)
    chosen = reponse if reponse in {a.value for a in Answer} else None
    return await lead_page(web, synergy_id, principal=CompanyPrincipal(company_id), link=link, chosen=chosen)


@router.post(LEAD_PATH + "/{synergy_id}" + LEAD_ANSWER_SUFFIX, response_class=HTMLResponse)
async def answer_from_link(synergy_id: UUID, web: ContextDep) -> Response:
    fields = dict(await web.check_csrf())
    link = Link(fields.get(LEAD_COMPANY, ""), fields.get(LEAD_EXPIRES, ""), fields.get(LEAD_TOKEN, ""))
    company_id = _company_reading(web, synergy_id, link)
    if company_id is None:
        return _invalid_link(web)
    return await _answer(web, synergy_id, company_id, fields, link, "email")


@router.post(LEAD_PATH + "/{synergy_id}/reponse", response_class=HTMLResponse)
async def answer_signed_in(synergy_id: UUID, web: ContextDep) -> Response:
    fields = dict(await web.check_csrf())
    if web.user is None or web.user.principal is None:
        return web.redirect("/")
    company_id = answers.require_company(web.user.principal)
    return await _answer(web, synergy_id, company_id, fields, None, "web")


async def _answer(
    web: WebContext,
    synergy_id: UUID,
    company_id: UUID,
    fields: dict[str, str],
    link: Link | None,
    channel: answers.Channel,
) -> Response:
    chosen = fields.get(FIELD_NAMES["answer"], "")
    try:
        given = await answers.answer_lead(
            web.store,
            company_id,
            synergy_id,
            chosen,
            fields.get(FIELD_NAMES["reason"]) or None,
            fields.get(FIELD_NAMES["comment"]),
            channel=channel,
            wait_s=web.settings.decision_wait_seconds,
        )
    except InvalidInput as invalid:
        return await lead_page(
            web,
            synergy_id,
            principal=CompanyPrincipal(company_id),
            link=link,
            chosen=chosen or None,
            errors=_errors(invalid.problems),
            submitted={k: v for k, v in fields.items() if k in FIELD_NAMES.values()},
            status=422,
        )
    done = "relation" if given.introduced else "oui" if given.answer is Answer.INTERESTED else "non"
    query = {**(link.fields() if link is not None else {}), "fait": done}
    return web.redirect(f"{lead_path(synergy_id)}?{urlencode(query)}")


def _errors(problems: list[Problem]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(FIELD_NAMES.get(problem.field, problem.field), []).append(problem.message)
    return errors
