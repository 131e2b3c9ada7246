"""Advisors' follow-up of leads: the pipeline (status, owner, next action, notes, abandonment with a
reason), history and emails, leads recorded by hand, realised outcomes, review mode. Each advisor
reads only what their territories allow; decisions travel to the notifier (docs/boundaries.md)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ecocirc_intake.adapters import directory as intake_directory
from ecocirc_intake.adapters import notifier_reads
from ecocirc_intake.entrypoints.api import ERRORS, PrincipalDep, StoreDep
from ecocirc_intake.entrypoints.schemas import ErrorBody
from ecocirc_intake.service_layer import followup
from ecocirc_intake.service_layer.errors import InvalidInput, NotFound, Problem
from ecocirc_intake.service_layer.principals import Advisor
from ecocirc_shared.directory import RecipientKind, Viewer, synergy_territories
from ecocirc_shared.events import FollowUpField
from ecocirc_shared.followup import (
    LEGACY_STATUSES,
    AbandonReason,
    StatusSource,
    SynergyStatus,
    from_legacy,
    sees_in_full,
)
from ecocirc_shared.outcomes import Estimate, estimate_for
from ecocirc_shared.pages import lead_page_url
from ecocirc_shared.settings import IntakeSettings
from ecocirc_shared.synergies import Role, SynergyKind

router = APIRouter(prefix="/v1", responses=ERRORS)

Territory = Annotated[str, Path(min_length=1, max_length=100)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "The pipeline does not allow it, or the lead was withdrawn."}
}
PENDING = "Recorded; not yet applied by the notifier."
PipelineStatus = Literal["idea", "proposed", "in_contact", "study", "in_progress", "done", "abandoned"]
LegacyStatus = Literal["under_review", "contacted", "accepted", "refused", "withdrawn"]
STATUSES = "idea, proposed, in_contact, study, in_progress, done, abandoned"
REASONS = "distance, quantity, quality, regulation, cost, no_interest, other"


def _settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: PipelineStatus | LegacyStatus = Field(
        description=f"{STATUSES}. Still accepted, the first follow-up's words: under_review (idea), contacted "
        "(in_contact), accepted (study), refused and withdrawn (abandoned, reason other)."
    )
    note: Note | None = None
    abandon_reason: AbandonReason | None = Field(None, description=f"With abandoned: {REASONS}.")
    abandon_comment: Comment | None = None


class FollowUpPatch(BaseModel):
    """Fields to change; absent fields keep their value, null empties owner_id or next_action_on."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "status": "in_contact",
                    "owner_id": "6c1f4d1e-2b0a-4c55-9f0e-3d1a5b7c9e21",
                    "next_action_on": "2025-03-14",
                },
                {
                    "status": "abandoned",
                    "abandon_reason": "distance",
                    "abandon_comment": "Trop loin pour du vrac.",
                },
                {"note": "Rendez-vous pris avec le responsable de production."},
                {"owner_id": None, "next_action_on": None},
            ]
        },
    )

    status: PipelineStatus | None = Field(
        None,
        description=f"{STATUSES}. An open lead moves anywhere; a done lead back to in_progress or to abandoned; an "
        "abandoned one is reopened at an open step; a withdrawn one (the matcher's) not at all.",
    )
    abandon_reason: AbandonReason | None = Field(None, description=f"Required to abandon a lead: {REASONS}.")
    abandon_comment: Comment | None = None
    owner_id: UUID | None = Field(
        None, description="An advisor following one of the lead's territories; null: nobody."
    )
    next_action_on: date | None = Field(None, description="When the next action is due; null: none planned.")
    note: Note | None = None


class StatusEntry(BaseModel):
    status: str
    previous: str | None
    source: str = Field(description="matcher, advisor, or company (its answer to the lead)")
    changed_by: UUID | None = Field(
        description="the advisor, or the company that answered; null for another territory's"
    )
    note: str | None = Field(description="null when written by an advisor of another territory")
    changed_at: datetime
    changes: list[str] = Field(
        description="What it changed: status, abandon_reason, owner_id, next_action_on, note, outcome, recorded, "
        "active (the matcher withdrew a lead people had taken up; its status stays)"
    )
    abandon_reason: str | None
    abandon_comment: str | None = Field(description="null when written by an advisor of another territory")
    owner_id: UUID | None
    next_action_on: date | None


