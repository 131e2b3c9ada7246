"""Decisions people took through the API, applied to the state the notifier owns: a lead's follow-up
(its status in the pipeline, which releases or drops the emails held for review; its owner, next
action and notes), leads advisors record by hand, what a done lead achieves, review mode, email
preferences, and the companies' answers to a lead (the last yes introduces them to each other).

Intake checked who may decide (docs/boundaries.md); this applies each decision once, in one
transaction, and records its outcome where intake reads it (`notifier_read.decisions_v1`). What
depends on the state at the time (a move the pipeline does not allow, a lead withdrawn meanwhile) is
checked again here, under the row's lock.
"""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

import asyncpg
from prometheus_client import Counter

from ecocirc_notifier.adapters.directory import load_directory
from ecocirc_notifier.clock import Clock, system_clock
from ecocirc_notifier.domain.news import introduced
from ecocirc_notifier.domain.recipients import proposal_audience
from ecocirc_notifier.service_layer.recording import Recorder, record_status
from ecocirc_shared.answers import (
    ALREADY_INTRODUCED,
    INTRODUCED,
    NOT_A_PARTICIPANT,
    NOT_RELEASED,
    Answer,
    answer_note,
    everyone_interested,
)
from ecocirc_shared.db import Connection
from ecocirc_shared.events import (
    DecisionEvent,
    EmailPreferencesChanged,
    FollowUpChanged,
    OutcomeRecorded,
    ReviewModeChanged,
    SynergyAnswered,
    SynergyRecorded,
    SynergyStatusChanged,
)
from ecocirc_shared.followup import (
    APPLIED,
    INTRODUCED_STATUS,
    REFUSED_MOVE,
    REFUSED_NOT_DONE,
    REFUSED_WITHDRAWN,
    UNCHANGED,
    UNKNOWN_SYNERGY,
    AbandonReason,
    StatusSource,
    SynergyStatus,
    allowed_moves,
    discards_held,
    releases_companies,
)
from ecocirc_shared.logging import get_logger
from ecocirc_shared.synergies import SynergySnapshot

DECISIONS = Counter("ecocirc_notifier_decisions_total", "Decisions applied", ["kind", "outcome"])
DUPLICATE = "duplicate"
log = get_logger(__name__)
# Every company of the lead answered yes: what the history says when the lead moves by itself.
INTRODUCTION_NOTE = "Toutes les entreprises ont répondu « Ça m'intéresse » : mise en relation envoyée."


