"""Several matcher workers on one database find exactly the synergies one worker finds."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from ecocirc_matcher.adapters.store import SCHEMA, MatcherStore
from ecocirc_matcher.bootstrap import MIGRATIONS
from ecocirc_matcher.domain.index import MatchIndex
from ecocirc_matcher.domain.regions import zone_regions
from ecocirc_matcher.service_layer.matching import MatcherService
from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.events import FlowDeclared, FlowEvent, FlowRevised, FlowWithdrawn
from ecocirc_shared.flows import FlowSnapshot, Site
from ecocirc_shared.kafka import partition_for
from ecocirc_shared.outbox import outbox_ddl
from ecocirc_shared.partitioning import flow_event_key
from ecocirc_shared.settings import Settings
from tests.unit.matcher.domain.test_index import (
    LabelKnowledge,
    group,
    judge,
    label_anchor,
    label_box,
    label_groups,
)

pytestmark = pytest.mark.integration

LABELS = ["sawdust", "whey", "heat", "pallets"]


class VersionedKnowledge(LabelKnowledge):
    version = "labels-1"

    def label(self, resource_class: str) -> str:
        return resource_class


def new_index(kb: Any) -> MatchIndex:
    return MatchIndex(
        kb,
        substitution=judge,
        keys_of=label_groups,
        grouping=group,
        box_of=label_box,
        anchor_of=label_anchor,
        max_span_km=160.0,
    )


GERS = (43.3, 43.9, 0.5, 1.2)
# Across the line between the two zones of a two-partition topic (47.35° N, Centre-Val de Loire),
# far enough either side that neither zone's worker needs every flow.
ACROSS_TWO_ZONES = (44.6, 50.1, 1.0, 1.8)


def scenario(
    seed: int,
    flows: int = 60,
    box: tuple[float, float, float, float] = GERS,
    labels: Sequence[str] = LABELS,
) -> list[FlowEvent]:
    """Declarations, revisions (some moving) and withdrawals of flows in `box`, in a fixed order."""
    rng = random.Random(seed)
    events: list[FlowEvent] = []
    live: dict[uuid.UUID, FlowSnapshot] = {}
    for _ in range(flows * 2):
        if live and rng.random() < 0.3:
            old = live[rng.choice(sorted(live))]
            if rng.random() < 0.4:
                events.append(
                    FlowWithdrawn(flow_id=old.flow_id, company_id=old.company_id, version=old.version + 1)
                )
                del live[old.flow_id]
            else:
                moved = old.model_copy(
                    update={
                        "version": old.version + 1,
                        "site": Site(lat=old.site.lat + rng.uniform(-0.1, 0.1), lon=old.site.lon),
                    }
                )
                events.append(FlowRevised(flow=moved))
                live[old.flow_id] = moved
            continue
        f = FlowSnapshot(
            flow_id=uuid.UUID(int=rng.getrandbits(128)),
            company_id=uuid.UUID(int=rng.getrandbits(128)),
            version=1,
            direction=rng.choice(["offer", "need"]),
            category="waste",
            label=rng.choice(labels),
            site=Site(lat=rng.uniform(box[0], box[1]), lon=rng.uniform(box[2], box[3])),
            declared_at=datetime.now(UTC),
        )
        events.append(FlowDeclared(flow=f))
        live[f.flow_id] = f
    return events


async def fresh_database(postgres_url: str) -> str:
    name = f"m_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(postgres_url)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return postgres_url.replace("/postgres?", f"/{name}?", 1)


async def fresh_pool(
    postgres_url: str, settings_for: Callable[..., Settings], url: str | None = None
) -> asyncpg.Pool:
    settings = settings_for(database_url=url or await fresh_database(postgres_url))
    pool = await create_pool(settings, SCHEMA, max_size=4)
    await migrate(pool, SCHEMA, MIGRATIONS, extra_ddl=outbox_ddl(SCHEMA))
    return pool


async def outcome(pool: asyncpg.Pool) -> dict[uuid.UUID, tuple[bool, str]]:
    rows = await pool.fetch("SELECT synergy_id, active, fingerprint FROM synergies")
    return {r["synergy_id"]: (r["active"], r["fingerprint"]) for r in rows}


revisions_sql = "SELECT synergy_id, revision FROM synergies WHERE active ORDER BY synergy_id"
events_sql = "SELECT count(*) FROM outbox"


def flow_key(event: FlowEvent) -> uuid.UUID:
    return event.flow.flow_id if isinstance(event, FlowDeclared | FlowRevised) else event.flow_id


@pytest.mark.parametrize("seed", [1, 2])
async def test_two_workers_find_what_one_finds(
    postgres: Any, make_settings: Callable[..., Settings], seed: int
) -> None:
    events = scenario(seed)
    kb: Any = VersionedKnowledge()

    single_pool = await fresh_pool(postgres.url, make_settings)
    single = MatcherService(MatcherStore(single_pool), kb, new_index)
    await single.rebuild()
    for event in events:
        await single.handle(event)

    shared_pool = await fresh_pool(postgres.url, make_settings)
    workers = [MatcherService(MatcherStore(shared_pool), kb, new_index) for _ in range(2)]
    for w in workers:
        await w.rebuild()
    # Partitioned by flow id, as Kafka would: each worker applies its flows' events in order,
    # both at once.
    queues: list[list[FlowEvent]] = [[], []]
    for event in events:
        queues[flow_key(event).int % 2].append(event)

    async def run(worker: MatcherService, queue: list[FlowEvent]) -> None:
        for event in queue:
            await worker.handle(event)
            await asyncio.sleep(0)

    await asyncio.gather(*(run(w, q) for w, q in zip(workers, queues, strict=True)))
    expected, got = await outcome(single_pool), await outcome(shared_pool)
    assert sum(active for active, _ in expected.values()) > 5, "the scenario should make synergies"
    assert {k: v for k, v in got.items() if v[0]} == {k: v for k, v in expected.items() if v[0]}
    await single_pool.close()
    await shared_pool.close()


async def test_zone_workers_find_across_their_border_what_one_worker_finds(
    postgres: Any, make_settings: Callable[..., Settings]
) -> None:
    """Events keyed by zone, as intake keys them: each worker holds its zone and its border only, and
    the pairs and groups across the border are found once, as one worker finds them."""
    events = scenario(7, flows=150, box=ACROSS_TWO_ZONES)
    kb: Any = VersionedKnowledge()
    single_pool = await fresh_pool(postgres.url, make_settings)
    single = MatcherService(MatcherStore(single_pool), kb, new_index)
    await single.rebuild()
    for event in events:
        await single.handle(event)

    shared_pool = await fresh_pool(postgres.url, make_settings)
    workers = [MatcherService(MatcherStore(shared_pool), kb, new_index) for _ in range(2)]
    for zone, w in enumerate(workers):
        w.want(zone_regions(zone, 2))
        await w.rebuild()
    queues: list[list[FlowEvent]] = [[], []]
    sites: dict[uuid.UUID, Site] = {}
    for event in events:
        if isinstance(event, FlowDeclared | FlowRevised):
            sites[event.flow.flow_id] = event.flow.site
        site = sites[flow_key(event)]  # a withdrawal goes where the flow last was
        queues[partition_for(flow_event_key(site.lat, site.lon, 2).encode(), 2)].append(event)
    assert all(len(q) > len(events) / 4 for q in queues), "both zones should have work"

    async def run(worker: MatcherService, queue: list[FlowEvent]) -> None:
        for event in queue:
            await worker.handle(event)
            await asyncio.sleep(0)

    await asyncio.gather(*(run(w, q) for w, q in zip(workers, queues, strict=True)))
    expected, got = await outcome(single_pool), await outcome(shared_pool)
    active = {k: v for k, v in expected.items() if v[0]}
    assert len(active) > 10, "the scenario should make synergies"
    assert {k: v for k, v in got.items() if v[0]} == active
    across = await shared_pool.fetchval(
        """SELECT count(*) FROM synergies s WHERE active AND EXISTS (
               SELECT 1 FROM flows a, flows b WHERE a.flow_id = ANY(s.flow_ids) AND b.flow_id = ANY(s.flow_ids)
               AND (a.snapshot->'site'->>'lat')::float < 47.35 AND (b.snapshot->'site'->>'lat')::float >= 47.35)"""
    )
    assert across > 0, "some synergies should join flows of both zones"
    live = await shared_pool.fetchval("SELECT count(*) FROM flows WHERE active")
    assert all(0 < len(w.index) < live for w in workers), [len(w.index) for w in workers]
    await single_pool.close()
    await shared_pool.close()


async def test_a_knowledge_change_rederives_once_and_keeps_what_still_holds(
    postgres: Any, make_settings: Callable[..., Settings]
) -> None:
    pool = await fresh_pool(postgres.url, make_settings)
    first = MatcherService(MatcherStore(pool), VersionedKnowledge(), new_index)  # type: ignore[arg-type]
    await first.rebuild()
    for event in scenario(5, flows=30):
        await first.handle(event)
    before = {k for k, (active, _) in (await outcome(pool)).items() if active}
    revisions, events = await pool.fetch(revisions_sql), await pool.fetchval(events_sql)

    class NextVersion(VersionedKnowledge):
        version = "labels-2"

    restarted = MatcherService(MatcherStore(pool), NextVersion(), new_index)  # type: ignore[arg-type]
    await restarted.rebuild()
    assert len(restarted.index) == len(first.index), "the index is loaded once, complete"
    assert await pool.fetchval("SELECT value FROM state WHERE key = 'knowledge_version'") == "labels-2"
    after = {k for k, (active, _) in (await outcome(pool)).items() if active}
    assert after == before and before
    # The new knowledge says the same of every synergy: none is rewritten nor announced again.
    assert await pool.fetch(revisions_sql) == revisions and await pool.fetchval(events_sql) == events
    await MatcherService(MatcherStore(pool), NextVersion(), new_index).rebuild()  # type: ignore[arg-type]
    assert await pool.fetch(revisions_sql) == revisions and await pool.fetchval(events_sql) == events
    await pool.close()


async def test_a_small_knowledge_change_rewrites_and_announces_only_what_it_changes(
    postgres: Any, make_settings: Callable[..., Settings]
) -> None:
    """Heat travels less far with the next knowledge: what changes is what a worker starting afresh
    with it finds, and only the synergies it changes get an event (whey's are left as they were)."""
    events = scenario(3, flows=80, labels=["heat", "whey"])

    class ShorterHeat(VersionedKnowledge):
        version = "labels-2"

        def reach_km(self, resource_class: str) -> float:
            return 3.0 if resource_class == "heat" else super().reach_km(resource_class)

    fresh_pool_ = await fresh_pool(postgres.url, make_settings)
    fresh = MatcherService(MatcherStore(fresh_pool_), ShorterHeat(), new_index)  # type: ignore[arg-type]
    await fresh.rebuild()
    for event in events:
        await fresh.handle(event)

    pool = await fresh_pool(postgres.url, make_settings)
    first = MatcherService(MatcherStore(pool), VersionedKnowledge(), new_index)  # type: ignore[arg-type]
    await first.rebuild()
    for event in events:
        await first.handle(event)
    before = await outcome(pool)
    revisions, announced = dict(await pool.fetch(revisions_sql)), await pool.fetchval(events_sql)
    await MatcherService(MatcherStore(pool), ShorterHeat(), new_index).rebuild()  # type: ignore[arg-type]
    after = await outcome(pool)

    assert {k: v for k, v in after.items() if v[0]} == {
        k: v for k, v in (await outcome(fresh_pool_)).items() if v[0]
    }
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    classes = dict(await pool.fetch("SELECT synergy_id, snapshot->>'resource_class' FROM synergies"))
    assert changed and {classes[k] for k in changed} == {"heat"}
    assert "whey" in {classes[k] for k in after}, "the scenario should have whey synergies too"
    assert await pool.fetchval(events_sql) == announced + len(changed)  # one event for each, no more
    kept = {k: r for k, r in revisions.items() if k not in changed}
    assert {k: r for k, r in dict(await pool.fetch(revisions_sql)).items() if k in kept} == kept
    await fresh_pool_.close()
    await pool.close()


async def test_a_worker_that_gives_a_zone_away_keeps_only_what_its_zones_need(
    postgres: Any, make_settings: Callable[..., Settings]
) -> None:
    """A rebalance takes a zone away: from its next batch on, the worker holds what a worker given only
    the zone it kept holds (it used to keep every flow until it restarted)."""
    events = scenario(7, flows=150, box=ACROSS_TWO_ZONES)
    kb: Any = VersionedKnowledge()
    pool = await fresh_pool(postgres.url, make_settings)
    both = MatcherService(MatcherStore(pool), kb, new_index)
    both.want(zone_regions(0, 2) | zone_regions(1, 2))
    await both.rebuild()
    for event in events:
        await both.handle(event)
    held_before = set(both.index.flows)

    both.want(zone_regions(0, 2))  # the rebalance gives zone 1 to another worker
    redelivered = next(  # the next batch: a redelivery in the zone it kept, as after any rebalance
        e
        for e in events
        if isinstance(e, FlowDeclared)
        and partition_for(flow_event_key(e.flow.site.lat, e.flow.site.lon, 2).encode(), 2) == 0
    )
    await both.handle(redelivered)
    kept = MatcherService(MatcherStore(pool), kb, new_index)
    kept.want(zone_regions(0, 2))
    await kept.rebuild()
    assert set(both.index.flows) == set(kept.index.flows)
    assert len(both.index.flows) < len(held_before), "zone 1's own flows should be gone"
    await pool.close()
