"""PostgreSQL state of the matcher: flows seen, synergies announced, events enqueued atomically."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from ecocirc_shared.db import Connection
from ecocirc_shared.events import (
    SynergyEvent,
    SynergyProposed,
    SynergyRevised,
    SynergyWithdrawn,
    encode_synergy_news,
)
from ecocirc_shared.flows import FlowSnapshot
from ecocirc_shared.outbox import enqueue_encoded, enqueue_many
from ecocirc_shared.topics import SYNERGY_EVENTS

SCHEMA = "matcher"


@dataclass(frozen=True, slots=True)
class SynergyChange:
    """A synergy revision to store and announce."""

    synergy_id: UUID
    revision: int
    flow_ids: tuple[UUID, ...]  # its participants' flows
    document: str  # the snapshot (SynergySnapshot) as JSON, serialised once for the row and the event
    fingerprint: str
    new: bool  # proposed (no active revision before) rather than revised
    group_id: UUID | None  # the group key's id, for mutualisation groups


def _text_array(items: list[str]) -> str:
    """A PostgreSQL array literal of these strings, each quoted (so any text is safe)."""
    return "{" + ",".join('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in items) + "}"


class StoredSynergy:
    def __init__(self, row: asyncpg.Record):
        self.revision: int = row["revision"]
        self.active: bool = row["active"]
        self.fingerprint: str = row["fingerprint"]


class MatcherTx:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def flow_states(self, flow_ids: list[UUID]) -> dict[UUID, tuple[int, FlowSnapshot | None]]:
        """The latest version seen of these flows and their snapshot then (None once withdrawn)."""
        rows = await self.conn.fetch(
            "SELECT flow_id, version, snapshot FROM flows WHERE flow_id = ANY($1::uuid[])", flow_ids
        )
        return {
            r["flow_id"]: (
                r["version"],
                FlowSnapshot.model_validate_json(r["snapshot"]) if r["snapshot"] else None,
            )
            for r in rows
        }

    async def save_flows(self, flows: list[tuple[UUID, int, FlowSnapshot | None, frozenset[str]]]) -> int:
        """Record the flows' new states; return the highest seq given (allocated now, under the class locks)."""
        seq: int = await self.conn.fetchval(
            """WITH saved AS (
                   INSERT INTO flows (flow_id, version, active, snapshot, classes, seq)
                   SELECT f.flow_id, f.version, f.snapshot IS NOT NULL, f.snapshot::jsonb,
                          f.classes::text[], nextval('flow_seq')
                   FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[]) AS f(flow_id, version, snapshot, classes)
                   ON CONFLICT (flow_id) DO UPDATE
                   SET version = EXCLUDED.version, active = EXCLUDED.active, snapshot = EXCLUDED.snapshot,
                       classes = EXCLUDED.classes, seq = EXCLUDED.seq, updated_at = now()
                   RETURNING seq)
               SELECT max(seq) FROM saved""",
            [flow_id for flow_id, _, _, _ in flows],
            [version for _, version, _, _ in flows],
            [snapshot.model_dump_json() if snapshot else None for _, _, snapshot, _ in flows],
            # text[] has no ragged arrays: each row's classes travel as an array literal.
            [_text_array(sorted(classes)) for _, _, _, classes in flows],
        )
        return seq

    async def active_synergies_of_flows(self, flow_ids: list[UUID]) -> set[UUID]:
        if not flow_ids:
            return set()
        rows = await self.conn.fetch(
            "SELECT synergy_id FROM synergies WHERE active AND flow_ids && $1::uuid[]", flow_ids
        )
        return {r["synergy_id"] for r in rows}

    async def lock_for_event(self) -> None:
        """Events run alongside each other but never alongside a re-derivation of every synergy."""
        await self.conn.execute("SELECT pg_advisory_xact_lock_shared(hashtext('matcher-rederive'))")

    async def lock_for_rederivation(self) -> None:
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtext('matcher-rederive'))")

    async def knowledge_version(self) -> str | None:
        value: str | None = await self.conn.fetchval(
            "SELECT value FROM state WHERE key = 'knowledge_version'"
        )
        return value

    async def set_knowledge_version(self, version: str) -> None:
        await self.conn.execute(
            """INSERT INTO state (key, value) VALUES ('knowledge_version', $1)
               ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value""",
            version,
        )

    async def all_active_flows(self) -> list[asyncpg.Record]:
        return await self.conn.fetch("SELECT snapshot, seq FROM flows WHERE active ORDER BY seq")

    async def lock_classes(self, written: frozenset[str], read: frozenset[str]) -> None:
        """Serialise with other workers on the resource classes this event writes or reads.

        Exclusive on the classes the flow is (or was) in, shared on the partner classes it looks at;
        taken in one global order so two workers never deadlock. Held until commit.
        """
        ordered = sorted(written | read)
        # One round trip; rows are locked in the sorted order, which is the same for every worker.
        await self.conn.execute(
            """SELECT CASE WHEN t.exclusive THEN pg_advisory_xact_lock(hashtext(t.key))
                           ELSE pg_advisory_xact_lock_shared(hashtext(t.key)) END
               FROM unnest($1::text[], $2::bool[]) WITH ORDINALITY AS t(key, exclusive, position)
               ORDER BY t.position""",
            [f"matcher-class:{c}" for c in ordered],
            [c in written for c in ordered],
        )

    async def changed_flows(self, classes: frozenset[str], since: int) -> list[asyncpg.Record]:
        """Flows of these classes written (by any worker) after `since`, in seq order."""
        return await self.conn.fetch(
            """SELECT flow_id, version, active, snapshot, classes, seq FROM flows
               WHERE classes && $1 AND seq > $2 ORDER BY seq""",
            list(classes),
            since,
        )

    async def active_synergies_of_groups(self, group_ids: list[UUID]) -> set[UUID]:
        """Active groups formed under these group keys (whatever their members)."""
        if not group_ids:
            return set()
        rows = await self.conn.fetch(
            "SELECT synergy_id FROM synergies WHERE active AND group_id = ANY($1::uuid[])", group_ids
        )
        return {r["synergy_id"] for r in rows}

    async def synergies(self, synergy_ids: list[UUID]) -> dict[UUID, StoredSynergy]:
        """The stored state of these synergies, rows locked (in id order, so workers never deadlock)."""
        rows = await self.conn.fetch(
            """SELECT synergy_id, revision, active, fingerprint FROM synergies
               WHERE synergy_id = ANY($1::uuid[]) ORDER BY synergy_id FOR UPDATE""",
            synergy_ids,
        )
        return {r["synergy_id"]: StoredSynergy(r) for r in rows}

    async def save_synergies(self, changes: list[SynergyChange]) -> None:
        """Store proposed or revised synergies and enqueue their events, in one statement each."""
        if not changes:
            return
        await self.conn.execute(
            """INSERT INTO synergies (synergy_id, revision, active, fingerprint, flow_ids, group_id, snapshot)
               SELECT s.synergy_id, s.revision, true, s.fingerprint, s.flow_ids::uuid[], s.group_id,
                      s.snapshot::jsonb
               FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::uuid[], $6::text[])
                    AS s(synergy_id, revision, fingerprint, flow_ids, group_id, snapshot)
               ON CONFLICT (synergy_id) DO UPDATE
               SET revision = EXCLUDED.revision, active = true, fingerprint = EXCLUDED.fingerprint,
                   flow_ids = EXCLUDED.flow_ids, group_id = EXCLUDED.group_id, snapshot = EXCLUDED.snapshot,
                   updated_at = now()""",
            [c.synergy_id for c in changes],
            [c.revision for c in changes],
            [c.fingerprint for c in changes],
            # uuid[] has no ragged arrays: each synergy's flows travel as an array literal.
            [_text_array([str(f) for f in c.flow_ids]) for c in changes],
            [c.group_id for c in changes],
            [c.document for c in changes],
        )
        rows = []
        for c in changes:
            event_id, payload = encode_synergy_news(SynergyProposed if c.new else SynergyRevised, c.document)
            rows.append((event_id, str(c.synergy_id), payload))
        await enqueue_encoded(self.conn, SCHEMA, SYNERGY_EVENTS, rows)

    async def withdraw_synergies(self, withdrawals: list[tuple[UUID, int]], reason: str) -> None:
        """Mark synergies withdrawn at their new revision and enqueue the withdrawal events."""
        if not withdrawals:
            return
        await self.conn.executemany(
            "UPDATE synergies SET active = false, revision = $2, updated_at = now() WHERE synergy_id = $1",
            withdrawals,
        )
        events: list[tuple[str, SynergyEvent]] = [
            (str(sid), SynergyWithdrawn(synergy_id=sid, revision=revision, reason=reason))
            for sid, revision in withdrawals
        ]
        await enqueue_many(self.conn, SCHEMA, SYNERGY_EVENTS, events)

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

    async def active_flows(self) -> AsyncIterator[tuple[FlowSnapshot, int]]:
        """Every active flow with its seq, streamed (a rebuild must not hold them all twice)."""
        async with self.pool.acquire() as conn, conn.transaction():
            async for row in conn.cursor("SELECT snapshot, seq FROM flows WHERE active ORDER BY seq"):
                yield FlowSnapshot.model_validate_json(row["snapshot"]), row["seq"]