class DecisionApplier:
    def __init__(self, pool: asyncpg.Pool, clock: Clock = system_clock, recorder: Recorder | None = None):
        self.pool = pool
        self.clock = clock
        # Queues the introduction emails (the same ledger as proposals).
        self.recorder = recorder

    async def handle(self, event: DecisionEvent) -> str:
        async with self.pool.acquire() as conn, conn.transaction():
            first = await conn.fetchval(
                """INSERT INTO applied_decisions (decision_id, kind, outcome) VALUES ($1, $2, 'applying')
                   ON CONFLICT (decision_id) DO NOTHING RETURNING true""",
                event.event_id,
                event.event_type,
            )
            if not first:
                return DUPLICATE
            now = self.clock()
            if isinstance(event, SynergyStatusChanged):
                outcome = await _follow_up(conn, _as_follow_up(event), now)
            elif isinstance(event, FollowUpChanged):
                outcome = await _follow_up(conn, event, now)
            elif isinstance(event, SynergyRecorded):
                outcome = await _recorded(conn, event, now)
            elif isinstance(event, OutcomeRecorded):
                outcome = await _outcome(conn, event, now)
            elif isinstance(event, ReviewModeChanged):
                outcome = await _review_mode(conn, event)
            elif isinstance(event, SynergyAnswered):
                outcome = await self._answer(conn, event, now)
            else:
                outcome = await _preferences(conn, event)
            await conn.execute(
                "UPDATE applied_decisions SET outcome = $2, applied_at = $3 WHERE decision_id = $1",
                event.event_id,
                outcome,
                now,
            )
        DECISIONS.labels(event.event_type, outcome).inc()
        return outcome

    async def _answer(self, conn: Connection, event: SynergyAnswered, now: datetime) -> str:
        """Record a company's answer in the lead's history; at the last yes, introduce the companies.

        Intake checked that the company may answer; what may have changed since (the lead withdrawn,
        or introduced by another company's yes) is checked again here, under the lead's lock.
        """
        row = await conn.fetchrow(
            """SELECT status, active, released, reopened, company_ids, snapshot, owner_id, next_action_on
               FROM synergies WHERE synergy_id = $1 FOR UPDATE""",
            event.synergy_id,
        )
        if row is None:
            return UNKNOWN_SYNERGY
        if not row["active"]:
            return REFUSED_WITHDRAWN
        if event.company_id not in row["company_ids"]:
            return NOT_A_PARTICIPANT
        if not row["released"]:
            return NOT_RELEASED
        round_ = row["reopened"]
        if await conn.fetchval(
            "SELECT 1 FROM introductions WHERE synergy_id = $1 AND round = $2", event.synergy_id, round_
        ):
            return ALREADY_INTRODUCED
        previous = await conn.fetchrow(
            "SELECT answer, reason, comment FROM answers WHERE synergy_id = $1 AND round = $2 AND company_id = $3",
            event.synergy_id,
            round_,
            event.company_id,
        )
        reason = event.reason.value if event.reason else None
        if previous is not None and (previous["answer"], previous["reason"], previous["comment"]) == (
            event.answer.value,
            reason,
            event.comment,
        ):
            return UNCHANGED  # the same answer again (a second click) is not history
        await conn.execute(
            """INSERT INTO answers (synergy_id, round, company_id, answer, reason, comment, channel, decision_id,
                                    answered_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               ON CONFLICT (synergy_id, round, company_id) DO UPDATE SET
                 answer = EXCLUDED.answer, reason = EXCLUDED.reason, comment = EXCLUDED.comment,
                 channel = EXCLUDED.channel, decision_id = EXCLUDED.decision_id, answered_at = EXCLUDED.answered_at""",
            event.synergy_id,
            round_,
            event.company_id,
            event.answer.value,
            reason,
            event.comment,
            event.channel,
            event.event_id,
            now,
        )
        status = SynergyStatus(row["status"])
        # A line of the history: the status does not change; the advisor reads who answered what.
        await record_status(
            conn,
            event.synergy_id,
            status,
            status.value,
            StatusSource.COMPANY,
            now,
            changed_by=event.company_id,
            note=answer_note(event.answer, event.reason, event.comment),
            owner_id=row["owner_id"],
            next_action_on=row["next_action_on"],
        )
        if event.answer is not Answer.INTERESTED:
            return APPLIED
        answers = await conn.fetch(
            "SELECT company_id, answer FROM answers WHERE synergy_id = $1 AND round = $2",
            event.synergy_id,
            round_,
        )
        if not everyone_interested(
            row["company_ids"], {a["company_id"]: Answer(a["answer"]) for a in answers}
        ):
            return APPLIED
        await self._introduce(
            conn, event, SynergySnapshot.model_validate_json(row["snapshot"]), row, round_, now
        )
        return INTRODUCED

    async def _introduce(
        self,
        conn: Connection,
        event: SynergyAnswered,
        synergy: SynergySnapshot,
        row: asyncpg.Record,
        round_: int,
        now: datetime,
    ) -> None:
        """Every company said yes: the lead moves to in contact by itself, each company gets one email
        with the others' names and contacts, and the advisors of its territories are told."""
        await conn.execute(
            "INSERT INTO introductions (synergy_id, round, introduced_at, decision_id) VALUES ($1, $2, $3, $4)",
            synergy.synergy_id,
            round_,
            now,
            event.event_id,
        )
        await conn.execute(
            # People moved it: the reminders' 30 days start again.
            "UPDATE synergies SET status = $2, updated_at = $3, moved_at = $3 WHERE synergy_id = $1",
            synergy.synergy_id,
            INTRODUCED_STATUS.value,
            now,
        )
        await record_status(
            conn,
            synergy.synergy_id,
            INTRODUCED_STATUS,
            row["status"],
            StatusSource.COMPANY,
            now,
            changed_by=event.company_id,
            note=INTRODUCTION_NOTE,
            owner_id=row["owner_id"],
            next_action_on=row["next_action_on"],
        )
        if self.recorder is None:
            return
        digest = self.recorder.options.advisor_digest.total_seconds() > 0
        directory = await load_directory(conn, [p.company_id for p in synergy.participants], digest)
        # Whatever the score now: they all said yes to it.
        audience = proposal_audience(synergy, directory, threshold=0.0)
        await self.recorder.queue(conn, introduced(synergy, round_), audience, hold_companies=False)
        log.info(
            "companies_introduced", synergy_id=str(synergy.synergy_id), recipients=len(audience.recipients)
        )


