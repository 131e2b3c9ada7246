"""PostgreSQL state of the matcher: flows seen, synergies announced, events enqueued atomically."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
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
    encode_synergy_news_many,
)
from ecocirc_shared.flows import FlowSnapshot
from ecocirc_shared.outbox import enqueue_copied, enqueue_many
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
    owner: int  # the region that re-derives it


@dataclass(frozen=True, slots=True)
class FlowWrite:
    """A flow's new state to store, with where it is and which regions may need it."""

    flow_id: UUID
    version: int
    snapshot: FlowSnapshot | None  # None: withdrawn
    classes: frozenset[str]  # index keys of the old and the new state
    home: int | None  # its region now (None once withdrawn)
    regions: frozenset[int]  # every region it was ever at home in, this one included
    sees: frozenset[int]  # the regions whose events may need it now


@dataclass(frozen=True, slots=True)
class StoredFlow:
    version: int
    snapshot: FlowSnapshot | None
    regions: frozenset[int]


# Where a batch's synergy rows land before the upsert (`MatcherTx.save_synergies`): a table of the
# session (not logged, never seen by another), emptied at each commit, created on the first use.
_SYNERGY_ROWS = """CREATE TEMP TABLE IF NOT EXISTS synergy_rows (
    synergy_id uuid, revision int, fingerprint text, flow_ids text, group_id uuid, snapshot bytea, owner int
) ON COMMIT DELETE ROWS"""

# The text of the flow ids met (a flow is in many synergies), by the ids' integers: asyncpg would
# check every element of a uuid[] against three abstract classes and take each id's bytes in Python.
_ID_TEXTS: dict[int, str] = {}


def _ids_array(ids: tuple[UUID, ...]) -> str:
    """A PostgreSQL array literal of these ids (a uuid's text needs no quotes)."""
    texts = []
    for i in ids:
        text = _ID_TEXTS.get(i.int)
        if text is None:
            if len(_ID_TEXTS) >= 100_000:
                _ID_TEXTS.clear()
            text = _ID_TEXTS[i.int] = str(i)
        texts.append(text)
    return "{" + ",".join(texts) + "}"


# The columns a new synergy's row is copied with (`updated_at` takes its default).
_SYNERGY_COLUMNS = (
    "synergy_id",
    "revision",
    "active",
    "fingerprint",
    "flow_ids",
    "group_id",
    "snapshot",
    "owner",
)


def _int_array(items: frozenset[int]) -> str:
    return "{" + ",".join(str(i) for i in sorted(items)) + "}"


