"""Applying a synergy event: update the read model and write who must be told, in one transaction."""

from __future__ import annotations

import json

import asyncpg
from prometheus_client import Counter

from ecocirc_notifier.adapters.directory import load_directory
from ecocirc_notifier.domain.news import News, message_id, news_key, proposed, withdrawn
from ecocirc_notifier.domain.recipients import (
    Audience,
    RecipientKind,
    RecipientRef,
    proposal_audience,
    withdrawal_audience,
)
from ecocirc_shared.db import Connection
from ecocirc_shared.events import SynergyEvent, SynergyProposed, SynergyRevised
from ecocirc_shared.logging import get_logger
from ecocirc_shared.settings import Settings
from ecocirc_shared.synergies import SynergySnapshot

log = get_logger(__name__)

QUEUED = Counter("ecocirc_notifier_emails_queued_total", "Emails queued", ["news"])
EVENTS = Counter("ecocirc_notifier_events_total", "Synergy events handled", ["outcome"])


class Recorder:
    def __init__(self, settings: Settings, pool: asyncpg.Pool, mail_domain: str):
        self.settings = settings
        self.pool = pool
        self.mail_domain = mail_domain

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
            "SELECT revision, active, snapshot, reopened FROM synergies WHERE synergy_id = $1 FOR UPDATE",
            synergy_id,
        )

    async def _on_current(self, conn: Connection, synergy: SynergySnapshot) -> str:
        stored = await self._stored(conn, synergy.synergy_id)
        if stored is not None and stored["revision"] >= synergy.revision:
            return "duplicate"
        reopened = 0 if stored is None else stored["reopened"] + (0 if stored["active"] else 1)
        await conn.execute(
            """INSERT INTO synergies (synergy_id, revision, active, status, kind, score, company_ids,
                                      territories, snapshot, reopened)
               VALUES ($1, $2, true, 'proposed', $3, $4, $5, $6, $7, $8)
               ON CONFLICT (synergy_id) DO UPDATE SET
                 revision = EXCLUDED.revision, active = true, kind = EXCLUDED.kind, score = EXCLUDED.score,
                 company_ids = EXCLUDED.company_ids, territories = EXCLUDED.territories,
                 snapshot = EXCLUDED.snapshot, reopened = EXCLUDED.reopened, updated_at = now(),
                 status = CASE WHEN synergies.active THEN synergies.status ELSE 'proposed' END""",
            synergy.synergy_id,
            synergy.revision,
            synergy.kind.value,
            synergy.score,
            [p.company_id for p in synergy.participants],
            list(synergy.territories),
            synergy.model_dump_json(),
            reopened,
        )
        directory = await load_directory(
            conn, [p.company_id for p in synergy.participants], self.settings.advisor_digest_minutes > 0
        )
        audience = proposal_audience(synergy, directory, self.settings.notify_threshold)
        await self._queue(conn, proposed(synergy, reopened), audience)
        return "recorded"

    async def _on_withdrawn(self, conn: Connection, synergy_id: object, revision: int, reason: str) -> str:
        stored = await self._stored(conn, synergy_id)
        if stored is None or stored["revision"] >= revision:
            return "duplicate"
        await conn.execute(
            """UPDATE synergies SET revision = $2, active = false, status = 'withdrawn', updated_at = now()
               WHERE synergy_id = $1""",
            synergy_id,
            revision,
        )
        # Whoever has not been told yet never will be: nobody hears of a withdrawn synergy.
        await conn.execute(
            """UPDATE deliveries SET status = 'cancelled', last_error = 'synergy withdrawn before sending'
               WHERE synergy_id = $1 AND status = 'pending' AND news_kind = 'proposed'""",
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
        last = SynergySnapshot.model_validate_json(stored["snapshot"])
        if told:
            companies = {rid for kind, rid in told if kind is RecipientKind.COMPANY}
            directory = await load_directory(conn, companies, False)
            audience = withdrawal_audience(directory, told)
            await self._queue(conn, withdrawn(last, reason, stored["reopened"]), audience)
        return "recorded"

    async def _queue(self, conn: Connection, news: News, audience: Audience) -> None:
        rows = []
        for recipient in audience.recipients:
            key = news_key(news, recipient)
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
                )
            )
        if rows:
            # The key makes a redelivered or replayed event queue nothing new.
            await conn.executemany(
                """INSERT INTO deliveries (news_key, synergy_id, news_kind, recipient_kind, recipient_id, email,
                                           news, recipient, message_id)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (news_key) DO NOTHING""",
                rows,
            )
            QUEUED.labels(news.kind.value).inc(len(rows))
        if audience.skipped:
            log.info(
                "recipients_skipped",
                synergy_id=str(news.synergy.synergy_id),
                skipped=json.loads(json.dumps([s.model_dump(mode="json") for s in audience.skipped])),
            )