class DeliveryPublic(BaseModel):
    news: str = Field(description="proposed or withdrawn")
    recipient_kind: str
    recipient_id: UUID | None = Field(description="null for a recipient outside the caller's territories")
    email: str | None
    status: str = Field(description="held (awaiting approval), pending, sent, failed or cancelled")
    attempts: int
    last_error: str | None = Field(description="null for a recipient outside the caller's territories")
    digest: bool
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


class Decision(BaseModel):
    id: UUID
    applied: bool = Field(description="false: recorded, not yet applied (the answer is then 202)")


class AnswerEntry(BaseModel):
    company_id: UUID
    answer: str = Field(description="interested or declined")
    reason: str | None = Field(description="why a company declined; null for another territory's company")
    comment: str | None = Field(description="null for another territory's company")
    channel: str = Field(description="api, web (a signed-in page) or email (a signed link)")
    answered_at: datetime


class FollowUp(BaseModel):
    synergy_id: UUID
    link: str = Field(description="The lead's page: ECOCIRC_PUBLIC_BASE_URL/pistes/{id}")
    status: str = Field(description=f"{STATUSES}, or withdrawn (the matcher no longer finds it)")
    active: bool = Field(
        description="false: the matcher no longer finds it (a lead taken up keeps its status)"
    )
    origin: str = Field(description="matcher, or advisor (recorded by hand)")
    recorded_by: UUID | None
    owner_id: UUID | None
    next_action_on: date | None
    abandon_reason: str | None
    abandon_comment: str | None = Field(description="null when written by an advisor of another territory")
    moved_at: datetime | None = Field(description="When people last moved the lead (the reminders' 30 days)")
    released: bool = Field(description="false while companies wait for an advisor's approval (review mode)")
    held_by: list[str] = Field(description="territories in review mode whose advisors must approve it")
    history: list[StatusEntry]
    answers: list[AnswerEntry] = Field(
        default_factory=list, description="each participant company's answer, once given"
    )
    deliveries: list[DeliveryPublic]
    failed: int = Field(description="emails given up after every SMTP retry")
    decision: Decision | None = Field(None, description="the change this answer follows")


class ReviewMode(BaseModel):
    territory: str
    enabled: bool


class ReviewModeChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool


def _wait_s(request: Request) -> float:
    return _settings(request).decision_wait_seconds


async def _answer(
    request: Request,
    response: Response,
    store: StoreDep,
    principal: PrincipalDep,
    synergy_id: UUID,
    decision: UUID,
    outcome: str | None,
) -> FollowUp:
    if outcome is None:
        response.status_code = status.HTTP_202_ACCEPTED
    answer = await get_followup(synergy_id, request, store, principal)
    return answer.model_copy(update={"decision": Decision(id=decision, applied=outcome is not None)})


@router.post(
    "/synergies/{synergy_id}/status",
    response_model=FollowUp,
    tags=["follow-up"],
    responses={202: {"model": FollowUp, "description": PENDING}, **CONFLICT},
    summary="Move a lead along the pipeline (advisors; PATCH /followup does more)",
)
async def change_status(
    synergy_id: UUID,
    body: StatusChange,
    request: Request,
    response: Response,
    store: StoreDep,
    principal: PrincipalDep,
) -> FollowUp:
    """In review mode, moving a synergy on (proposed to done) approves it and its companies are emailed;
    abandoning it drops the emails held for them. Only an advisor of every territory whose review mode
    holds the synergy may approve or drop it."""
    new = from_legacy(body.status)
    reason = body.abandon_reason
    if new is SynergyStatus.ABANDONED and reason is None and body.status in (*LEGACY_STATUSES, "withdrawn"):
        reason = AbandonReason.OTHER  # the first follow-up asked for no reason
    change = followup.FollowUpRequest(
        status=new, abandon_reason=reason, abandon_comment=body.abandon_comment, note=body.note
    )
    decision, outcome = await followup.change_followup(store, principal, synergy_id, change, _wait_s(request))
    return await _answer(request, response, store, principal, synergy_id, decision, outcome)


