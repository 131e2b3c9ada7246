"""Applying flow events to the index and recording the synergy news they cause, exactly once in effect.

Several workers may run (one per group of partitions, each partition a zone of France). Each keeps
in memory the flows its regions may need (`domain/regions.py`): those of the zones it is given, of
any region an event brings it, and of their borders as far as each flow is visible. It stays in
step with the others through PostgreSQL: an event locks the regions whose flows it writes
(exclusive) and may read (shared), then reads what other workers wrote there since it last looked
(`seq`), so two flows that pair are never judged blind to each other, and events of distant regions
never wait for each other. After a knowledge change every region is re-derived, one at a time per
worker and in parallel across workers, each under shared locks of the regions around it: events
elsewhere go on, and those nearby wait for that region only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from uuid import UUID

from prometheus_client import Counter, Histogram

from ecocirc_matcher.adapters.store import FlowWrite, MatcherStore, MatcherTx, SynergyChange
from ecocirc_matcher.domain.index import MatchIndex
from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.domain.model import GroupKey, Proposal
from ecocirc_matcher.domain.regions import region_of, regions_around
from ecocirc_matcher.service_layer.snapshots import at_revision, first_revision
from ecocirc_shared.events import FlowDeclared, FlowEvent, FlowRevised
from ecocirc_shared.flows import FlowSnapshot
from ecocirc_shared.logging import get_logger

log = get_logger(__name__)

EVENTS = Counter("ecocirc_matcher_events_total", "Flow events handled", ["outcome"])
SYNERGY_NEWS = Counter("ecocirc_matcher_synergy_news_total", "Synergy events emitted", ["kind"])
LATENCY = Histogram("ecocirc_matcher_event_seconds", "Time to apply one flow event")
REDERIVED = Counter("ecocirc_matcher_regions_rederived_total", "Regions re-derived after a knowledge change")

# While other workers hold the last regions to re-derive, look again after this long.
REDERIVE_WAIT_S = 0.2

NO_LONGER_HOLDS = "La piste ne tient plus : un des flux a changé ou a été retiré."
KNOWLEDGE_CHANGED = "La piste ne tient plus avec la nouvelle version des connaissances du moteur."


def _as_int(value: UUID) -> int:
    return value.int


def _home(flow: FlowSnapshot) -> int:
    return region_of(flow.site.lat, flow.site.lon)


class MatcherService:
    """Owns one worker's in-memory index of its regions; PostgreSQL holds the truth it is loaded from."""

    def __init__(
        self, store: MatcherStore, kb: Knowledge, new_index: Callable[[Knowledge], MatchIndex] = MatchIndex
    ):
        self.store = store
        self.kb = kb
        self._new_index = new_index
        self.index = new_index(kb)
        self._covered: frozenset[int] = frozenset()  # regions whose possible needs the index holds
        self._wanted: frozenset[int] = frozenset()  # regions of the zones this worker is given
        self._synced: dict[int, int] = {}  # region -> seq up to which its flows are in the index
        self._stale = True  # the index must be (re)loaded from the database before use
        self._forget = False  # that reload keeps only the wanted regions (some were given away)
        self._busy = asyncio.Lock()  # events and re-derivation take turns with the index
        self.knowledge_pending = False  # some regions are still to re-derive with this knowledge

    @property
    def covered(self) -> frozenset[int]:
        return self._covered

    def want(self, regions: Iterable[int]) -> None:
        """The regions of the zones this worker is now given: loaded before its next batch.

        A worker that loses regions in a rebalance reloads only what it keeps before its next batch, so
        its memory follows its share; regions an event touches later are loaded again for that event.
        """
        wanted = frozenset(regions)
        if self._wanted - wanted and self._covered:
            self._stale, self._forget = True, True
        self._wanted = wanted

    async def rebuild(self, rederive: bool = True) -> None:
        """Load this worker's regions; if the knowledge changed since the synergies were derived, note it,
        and with `rederive` re-derive every region (with other workers) before returning."""
        async with self._busy:
            await self._reload()
        async with self.store.transaction() as tx:
            self.knowledge_pending = await tx.knowledge_version() != self.kb.version
        log.info(
            "matcher_rebuilt", flows=len(self.index), regions=len(self._covered), knowledge=self.kb.version
        )
        if self.knowledge_pending and rederive:
            await self.rederive_pending()

    async def _reload(self) -> None:
        regions = self._wanted if self._forget and self._wanted else self._covered | self._wanted
        self._forget = False
        self.index = self._new_index(self.kb)
        self._covered = frozenset()
        self._synced = {}
        await self._cover(regions)
        self._stale = False

    async def _cover(self, regions: frozenset[int]) -> None:
        """Hold the flows these regions may need as well, read at one snapshot.

        Only the flows the regions already covered do not need are read. Their seqs need no change:
        a flow newly needed is read as it is now, whatever seq the index had reached in its region.
        The first load also says up to which seq each region is read.
        """
        added = regions - self._covered
        if not added:
            return
        wide = frozenset().union(*(regions_around(r, self.index.max_visibility_km()) for r in added))

        def take(batch: list[tuple[FlowSnapshot, frozenset[int] | None]]) -> None:
            # What the semantic fallback (if on) reads of these flows is encoded in one batch.
            self.kb.prepare(flow for flow, _ in batch)
            for flow, sees in batch:
                if sees is None and not self.index.sees(flow) & added:
                    continue  # stored under another knowledge, and none of these regions needs it
                if not self.index.holds(flow.flow_id, flow.version):
                    self.index.put(flow)

        first = not self._covered
        seqs = await self.store.covered_flows(added, wide, self.kb.version, take, held=self._covered)
        if first:
            self._synced = seqs
        self._covered |= added
        log.info("matcher_regions_loaded", regions=len(self._covered), flows=len(self.index))

    async def handle(self, event: FlowEvent) -> None:
        await self.handle_batch([event])

    async def handle_batch(self, events: list[FlowEvent]) -> None:
        """Apply a batch of flow events in one transaction; announce only the state at its end.

        A batch costs about what one event costs in round trips, and revisions of one synergy within
        the batch coalesce into one. Events of one flow come in order (one partition: its zone), so
        the last version of each flow in the batch is the one to apply.
        """
        async with self._busy:
            if self._stale:
                await self._reload()
            with LATENCY.time():
                try:
                    applied, duplicates = await self._apply(events)
                except BaseException:
                    # The index may now be ahead of the database: it is reloaded from the truth before
                    # the next batch (now, the database may well be the thing that failed).
                    self._stale = True
                    raise
        EVENTS.labels("applied").inc(applied)
        EVENTS.labels("duplicate").inc(duplicates)

    async def _catch_up(self, tx: MatcherTx, regions: frozenset[int]) -> None:
        """Bring the flows of these regions (locked) up to what other workers committed there."""
        since = {r: self._synced.get(r, 0) for r in regions}
        rows = await tx.changed_flows(since, self._covered, self.kb.version)
        changed: list[tuple[UUID, FlowSnapshot | None, bool]] = []
        for row in rows:
            if self.index.holds(row["flow_id"], row["version"] if row["active"] else None):
                # This worker wrote it (or read it already): parsing and re-indexing it would only
                # forget what the index remembers about it.
                continue
            snapshot = FlowSnapshot.model_validate_json(row["snapshot"]) if row["snapshot"] else None
            changed.append((row["flow_id"], snapshot, row["knowledge"] == self.kb.version))
        self.kb.prepare(snapshot for _, snapshot, _ in changed if snapshot is not None)
        for flow_id, snapshot, current in changed:
            # Its `sees` was computed by another knowledge: whether these regions need it is ours to say.
            if snapshot is not None and (current or self.index.sees(snapshot) & self._covered):
                self.index.put(snapshot)
            else:
                self.index.remove(flow_id)  # withdrawn, or gone beyond what this worker's regions need

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
        # The regions of the new flows are loaded first, outside the transaction (usually they are).
        await self._cover(self._wanted | {_home(new) for _, new, _ in latest.values() if new is not None})
        async with self.store.transaction() as tx:
            stored = await tx.flow_states(sorted(latest))
            todo = {
                flow_id: (version, new, event, stored.get(flow_id))
                for flow_id, (version, new, event) in latest.items()
                if flow_id not in stored or stored[flow_id].version < version  # else a redelivery or replay
            }
            if not todo:
                return 0, len(events)
            olds = [s.snapshot for _, _, _, s in todo.values() if s is not None and s.snapshot is not None]
            await self._cover(frozenset(_home(old) for old in olds))  # a flow that left another zone
            written: set[int] = set()
            read: set[int] = set()
            group_keys: set[GroupKey] = set()
            writes: dict[UUID, tuple[int | None, frozenset[int]]] = {}
            for flow_id, (_, new, _, before) in todo.items():
                old = before.snapshot if before is not None else None
                home = _home(new) if new is not None else None
                regions = (before.regions if before is not None else frozenset()) | {
                    _home(f) for f in (old, new) if f is not None
                }
                writes[flow_id] = (home, regions)
                written |= regions
                for flow in (old, new):
                    if flow is not None:
                        read |= self.index.sees(flow)
                        group_keys |= self.index.group_keys_of(flow)
            locked = frozenset(written | read)
            await tx.lock_regions(frozenset(written), frozenset(read - written))
            await self._catch_up(tx, locked)
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
            before_ids = await tx.active_synergies_of_flows(seen) | await tx.active_synergies_of_groups(
                sorted(k.synergy_id for k in group_keys)
            )
            gone = before_ids - found.keys()
            seq = await tx.save_flows(
                [
                    FlowWrite(
                        flow_id,
                        version,
                        new,
                        (self.kb.index_keys(before.snapshot) if before and before.snapshot else frozenset())
                        | (self.kb.index_keys(new) if new else frozenset()),
                        writes[flow_id][0],
                        writes[flow_id][1],
                        self.index.sees(new) if new is not None else frozenset(),
                    )
                    for flow_id, (version, new, _, before) in todo.items()
                ],
                self.kb.version,
            )
            await self._record(tx, list(found.values()), gone, NO_LONGER_HOLDS)
        for r in locked:
            self._synced[r] = max(self._synced.get(r, 0), seq)
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
            regions_locked=len(locked),
        )
        return len(todo), len(events) - len(todo)

    # --- after a knowledge change -------------------------------------------------------------------

    async def rederive_pending(self) -> None:
        """Re-derive every region not yet derived with this knowledge, this worker's own first, taking
        turns with events; return once every region is (some by other workers)."""
        while True:
            async with self.store.transaction() as tx:
                todo = await tx.regions_to_derive(self.kb.version)
            if not todo:
                break
            # Its own regions first, in order; then the others' from their far end, where their own
            # workers will come last.
            todo.sort(key=lambda r: (1, -r) if r not in self._wanted and r not in self._covered else (0, r))
            progressed = False
            for region in todo:
                async with self.store.claim(region) as mine:
                    if mine:
                        async with self._busy:
                            if self._stale:
                                await self._reload()
                            progressed |= await self._rederive_region(region)
            if not progressed:
                await asyncio.sleep(REDERIVE_WAIT_S)  # the last regions are other workers'
        async with self.store.transaction() as tx:
            if await tx.knowledge_version() != self.kb.version:
                await tx.set_knowledge_version(self.kb.version)
                log.info("synergies_rederived", knowledge=self.kb.version)
        self.knowledge_pending = False

    async def _rederive_region(self, region: int) -> bool:
        """Recompute every synergy `region` owns with the knowledge in force; events around it wait."""
        around = regions_around(region, self.index.max_visibility_km())
        async with self.store.transaction() as tx:
            if await tx.derived_with(region) == self.kb.version:
                # Another worker did it while we listed: its flows are not loaded for nothing (a
                # worker done with its zone goes through the regions of the others).
                return False
        await self._cover(frozenset({region}))
        try:
            async with self.store.transaction() as tx:
                if await tx.derived_with(region) == self.kb.version:
                    return False  # another worker did it while we listed
                # Shared: events writing flows it may read wait; other regions' re-derivations do not.
                await tx.lock_regions(frozenset(), around)
                await self._catch_up(tx, around)
                mark = await tx.seq_mark()
                found = {p.synergy_id: p for p in self.index.owned_proposals(region)}
                homed = self.index.homed_in(region)
                stale = await tx.active_synergies_owned(region, [f.flow_id for f in homed]) - found.keys()
                await self._record(tx, list(found.values()), stale, KNOWLEDGE_CHANGED)
                # What this knowledge makes of its flows: which workers load them from now on.
                await tx.refresh_flows(
                    [(f.flow_id, self.index.indexed_classes(f.flow_id), self.index.sees(f)) for f in homed],
                    self.kb.version,
                )
                await tx.mark_derived(region, self.kb.version)
        except BaseException:
            self._stale = True
            raise
        # Caught up there: the next region's catch-up reads only what is newer there (the regions
        # around that had no flow at the load would be read from seq 0 every time).
        for r in around:
            self._synced[r] = max(self._synced.get(r, 0), mark)
        REDERIVED.inc()
        log.info(
            "region_rederived", region=region, synergies=len(found), withdrawn=len(stale), flows=len(homed)
        )
        return True

    async def _record(
        self, tx: MatcherTx, proposals: list[Proposal], withdrawn: set[UUID], reason: str
    ) -> None:
        """Turn what the index found into synergy revisions: only what changed is written and announced."""
        # Ids sort by their integer (the order of UUIDs, without a Python comparison per step).
        stored = await tx.synergies(sorted({p.synergy_id for p in proposals} | withdrawn, key=_as_int))
        changes = []
        owners: list[tuple[UUID, int]] = []
        for proposal in sorted(proposals, key=lambda p: p.synergy_id.int):
            before = stored.get(proposal.synergy_id)
            document, fp = first_revision(proposal, self.kb.version)
            owner = self.index.owner(proposal)
            if before is not None and before.active and before.fingerprint == fp:
                if before.owner != owner:
                    owners.append((proposal.synergy_id, owner))  # its offer moved: nothing to announce
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
                    owner,
                )
            )
        await tx.save_synergies(changes)
        await tx.set_owners(owners)
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
