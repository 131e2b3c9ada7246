"""A participant company answers a lead through the API: the same use case as the lead's page and the
signed links of the emails (service_layer/answers.py)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ecocirc_intake.entrypoints.api import ERRORS, PrincipalDep, StoreDep
from ecocirc_intake.service_layer import answers
from ecocirc_shared.answers import COMMENT_MAX_LENGTH, Answer, DeclineReason
from ecocirc_shared.settings import IntakeSettings

router = APIRouter(prefix="/v1", responses=ERRORS)


class AnswerBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"answer": "interested"},
                {"answer": "declined", "reason": "distance", "comment": "Nous livrons déjà à Auch."},
            ]
        },
    )

    answer: Answer = Field(description="interested (« Ça m'intéresse ») or declined (« Pas pour nous »)")
    reason: DeclineReason | None = Field(
        None,
        description="With declined only: distance, quantity, quality, regulation, cost, already_solved, "
        "no_interest, other.",
    )
    comment: Annotated[str, StringConstraints(max_length=COMMENT_MAX_LENGTH)] | None = Field(
        None, description="Free text for the advisor, in the lead's history."
    )


class AnswerPublic(BaseModel):
    synergy_id: UUID
    answer: Answer
    reason: DeclineReason | None
    comment: str | None
    decision_id: UUID
    applied: bool = Field(
        description="false: recorded, not yet applied by the notifier (the answer is then 202)"
    )
    introduced: bool = Field(
        description="true: this was the last yes; every company of the lead receives an introduction email "
        "naming the others with their contacts, and the lead is in contact"
    )


@router.post(
    "/synergies/{synergy_id}/answer",
    response_model=AnswerPublic,
    tags=["synergies"],
    responses={
        202: {"model": AnswerPublic, "description": "Recorded; not yet applied by the notifier."},
        409: {"description": "The lead was withdrawn, or its companies are already introduced."},
    },
    summary="Answer a lead (a participant company)",
)
async def answer(
    synergy_id: UUID,
    body: AnswerBody,
    request: Request,
    response: Response,
    store: StoreDep,
    principal: PrincipalDep,
) -> AnswerPublic:
    """« Ça m'intéresse » or « Pas pour nous » with a reason. A company may change its answer until
    every company of the lead said yes; then each receives one introduction email naming the others
    with their contacts, the advisors of the lead's territories are told, and the lead moves to
    `contacted` (in contact) by itself. A no is kept with its reason in the lead's history, which
    advisors read (`GET /v1/synergies/{id}/followup`)."""
    company_id = answers.require_company(principal)
    settings: IntakeSettings = request.app.state.settings
    given = await answers.answer_lead(
        store,
        company_id,
        synergy_id,
        body.answer.value,
        body.reason.value if body.reason else None,
        body.comment,
        channel="api",
        wait_s=settings.decision_wait_seconds,
    )
    if not given.applied:
        response.status_code = status.HTTP_202_ACCEPTED
    return AnswerPublic(
        synergy_id=synergy_id,
        answer=given.answer,
        reason=given.reason,
        comment=given.comment,
        decision_id=given.decision_id,
        applied=given.applied,
        introduced=given.introduced,
    )
