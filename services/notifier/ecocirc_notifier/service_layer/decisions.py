"""Decisions people took through the API, applied to the state the notifier owns: a synergy's status
(which releases or drops the emails held for review), review mode, email preferences.

Intake checked who may decide (docs/boundaries.md); this applies each decision once, in one
transaction, and records its outcome where intake reads it (`notifier_read.decisions_v1`).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
from prometheus_client import Counter

from ecocirc_notifier.clock import Clock, system_clock
from ecocirc_notifier.service_layer.recording import record_status
from ecocirc_shared.db import Connection
from ecocirc_shared.events import (
    DecisionEvent,
    EmailPreferencesChanged,
    ReviewModeChanged,
    SynergyStatusChanged,
)
from ecocirc_shared.followup import (
    APPLIED,
    REFUSED_WITHDRAWN,
    UNCHANGED,
    UNKNOWN_SYNERGY,
    StatusSource,
    SynergyStatus,
    discards_held,
    releases_companies,
)

DECISIONS = Counter("ecocirc_notifier_decisions_total", "Decisions applied", ["kind", "outcome"])
DUPLICATE = "duplicate"


class DecisionApplier:
    def __init__(self, pool: asyncpg.Pool, clock: Clock = system_clock):
        self.pool = pool
        self.clock = clock

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
                outcome = await _status(conn, event, now)
            elif isinstance(event, ReviewModeChanged):
                outcome = await _review_mode(conn, event)
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


async def _status(conn: Connection, event: SynergyStatusChanged, now: datetime) -> str:
    row = await conn.fetchrow(
        "SELECT status, active, released FROM synergies WHERE synergy_id = $1 FOR UPDATE", event.synergy_id
    )
    if row is None:
        return UNKNOWN_SYNERGY
    status = event.status
    if not row["active"] and status is not SynergyStatus.WITHDRAWN:
        return REFUSED_WITHDRAWN  # withdrawn by the matcher since the advisor looked
    released = row["released"]
    if not released and releases_companies(status):
        released = True
        await _release_held(conn, event.synergy_id, now)
    elif not released and discards_held(status):
        await _discard_held(conn, event.synergy_id, f"{status.value} by an advisor")
    if row["status"] == status.value and released == row["released"] and not event.note:
        return UNCHANGED  # setting the same status again is not history
    await conn.execute(
        """UPDATE synergies
           SET status = $2, released = $3, company_viewers = CASE WHEN $3 THEN company_ids ELSE '{}' END,
               held_by = CASE WHEN $3 THEN '{}' ELSE held_by END, updated_at = $4
           WHERE synergy_id = $1""",
        event.synergy_id,
        status.value,
        released,
        now,
    )
    await record_status(
        conn,
        event.synergy_id,
        status,
        row["status"],
        StatusSource.ADVISOR,
        now,
        changed_by=event.advisor_id,
        note=event.note,
    )
    return APPLIED


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