def _text_array(items: list[str]) -> str:
    """A PostgreSQL array literal of these strings, each quoted (so any text is safe)."""
    return "{" + ",".join('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in items) + "}"


class StoredSynergy:
    def __init__(self, row: asyncpg.Record):
        self.revision: int = row["revision"]
        self.active: bool = row["active"]
        self.fingerprint: str = row["fingerprint"]
        self.owner: int | None = row["owner"]


# Advisory locks of regions: (this namespace, region number), no hashing of names into one int.
REGION_LOCKS = 0x6D617463  # "matc"
REGION_CLAIMS = 0x72656465  # "rede": a worker re-deriving a region holds it, others pass by


class MatcherTx:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def flow_states(self, flow_ids: list[UUID]) -> dict[UUID, StoredFlow]:
        """The latest version seen of these flows, their snapshot then (None once withdrawn), their regions."""
        rows = await self.conn.fetch(
            "SELECT flow_id, version, snapshot, regions FROM flows WHERE flow_id = ANY($1::uuid[])", flow_ids
        )
        return {
            r["flow_id"]: StoredFlow(
                r["version"],
                FlowSnapshot.model_validate_json(r["snapshot"]) if r["snapshot"] else None,
                frozenset(r["regions"]),
            )
            for r in rows
        }

    async def save_flows(self, flows: list[FlowWrite], knowledge: str) -> int:
        """Record the flows' new states; return the highest seq given (allocated now, under the region locks)."""
        seq: int = await self.conn.fetchval(
            """WITH saved AS (
                   INSERT INTO flows (flow_id, version, active, snapshot, classes, seq, home, regions, sees,
                                      knowledge)
                   SELECT f.flow_id, f.version, f.snapshot IS NOT NULL, f.snapshot::jsonb,
                          f.classes::text[], nextval('flow_seq'), f.home, f.regions::int[], f.sees::int[], $8
                   FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[])
                        AS f(flow_id, version, snapshot, classes, home, regions, sees)
                   ON CONFLICT (flow_id) DO UPDATE
                   SET version = EXCLUDED.version, active = EXCLUDED.active, snapshot = EXCLUDED.snapshot,
                       classes = EXCLUDED.classes, seq = EXCLUDED.seq, home = EXCLUDED.home,
                       regions = EXCLUDED.regions, sees = EXCLUDED.sees, knowledge = EXCLUDED.knowledge,
                       updated_at = now()
                   RETURNING seq)
               SELECT max(seq) FROM saved""",
            [f.flow_id for f in flows],
            [f.version for f in flows],
            [f.snapshot.model_dump_json() if f.snapshot else None for f in flows],
            # text[] has no ragged arrays: each row's classes travel as an array literal.
            [_text_array(sorted(f.classes)) for f in flows],
            [f.home for f in flows],
            [_int_array(f.regions) for f in flows],
            [_int_array(f.sees) for f in flows],
            knowledge,
        )
        return seq

    async def refresh_flows(
        self, flows: list[tuple[UUID, frozenset[str], frozenset[int]]], knowledge: str
    ) -> None:
        """Store what a new knowledge makes of unchanged flows: their keys and the regions that may need them."""
        await self.conn.execute(
            """UPDATE flows SET classes = f.classes::text[], sees = f.sees::int[], knowledge = $4
               FROM unnest($1::uuid[], $2::text[], $3::text[]) AS f(flow_id, classes, sees)
               WHERE flows.flow_id = f.flow_id""",
            [flow_id for flow_id, _, _ in flows],
            [_text_array(sorted(classes)) for _, classes, _ in flows],
            [_int_array(sees) for _, _, sees in flows],
            knowledge,
        )

    async def active_synergies_of_flows(self, flow_ids: list[UUID]) -> set[UUID]:
        if not flow_ids:
            return set()
        rows = await self.conn.fetch(
            "SELECT synergy_id FROM synergies WHERE active AND flow_ids && $1::uuid[]", flow_ids
        )
        return {r["synergy_id"] for r in rows}

    async def lock_regions(self, written: frozenset[int], read: frozenset[int]) -> None:
        """Serialise with other workers on the regions this transaction writes or reads flows of.

        Exclusive on the regions whose flows it writes, shared on those it reads; taken in one global
        order (by region number) so two workers never deadlock. Held until commit.
        """
        ordered = sorted(written | read)
        await self.conn.execute(
            """SELECT CASE WHEN t.exclusive THEN pg_advisory_xact_lock($3, t.region)
                           ELSE pg_advisory_xact_lock_shared($3, t.region) END
               FROM unnest($1::int[], $2::bool[]) WITH ORDINALITY AS t(region, exclusive, position)
               ORDER BY t.position""",
            ordered,
            [r in written for r in ordered],
            REGION_LOCKS,
        )

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

    async def changed_flows(
        self, since: dict[int, int], covered: frozenset[int], knowledge: str
    ) -> list[asyncpg.Record]:
        """Flows ever at home in these regions written (by any worker) after the region's seq, in seq order.

        The snapshot comes only with the active flows a region in `covered` may need (or whose
        `sees` another knowledge computed, for the caller to judge): the others are only to forget.
        """
        regions = sorted(since)
        # A flow's regions against the asked ones by a hash join (a flow has one or two regions; a
        # region's re-derivation asks a hundred and more), from the lowest seq asked by the seq index;
        # the regions asked from seq 0 (never read yet) through the regions index instead.
        asked_since = [since[r] for r in regions]
        return await self.conn.fetch(
            """SELECT flow_id, version, active, seq, sees, knowledge,
                      CASE WHEN active AND (sees && $3::int[] OR knowledge IS DISTINCT FROM $4)
                           THEN snapshot END AS snapshot
               FROM flows
               WHERE flow_id IN (
                   SELECT f.flow_id
                   FROM flows f, unnest(f.regions) AS r(region),
                        unnest($1::int[], $2::bigint[]) AS l(region, since)
                   WHERE l.since > 0 AND f.seq > $5 AND r.region = l.region AND f.seq > l.since
                   UNION ALL
                   SELECT flow_id FROM flows WHERE regions && $6::int[])
               ORDER BY seq""",
            regions,
            asked_since,
            sorted(covered),
            knowledge,
            min((s for s in asked_since if s), default=0),
            [r for r, s in zip(regions, asked_since, strict=True) if not s],
        )

    async def seq_mark(self) -> int:
        """The highest seq allocated so far, by any worker. Under a lock on a region no other worker
        writes there, so every flow of it up to this mark is committed: a catch-up there may start
        from it next time, even in a region that has no flow yet."""
        mark: int = await self.conn.fetchval(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM flow_seq"
        )
        return mark

    async def active_synergies_owned(self, region: int, homed: list[UUID]) -> set[UUID]:
        """Active synergies `region` re-derives (and those stored before owners, of its flows)."""
        rows = await self.conn.fetch(
            """SELECT synergy_id FROM synergies
               WHERE active AND (owner = $1 OR (owner IS NULL AND flow_ids && $2::uuid[]))""",
            region,
            homed,
        )
        return {r["synergy_id"] for r in rows}

    async def set_owners(self, owners: list[tuple[UUID, int]]) -> None:
        """Move unchanged synergies to the region that now owns them (nothing to announce)."""
        if owners:
            await self.conn.execute(
                "UPDATE synergies SET owner = o.owner FROM unnest($1::uuid[], $2::int[]) AS o(id, owner)"
                " WHERE synergy_id = o.id",
                [sid for sid, _ in owners],
                [owner for _, owner in owners],
            )

    async def regions_to_derive(self, knowledge: str) -> list[int]:
        """Regions with active flows or synergies not yet re-derived with this knowledge."""
        rows = await self.conn.fetch(
            """SELECT region FROM (
                   SELECT home AS region FROM flows WHERE active
                   UNION SELECT owner FROM synergies WHERE active AND owner IS NOT NULL) r
               WHERE region IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM regions_derived d WHERE d.region = r.region AND d.knowledge = $1)
               ORDER BY region""",
            knowledge,
        )
        return [r["region"] for r in rows]

    async def unowned_synergies(self) -> bool:
        return bool(
            await self.conn.fetchval("SELECT EXISTS (SELECT 1 FROM synergies WHERE active AND owner IS NULL)")
        )

    async def derived_with(self, region: int) -> str | None:
        value: str | None = await self.conn.fetchval(
            "SELECT knowledge FROM regions_derived WHERE region = $1", region
        )
        return value

    async def mark_derived(self, region: int, knowledge: str) -> None:
        await self.conn.execute(
            """INSERT INTO regions_derived (region, knowledge) VALUES ($1, $2)
               ON CONFLICT (region) DO UPDATE SET knowledge = EXCLUDED.knowledge""",
            region,
            knowledge,
        )

    async def active_synergies_of_groups(self, group_ids: list[UUID]) -> set[UUID]:
        """Active groups formed under these group keys (whatever their members)."""
        if not group_ids:
            return set()
        rows = await self.conn.fetch(
            "SELECT synergy_id FROM synergies WHERE active AND group_id IS NOT NULL AND group_id = ANY($1::uuid[])",
            group_ids,
        )
        return {r["synergy_id"] for r in rows}

    async def synergies(self, synergy_ids: list[UUID]) -> dict[UUID, StoredSynergy]:
        """The stored state of these synergies, rows locked (in id order, so workers never deadlock)."""
        rows = await self.conn.fetch(
            """SELECT synergy_id, revision, active, fingerprint, owner FROM synergies
               WHERE synergy_id = ANY($1::uuid[]) ORDER BY synergy_id FOR UPDATE""",
            synergy_ids,
        )
        return {r["synergy_id"]: StoredSynergy(r) for r in rows}

    async def save_synergies(self, changes: list[SynergyChange]) -> None:
        """Store proposed or revised synergies and enqueue their events.

        A batch writes thousands, most of them new (revision 1: no row yet, and none can appear while
        the regions' locks are held; `synergies`' row locks hold only rows that exist, and a synergy
        withdrawn then proposed again keeps its row, so it comes at a later revision): those go by COPY
        (binary) straight into `synergies`; the revisions by COPY into a table of the session, emptied at
        commit, then into `synergies` by one upsert. The events go by COPY into the outbox.
        """
        if not changes:
            return
        # Each snapshot (most of the bytes) encoded once, for its row and its event; the ids as text,
        # which asyncpg reads in C (the synergy's is its event's key as well).
        documents = [c.document.encode() for c in changes]
        keys = [str(c.synergy_id) for c in changes]
        # A synergy at its first revision has no row yet (it is written with its flows, under their
        # regions' locks): copied straight into the table. Revisions go through the upsert.
        new = [
            (c.synergy_id, 1, True, c.fingerprint, list(c.flow_ids), c.group_id, c.document, c.owner)
            for c in changes
            if c.revision == 1
        ]
        if new:
            await self.conn.copy_records_to_table("synergies", columns=_SYNERGY_COLUMNS, records=new)
        if len(new) < len(changes):
            await self._upsert_synergies(
                [(c, key, d) for c, key, d in zip(changes, keys, documents, strict=True) if c.revision != 1]
            )
        encoded = encode_synergy_news_many(
            [
                (SynergyProposed if c.new else SynergyRevised, d)
                for c, d in zip(changes, documents, strict=True)
            ]
        )
        rows = [(event_id, key, payload) for key, (event_id, payload) in zip(keys, encoded, strict=True)]
        await enqueue_copied(self.conn, SCHEMA, SYNERGY_EVENTS, rows)

    async def _upsert_synergies(self, changes: list[tuple[SynergyChange, str, bytes]]) -> None:
        """Revisions (each with its id's text and its encoded snapshot) by one upsert from the session table."""
        await self.conn.execute(_SYNERGY_ROWS)
        await self.conn.copy_records_to_table(
            "synergy_rows",
            schema_name="pg_temp",
            records=[
                (key, c.revision, c.fingerprint, _ids_array(c.flow_ids), c.group_id, document, c.owner)
                for c, key, document in changes
            ],
        )
        await self.conn.execute(
            """INSERT INTO synergies (synergy_id, revision, active, fingerprint, flow_ids, group_id, snapshot,
                                    owner)
               SELECT s.synergy_id, s.revision, true, s.fingerprint, s.flow_ids::uuid[], s.group_id,
                      convert_from(s.snapshot, 'UTF8')::json,
                      s.owner
               FROM pg_temp.synergy_rows s
               ON CONFLICT (synergy_id) DO UPDATE
               SET revision = EXCLUDED.revision, active = true, fingerprint = EXCLUDED.fingerprint,
                   flow_ids = EXCLUDED.flow_ids, group_id = EXCLUDED.group_id, snapshot = EXCLUDED.snapshot,
                   owner = EXCLUDED.owner, updated_at = now()"""
        )

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

    async def covered_flows(
        self,
        covered: frozenset[int],
        wide: frozenset[int],
        knowledge: str,
        take: Callable[[list[tuple[FlowSnapshot, frozenset[int] | None]]], None],
        held: frozenset[int] = frozenset(),
        batch: int = 1000,
    ) -> dict[int, int]:
        """Hand `take` the active flows these regions may need and the `held` regions do not, in
        batches; return each region's highest seq (on a first load, `held` empty).

        One snapshot (repeatable read): the seqs say up to where the flows read are complete. A flow
        whose `sees` another knowledge computed is read if it is at home within `wide` (the longest
        visibility around the regions), with None for the caller to compute its sees.
        """
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            rows: list[tuple[FlowSnapshot, frozenset[int] | None]] = []
            async for row in conn.cursor(
                """SELECT snapshot, CASE WHEN knowledge = $3 THEN sees END AS sees FROM flows
                   WHERE active AND ((sees && $1::int[] AND NOT sees && $4::int[])
                                     OR (knowledge IS DISTINCT FROM $3 AND home = ANY($2::int[])))""",
                sorted(covered),
                sorted(wide),
                knowledge,
                sorted(held),
                prefetch=batch,
            ):
                sees = row["sees"]
                rows.append(
                    (
                        FlowSnapshot.model_validate_json(row["snapshot"]),
                        None if sees is None else frozenset(sees),
                    )
                )
                if len(rows) == batch:
                    take(rows)
                    rows = []
            take(rows)
            if held:
                return {}  # a load that adds regions: the seqs of the first one stand
            seqs = await conn.fetch(
                "SELECT r AS region, max(seq) AS seq FROM flows, unnest(regions) AS r GROUP BY r"
            )
            return {r["region"]: r["seq"] for r in seqs}

    @asynccontextmanager
    async def claim(self, region: int) -> AsyncIterator[bool]:
        """Whether this worker may re-derive `region` now: no other worker is at it (held until the block ends)."""
        async with self.pool.acquire() as conn:
            got = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", REGION_CLAIMS, region))
            try:
                yield got
            finally:
                if got:
                    await conn.execute("SELECT pg_advisory_unlock($1, $2)", REGION_CLAIMS, region)
