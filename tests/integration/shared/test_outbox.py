"""The outbox loses nothing: rolled-back writes never leave, committed ones leave in order, even
across a broker that stops, or restarts empty."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.events import FlowDeclared, FlowRevised, encode
from ecocirc_shared.flows import FlowSnapshot, Site
from ecocirc_shared.kafka import MAX_BATCH_BYTES, make_consumer
from ecocirc_shared.outbox import OutboxRelay, enqueue, enqueue_copied, outbox_ddl
from ecocirc_shared.partitioning import flow_event_key, zone_of
from ecocirc_shared.settings import Settings
from ecocirc_shared.topics import FLOW_EVENTS, all_topics
from tests.conftest import Broker
from tests.integration.flow_topic import read_flow_events

pytestmark = pytest.mark.integration
SCHEMA = "outbox_test"
# The relay alone is under test: its table comes from the outbox DDL, no service migration.
NO_MIGRATIONS = Path(__file__).parent / "no-migrations"
GERS = Site(lat=43.5, lon=0.9)


def snapshot(flow_id: uuid.UUID, version: int, site: Site = GERS) -> FlowSnapshot:
    return FlowSnapshot(
        flow_id=flow_id,
        company_id=uuid.uuid4(),
        version=version,
        direction="offer",
        category="waste",
        label=f"v{version}",
        site=site,
        declared_at=datetime.now(UTC),
    )


@pytest.fixture
async def env(make_settings: Callable[..., Settings]) -> AsyncIterator[tuple[Settings, object, OutboxRelay]]:
    settings = make_settings()
    pool = await create_pool(settings, SCHEMA)
    await migrate(pool, SCHEMA, NO_MIGRATIONS, extra_ddl=outbox_ddl(SCHEMA))
    relay = OutboxRelay(settings, pool, SCHEMA, all_topics(settings))
    task = asyncio.create_task(relay.run())
    yield settings, pool, relay
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await pool.close()


async def versions(settings: Settings, expected: int, timeout_s: float = 20) -> dict[str, list[int]]:
    """Versions per flow, in arrival order."""
    seen = await read_flow_events(settings, expected, timeout_s)
    return {flow: [int(e.rsplit(":", 1)[1]) for e in events] for flow, events in seen.items()}


async def write(
    pool: object,
    flow_id: uuid.UUID,
    version: int,
    *,
    commit: bool = True,
    site: Site = GERS,
    partitions: int = 2,
) -> None:
    """Enqueue a flow event as intake does: known as the flow's, sent keyed by the zone of its site."""
    async with pool.acquire() as conn:  # type: ignore[attr-defined]
        tx = conn.transaction()
        await tx.start()
        cls = FlowDeclared if version == 1 else FlowRevised
        zone = flow_event_key(site.lat, site.lon, partitions)
        event = cls(flow=snapshot(flow_id, version, site))
        await enqueue(conn, SCHEMA, FLOW_EVENTS, str(flow_id), event, routing_key=zone)
        await (tx.commit() if commit else tx.rollback())


async def test_committed_events_leave_in_order_and_rolled_back_ones_never(env) -> None:  # type: ignore[no-untyped-def]
    settings, pool, _ = env
    flows = [uuid.uuid4() for _ in range(3)]
    for version in (1, 2, 3):
        for f in flows:
            await write(pool, f, version)
    await write(pool, flows[0], 99, commit=False)
    seen = await versions(settings, expected=9)
    assert all(seen[str(f)] == [1, 2, 3] for f in flows)


