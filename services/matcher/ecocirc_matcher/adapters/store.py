"""PostgreSQL state of the matcher: flows seen, synergies announced, events enqueued atomically."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import asyncpg

from ecocirc_shared.db import Connection
from ecocirc_shared.events import SynergyProposed, SynergyRevised, SynergyWithdrawn
from ecocirc_shared.flows import FlowSnapshot
from ecocirc_shared.outbox import enqueue
from ecocirc_shared.synergies import SynergySnapshot
from ecocirc_shared.topics import SYNERGY_EVENTS

SCHEMA = "matcher"


class StoredSynergy:
    def __init__(self, row: asyncpg.Record):
        self.revision: int = row["revision"]
        self.active: bool = row["active"]
        self.fingerprint: str = row["fingerprint"]


class MatcherTx:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def flow_version(self, flow_id: UUID) -> int:
        """The latest version seen of a flow (0 if never), locked for this transaction."""
        version = await self.conn.fetchval("SELECT version FROM flows WHERE flow_id = $1 FOR UPDATE", flow_id)
        return int(version or 0)

    async def save_flow(self, flow_id: UUID, version: int, snapshot: FlowSnapshot | None) -> None:
        await self.conn.execute(
            """INSERT INTO flows (flow_id, version, active, snapshot) VALUES ($1, $2, $3, $4)
               ON CONFLICT (flow_id) DO UPDATE
               SET version = EXCLUDED.version, active = EXCLUDED.active, snapshot = EXCLUDED.snapshot,
                   updated_at = now()""",
            flow_id,
            version,
            snapshot is not None,
            snapshot.model_dump_json() if snapshot else None,
        )

    async def synergy(self, synergy_id: UUID) -> StoredSynergy | None:
        row = await self.conn.fetchrow(
            "SELECT revision, active, fingerprint FROM synergies WHERE synergy_id = $1 FOR UPDATE", synergy_id
        )
        return StoredSynergy(row) if row else None

    async def save_synergy(self, snapshot: SynergySnapshot, fingerprint: str, *, new: bool) -> None:
        await self.conn.execute(
            """INSERT INTO synergies (synergy_id, revision, active, fingerprint, snapshot)
               VALUES ($1, $2, true, $3, $4)
               ON CONFLICT (synergy_id) DO UPDATE
               SET revision = EXCLUDED.revision, active = true, fingerprint = EXCLUDED.fingerprint,
                   snapshot = EXCLUDED.snapshot, updated_at = now()""",
            snapshot.synergy_id,
            snapshot.revision,
            fingerprint,
            snapshot.model_dump_json(),
        )
        event = SynergyProposed(synergy=snapshot) if new else SynergyRevised(synergy=snapshot)
        await enqueue(self.conn, SCHEMA, SYNERGY_EVENTS, str(snapshot.synergy_id), event)

    async def withdraw_synergy(self, synergy_id: UUID, revision: int, reason: str) -> None:
        await self.conn.execute(
            "UPDATE synergies SET active = false, revision = $2, updated_at = now() WHERE synergy_id = $1",
            synergy_id,
            revision,
        )
        event = SynergyWithdrawn(synergy_id=synergy_id, revision=revision, reason=reason)
        await enqueue(self.conn, SCHEMA, SYNERGY_EVENTS, str(synergy_id), event)

    async def active_synergy_ids(self) -> set[UUID]:
        return {
            r["synergy_id"] for r in await self.conn.fetch("SELECT synergy_id FROM synergies WHERE active")
        }


class MatcherStore:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MatcherTx]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield MatcherTx(conn)

    async def active_flows(self) -> AsyncIterator[FlowSnapshot]:
        async with self.pool.acquire() as conn, conn.transaction():
            async for row in conn.cursor("SELECT snapshot FROM flows WHERE active ORDER BY updated_at"):
                yield FlowSnapshot.model_validate_json(row["snapshot"])
