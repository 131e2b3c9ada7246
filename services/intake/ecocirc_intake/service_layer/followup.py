"""Advisors steer their leads: move them along the pipeline (abandoning one with a reason), give them
an owner, a next action and notes, record leads found in workshops and what a done lead achieves, and
set review mode. Intake checks who may decide and what the pipeline allows; the notifier, which owns
that state, applies each decision (docs/boundaries.md) and checks the pipeline again under its lock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from ecocirc_intake.adapters import directory as intake_directory
from ecocirc_intake.adapters import notifier_reads
from ecocirc_intake.adapters.store import IntakeStore, IntakeTx
from ecocirc_intake.domain.errors import BodyValidationError, ErrorCollector, FieldError
from ecocirc_intake.domain.outcomes import merge
from ecocirc_intake.domain.recorded import Party, check_roles, recorded_snapshot
from ecocirc_intake.domain.text import clean_optional_text, clean_text
from ecocirc_intake.service_layer.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from ecocirc_intake.service_layer.principals import Advisor, Principal
from ecocirc_shared.directory import RecipientKind, Viewer, synergy_territories
from ecocirc_shared.events import (
    FollowUpChanged,
    FollowUpField,
    OutcomeRecorded,
    ReviewModeChanged,
    SynergyRecorded,
)
from ecocirc_shared.followup import (
    ABANDON_REASON_LABELS,
    OPEN,
    REFUSED_MOVE,
    REFUSED_NOT_DONE,
    REFUSED_WITHDRAWN,
    WITHDRAWN_MESSAGE,
    AbandonReason,
    SynergyStatus,
    discards_held,
    may_decide_held,
    move_refusal,
    releases_companies,
)
from ecocirc_shared.outcomes import estimate_for
from ecocirc_shared.recorded import recorded_synergy_id
from ecocirc_shared.synergies import Role, SynergyKind
from ecocirc_shared.territories import ALL_TERRITORIES

WITHDRAWN = WITHDRAWN_MESSAGE
INVALID = "Certaines informations sont invalides."
MOVED_MEANWHILE = "Cette piste a changé entre-temps : relisez son suivi avant de la déplacer."
NOT_DONE = (
    "Les résultats se rapportent à une piste réalisée : passez-la à « done », ou envoyez "
    '"mark_done": true avec les résultats.'
)
REASONS = ", ".join(f"« {r.value} » ({label})" for r, label in ABANDON_REASON_LABELS.items())


def require_advisor(principal: Principal) -> Advisor:
    if not isinstance(principal, Advisor):
        raise Forbidden("Seul un conseiller peut suivre une synergie.")
    return principal


def scope_of(advisor: Advisor) -> notifier_reads.Scope:
    return notifier_reads.Scope(territories=advisor.territories)


def require_territory(principal: Principal, territory: str) -> Advisor:
    """An advisor of `territory` ("*", the whole programme, is the admin's alone)."""
    advisor = require_advisor(principal)
    if not advisor.covers(territory) or (territory == ALL_TERRITORIES and not advisor.is_admin):
        raise Forbidden(f"Le territoire {territory} ne fait pas partie de vos territoires.")
    return advisor


@dataclass(frozen=True)
class FollowUpRequest:
    """What an advisor changes on a lead; None keeps a value, `clear` empties owner or next action."""

    status: SynergyStatus | None = None
    abandon_reason: AbandonReason | None = None
    abandon_comment: str | None = None
    owner_id: UUID | None = None
    next_action_on: date | None = None
    clear: tuple[FollowUpField, ...] = ()
    note: str | None = None


async def _visible(tx: IntakeTx, advisor: Advisor, synergy_id: UUID) -> notifier_reads.StoredSynergy:
    synergy = await notifier_reads.get_synergy(tx.conn, scope_of(advisor), synergy_id)
    if synergy is None:
        raise NotFound("Synergie introuvable.")
    return synergy


async def _territories(tx: IntakeTx, synergy: notifier_reads.StoredSynergy) -> tuple[str, ...]:
    directory = await intake_directory.companies(
        tx.conn, {p.company_id for p in synergy.snapshot.participants}
    )
    return synergy_territories(synergy.snapshot, directory)


async def _owner_problem(tx: IntakeTx, owner_id: UUID, territories: Sequence[str]) -> Problem | None:
    """An owner is an active advisor following one of the lead's territories."""
    found = await intake_directory.active_advisors(tx.conn, [owner_id])
    followed = found.get(owner_id)
    if followed is None or not any(ALL_TERRITORIES in followed or t in followed for t in territories):
        return Problem("owner_id", "Ce conseiller ne suit aucun des territoires de cette piste.")
    return None


def _check_held(advisor: Advisor, synergy: notifier_reads.StoredSynergy, status: SynergyStatus) -> None:
    """In review mode, only an advisor of every territory holding the synergy approves or drops it."""
    decides_held = releases_companies(status) or discards_held(status)
    if not synergy.released and decides_held and not may_decide_held(advisor.territories, synergy.held_by):
        others = ", ".join(t for t in synergy.held_by if not advisor.covers(t))
        raise Forbidden(
            f"Cette synergie attend l'accord d'un conseiller du territoire {others} (mode relecture) : "
            "vous pouvez la suivre, pas la valider ni la refuser."
        )


def _refusal(outcome: str | None) -> None:
    """The notifier refused what intake let through: the lead changed in between."""
    if outcome == REFUSED_WITHDRAWN:
        raise Conflict(WITHDRAWN)
    if outcome == REFUSED_MOVE:
        raise Conflict(MOVED_MEANWHILE)
    if outcome == REFUSED_NOT_DONE:
        raise Conflict(NOT_DONE)


async def change_followup(
    store: IntakeStore, principal: Principal, synergy_id: UUID, change: FollowUpRequest, wait_s: float
) -> tuple[UUID, str | None]:
    """Record the decision; return its id and outcome (None: not applied by the notifier yet).

    In review mode, moving a lead on releases the companies' emails and abandoning it drops them; only
    an advisor following every territory whose review mode holds the synergy may do either.
    """
    advisor = require_advisor(principal)
    problems: list[Problem] = []
    note = _text(problems, change.note, "note", 2000)
    comment = _text(problems, change.abandon_comment, "abandon_comment", 1000)
    async with store.transaction() as tx:
        synergy = await _visible(tx, advisor, synergy_id)
        current = SynergyStatus(synergy.status)
        if current is SynergyStatus.WITHDRAWN:
            raise Conflict(WITHDRAWN)
        target = change.status or current
        if change.status is not None and (refusal := move_refusal(current, change.status)):
            raise Conflict(refusal)
        if target is SynergyStatus.ABANDONED and change.abandon_reason is None and current is not target:
            problems.append(Problem("abandon_reason", f"Dites pourquoi la piste est abandonnée : {REASONS}."))
        if target is not SynergyStatus.ABANDONED and (change.abandon_reason or comment):
            field = "abandon_reason" if change.abandon_reason else "abandon_comment"
            problems.append(Problem(field, "Un motif d'abandon ne vaut que pour une piste abandonnée."))
        if change.owner_id is not None and (
            owner := await _owner_problem(tx, change.owner_id, await _territories(tx, synergy))
        ):
            problems.append(owner)
        if problems:
            raise InvalidInput(INVALID, problems)
        if change.status is not None:
            _check_held(advisor, synergy, change.status)
        decision = FollowUpChanged(
            synergy_id=synergy_id,
            advisor_id=advisor.id,
            status=change.status,
            abandon_reason=change.abandon_reason,
            abandon_comment=comment,
            owner_id=change.owner_id,
            next_action_on=change.next_action_on,
            clear=change.clear,
            note=note,
        )
        await tx.enqueue_decision(decision)
    outcome = await notifier_reads.wait_for_decision(store.pool, decision.event_id, wait_s)
    _refusal(outcome)
    return decision.event_id, outcome


def _text(problems: list[Problem], value: str | None, field: str, max_length: int) -> str | None:
    try:
        return clean_optional_text(value, field, max_length=max_length, multiline=True)
    except FieldError as error:
        problems.append(Problem(error.field, error.message))
        return None


@dataclass(frozen=True)
class ParticipantRequest:
    company_id: UUID
    role: Role
    flow_id: UUID | None = None
    label: str | None = None


@dataclass(frozen=True)
class RecordRequest:
    """A lead found in a workshop: who, what kind, what (and, optionally, where it stands already)."""

    kind: SynergyKind
    participants: tuple[ParticipantRequest, ...]
    description: str
    resource: str | None = None
    status: SynergyStatus = SynergyStatus.IDEA
    owner_id: UUID | None = None
    next_action_on: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class Recorded:
    synergy_id: UUID
    created: bool  # False: the same lead was recorded before (nothing new is recorded)
    decision_id: UUID | None = None
    outcome: str | None = None


async def record_synergy(
    store: IntakeStore, principal: Principal, request: RecordRequest, wait_s: float
) -> Recorded:
    """Record a synergy the matcher did not find; it lives in the pipeline and the reports like any other.

    Every participant must be a company of the advisor's territories, each flow one of its current
    flows. The id comes from the content: the same lead sent twice is recorded once.
    """
    advisor = require_advisor(principal)
    errors = ErrorCollector()
    description = errors.run(
        clean_text, request.description, "description", min_length=1, max_length=2000, multiline=True
    )
    resource = errors.run(clean_optional_text, request.resource, "resource", max_length=200)
    note = errors.run(clean_optional_text, request.note, "note", max_length=2000, multiline=True)
    labels = [
        errors.run(clean_optional_text, p.label, f"participants.{i}.label", max_length=200)
        for i, p in enumerate(request.participants)
    ]
    if request.status not in OPEN | {SynergyStatus.DONE}:
        errors.add(
            FieldError(
                "status",
                "Une piste s'enregistre à une étape en cours (idea à in_progress) ou réalisée.",
                "choice",
            )
        )
    async with store.transaction() as tx:
        parties: list[Party] = []
        for index, participant in enumerate(request.participants):
            party = await _party(tx, advisor, index, participant, labels[index], errors)
            if party is not None:
                parties.append(party)
        if len(parties) == len(request.participants):
            for error in check_roles(request.kind, parties):
                errors.add(error)
        problems = [Problem(e.field, e.message) for e in errors.errors]
        territories = tuple(sorted({p.territory for p in parties}))
        if request.owner_id is not None and (
            owner := await _owner_problem(tx, request.owner_id, territories)
        ):
            problems.append(owner)
        if problems:
            raise InvalidInput(INVALID, problems)
        assert description is not None  # narrowed: no error was collected
        synergy_id = recorded_synergy_id(
            request.kind, [(p.company_id, p.flow_id, p.role) for p in request.participants], description
        )
        if await notifier_reads.get_synergy(tx.conn, scope_of(advisor), synergy_id) is not None:
            return Recorded(synergy_id, created=False)
        snapshot = recorded_snapshot(synergy_id, request.kind, parties, description, resource)
        decision = SynergyRecorded(
            synergy=snapshot,
            advisor_id=advisor.id,
            status=request.status,
            owner_id=request.owner_id,
            next_action_on=request.next_action_on,
            note=note,
        )
        await tx.enqueue_decision(decision)
    outcome = await notifier_reads.wait_for_decision(store.pool, decision.event_id, wait_s)
    return Recorded(synergy_id, created=True, decision_id=decision.event_id, outcome=outcome)


async def _party(
    tx: IntakeTx,
    advisor: Advisor,
    index: int,
    participant: ParticipantRequest,
    label: str | None,
    errors: ErrorCollector,
) -> Party | None:
    company = await tx.get_company(participant.company_id)
    if company is None or not advisor.covers(company.territory):
        errors.add(
            FieldError(
                f"participants.{index}.company_id", "Entreprise introuvable dans vos territoires.", "unknown"
            )
        )
        return None
    flow = None
    if participant.flow_id is not None:
        record = await tx.get_flow(participant.flow_id)
        if record is None or not record.active or record.snapshot.company_id != company.id:
            errors.add(
                FieldError(
                    f"participants.{index}.flow_id",
                    "Ce flux n'est pas un flux en cours de cette entreprise.",
                    "unknown",
                )
            )
            return None
        flow = record.snapshot
    return Party(
        company_id=company.id,
        role=participant.role,
        site=company.site,
        territory=company.territory,
        flow=flow,
        label=label,
    )


@dataclass(frozen=True)
class OutcomeView:
    synergy: notifier_reads.StoredSynergy
    outcome: dict[str, Any] | None


async def outcome_view(store: IntakeStore, principal: Principal, synergy_id: UUID) -> OutcomeView:
    """The lead and what was recorded for it, if anything (the caller words the estimate for its reader)."""
    advisor = require_advisor(principal)
    async with store.transaction() as tx:
        synergy = await _visible(tx, advisor, synergy_id)
        recorded = await notifier_reads.outcome(tx.conn, synergy_id)
    return OutcomeView(synergy, recorded)


async def record_outcome(
    store: IntakeStore,
    principal: Principal,
    synergy_id: UUID,
    given: Mapping[str, Any],
    mark_done: bool,
    wait_s: float,
) -> tuple[UUID, str | None]:
    """Record what a done lead achieves per year (figures left out confirm the platform's estimate);
    with `mark_done`, a lead not done yet moves to done in the same decision."""
    advisor = require_advisor(principal)
    async with store.transaction() as tx:
        synergy = await _visible(tx, advisor, synergy_id)
        current = SynergyStatus(synergy.status)
        if current is SynergyStatus.WITHDRAWN:
            raise Conflict(WITHDRAWN)
        if current is not SynergyStatus.DONE:
            if not mark_done:
                raise Conflict(NOT_DONE)
            if refusal := move_refusal(current, SynergyStatus.DONE):
                raise Conflict(refusal)
            _check_held(advisor, synergy, SynergyStatus.DONE)
        # What the advisor may read of the estimate is what a figure left out confirms (visibility.py).
        directory = await intake_directory.companies(
            tx.conn, {p.company_id for p in synergy.snapshot.participants}
        )
        viewer = Viewer(kind=RecipientKind.ADVISOR, id=advisor.id, territories=advisor.territories)
        estimate = estimate_for(synergy.snapshot, directory, viewer)
        try:
            outcome = merge(given, estimate, {p.company_id for p in synergy.snapshot.participants})
        except BodyValidationError as failed:
            raise InvalidInput(INVALID, [Problem(e.field, e.message) for e in failed.errors]) from failed
        decision = OutcomeRecorded(
            synergy_id=synergy_id,
            advisor_id=advisor.id,
            outcome=outcome,
            estimate=estimate,
            mark_done=mark_done,
        )
        await tx.enqueue_decision(decision)
    result = await notifier_reads.wait_for_decision(store.pool, decision.event_id, wait_s)
    _refusal(result)
    return decision.event_id, result


async def review_mode(store: IntakeStore, principal: Principal, territory: str) -> bool:
    require_territory(principal, territory)
    return await notifier_reads.review_mode(store.pool, territory)


async def set_review_mode(
    store: IntakeStore, principal: Principal, territory: str, enabled: bool, wait_s: float
) -> str | None:
    advisor = require_territory(principal, territory)
    decision = ReviewModeChanged(territory=territory, enabled=enabled, advisor_id=advisor.id)
    async with store.transaction() as tx:
        await tx.enqueue_decision(decision)
    return await notifier_reads.wait_for_decision(store.pool, decision.event_id, wait_s)
