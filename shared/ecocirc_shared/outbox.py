"""Transactional outbox: events written with the data, published in order by a single relay.

A writer calls `enqueue` inside its own transaction. The relay (one per service, elected with a
PostgreSQL advisory lock so that order per key holds) publishes unpublished rows in sequence
order, marks them, and wakes on NOTIFY rather than polling tightly.

A broker that lost its data (the embedded broker keeps nothing across restarts) is detected by
an epoch marker topic; the relay then republishes the latest event of every key, which carries
the full state, so consumers (idempotent by version) rebuild what they had missed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.producer.message_accumulator import BatchBuilder
from prometheus_client import Counter, Gauge

from ecocirc_shared.db import Connection
from ecocirc_shared.events import Event, encode
from ecocirc_shared.kafka import ensure_topics, make_consumer, make_producer, partition_for
from ecocirc_shared.logging import get_logger
from ecocirc_shared.settings import OutboxSettings
from ecocirc_shared.topics import TopicSpec, epoch_topic

log = get_logger(__name__)

PUBLISHED = Counter("ecocirc_outbox_published_total", "Events published by the relay", ["relay"])
REPLAYED = Counter("ecocirc_outbox_replayed_total", "Events republished after broker data loss", ["relay"])
BACKLOG = Gauge("ecocirc_outbox_backlog", "Unpublished outbox rows", ["relay"])

BATCH = 500
# How often a relay looks for its epoch marker (a broker that lost its data has none).
EPOCH_CHECK_S = 5.0


def outbox_ddl(schema: str) -> str:
    return f"""
    CREATE TABLE IF NOT EXISTS "{schema}".outbox (
        seq bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        topic text NOT NULL,
        key text NOT NULL,
        payload bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
    );
    -- The message key when it is not `key` (flow events go by the zone of the flow, `key` staying the
    -- flow: the replay after a broker loss republishes the latest event of each flow, not of each zone).
    ALTER TABLE "{schema}".outbox ADD COLUMN IF NOT EXISTS routing_key text;
    CREATE INDEX IF NOT EXISTS outbox_unpublished ON "{schema}".outbox (seq) WHERE published_at IS NULL;
    -- An index by key served only the replay after a broker loss, which reads every row anyway;
    -- every event written and every one marked published paid for it (a third of the database's
    -- work on the outbox of a busy matcher).
    DROP INDEX IF EXISTS "{schema}".outbox_by_key;
    CREATE OR REPLACE FUNCTION "{schema}".outbox_notify() RETURNS trigger AS $$
    BEGIN PERFORM pg_notify('{schema}_outbox', ''); RETURN NULL; END $$ LANGUAGE plpgsql;
    DROP TRIGGER IF EXISTS outbox_notify ON "{schema}".outbox;
    CREATE TRIGGER outbox_notify AFTER INSERT ON "{schema}".outbox
        FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".outbox_notify();
    """


async def enqueue(
    conn: Connection, schema: str, topic: str, key: str, event: Event, routing_key: str | None = None
) -> None:
    """Write an event in the caller's transaction; the relay publishes it after commit.

    `key` is the subject whose latest event is replayed after a broker loss; the message goes out
    keyed by `routing_key` when given (the partition it must reach), else by `key`.
    """
    await conn.execute(
        f'INSERT INTO "{schema}".outbox (event_id, topic, key, payload, routing_key) VALUES ($1, $2, $3, $4, $5)',
        event.event_id,
        topic,
        key,
        encode(event),
        routing_key,
    )


async def enqueue_many(
    conn: Connection, schema: str, topic: str, events: Sequence[tuple[str, Event]]
) -> None:
    """Write several (key, event) in the caller's transaction, in one statement, in list order."""
    await enqueue_encoded(conn, schema, topic, [(e.event_id, key, encode(e)) for key, e in events])