def _as_follow_up(event: SynergyStatusChanged) -> FollowUpChanged:
    """A status change of an older intake, as the follow-up change it is."""
    return FollowUpChanged(
        event_id=event.event_id,
        occurred_at=event.occurred_at,
        synergy_id=event.synergy_id,
        advisor_id=event.advisor_id,
        status=event.status,
        abandon_reason=event.abandon_reason,
        note=event.note,
    )


async def _follow_up(
    conn: Connection, event: FollowUpChanged, now: datetime, *, also: tuple[str, ...] = ()
) -> str:
    """Apply a follow-up change; `also` names what else the caller changed in this decision (an outcome)."""
    row = await conn.fetchrow(
        """SELECT status, released, owner_id, next_action_on, abandon_reason, abandon_comment
           FROM synergies WHERE synergy_id = $1 FOR UPDATE""",
        event.synergy_id,
    )
    if row is None:
        return UNKNOWN_SYNERGY
    current = SynergyStatus(row["status"])
    if current is SynergyStatus.WITHDRAWN:
        return REFUSED_WITHDRAWN  # withdrawn by the matcher since the advisor looked
    status = event.status or current
    if status not in allowed_moves(current):
        return REFUSED_MOVE  # someone else moved it since the advisor looked
    released = row["released"]
    if event.status is not None and not released and releases_companies(status):
        released = True
        await _release_held(conn, event.synergy_id, now)
    elif event.status is not None and not released and discards_held(status):
        await _discard_held(conn, event.synergy_id, f"{status.value} by an advisor")
    reason, comment = None, None
    if status is SynergyStatus.ABANDONED:
        kept = current is SynergyStatus.ABANDONED and event.abandon_reason is None
        reason = row["abandon_reason"] if kept else (event.abandon_reason or AbandonReason.OTHER).value
        comment = row["abandon_comment"] if kept and event.abandon_comment is None else event.abandon_comment
    owner = None if "owner_id" in event.clear else (event.owner_id or row["owner_id"])
    next_action = None if "next_action_on" in event.clear else (event.next_action_on or row["next_action_on"])
    changes = [
        *(["status"] if status is not current or released != row["released"] else []),
        *(["abandon_reason"] if (reason, comment) != (row["abandon_reason"], row["abandon_comment"]) else []),
        *(["owner_id"] if owner != row["owner_id"] else []),
        *(["next_action_on"] if next_action != row["next_action_on"] else []),
        *(["note"] if event.note else []),
        *also,
    ]
    if not changes:
        return UNCHANGED  # setting what is already there is not history
    await conn.execute(
        """UPDATE synergies
           SET status = $2, released = $3, company_viewers = CASE WHEN $3 THEN company_ids ELSE '{}' END,
               held_by = CASE WHEN $3 THEN '{}' ELSE held_by END, updated_at = $4, moved_at = $4,
               abandon_reason = $5, abandon_comment = $6, owner_id = $7, next_action_on = $8
           WHERE synergy_id = $1""",
        event.synergy_id,
        status.value,
        released,
        now,
        reason,
        comment,
        owner,
        next_action,
    )
    await record_status(
        conn,
        event.synergy_id,
        status,
        current.value,
        StatusSource.ADVISOR,
        now,
        changed_by=event.advisor_id,
        note=event.note,
        changes=changes,
        abandon_reason=reason,
        abandon_comment=comment,
        owner_id=owner,
        next_action_on=next_action,
    )
    return APPLIED


async def _recorded(conn: Connection, event: SynergyRecorded, now: datetime) -> str:
    """A lead an advisor recorded: in the read model like any other, released to its companies (they
    were there) without an email, in the pipeline at the status the advisor gave."""
    synergy = event.synergy
    company_ids = [p.company_id for p in synergy.participants]
    inserted = await conn.fetchval(
        """INSERT INTO synergies (synergy_id, revision, active, status, kind, score, company_ids, territories,
                                  snapshot, released, company_viewers, held_by, origin, recorded_by, owner_id,
                                  next_action_on, moved_at, created_at, updated_at)
           VALUES ($1, $2, true, $3, $4, $5, $6, $7, $8, true, $6, '{}', 'advisor', $9, $10, $11, $12, $12, $12)
           ON CONFLICT (synergy_id) DO NOTHING RETURNING true""",
        synergy.synergy_id,
        synergy.revision,
        event.status.value,
        synergy.kind.value,
        synergy.score,
        company_ids,
        list(synergy.territories),
        synergy.model_dump_json(),
        event.advisor_id,
        event.owner_id,
        event.next_action_on,
        now,
    )
    if not inserted:
        return UNCHANGED  # the same lead, recorded again
    await record_status(
        conn,
        synergy.synergy_id,
        event.status,
        None,
        StatusSource.ADVISOR,
        now,
        changed_by=event.advisor_id,
        note=event.note,
        changes=["recorded", "status", *(["note"] if event.note else [])],
        owner_id=event.owner_id,
        next_action_on=event.next_action_on,
    )
    return APPLIED