async def test_events_written_by_copy_leave_in_list_order_and_rolled_back_ones_never(env) -> None:  # type: ignore[no-untyped-def]
    settings, pool, _ = env
    flows = [uuid.uuid4() for _ in range(4)]

    def rows(versions: range) -> list[tuple[uuid.UUID, str, bytes]]:
        found = []
        for version in versions:
            for f in flows:
                event = (FlowDeclared if version == 1 else FlowRevised)(flow=snapshot(f, version))
                found.append((event.event_id, str(f), encode(event)))
        return found

    async with pool.acquire() as conn:  # type: ignore[attr-defined]
        async with conn.transaction():
            await enqueue_copied(conn, SCHEMA, FLOW_EVENTS, rows(range(1, 4)))
        tx = conn.transaction()
        await tx.start()
        await enqueue_copied(conn, SCHEMA, FLOW_EVENTS, rows(range(4, 6)))
        await tx.rollback()
        async with conn.transaction():
            await enqueue_copied(conn, SCHEMA, FLOW_EVENTS, rows(range(6, 8)))
    seen = await versions(settings, expected=20)
    assert all(seen[str(f)] == [1, 2, 3, 6, 7] for f in flows)


async def test_a_backlog_larger_than_a_record_batch_leaves_in_order(env) -> None:  # type: ignore[no-untyped-def]
    # The relay packs events into record batches of MAX_BATCH_BYTES per partition: 1,200 events of
    # about 1.5 KB, written before the relay can publish them, fill several batches on each partition.
    settings, pool, _ = env
    flows = [uuid.uuid4() for _ in range(6)]
    async with pool.acquire() as conn, conn.transaction():  # type: ignore[attr-defined]
        for version in range(1, 201):
            for f in flows:
                event = (FlowDeclared if version == 1 else FlowRevised)(
                    flow=snapshot(f, version).model_copy(update={"description": "x" * 1200})
                )
                await enqueue(conn, SCHEMA, FLOW_EVENTS, str(f), event)
    assert 4 * MAX_BATCH_BYTES < 1200 * 1500
    seen = await versions(settings, expected=1200, timeout_s=60)
    assert all(seen[str(f)] == list(range(1, 201)) for f in flows)


async def test_declarations_accepted_while_the_broker_is_down_leave_when_it_returns(
    env,
    broker: Broker,  # type: ignore[no-untyped-def]
) -> None:
    settings, pool, _relay = env
    first = uuid.uuid4()
    await write(pool, first, 1)
    await versions(settings, expected=1)
    broker.stop()
    late = uuid.uuid4()
    for version in (1, 2, 3):
        await write(pool, late, version)  # accepted: only the database is needed
    async with pool.acquire() as conn:  # type: ignore[attr-defined]
        assert await conn.fetchval(f"SELECT count(*) FROM {SCHEMA}.outbox WHERE published_at IS NULL") == 3
    broker.restart()  # empty, as the embedded broker always comes back
    seen = await versions(settings, expected=4, timeout_s=30)
    # The earlier flow is republished from its latest event, the late one arrives in order.
    assert seen[str(first)] == [1]
    assert seen[str(late)] == [1, 2, 3]


async def test_flow_events_leave_keyed_by_their_zone_onto_its_partition(env) -> None:  # type: ignore[no-untyped-def]
    settings, pool, _ = env
    partitions = settings.flow_partitions
    sites = [Site(lat=43.5, lon=0.9), Site(lat=50.63, lon=3.06), Site(lat=48.57, lon=7.75)]
    for site in sites:
        await write(pool, uuid.uuid4(), 1, site=site, partitions=partitions)
    consumer = make_consumer(settings, FLOW_EVENTS, group_id=f"reader-{uuid.uuid4()}")
    await consumer.start()
    received: list[tuple[bytes, int]] = []
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while len(received) < len(sites):
            assert asyncio.get_running_loop().time() < deadline, received
            for messages in (await consumer.getmany(timeout_ms=500)).values():
                received.extend((m.key, m.partition) for m in messages)
    finally:
        await consumer.stop()
    expected = {
        (flow_event_key(s.lat, s.lon, partitions).encode(), zone_of(s.lat, s.lon, partitions)) for s in sites
    }
    assert set(received) == expected
    assert len({partition for _, partition in received}) > 1
