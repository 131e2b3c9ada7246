"""New declarations keep being matched while a knowledge change is re-derived region by region.

The re-derivation is held inside a region's transaction (its shared locks taken) by a barrier, so the
order of what happens is fixed by the test, not by timing.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from ecocirc_matcher.adapters.store import MatcherStore, MatcherTx
from ecocirc_matcher.domain.regions import region_of
from ecocirc_matcher.service_layer.matching import MatcherService
from ecocirc_shared.events import FlowDeclared, FlowEvent
from ecocirc_shared.flows import FlowSnapshot, Site
from ecocirc_shared.settings import Settings
from tests.integration.matcher.test_workers import (
    VersionedKnowledge,
    fresh_pool,
    new_index,
    outcome,
    scenario,
)

pytestmark = pytest.mark.integration

# Lille: much farther from the Gers than the longest reach (160 km, a group's span), so its events
# lock no region a re-derivation in the Gers reads.
LILLE = (50.63, 3.06)
# South-west France, over a dozen regions; the workers are given the region of NEAR_THE_FIRST.
SOUTH_WEST = (43.0, 45.5, -0.5, 2.0)
NEAR_THE_FIRST = (43.2, -0.3)


class NextVersion(VersionedKnowledge):
    version = "labels-2"


class Barrier:
    """Holds the first region re-derivation that takes its locks until `release`."""

    def __init__(self) -> None:
        self.holding = asyncio.Event()
        self.released = asyncio.Event()
        self.region_locks: frozenset[int] = frozenset()

    async def locked(self, written: frozenset[int], read: frozenset[int]) -> None:
        if not written and not self.holding.is_set():  # a re-derivation: shared locks only
            self.region_locks = read
            self.holding.set()
            await self.released.wait()

    def release(self) -> None:
        self.released.set()


class HeldTx(MatcherTx):
    def __init__(self, conn: Any, barrier: Barrier):
        super().__init__(conn)
        self.barrier = barrier

    async def lock_regions(self, written: frozenset[int], read: frozenset[int]) -> None:
        await super().lock_regions(written, read)
        await self.barrier.locked(written, read)


class HeldStore(MatcherStore):
    def __init__(self, pool: asyncpg.Pool, barrier: Barrier):
        super().__init__(pool)
        self.barrier = barrier

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MatcherTx]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield HeldTx(conn, self.barrier)


def declared(label: str, direction: str, lat: float, lon: float) -> FlowDeclared:
    return FlowDeclared(
        flow=FlowSnapshot(
            flow_id=uuid.uuid4(),
            company_id=uuid.uuid4(),
            version=1,
            direction=direction,
            category="waste",
            label=label,
            site=Site(lat=lat, lon=lon),
            declared_at=datetime.now(UTC),
        )
    )


async def stored_under_the_first_knowledge(
    postgres: Any, make_settings: Callable[..., Settings], events: list[FlowEvent]
) -> asyncpg.Pool:
    pool = await fresh_pool(postgres.url, make_settings)
    first = MatcherService(MatcherStore(pool), VersionedKnowledge(), new_index)  # type: ignore[arg-type]
    await first.rebuild()
    for event in events:
        await first.handle(event)
    return pool


async def pairs_of(pool: asyncpg.Pool, flow: FlowEvent) -> int:
    assert isinstance(flow, FlowDeclared)
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM synergies WHERE active AND $1 = ANY(flow_ids)", flow.flow.flow_id
        )
    )


async def derived(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM regions_derived WHERE knowledge = 'labels-2'"))


async def waiting_for_a_region_lock(pool: asyncpg.Pool) -> bool:
    return bool(
        await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'"
        )
    )


async def test_declarations_far_from_a_region_being_rederived_are_matched_meanwhile_and_near_ones_after_it(
    postgres: Any, make_settings: Callable[..., Settings]
) -> None:
    """Worker A re-derives south-west France after a knowledge change and is held inside a region, its locks
    taken; worker B matches a declaration at Lille then, and one near the held region as soon as
    A is done with that region; in the end both find what one worker with the new knowledge finds."""
    lille_offer = declared("whey", "offer", *LILLE)
    before = [*scenario(4, flows=80, box=SOUTH_WEST), lille_offer]
    pool = await stored_under_the_first_knowledge(postgres, make_settings, before)
    barrier = Barrier()
    a = MatcherService(HeldStore(pool, barrier), NextVersion(), new_index)  # type: ignore[arg-type]
    a.want({region_of(*NEAR_THE_FIRST)})  # its zone, re-derived first
    await a.rebuild(rederive=False)
    b = MatcherService(MatcherStore(pool), NextVersion(), new_index)  # type: ignore[arg-type]
    await b.rebuild(rederive=False)
    regions = len(await b.store.pool.fetch("SELECT DISTINCT home FROM flows WHERE active"))
    assert regions > 10, "the re-derivation should have many regions to go through"

    rederiving = asyncio.ensure_future(a.rederive_pending())
    await barrier.holding.wait()
    assert region_of(*LILLE) not in barrier.region_locks
    far = declared("whey", "need", LILLE[0] + 0.05, LILLE[1])
    applying = asyncio.ensure_future(b.handle(far))
    while not applying.done() and not await waiting_for_a_region_lock(pool):  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    assert applying.done(), "a declaration far from the held region should not wait for it"
    await applying
    assert await pairs_of(pool, far) == 1, "the declaration at Lille is matched while A holds its region"
    assert await derived(pool) < regions and not rederiving.done()

    # Near the held region (its own region): B must wait for A's region to be done, then match.
    near = declared("whey", "need", *NEAR_THE_FIRST)
    assert region_of(*NEAR_THE_FIRST) in barrier.region_locks
    applying = asyncio.ensure_future(b.handle(near))
    while not applying.done() and not await waiting_for_a_region_lock(pool):  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    assert not applying.done(), "a declaration where the held region reads must wait for it"
    barrier.release()
    await applying
    await rederiving
    assert await derived(pool) >= regions

    single = await fresh_pool(postgres.url, make_settings)
    one = MatcherService(MatcherStore(single), NextVersion(), new_index)  # type: ignore[arg-type]
    await one.rebuild()
    for event in [*before, far, near]:
        await one.handle(event)
    expected = {k: v for k, v in (await outcome(single)).items() if v[0]}
    assert {k: v for k, v in (await outcome(pool)).items() if v[0]} == expected
    assert await pairs_of(single, near) > 0, "the near declaration should make synergies"
    await single.close()
    await pool.close()


async def test_a_worker_applies_its_own_declarations_between_two_regions_it_rederives(
    postgres: Any, make_settings: Callable[..., Settings]
) -> None:
    """One worker, held in its first region: a declaration handed to it then is applied as soon as
    that region is done, before the regions left (the re-derivation has not ended)."""
    before = [*scenario(4, flows=80, box=SOUTH_WEST), declared("whey", "offer", *LILLE)]
    pool = await stored_under_the_first_knowledge(postgres, make_settings, before)
    barrier = Barrier()
    worker = MatcherService(HeldStore(pool, barrier), NextVersion(), new_index)  # type: ignore[arg-type]
    worker.want({region_of(*NEAR_THE_FIRST)})
    await worker.rebuild(rederive=False)
    regions = len(await pool.fetch("SELECT DISTINCT home FROM flows WHERE active"))

    rederiving = asyncio.ensure_future(worker.rederive_pending())
    await barrier.holding.wait()
    far = declared("whey", "need", LILLE[0] + 0.05, LILLE[1])
    applying = asyncio.ensure_future(worker.handle(far))
    barrier.release()
    await applying
    assert await pairs_of(pool, far) == 1
    assert await derived(pool) < regions and not rederiving.done(), "applied before the regions left"
    await rederiving
    assert await derived(pool) >= regions
    single = await stored_under_the_first_knowledge(postgres, make_settings, [])
    one = MatcherService(MatcherStore(single), NextVersion(), new_index)  # type: ignore[arg-type]
    await one.rebuild()
    for event in [*before, far]:
        await one.handle(event)
    expected = {k: v for k, v in (await outcome(single)).items() if v[0]}
    assert {k: v for k, v in (await outcome(pool)).items() if v[0]} == expected
    await single.close()
    await pool.close()