async def _outcome(conn: Connection, event: OutcomeRecorded, now: datetime) -> str:
    """What a done lead achieves; a lead not done yet is moved to done only if the advisor asked."""
    status = await conn.fetchval(
        "SELECT status FROM synergies WHERE synergy_id = $1 FOR UPDATE", event.synergy_id
    )
    if status is None:
        return UNKNOWN_SYNERGY
    current = SynergyStatus(status)
    if current is SynergyStatus.WITHDRAWN:
        return REFUSED_WITHDRAWN
    if current is not SynergyStatus.DONE and not event.mark_done:
        return REFUSED_NOT_DONE
    if SynergyStatus.DONE not in allowed_moves(current):
        return REFUSED_MOVE
    outcome = event.outcome
    await conn.execute(
        """INSERT INTO outcomes (synergy_id, tonnes_per_year, eur_per_year, eur_by_company, co2e_t_per_year, jobs,
                                 started_on, comment, sources, estimate, recorded_by, recorded_at, decision_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (synergy_id) DO UPDATE SET
             tonnes_per_year = EXCLUDED.tonnes_per_year, eur_per_year = EXCLUDED.eur_per_year,
             eur_by_company = EXCLUDED.eur_by_company, co2e_t_per_year = EXCLUDED.co2e_t_per_year,
             jobs = EXCLUDED.jobs, started_on = EXCLUDED.started_on, comment = EXCLUDED.comment,
             sources = EXCLUDED.sources, estimate = EXCLUDED.estimate, recorded_by = EXCLUDED.recorded_by,
             recorded_at = EXCLUDED.recorded_at, decision_id = EXCLUDED.decision_id""",
        event.synergy_id,
        outcome.tonnes_per_year,
        outcome.eur_per_year,
        json.dumps([share.model_dump(mode="json") for share in outcome.eur_by_company]),
        outcome.co2e_t_per_year,
        outcome.jobs,
        outcome.started_on,
        outcome.comment,
        json.dumps({figure: source.value for figure, source in outcome.sources.items()}),
        event.estimate.model_dump_json(),
        event.advisor_id,
        now,
        event.event_id,
    )
    move = FollowUpChanged(
        event_id=event.event_id,
        synergy_id=event.synergy_id,
        advisor_id=event.advisor_id,
        status=SynergyStatus.DONE,
    )
    # Checked above under the row's lock: the move to done (or staying done) is allowed.
    return await _follow_up(conn, move, now, also=("outcome",))


async def _release_held(conn: Connection, synergy_id: UUID, at: datetime) -> None:
    """Let the emails held for review go out now."""
    await conn.execute(
        """UPDATE deliveries SET status = 'pending', next_attempt_at = LEAST(next_attempt_at, $2)
           WHERE synergy_id = $1 AND status = 'held'""",
        synergy_id,
        at,
    )


async def _discard_held(conn: Connection, synergy_id: UUID, reason: str) -> None:
    await conn.execute(
        """UPDATE deliveries SET status = 'cancelled', last_error = $2
           WHERE synergy_id = $1 AND status = 'held'""",
        synergy_id,
        reason,
    )


async def _review_mode(conn: Connection, event: ReviewModeChanged) -> str:
    if event.enabled:
        await conn.execute(
            """INSERT INTO review_territories (territory, enabled_by) VALUES ($1, $2)
               ON CONFLICT (territory) DO NOTHING""",
            event.territory,
            event.advisor_id,
        )
    else:
        await conn.execute("DELETE FROM review_territories WHERE territory = $1", event.territory)
    return APPLIED


async def _preferences(conn: Connection, event: EmailPreferencesChanged) -> str:
    await conn.execute(
        """INSERT INTO email_preferences (recipient_kind, recipient_id, opted_out, delivery)
           VALUES ($1, $2, coalesce($3, false), CASE WHEN $4::text = 'default' THEN NULL ELSE $4::text END)
           ON CONFLICT (recipient_kind, recipient_id) DO UPDATE SET
             opted_out = coalesce($3, email_preferences.opted_out),
             delivery = CASE WHEN $4::text IS NULL THEN email_preferences.delivery
                             WHEN $4::text = 'default' THEN NULL ELSE $4::text END,
             updated_at = now()""",
        event.recipient_kind.value,
        event.recipient_id,
        event.opted_out,
        event.delivery,
    )
    return APPLIED
