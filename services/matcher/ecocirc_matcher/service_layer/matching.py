"""Applying flow events to the index and recording the synergy news they cause, exactly once in effect.

Several workers may run (one per group of partitions). Each keeps its own in-memory index and stays
in step with the others through PostgreSQL: an event locks the resource classes it writes
(exclusive) and reads (shared), then reads the flows other workers wrote in those classes since it
last looked (`seq`), so two flows that pair are never judged blind to each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from uuid import UUID

from prometheus_client import Counter, Histogram

from ecocirc_matcher.adapters.store import MatcherStore, MatcherTx, SynergyChange
from ecocirc_matcher.domain.index import MatchIndex
from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.domain.model import GroupKey, Proposal
from ecocirc_matcher.service_layer.snapshots import at_revision, first_revision
from ecocirc_shared.events import FlowDeclared, FlowEvent, FlowRevised
from ecocirc_shared.flows import FlowSnapshot
from ecocirc_shared.logging import get_logger

log = get_logger(__name__)

EVENTS = Counter("ecocirc_matcher_events_total", "Flow events handled", ["outcome"])
SYNERGY_NEWS = Counter("ecocirc_matcher_synergy_news_total", "Synergy events emitted", ["kind"])
LATENCY = Histogram("ecocirc_matcher_event_seconds", "Time to apply one flow event")

# Flows read from the database per batch at a rebuild (the semantic fallback encodes a batch's texts ahead).
REBUILD_BATCH = 1000

NO_LONGER_HOLDS = "La piste ne tient plus : un des flux a changé ou a été retiré."
KNOWLEDGE_CHANGED = "La piste ne tient plus avec la nouvelle version des connaissances du moteur."


def _as_int(value: UUID) -> int:
    return value.int


class MatcherService:
    """Owns one worker's in-memory index; PostgreSQL holds the truth it is rebuilt from."""

    def __init__(
        self, store: MatcherStore, kb: Knowledge, new_index: Callable[[Knowledge], MatchIndex] = MatchIndex
    ):
        self.store = store
        self.kb = kb
        self._new_index = new_index
        self.index = new_index(kb)
        self._synced: dict[str, int] = {}  # resource class -> highest seq of it already indexed
        self._stale = True  # the index must be (re)built from the database before use

    async def rebuild(self) -> None:
        """Load every active flow; if the knowledge changed since the synergies were derived, re-derive them."""
        self._stale = True
        async with self.store.transaction() as tx:
            knowledge_changed = await tx.knowledge_version() != self.kb.version
            if knowledge_changed:
                await self._rederive(tx)  # loads the index itself, under the re-derivation lock
        if not knowledge_changed:
            self._reset_index()
            batch: list[tuple[FlowSnapshot, int]] = []
            async for flow, seq in self.store.active_flows():
                batch.append((flow, seq))
                if len(batch) == REBUILD_BATCH:
                    self._index_batch(batch)
                    batch = []
            self._index_batch(batch)
        self._stale = False
        log.info("matcher_rebuilt", flows=len(self.index), knowledge=self.kb.version)

    async def _rederive(self, tx: MatcherTx) -> None:
        """Recompute every synergy with the knowledge in force, alone (no event runs meanwhile)."""
        await tx.lock_for_rederivation()
        self._reset_index()
        self._index_batch(
            [
                (FlowSnapshot.model_validate_json(row["snapshot"]), row["seq"])
                for row in await tx.all_active_flows()
            ]
        )
        if await tx.knowledge_version() == self.kb.version:
            return  # another worker re-derived while we waited for the lock
        found = {p.synergy_id: p for p in self.index.all_proposals()}
        stale = await tx.active_synergy_ids() - found.keys()
        await self._record(tx, list(found.values()), stale, KNOWLEDGE_CHANGED)
        await tx.set_knowledge_version(self.kb.version)
        log.info("synergies_rederived", knowledge=self.kb.version, synergies=len(found), withdrawn=len(stale))

    def _reset_index(self) -> None:
        self.index = self._new_index(self.kb)
        self._synced = {}

    def _index_batch(self, flows: list[tuple[FlowSnapshot, int]]) -> None:
        # What the semantic fallback (if on) reads of these flows is encoded first (each text alone).
        self.kb.prepare(flow for flow, _ in flows)
        for flow, seq in flows:
            self._index_external(flow, seq)

    def _index_external(self, flow: FlowSnapshot | None, seq: int, flow_id: UUID | None = None) -> None:
        if flow is None:
            assert flow_id is not None
            self.index.remove(flow_id)
            return
        self.index.put(flow)
        self._note_synced(flow.flow_id, seq)

    def _note_synced(self, flow_id: UUID, seq: int) -> None:
        for c in self.index.indexed_classes(flow_id):
            self._synced[c] = max(self._synced.get(c, 0), seq)

    async def handle(self, event: FlowEvent) -> None:
        await self.handle_batch([event])

    async def handle_batch(self, events: list[FlowEvent]) -> None:
        """Apply a batch of flow events in one transaction; announce only the state at its end.

        A batch costs about what one event costs in round trips, and revisions of one synergy within
        the batch coalesce into one. Events of one flow come in order (one partition), so the last
        version of each flow in the batch is the one to apply.
        """
        if self._stale:
            await self.rebuild()
        with LATENCY.time():
            try:
                applied, duplicates = await self._apply(events)
            except BaseException:
                # The index may now be ahead of the database: it is rebuilt from the truth before
                # the next batch (now, the database may well be the thing that failed).
                self._stale = True
                raise
        EVENTS.labels("applied").inc(applied)
        EVENTS.labels("duplicate").inc(duplicates)

    async def _catch_up(self, tx: MatcherTx, classes: frozenset[str]) -> None:
        since = min((self._synced.get(c, 0) for c in classes), default=0)
        for row in await tx.changed_flows(classes, since):
            if self.index.holds(row["flow_id"], row["version"] if row["active"] else None):
                # This worker wrote it (or read it already): parsing and re-indexing it would only
                # forget what the index remembers about it.
                self._note_synced(row["flow_id"], row["seq"])
                continue
            snapshot = FlowSnapshot.model_validate_json(row["snapshot"]) if row["active"] else None
            self._index_external(snapshot, row["seq"], row["flow_id"])

    async def _apply(self, events: list[FlowEvent]) -> tuple[int, int]:
        latest: dict[UUID, tuple[int, FlowSnapshot | None, FlowEvent]] = {}
        for event in events:
            new = event.flow if isinstance(event, FlowDeclared | FlowRevised) else None
            flow_id = new.flow_id if new else event.flow_id  # type: ignore[union-attr]
            version = new.version if new else event.version  # type: ignore[union-attr]
            if flow_id not in latest or latest[flow_id][0] < version:
                latest[flow_id] = (version, new, event)
        # What the semantic fallback reads of the new flows is encoded first, outside the locks.
        self.kb.prepare(new for _, new, _ in latest.values() if new is not None)
        async with self.store.transaction() as tx:
            await tx.lock_for_event()
            stored = await tx.flow_states(sorted(latest))
            todo = {
                flow_id: (version, new, event, stored.get(flow_id, (0, None))[1])
                for flow_id, (version, new, event) in latest.items()
                if stored.get(flow_id, (0, None))[0] < version  # else a redelivery or replay: already applied
            }
            if not todo:
                return 0, len(events)
            written: set[str] = set()
            read: set[str] = set()
            group_keys: set[GroupKey] = set()
            for _, new, _, old in todo.values():
                for flow in (old, new):
                    if flow is not None:
                        written |= self.kb.index_keys(flow)
                        group_keys |= self.index.group_keys_of(flow)
                if new is not None:
                    read |= self.index.partners_of(new)
            await tx.lock_classes(frozenset(written), frozenset(read - written))
            await self._catch_up(tx, frozenset(written | read))
            for flow_id, (_, new, _, _) in todo.items():
                if new is None:
                    self.index.remove(flow_id)
                else:
                    self.index.put(new)
            # Every group a flow was or is in is recomputed: groups may go on without it, and its
            # arrival may merge or supersede groups it does not itself end up in. (A new flow's own
            # groups are among these keys.)
            found: dict[UUID, Proposal] = {}
            for _, new, _, _ in todo.values():
                if new is not None:
                    found.update((p.synergy_id, p) for p in self.index.substitutions_for(new))
            for key in sorted(group_keys):
                found.update((g.synergy_id, g) for g in self.index.groups(key))
            # A flow never stored is in no synergy yet (a synergy is written with its flows), so
            # only the flows seen before are looked up.
            seen = sorted(flow_id for flow_id in todo if flow_id in stored)
            before = await tx.active_synergies_of_flows(seen) | await tx.active_synergies_of_groups(
                sorted(k.synergy_id for k in group_keys)
            )
            gone = before - found.keys()
            seq = await tx.save_flows(
                [
                    (
                        flow_id,
                        version,
                        new,
                        (self.kb.index_keys(old) if old else frozenset())
                        | (self.kb.index_keys(new) if new else frozenset()),
                    )
                    for flow_id, (version, new, _, old) in todo.items()
                ]
            )
            await self._record(tx, list(found.values()), gone, NO_LONGER_HOLDS)
        for c in written | read:
            self._synced[c] = max(self._synced.get(c, 0), seq)
        for flow_id, (version, _, event, _) in todo.items():
            log.info(
                "flow_event_applied", event_id=str(event.event_id), flow_id=str(flow_id), version=version
            )
        log.info(
            "flow_batch_applied",
            events=len(events),
            applied=len(todo),
            proposals=len(found),
            withdrawn=len(gone),
        )
        return len(todo), len(events) - len(todo)

    async def _record(
        self, tx: MatcherTx, proposals: list[Proposal], withdrawn: set[UUID], reason: str
    ) -> None:
        """Turn what the index found into synergy revisions: only what changed is written and announced."""
        # Ids sort by their integer (the order of UUIDs, without a Python comparison per step).
        stored = await tx.synergies(sorted({p.synergy_id for p in proposals} | withdrawn, key=_as_int))
        changes = []
        for proposal in sorted(proposals, key=lambda p: p.synergy_id.int):
            before = stored.get(proposal.synergy_id)
            document, fp = first_revision(proposal, self.kb.version)
            if before is not None and before.active and before.fingerprint == fp:
                continue  # nothing new to say
            revision = 1 if before is None else before.revision + 1
            changes.append(
                SynergyChange(
                    proposal.synergy_id,
                    revision,
                    tuple(f.flow_id for f in proposal.flows),
                    at_revision(document, revision),
                    fp,
                    before is None or not before.active,
                    proposal.group_key.synergy_id if proposal.group_key else None,
                )
            )
        await tx.save_synergies(changes)
        withdrawals = [
            (sid, before.revision + 1)
            for sid in sorted(withdrawn)
            if (before := stored.get(sid)) is not None and before.active
        ]
        await tx.withdraw_synergies(withdrawals, reason)
        SYNERGY_NEWS.labels("proposed").inc(sum(c.new for c in changes))
        SYNERGY_NEWS.labels("revised").inc(sum(not c.new for c in changes))
        SYNERGY_NEWS.labels("withdrawn").inc(len(withdrawals))
        # A line per synergy: its arguments built only when the level wants it.
        if logging.getLogger(__name__).isEnabledFor(logging.DEBUG):
            for c in changes:
                log.debug(
                    "synergy_recorded",
                    synergy_id=str(c.synergy_id),
                    revision=c.revision,
                    new=c.new,
                )
            for sid, revision in withdrawals:
                log.debug("synergy_withdrawn", synergy_id=str(sid), revision=revision)