async def enqueue_encoded(
    conn: Connection, schema: str, topic: str, rows: Sequence[tuple[UUID, str, bytes]]
) -> None:
    """Write several events already encoded, as (event id, key, payload), in one statement, in list order.

    One multi-row statement rather than a row at a time: the notify trigger fires once, and the
    server plans and runs one insert whatever the number of events.
    """
    if not rows:
        return
    await conn.execute(
        f'INSERT INTO "{schema}".outbox (event_id, topic, key, payload) '
        "SELECT e.event_id, $2, e.key, e.payload "
        "FROM unnest($1::uuid[], $3::text[], $4::bytea[]) WITH ORDINALITY AS e(event_id, key, payload, position) "
        "ORDER BY e.position",
        [event_id for event_id, _, _ in rows],
        topic,
        [key for _, key, _ in rows],
        [payload for _, _, payload in rows],
    )


async def enqueue_copied(
    conn: Connection, schema: str, topic: str, rows: Sequence[tuple[UUID | str, str, bytes]]
) -> None:
    """As `enqueue_encoded`, by COPY: for many events at once (a matcher batch writes thousands), the
    rows travel in PostgreSQL's binary format without an array per column to build and take apart.
    An event id may come as its text (asyncpg reads a UUID's text in C, its `bytes` in Python).

    COPY inserts in list order (the rows' seq follow it) and fires the notify trigger once.
    """
    if not rows:
        return
    await conn.copy_records_to_table(
        "outbox",
        schema_name=schema,
        columns=["event_id", "topic", "key", "payload"],
        records=[(event_id, topic, key, payload) for event_id, key, payload in rows],
    )


async def publish(producer: AIOKafkaProducer, messages: Sequence[tuple[str, bytes, bytes]]) -> None:
    """Publish (topic, key, value) messages and wait until the broker has them all.

    Each message goes to the partition `producer.send` would choose for its key (Kafka's default
    partitioner), and a key's messages keep their order; but they are packed into record batches
    here, a few per partition, rather than sent one by one: one future per batch instead of one per
    message (a matcher worker publishes some twenty events per flow event).
    """
    partitions: dict[str, int] = {}
    builders: dict[tuple[str, int], list[BatchBuilder]] = {}
    for topic, key, value in messages:
        if topic not in partitions:
            partitions[topic] = len(await producer.partitions_for(topic))
        partition = partition_for(key, partitions[topic])
        batches = builders.setdefault((topic, partition), [])
        if not batches or batches[-1].append(key=key, value=value, timestamp=None) is None:
            batches.append(producer.create_batch())
            if batches[-1].append(key=key, value=value, timestamp=None) is None:
                raise ValueError(f"a message of {len(value)} bytes is larger than a record batch")
    sent = [
        await producer.send_batch(batch, topic, partition=partition)
        for (topic, partition), batches in builders.items()
        for batch in batches
    ]
    await asyncio.gather(*sent)