@router.patch(
    "/synergies/{synergy_id}/followup",
    response_model=FollowUp,
    tags=["follow-up"],
    responses={202: {"model": FollowUp, "description": PENDING}, **CONFLICT},
    summary="Change a lead's follow-up: status, owner, next action, note (advisors of its territories)",
)
async def patch_followup(
    synergy_id: UUID,
    body: FollowUpPatch,
    request: Request,
    response: Response,
    store: StoreDep,
    principal: PrincipalDep,
) -> FollowUp:
    """Abandoning asks for a reason from the short list. An owner is an active advisor following one of
    the lead's territories. Each change is one entry of the lead's history."""
    sent = body.model_fields_set
    if not sent:
        raise InvalidInput("Rien à changer.", [Problem("body", "Donnez au moins un champ à changer.")])
    clear: tuple[FollowUpField, ...] = tuple(
        f for f in ("owner_id", "next_action_on") if f in sent and getattr(body, f) is None
    )
    change = followup.FollowUpRequest(
        status=SynergyStatus(body.status) if body.status else None,
        abandon_reason=body.abandon_reason,
        abandon_comment=body.abandon_comment,
        owner_id=body.owner_id,
        next_action_on=body.next_action_on,
        clear=clear,
        note=body.note,
    )
    decision, outcome = await followup.change_followup(store, principal, synergy_id, change, _wait_s(request))
    return await _answer(request, response, store, principal, synergy_id, decision, outcome)


@router.get("/synergies/{synergy_id}/followup", response_model=FollowUp, tags=["follow-up"])
async def get_followup(
    synergy_id: UUID, request: Request, store: StoreDep, principal: PrincipalDep
) -> FollowUp:
    """Advisors only: where the lead stands, its history, and every email about it with its outcome
    (failures included). What concerns another territory (its companies' and advisors' addresses and
    delivery errors, the notes and comments of its advisors) is not shown."""
    advisor = followup.require_advisor(principal)
    row = await notifier_reads.get_synergy(store.pool, followup.scope_of(advisor), synergy_id)
    if row is None:
        raise NotFound("Synergie introuvable.")
    async with store.pool.acquire() as conn:
        directory = await intake_directory.companies(conn, {p.company_id for p in row.snapshot.participants})
        history = await notifier_reads.history(store.pool, synergy_id)
        authors = await intake_directory.advisor_territories(
            conn, {h["changed_by"] for h in history if h["changed_by"] is not None}
        )
    territories = synergy_territories(row.snapshot, directory)

    def readable(territories_of_other: tuple[str, ...], other_id: UUID | None) -> bool:
        return other_id == advisor.id or sees_in_full(advisor.territories, territories_of_other, territories)

    def territories_of(source: str, by: UUID) -> tuple[str, ...]:
        if source == StatusSource.COMPANY:  # a company's answer: its own territory
            entry = directory.companies.get(by)
            return (entry.territory,) if entry is not None and entry.territory else ()
        return authors.get(by, ())

    entries = []
    comment_shown = True
    for h in history:
        by = h["changed_by"]
        shown = by is None or readable(territories_of(h["source"], by), by)
        if "abandon_reason" in h["changes"] or h["status"] != h["previous"]:
            comment_shown = shown  # whoever last set the reason wrote the comment
        hidden = {"changed_by": None, "note": None, "abandon_comment": None}
        entries.append(StatusEntry.model_validate({**h, **({} if shown else hidden)}))
    deliveries = []
    for d in await notifier_reads.deliveries(store.pool, synergy_id):
        visible = readable(tuple(d["recipient_territories"]), d["recipient_id"])
        deliveries.append(
            DeliveryPublic(
                news=d["news_kind"],
                recipient_kind=d["recipient_kind"],
                recipient_id=d["recipient_id"] if visible else None,
                email=d["email"] if visible else None,
                status=d["status"],
                attempts=d["attempts"],
                # An SMTP error quotes the address it refused.
                last_error=d["last_error"] if visible else None,
                digest=d["digest"],
                created_at=d["created_at"],
                next_attempt_at=d["next_attempt_at"],
                sent_at=d["sent_at"],
            )
        )
    answers = []
    for company_id, given in (await notifier_reads.answers(store.pool, synergy_id)).items():
        shown = readable(territories_of(StatusSource.COMPANY, company_id), company_id)
        answers.append(
            AnswerEntry(
                company_id=company_id,
                answer=given.answer,
                reason=given.reason if shown else None,
                comment=given.comment if shown else None,
                channel=given.channel,
                answered_at=given.answered_at,
            )
        )
    pipeline = row.pipeline
    return FollowUp(
        synergy_id=synergy_id,
        link=lead_page_url(_settings(request).public_base_url, synergy_id),
        status=row.status,
        active=row.active,
        origin=pipeline.origin,
        recorded_by=pipeline.recorded_by,
        owner_id=pipeline.owner_id,
        next_action_on=pipeline.next_action_on,
        abandon_reason=pipeline.abandon_reason,
        abandon_comment=pipeline.abandon_comment if comment_shown else None,
        moved_at=pipeline.moved_at,
        released=row.released,
        held_by=list(row.held_by),
        history=entries,
        answers=sorted(answers, key=lambda a: a.answered_at),
        deliveries=deliveries,
        failed=sum(1 for d in deliveries if d.status == "failed"),
    )


