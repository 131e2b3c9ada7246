"""Applying a synergy event: update the read model and write who must be told, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

import asyncpg
from prometheus_client import Counter

from ecocirc_notifier.adapters.directory import load_directory, review_territories
from ecocirc_notifier.clock import Clock, system_clock
from ecocirc_notifier.domain.news import News, NewsKind, message_id, news_key, proposed, withdrawn
from ecocirc_notifier.domain.recipients import (
    Audience,
    RecipientKind,
    RecipientRef,
    proposal_audience,
    withdrawal_audience,
)
from ecocirc_notifier.options import NotifierOptions
from ecocirc_shared.db import Connection
from ecocirc_shared.directory import DeliveryMode, synergy_territories
from ecocirc_shared.events import SynergyEvent, SynergyProposed, SynergyRevised
from ecocirc_shared.followup import TAKEN_UP, StatusSource, SynergyStatus, initial_status
from ecocirc_shared.logging import get_logger
from ecocirc_shared.synergies import SynergySnapshot

log = get_logger(__name__)

QUEUED = Counter("ecocirc_notifier_emails_queued_total", "Emails queued", ["news"])
EVENTS = Counter("ecocirc_notifier_events_total", "Synergy events handled", ["outcome"])

SUPERSEDED = "superseded"


async def record_status(
    conn: Connection,
    synergy_id: UUID,
    status: SynergyStatus,
    previous: str | None,
    source: StatusSource,
    at: datetime,
    changed_by: UUID | None = None,
    note: str | None = None,
    *,
    changes: Sequence[str] | None = None,
    abandon_reason: str | None = None,
    abandon_comment: str | None = None,
    owner_id: UUID | None = None,
    next_action_on: date | None = None,
) -> None:
    """One row of a lead's history: a decision or a matcher change, with what it changed (by default
    the status, when it moved, and the note, when there is one)."""
    if changes is None:
        changes = [*(["status"] if previous != status.value else []), *(["note"] if note else [])]
    await conn.execute(
        """INSERT INTO notifier.status_history (synergy_id, status, previous, source, changed_by, note,
                                                changed_at, changes, abandon_reason, abandon_comment,
                                                owner_id, next_action_on)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
        synergy_id,
        status.value,
        previous,
        source.value,
        changed_by,
        note,
        at,
        list(changes),
        abandon_reason,
        abandon_comment,
        owner_id,
        next_action_on,
    )