class OutboxRelay:
    """Publishes one schema's outbox to Kafka; run `run()` as a background task."""

    def __init__(self, settings: OutboxSettings, pool: asyncpg.Pool, schema: str, topics: list[TopicSpec]):
        self._settings = settings
        self._pool = pool
        self._schema = schema
        self._topics = topics
        self._wake = asyncio.Event()
        self._epoch_lost = False
        self.connected = False

    async def run(self) -> None:
        while True:
            try:
                await self._run_as_leader()
            except asyncio.CancelledError:
                raise
            except (KafkaError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self.connected = False
                log.warning("outbox_relay_retry", relay=self._schema, error=repr(exc))
                await asyncio.sleep(1.0)

    async def _run_as_leader(self) -> None:
        async with self._pool.acquire() as lock_conn:
            # Only one relay per schema publishes, so events of a key keep their order.
            # Polling is deliberate: a blocking pg_advisory_lock would pin a pool connection forever.
            while not await lock_conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", self._lock_name):  # noqa: ASYNC110
                await asyncio.sleep(1.0)
            try:
                await lock_conn.add_listener(f"{self._schema}_outbox", self._on_notify)
                producer = make_producer(self._settings)
                await producer.start()
                try:
                    self.connected = True
                    # Check the epoch before anything else: after a broker loss, the replay of
                    # older keys must precede the backlog so each key's newest event comes last.
                    await self._check_epoch(producer)
                    await self._loop(producer)
                finally:
                    self.connected = False
                    await producer.stop()
            finally:
                with contextlib.suppress(asyncpg.InterfaceError):
                    await lock_conn.remove_listener(f"{self._schema}_outbox", self._on_notify)
                    await lock_conn.execute("SELECT pg_advisory_unlock(hashtext($1))", self._lock_name)

    @property
    def _lock_name(self) -> str:
        return f"outbox-relay:{self._schema}"

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def _loop(self, producer: AIOKafkaProducer) -> None:
        # The epoch is watched beside the publishing, not in its way: looking for the marker takes
        # an admin client and a consumer, a few hundred milliseconds on a busy machine, which every
        # event published meanwhile would wait for. A loss found is replayed before the next batch.
        watcher = asyncio.create_task(self._watch_epoch())
        try:
            while True:
                if watcher.done():
                    watcher.result()  # its failure is the relay's (run() retries)
                if self._epoch_lost:
                    self._epoch_lost = False
                    await self._check_epoch(producer)
                # Cleared before looking, not after: a NOTIFY arriving while a batch is published
                # must wake the next wait, or its event waits for the poll.
                self._wake.clear()
                sent = await self._publish_batch(producer)
                if sent < BATCH:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(
                            self._wake.wait(), timeout=self._settings.outbox_poll_interval_s * 5
                        )
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def _watch_epoch(self) -> None:
        """Every EPOCH_CHECK_S, whether the broker still holds our epoch marker; wakes the loop if not."""
        marker = epoch_topic(self._schema)
        while True:
            await asyncio.sleep(EPOCH_CHECK_S)
            await ensure_topics(
                self._settings, [*self._topics, TopicSpec(marker, 1, self._topics[0].replication_factor)]
            )
            if not await self._marker_present(marker):
                self._epoch_lost = True
                self._wake.set()

    async def _publish_batch(self, producer: AIOKafkaProducer) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                f'SELECT seq, topic, coalesce(routing_key, key) AS key, payload FROM "{self._schema}".outbox '
                "WHERE published_at IS NULL ORDER BY seq LIMIT $1",
                BATCH,
            )
            if not rows:
                BACKLOG.labels(self._schema).set(0)
                return 0
            await publish(producer, [(r["topic"], r["key"].encode(), r["payload"]) for r in rows])
            await conn.execute(
                f'UPDATE "{self._schema}".outbox SET published_at = now() WHERE seq = ANY($1::bigint[])',
                [r["seq"] for r in rows],
            )
        PUBLISHED.labels(self._schema).inc(len(rows))
        # A short batch emptied the outbox; after a full one, count what is still waiting.
        backlog = 0
        if len(rows) == BATCH:
            backlog = await self._pool.fetchval(
                f'SELECT count(*) FROM "{self._schema}".outbox WHERE published_at IS NULL'
            )
        BACKLOG.labels(self._schema).set(backlog)
        return len(rows)

    async def _check_epoch(self, producer: AIOKafkaProducer) -> None:
        """Republish the latest event of every key if the broker no longer holds our epoch marker."""
        marker = epoch_topic(self._schema)
        await ensure_topics(
            self._settings, [*self._topics, TopicSpec(marker, 1, self._topics[0].replication_factor)]
        )
        if await self._marker_present(marker):
            return
        async with self._pool.acquire() as conn:
            # The newest published event of each key: grouped on (key, seq) alone, so that only
            # the rows chosen are read in full.
            rows = await conn.fetch(
                f'SELECT topic, coalesce(routing_key, key) AS key, payload FROM "{self._schema}".outbox '
                f'WHERE seq IN (SELECT max(seq) FROM "{self._schema}".outbox WHERE published_at IS NOT NULL '
                "GROUP BY key) ORDER BY seq"
            )
        await publish(producer, [(r["topic"], r["key"].encode(), r["payload"]) for r in rows])
        await (await producer.send(marker, b"epoch", key=b"epoch"))
        if rows:
            REPLAYED.labels(self._schema).inc(len(rows))
            log.warning("outbox_replayed_after_broker_loss", relay=self._schema, keys=len(rows))

    async def _marker_present(self, marker: str) -> bool:
        consumer = make_consumer(self._settings, group_id=f"ecocirc-epoch-{self._schema}")
        await consumer.start()
        try:
            tp = TopicPartition(marker, 0)
            consumer.assign([tp])
            end = await consumer.end_offsets([tp])
            return bool(end.get(tp, 0) > 0)
        finally:
            await consumer.stop()