# ---- leads recorded by hand ---------------------------------------------------------------------------


class ParticipantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company_id: UUID
    role: Role = Field(description="substitution: supplier (offer) or receiver (need); mutualisation: member")
    flow_id: UUID | None = Field(None, description="One of the company's current flows, when one says it.")
    label: Label | None = Field(None, description="What it brings or needs, in words, when no flow says it.")


class SynergyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "substitution",
                    "participants": [
                        {
                            "company_id": "2f0d3a6e-8a55-4b53-9a3c-1b4f0e7d9c10",
                            "role": "supplier",
                            "label": "Drêches de brasserie",
                        },
                        {
                            "company_id": "7a9c1e2b-3d4f-4a6b-8c0d-5e1f2a3b4c5d",
                            "role": "receiver",
                            "flow_id": "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e",
                        },
                    ],
                    "description": "Atelier du 12 mars à Gimont : la brasserie donnerait ses drêches à l'élevage voisin.",
                    "status": "in_contact",
                }
            ]
        },
    )

    kind: SynergyKind
    participants: list[ParticipantCreate] = Field(min_length=2, max_length=30)
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] = (
        Field(description="What the lead is, in French: its explanation, as companies and advisors read it.")
    )
    resource: Label | None = Field(
        None, description="What is exchanged or shared (default: the first flow's label)."
    )
    status: PipelineStatus = Field("idea", description="Where it stands already: an open step or done.")
    owner_id: UUID | None = None
    next_action_on: date | None = None
    note: Note | None = None


class SynergyRecorded(BaseModel):
    id: UUID
    created: bool = Field(
        description="false: the same lead (kind, participants, description) was recorded before"
    )
    applied: bool = Field(
        description="false: recorded, not yet applied by the notifier (the answer is then 202)"
    )
    followup: FollowUp | None = Field(description="null until applied")


def record_request(body: SynergyCreate) -> followup.RecordRequest:
    """The use case's request from a checked body (the API's, or the web form's)."""
    return followup.RecordRequest(
        kind=body.kind,
        participants=tuple(
            followup.ParticipantRequest(
                company_id=p.company_id, role=p.role, flow_id=p.flow_id, label=p.label
            )
            for p in body.participants
        ),
        description=body.description,
        resource=body.resource,
        status=SynergyStatus(body.status),
        owner_id=body.owner_id,
        next_action_on=body.next_action_on,
        note=body.note,
    )


@router.post(
    "/synergies",
    status_code=status.HTTP_201_CREATED,
    response_model=SynergyRecorded,
    tags=["follow-up"],
    responses={
        200: {"model": SynergyRecorded, "description": "The same lead was recorded before: nothing new."},
        202: {"model": SynergyRecorded, "description": PENDING},
    },
    summary="Record a synergy the matcher did not find (advisor of every participant's territory)",
)
async def record_synergy(
    body: SynergyCreate, request: Request, response: Response, store: StoreDep, principal: PrincipalDep
) -> SynergyRecorded:
    """A lead found in a workshop or on a visit: participants (companies, with one of their flows or a
    few words), kind and description. It then lives in the pipeline, on the map and in the reports like
    any other; its companies read it through the API; nobody is emailed (they were there). Its id
    derives from its content: sending the same lead again answers 200 with it."""
    recorded = await followup.record_synergy(store, principal, record_request(body), _wait_s(request))
    applied = not recorded.created or recorded.outcome is not None
    if not recorded.created:
        response.status_code = status.HTTP_200_OK
    elif not applied:
        response.status_code = status.HTTP_202_ACCEPTED
    answer = await get_followup(recorded.synergy_id, request, store, principal) if applied else None
    if answer is not None and recorded.decision_id is not None:
        answer = answer.model_copy(update={"decision": Decision(id=recorded.decision_id, applied=True)})
    return SynergyRecorded(id=recorded.synergy_id, created=recorded.created, applied=applied, followup=answer)


