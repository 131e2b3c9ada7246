"""A company's answer to a lead, « Ça m'intéresse » or « Pas pour nous » with a reason, and the rule
that turns a lead into an introduction: every participant company said yes.

Intake takes the answer (the API, a page, a signed link in an email) and checks who may give it; the
notifier, which owns the follow-up, records it, and introduces the companies to each other once all
said yes (docs/boundaries.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from uuid import UUID

COMMENT_MAX_LENGTH = 1000


class Answer(StrEnum):
    INTERESTED = "interested"
    DECLINED = "declined"


class DeclineReason(StrEnum):
    """Why a company says no: a short list, so that the programme learns what stops exchanges."""

    DISTANCE = "distance"
    QUANTITY = "quantity"
    QUALITY = "quality"
    REGULATION = "regulation"
    COST = "cost"
    ALREADY_SOLVED = "already_solved"
    NO_INTEREST = "no_interest"
    OTHER = "other"


# As a company reads them (the button names are the web front end's contract).
ANSWER_LABELS = {Answer.INTERESTED: "Ça m'intéresse", Answer.DECLINED: "Pas pour nous"}

DECLINE_REASON_LABELS = {
    DeclineReason.DISTANCE: "Trop loin",
    DeclineReason.QUANTITY: "Quantités inadaptées",
    DeclineReason.QUALITY: "Qualité ou nature de la ressource inadaptée",
    DeclineReason.REGULATION: "Contraintes réglementaires",
    DeclineReason.COST: "Coût trop élevé",
    DeclineReason.ALREADY_SOLVED: "Nous avons déjà une solution",
    DeclineReason.NO_INTEREST: "Pas d'intérêt pour l'instant",
    DeclineReason.OTHER: "Autre raison",
}

# How the notifier applied an answer (notifier_read.decisions_v1), besides followup.APPLIED etc.
NOT_A_PARTICIPANT = "not_a_participant"
NOT_RELEASED = "not_released"
ALREADY_INTRODUCED = "already_introduced"
INTRODUCED = "introduced"  # applied, and it was the last yes: the introduction emails are queued


def everyone_interested(participants: Iterable[UUID], answers: Mapping[UUID, Answer]) -> bool:
    """Whether every participant company (each counted once) said yes."""
    companies = set(participants)
    return bool(companies) and all(answers.get(c) is Answer.INTERESTED for c in companies)


def answer_note(answer: Answer, reason: DeclineReason | None, comment: str | None) -> str:
    """The line the lead's history keeps, in French: « Pas pour nous (raison : Trop loin) : … »."""
    text = f"« {ANSWER_LABELS[answer]} »"
    if answer is Answer.DECLINED:
        text += f" (raison : {DECLINE_REASON_LABELS[reason or DeclineReason.OTHER]})"
    if comment:
        text += f" : {comment}"
    return text
