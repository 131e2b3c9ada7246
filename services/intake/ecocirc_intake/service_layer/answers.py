"""A participant company answers a lead: « Ça m'intéresse », or « Pas pour nous » with a reason.

The same use case behind the API, the lead's page and the signed links of the emails. Intake checks
who may answer; the notifier, which owns the follow-up, records the answer in the lead's history and
introduces the companies to each other at the last yes (docs/boundaries.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from ecocirc_intake.adapters import notifier_reads
from ecocirc_intake.adapters.store import IntakeStore
from ecocirc_intake.domain.errors import FieldError
from ecocirc_intake.domain.text import clean_optional_text
from ecocirc_intake.service_layer.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from ecocirc_intake.service_layer.principals import CompanyPrincipal, Principal
from ecocirc_shared.answers import (
    ALREADY_INTRODUCED,
    COMMENT_MAX_LENGTH,
    INTRODUCED,
    NOT_A_PARTICIPANT,
    NOT_RELEASED,
    Answer,
    DeclineReason,
)
from ecocirc_shared.events import SynergyAnswered
from ecocirc_shared.followup import REFUSED_WITHDRAWN, UNKNOWN_SYNERGY

Channel = Literal["api", "web", "email"]

NOT_FOUND = "Piste introuvable."
WITHDRAWN = "Cette piste a été retirée : les flux qu'elle reliait ne se correspondent plus."
ALREADY = (
    "La mise en relation est déjà faite : toutes les entreprises ont répondu « Ça m'intéresse » "
    "et ont reçu les coordonnées des autres. Pour la suite, voyez votre conseiller."
)
INVALID = "Certaines informations de la réponse sont invalides."


@dataclass(frozen=True)
class AnswerGiven:
    """The answer recorded: `applied` once the notifier applied it (else 202), `introduced` when it was
    the last yes and the introduction emails are on their way."""

    decision_id: UUID
    answer: Answer
    reason: DeclineReason | None
    comment: str | None
    applied: bool
    introduced: bool


def require_company(principal: Principal) -> UUID:
    if not isinstance(principal, CompanyPrincipal):
        raise Forbidden("Seule une entreprise de la piste peut y répondre.")
    return principal.id


def checked(
    answer: object, reason: object, comment: object
) -> tuple[Answer, DeclineReason | None, str | None]:
    """The answer, its reason and comment, or InvalidInput naming each wrong field in French."""
    problems: list[Problem] = []
    chosen: Answer | None = None
    if isinstance(answer, str) and answer in Answer.__members__.values():
        chosen = Answer(answer)
    else:
        problems.append(
            Problem("answer", "Choisissez « Ça m'intéresse » (interested) ou « Pas pour nous » (declined).")
        )
    why: DeclineReason | None = None
    if reason not in (None, ""):
        if not isinstance(reason, str) or reason not in DeclineReason.__members__.values():
            allowed = ", ".join(r.value for r in DeclineReason)
            problems.append(Problem("reason", f"Raison inconnue : choisissez parmi {allowed}."))
        elif chosen is Answer.INTERESTED:
            problems.append(Problem("reason", "Une raison n'accompagne que « Pas pour nous »."))
        else:
            why = DeclineReason(reason)
    text: str | None = None
    try:
        text = clean_optional_text(comment, "comment", max_length=COMMENT_MAX_LENGTH, multiline=True)
    except FieldError as error:
        problems.append(Problem(error.field, error.message))
    if problems or chosen is None:
        raise InvalidInput(INVALID, problems)
    return chosen, why, text


async def answer_lead(
    store: IntakeStore,
    company_id: UUID,
    synergy_id: UUID,
    answer: object,
    reason: object = None,
    comment: object = None,
    *,
    channel: Channel,
    wait_s: float,
) -> AnswerGiven:
    """Record `company_id`'s answer to the lead (the caller established that it speaks for it)."""
    chosen, why, text = checked(answer, reason, comment)
    async with store.transaction() as tx:
        # The same scope as the company's list: a lead it may not read (another company's, one held
        # for review) is not found, like one that does not exist.
        synergy = await notifier_reads.get_synergy(
            tx.conn, notifier_reads.Scope(company_id=company_id), synergy_id
        )
        if synergy is None:
            raise NotFound(NOT_FOUND)
        if not synergy.active:
            raise Conflict(WITHDRAWN)
        if await notifier_reads.introduced(tx.conn, [synergy_id]):
            raise Conflict(ALREADY)
        decision = SynergyAnswered(
            synergy_id=synergy_id,
            company_id=company_id,
            answer=chosen,
            reason=why,
            comment=text,
            channel=channel,
        )
        await tx.enqueue_decision(decision)
    outcome = await notifier_reads.wait_for_decision(store.pool, decision.event_id, wait_s)
    # What changed between the check and the notifier's lock: withdrawn, or introduced meanwhile.
    if outcome == REFUSED_WITHDRAWN:
        raise Conflict(WITHDRAWN)
    if outcome == ALREADY_INTRODUCED:
        raise Conflict(ALREADY)
    if outcome in (NOT_A_PARTICIPANT, NOT_RELEASED, UNKNOWN_SYNERGY):
        raise NotFound(NOT_FOUND)
    return AnswerGiven(
        decision_id=decision.event_id,
        answer=chosen,
        reason=why,
        comment=text,
        applied=outcome is not None,
        introduced=outcome == INTRODUCED,
    )