# ---- realised outcomes --------------------------------------------------------------------------------


class CompanyShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company_id: UUID
    eur_per_year: float = Field(ge=-1e10, le=1e10)


class OutcomeCreate(BaseModel):
    """Figures per year. tonnes_per_year, eur_per_year and co2e_t_per_year left out take the platform's
    estimate (confirmed); given, they correct it; null says nobody knows."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"tonnes_per_year": 80, "jobs": 0.5, "started_on": "2025-04-01", "mark_done": True},
                {
                    "tonnes_per_year": 120,
                    "eur_by_company": [
                        {"company_id": "2f0d3a6e-8a55-4b53-9a3c-1b4f0e7d9c10", "eur_per_year": 7200},
                        {"company_id": "7a9c1e2b-3d4f-4a6b-8c0d-5e1f2a3b4c5d", "eur_per_year": 3600},
                    ],
                    "co2e_t_per_year": 4.2,
                    "jobs": 1,
                    "started_on": "2025-01-15",
                    "comment": "Benne dédiée, enlèvement tous les quinze jours.",
                },
            ]
        },
    )

    tonnes_per_year: float | None = Field(None, ge=0, le=1e9)
    eur_per_year: float | None = Field(
        None, ge=-1e10, le=1e10, description="Euros saved or earned, all participants."
    )
    eur_by_company: list[CompanyShareIn] | None = Field(
        None,
        max_length=30,
        description="The same split per company, where known (its total is eur_per_year).",
    )
    co2e_t_per_year: float | None = Field(None, ge=-1e9, le=1e9, description="Tonnes of CO2e avoided a year.")
    jobs: float | None = Field(None, ge=0, le=1e5, description="Jobs created or kept, full-time equivalents.")
    started_on: date | None = None
    comment: Note | None = None
    mark_done: bool = Field(
        False, description="Move the lead to done with this record (else it must be done)."
    )


class EstimatePublic(BaseModel):
    tonnes_per_year: float | None
    eur_per_year: float | None = Field(
        description="null as well for an advisor not following every participant"
    )
    co2e_t_per_year: float | None = Field(description="avoided net of transport")
    factors: list[str] = Field(description="the emission factors, densities and prices the estimate used")


class CompanyShareOut(BaseModel):
    company_id: UUID
    eur_per_year: float


class OutcomePublic(BaseModel):
    tonnes_per_year: float | None
    eur_per_year: float | None
    eur_by_company: list[CompanyShareOut]
    co2e_t_per_year: float | None
    jobs: float | None
    started_on: date | None
    comment: str | None
    sources: dict[str, str] = Field(
        description="per estimated figure: estimate (confirmed) or advisor (entered)"
    )
    estimate: EstimatePublic = Field(description="the platform's estimate when this was recorded")
    recorded_by: UUID
    recorded_at: datetime


class OutcomeAnswer(BaseModel):
    synergy_id: UUID
    status: str
    estimate: EstimatePublic = Field(description="the platform's estimate now, to confirm or correct")
    outcome: OutcomePublic | None = Field(description="what was recorded last; null: nothing yet")
    decision: Decision | None = None


def _estimate_public(estimate: Estimate) -> EstimatePublic:
    return EstimatePublic(
        tonnes_per_year=estimate.tonnes_per_year,
        eur_per_year=estimate.eur_per_year,
        co2e_t_per_year=estimate.co2e_t_per_year,
        factors=list(estimate.factors),
    )


def _readable(stored: Estimate, now: Estimate) -> Estimate:
    """The estimate kept with an outcome, within what the reader may read of today's (`now`)."""
    if now.tonnes_per_year is None and now.co2e_t_per_year is None and not now.factors:
        return now  # withheld from this reader
    if now.eur_per_year is None:
        return stored.model_copy(
            update={"eur_per_year": None, "factors": tuple(f for f in stored.factors if "€" not in f)}
        )
    return stored


