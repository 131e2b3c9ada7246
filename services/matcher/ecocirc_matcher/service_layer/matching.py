"""Applying flow events to the index and recording the synergy news they cause, exactly once in effect."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from ecocirc_matcher.adapters.store import MatcherStore, MatcherTx
from ecocirc_matcher.domain.index import Changes, MatchIndex
from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.service_layer.snapshots import fingerprint, to_snapshot
from ecocirc_shared.events import FlowDeclared, FlowEvent, FlowRevised, FlowWithdrawn
from ecocirc_shared.logging import get_logger

log = get_logger(__name__)

EVENTS = Counter("ecocirc_matcher_events_total", "Flow events handled", ["outcome"])
SYNERGY_NEWS = Counter("ecocirc_matcher_synergy_news_total", "Synergy events emitted", ["kind"])
LATENCY = Histogram("ecocirc_matcher_event_seconds", "Time to apply one flow event")

NO_LONGER_HOLDS = "La piste ne tient plus : un des flux a changé ou a été retiré."


class MatcherService:
    """Owns the in-memory index; PostgreSQL holds the truth it is rebuilt from."""

    def __init__(self, store: MatcherStore, kb: Knowledge):
        self.store = store
        self.kb = kb
        self.index = MatchIndex(kb)

    async def rebuild(self) -> None:
        """Reload every active flow, then reconcile stored synergies with what the knowledge finds now.

        Run at every start: after a crash it restores the index, after a knowledge change it
        revises, proposes or withdraws exactly what changed.
        """
        self.index = MatchIndex(self.kb)
        async for flow in self.store.active_flows():
            self.index.upsert(flow)
        async with self.store.transaction() as tx:
            stale = await tx.active_synergy_ids() - self.index.proposals.keys()
            await self._record(
                tx, Changes(current=list(self.index.proposals.values()), withdrawn=list(stale))
            )
        log.info(
            "matcher_rebuilt",
            flows=len(self.index),
            synergies=len(self.index.proposals),
            knowledge=self.kb.version,
        )

    async def handle(self, event: FlowEvent) -> None:
        with LATENCY.time():
            try:
                outcome = await self._apply(event)
            except BaseException:
                # The index may now be ahead of the database: rebuild it from the truth before
                # the event is delivered again.
                await self.rebuild()
                raise
        EVENTS.labels(outcome).inc()

    async def _apply(self, event: FlowEvent) -> str:
        flow_id = event.flow.flow_id if isinstance(event, FlowDeclared | FlowRevised) else event.flow_id
        version = event.flow.version if isinstance(event, FlowDeclared | FlowRevised) else event.version
        async with self.store.transaction() as tx:
            if await tx.flow_version(flow_id) >= version:
                return "duplicate"  # redelivery or replay: already applied
            if isinstance(event, FlowWithdrawn):
                changes = self.index.withdraw(flow_id)
                await tx.save_flow(flow_id, version, None)
            else:
                changes = self.index.upsert(event.flow)
                await tx.save_flow(flow_id, version, event.flow)
            await self._record(tx, changes)
        log.info(
            "flow_event_applied",
            event_id=str(event.event_id),
            flow_id=str(flow_id),
            version=version,
            proposals=len(changes.current),
            withdrawn=len(changes.withdrawn),
        )
        return "applied"

    async def _record(self, tx: MatcherTx, changes: Changes) -> None:
        for proposal in changes.current:
            stored = await tx.synergy(proposal.synergy_id)
            revision = 1 if stored is None else stored.revision + (0 if stored.active else 1)
            snapshot = to_snapshot(proposal, revision, self.kb.version)
            fp = fingerprint(snapshot)
            if stored is not None and stored.active and stored.fingerprint == fp:
                continue  # nothing new to say
            if stored is not None and stored.active:
                snapshot = snapshot.model_copy(update={"revision": stored.revision + 1})
            await tx.save_synergy(snapshot, fp, new=stored is None or not stored.active)
            SYNERGY_NEWS.labels("proposed" if stored is None or not stored.active else "revised").inc()
        for synergy_id in changes.withdrawn:
            stored = await tx.synergy(synergy_id)
            if stored is None or not stored.active:
                continue
            await tx.withdraw_synergy(synergy_id, stored.revision + 1, NO_LONGER_HOLDS)
            SYNERGY_NEWS.labels("withdrawn").inc()