class Recorder:
    def __init__(
        self, options: NotifierOptions, pool: asyncpg.Pool, mail_domain: str, clock: Clock = system_clock
    ):
        self.options = options
        self.pool = pool
        self.mail_domain = mail_domain
        self.clock = clock

    async def handle(self, event: SynergyEvent) -> str:
        async with self.pool.acquire() as conn, conn.transaction():
            if isinstance(event, SynergyProposed | SynergyRevised):
                outcome = await self._on_current(conn, event.synergy)
            else:
                outcome = await self._on_withdrawn(conn, event.synergy_id, event.revision, event.reason)
        EVENTS.labels(outcome).inc()
        return outcome

    async def _stored(self, conn: Connection, synergy_id: object) -> asyncpg.Record | None:
        return await conn.fetchrow(
            """SELECT revision, active, snapshot, reopened, status, released, held_by, origin
               FROM synergies WHERE synergy_id = $1 FOR UPDATE""",
            synergy_id,
        )

    async def _on_current(self, conn: Connection, synergy: SynergySnapshot) -> str:
        stored = await self._stored(conn, synergy.synergy_id)
        if stored is not None and (stored["revision"] >= synergy.revision or stored["origin"] != "matcher"):
            return "duplicate"
        now = self.clock()
        new_round = stored is None or not stored["active"]
        # A lead people took up keeps its place in the pipeline when its flows match again.
        kept = stored is not None and SynergyStatus(stored["status"]) in TAKEN_UP
        reopened = 0 if stored is None else stored["reopened"] + (0 if stored["active"] else 1)
        company_ids = [p.company_id for p in synergy.participants]
        directory = await load_directory(conn, company_ids, self.options.advisor_digest.total_seconds() > 0)
        if new_round and not kept:
            # The territories in review mode hold the companies' emails until an advisor of each decides.
            held_by = await review_territories(conn, synergy_territories(synergy, directory))
            status, released = initial_status(bool(held_by)), not held_by
        else:
            assert stored is not None
            status, released = SynergyStatus(stored["status"]), stored["released"]
            held_by = list(stored["held_by"])
        await conn.execute(
            """INSERT INTO synergies (synergy_id, revision, active, status, kind, score, company_ids,
                                      territories, snapshot, reopened, released, company_viewers,
                                      held_by, created_at, updated_at, moved_at)
               VALUES ($1, $2, true, $3, $4, $5, $6, $7, $8, $9, $10, $11, $13, $12, $12, $12)
               ON CONFLICT (synergy_id) DO UPDATE SET
                 revision = EXCLUDED.revision, active = true, status = EXCLUDED.status, kind = EXCLUDED.kind,
                 score = EXCLUDED.score, company_ids = EXCLUDED.company_ids, territories = EXCLUDED.territories,
                 snapshot = EXCLUDED.snapshot, reopened = EXCLUDED.reopened, released = EXCLUDED.released,
                 company_viewers = EXCLUDED.company_viewers, held_by = EXCLUDED.held_by,
                 updated_at = EXCLUDED.updated_at,
                 -- A lead back after a withdrawal starts its 30 days again (the reminders').
                 moved_at = CASE WHEN synergies.active THEN synergies.moved_at ELSE EXCLUDED.moved_at END""",
            synergy.synergy_id,
            synergy.revision,
            status.value,
            synergy.kind.value,
            synergy.score,
            company_ids,
            list(synergy.territories),
            synergy.model_dump_json(),
            reopened,
            released,
            company_ids if released else [],
            now,
            held_by,
        )
        if new_round:
            previous = None if stored is None else stored["status"]
            await record_status(
                conn,
                synergy.synergy_id,
                status,
                previous,
                StatusSource.MATCHER,
                now,
                changes=["active"] if kept else ["status"],
            )
        audience = proposal_audience(synergy, directory, self.options.notify_threshold)
        news = proposed(synergy, reopened)
        keys = await self.queue(conn, news, audience, hold_companies=not released)
        await self._coalesce(conn, synergy.synergy_id, keys, now)
        return "recorded"

    async def _coalesce(self, conn: Connection, synergy_id: UUID, keys: list[str], now: datetime) -> None:
        """A burst of revisions gives one email per recipient, with the last state, after a short hold."""
        # Proposals queued for an earlier set of participants, or for someone no longer concerned
        # (score dropped, opted out), are replaced by this revision's: nobody has read them yet.
        await conn.execute(
            """UPDATE deliveries SET status = 'cancelled', last_error = $3
               WHERE synergy_id = $1 AND news_kind = 'proposed' AND status IN ('pending', 'held')
                 AND NOT (news_key = ANY($2::text[]))""",
            synergy_id,
            keys,
            SUPERSEDED,
        )
        # Each revision restarts the hold of proposals not yet tried, up to the cap from their queueing.
        await conn.execute(
            """UPDATE deliveries SET next_attempt_at = LEAST($2::timestamptz + $3::interval, created_at + $4::interval)
               WHERE synergy_id = $1 AND news_kind = 'proposed' AND status = 'pending'
                 AND attempts = 0 AND NOT digest""",
            synergy_id,
            now,
            self.options.hold,
            max(self.options.hold, self.options.max_hold),
        )

    async def _hold_together(self, conn: Connection, audience: Audience, now: datetime) -> None:
        """Leads reaching one person within the hold leave as one email (the deliverer gathers what
        waits for a person): each new one pushes that person's waiting proposals back by the hold,
        never past the cap from their own queueing, so a burst (a territory loaded at once) gives one
        email, and a synergy whose flows keep changing is still announced."""
        await conn.execute(
            """UPDATE deliveries
               SET next_attempt_at = GREATEST(
                   next_attempt_at, LEAST($3::timestamptz + $4::interval, created_at + $5::interval))
               WHERE status = 'pending' AND news_kind = 'proposed' AND NOT digest AND attempts = 0
                 AND batch_key IS NULL
                 AND (recipient_kind, recipient_id) IN (SELECT * FROM unnest($1::text[], $2::uuid[]))""",
            [r.kind.value for r in audience.recipients],
            [r.id for r in audience.recipients],
            now,
            self.options.hold,
            max(self.options.hold, self.options.max_hold),
        )

    async def _on_withdrawn(self, conn: Connection, synergy_id: UUID, revision: int, reason: str) -> str:
        stored = await self._stored(conn, synergy_id)
        if stored is None or stored["revision"] >= revision or stored["origin"] != "matcher":
            return "duplicate"
        now = self.clock()
        current = SynergyStatus(stored["status"])
        # A lead people took up keeps its status (the exchange may well happen: a company often withdraws
        # its flow then); the matcher only says it no longer finds it.
        taken_up = current in TAKEN_UP
        status = current if taken_up else SynergyStatus.WITHDRAWN
        await conn.execute(
            """UPDATE synergies SET revision = $2, active = false, status = $4, updated_at = $3
               WHERE synergy_id = $1""",
            synergy_id,
            revision,
            now,
            status.value,
        )
        if stored["active"]:
            await record_status(
                conn,
                synergy_id,
                status,
                stored["status"],
                StatusSource.MATCHER,
                now,
                note=reason,
                changes=["active"] if taken_up else ["status"],
            )
        # Whoever has not been told yet never will be: nobody hears of a withdrawn synergy.
        await conn.execute(
            """UPDATE deliveries SET status = 'cancelled', last_error = 'synergy withdrawn before sending'
               WHERE synergy_id = $1 AND status IN ('pending', 'held') AND news_kind = 'proposed'""",
            synergy_id,
        )
        told_rows = await conn.fetch(
            """SELECT DISTINCT recipient_kind, recipient_id FROM deliveries
               WHERE synergy_id = $1 AND news_kind = 'proposed' AND status = 'sent'
                 AND news->>'reopened' = $2""",
            synergy_id,
            str(stored["reopened"]),
        )
        told: set[RecipientRef] = {(RecipientKind(r["recipient_kind"]), r["recipient_id"]) for r in told_rows}
        if taken_up:
            # Companies working on it are not told it is over: their advisors are, and decide.
            told = {ref for ref in told if ref[0] is RecipientKind.ADVISOR}
        last = SynergySnapshot.model_validate_json(stored["snapshot"])
        if told:
            companies = {rid for kind, rid in told if kind is RecipientKind.COMPANY}
            directory = await load_directory(conn, companies, self.options.advisor_digest.total_seconds() > 0)
            audience = withdrawal_audience(directory, told)
            await self.queue(
                conn, withdrawn(last, reason, stored["reopened"]), audience, hold_companies=False
            )
        return "recorded"

    async def queue(
        self, conn: Connection, news: News, audience: Audience, *, hold_companies: bool
    ) -> list[str]:
        """Write one ledger row per recipient; return the keys of this news."""
        now = self.clock()
        due = now + self.options.hold if news.kind is NewsKind.PROPOSED else now
        rows = []
        for recipient in audience.recipients:
            key = news_key(news, recipient)
            held = hold_companies and recipient.kind is RecipientKind.COMPANY
            rows.append(
                (
                    key,
                    news.synergy.synergy_id,
                    news.kind.value,
                    recipient.kind.value,
                    recipient.id,
                    recipient.email,
                    news.model_dump_json(),
                    recipient.model_dump_json(),
                    message_id(key, self.mail_domain),
                    "held" if held else "pending",
                    recipient.delivery is DeliveryMode.DIGEST,
                    now,
                    due,
                    SUPERSEDED,
                )
            )
        if rows:
            # The key makes a redelivered or replayed event queue nothing new; a proposal superseded
            # within the hold and then current again (participants back as they were) is revived.
            await conn.executemany(
                """INSERT INTO deliveries (news_key, synergy_id, news_kind, recipient_kind, recipient_id, email,
                                           news, recipient, message_id, status, digest, created_at, next_attempt_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                   ON CONFLICT (news_key) DO UPDATE SET
                     status = EXCLUDED.status, last_error = NULL, news = EXCLUDED.news,
                     next_attempt_at = EXCLUDED.next_attempt_at, batch_key = NULL
                   WHERE deliveries.status = 'cancelled' AND deliveries.last_error = $14""",
                rows,
            )
            QUEUED.labels(news.kind.value).inc(len(rows))
            if news.kind is NewsKind.PROPOSED:
                await self._hold_together(conn, audience, now)
        if audience.skipped:
            log.info(
                "recipients_skipped",
                synergy_id=str(news.synergy.synergy_id),
                skipped=json.loads(json.dumps([s.model_dump(mode="json") for s in audience.skipped])),
            )
        return [r[0] for r in rows]