async def outcome_answer(store: StoreDep, principal: PrincipalDep, synergy_id: UUID) -> OutcomeAnswer:
    view = await followup.outcome_view(store, principal, synergy_id)
    assert isinstance(principal, Advisor)  # outcome_view refused anyone else
    snapshot = view.synergy.snapshot
    async with store.pool.acquire() as conn:
        directory = await intake_directory.companies(conn, {p.company_id for p in snapshot.participants})
    viewer = Viewer(kind=RecipientKind.ADVISOR, id=principal.id, territories=principal.territories)
    estimate = estimate_for(snapshot, directory, viewer)
    recorded = None
    if view.outcome is not None:
        o: dict[str, Any] = view.outcome
        stored = _readable(Estimate.model_validate_json(o["estimate"]), estimate)
        recorded = OutcomePublic.model_validate(
            {
                **o,
                "eur_by_company": _json(o["eur_by_company"]),
                "sources": _json(o["sources"]),
                "estimate": _estimate_public(stored),
            }
        )
    return OutcomeAnswer(
        synergy_id=synergy_id,
        status=view.synergy.status,
        estimate=_estimate_public(estimate),
        outcome=recorded,
    )


def _json(value: Any) -> Any:
    """A jsonb column as asyncpg hands it over (text)."""
    return json.loads(value) if isinstance(value, str) else value


@router.get(
    "/synergies/{synergy_id}/outcome",
    response_model=OutcomeAnswer,
    tags=["outcomes"],
    summary="The platform's estimate of what a lead achieves, and what was recorded (advisors)",
)
async def get_outcome(synergy_id: UUID, store: StoreDep, principal: PrincipalDep) -> OutcomeAnswer:
    return await outcome_answer(store, principal, synergy_id)


@router.post(
    "/synergies/{synergy_id}/outcome",
    response_model=OutcomeAnswer,
    tags=["outcomes"],
    responses={202: {"model": OutcomeAnswer, "description": PENDING}, **CONFLICT},
    summary="Record what a done lead achieves per year (advisors of its territories)",
)
async def post_outcome(
    synergy_id: UUID,
    body: OutcomeCreate,
    request: Request,
    response: Response,
    store: StoreDep,
    principal: PrincipalDep,
) -> OutcomeAnswer:
    """Allowed on a done lead, or with `mark_done` on a lead that may move to done. Recording again
    replaces the figures; the estimate at the time is kept beside them."""
    given = body.model_dump(include=body.model_fields_set - {"mark_done"}, mode="python")
    decision, outcome = await followup.record_outcome(
        store, principal, synergy_id, given, body.mark_done, _wait_s(request)
    )
    if outcome is None:
        response.status_code = status.HTTP_202_ACCEPTED
    answer = await outcome_answer(store, principal, synergy_id)
    return answer.model_copy(update={"decision": Decision(id=decision, applied=outcome is not None)})


# ---- review mode --------------------------------------------------------------------------------------


@router.get("/territories/{territory}/review-mode", response_model=ReviewMode, tags=["follow-up"])
async def get_review_mode(territory: Territory, store: StoreDep, principal: PrincipalDep) -> ReviewMode:
    """An advisor of the territory only."""
    return ReviewMode(territory=territory, enabled=await followup.review_mode(store, principal, territory))


@router.put("/territories/{territory}/review-mode", response_model=ReviewMode, tags=["follow-up"])
async def put_review_mode(
    territory: Territory, body: ReviewModeChange, request: Request, store: StoreDep, principal: PrincipalDep
) -> ReviewMode:
    """In review mode, companies of the territory hear of a new synergy only once an advisor approves it.
    Turning it off applies to synergies proposed afterwards; those waiting still need a decision."""
    await followup.set_review_mode(store, principal, territory, body.enabled, _wait_s(request))
    return ReviewMode(territory=territory, enabled=body.enabled)
