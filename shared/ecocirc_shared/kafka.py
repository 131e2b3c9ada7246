"""aiokafka clients configured once for the platform, and explicit topic creation."""

from __future__ import annotations

import asyncio
import contextlib
import struct

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from ecocirc_shared.kafka_security import client_security
from ecocirc_shared.logging import get_logger
from ecocirc_shared.settings import KafkaSettings
from ecocirc_shared.topics import TopicSpec

log = get_logger(__name__)


def bootstrap(settings: KafkaSettings) -> str:
    return settings.require(settings.kafka_bootstrap, "kafka_bootstrap")


# Largest record batch a producer builds (aiokafka's default: 16 KiB). A relay publishes hundreds of
# synergy events of 1-2 KB at once: in batches of 16 KiB the client's work per batch and request
# costs more than the events themselves. Well under the 1 MB a Kafka broker takes by default.
MAX_BATCH_BYTES = 256 * 1024


def make_producer(settings: KafkaSettings) -> AIOKafkaProducer:
    # linger 0: tansu reports end offsets per batch (broker-notes.md), and the relay sends
    # small ordered batches anyway. No idempotence: tansu rejects InitProducerId v0; consumers
    # are idempotent instead, which is also what at-least-once delivery on Kafka requires.
    # No partitioner: Kafka's default, which `partition_for` computes too.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap(settings),
        linger_ms=0,
        acks="all",
        enable_idempotence=False,
        request_timeout_ms=10_000,
        max_batch_size=MAX_BATCH_BYTES,
        client_id="ecocirc",
        **client_security(settings),
    )


_M = 0x5BD1E995
_MASK = 0xFFFFFFFF
_WORD = struct.Struct("<I")


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 hash of a key (Utils.murmur2 of the Java client), as aiokafka computes it in
    its default partitioner, a word at a time rather than a byte at a time (twice as fast;
    tests/unit/shared/test_kafka_partition.py checks both agree)."""
    length = len(data)
    h = 0x9747B28C ^ length
    whole = length & ~3
    for (k,) in _WORD.iter_unpack(data[:whole]):
        k = (k * _M) & _MASK
        k = ((k ^ (k >> 24)) * _M) & _MASK
        h = ((h * _M) & _MASK) ^ k
    rest = length - whole
    if rest:
        if rest >= 3:
            h ^= data[whole + 2] << 16
        if rest >= 2:
            h ^= data[whole + 1] << 8
        h = ((h ^ data[whole]) * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    return h ^ (h >> 15)


def partition_for(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner gives a key among `partitions` (numbered from 0)."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def make_consumer(settings: KafkaSettings, *topics: str, group_id: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap(settings),
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        client_id=group_id,
        **client_security(settings),
    )


def make_admin(settings: KafkaSettings, request_timeout_ms: int = 10_000) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(
        bootstrap_servers=bootstrap(settings),
        request_timeout_ms=request_timeout_ms,
        **client_security(settings),
    )


async def ensure_topics(settings: KafkaSettings, specs: list[TopicSpec]) -> list[str]:
    """Create the missing topics; return the names that had to be created."""
    admin = make_admin(settings)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if missing:
            # Another service may create it between our list and create: same outcome.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [NewTopic(s.name, s.partitions, s.replication_factor) for s in missing]
                )
            log.info("topics_created", topics=[s.name for s in missing])
        return [s.name for s in missing]
    finally:
        await admin.close()


async def wait_for_broker(settings: KafkaSettings, timeout_s: float = 60.0) -> None:
    """Block until the broker answers metadata requests, so services may start in any order."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        admin = make_admin(settings, request_timeout_ms=3_000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except (KafkaError, OSError) as exc:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"Kafka broker {bootstrap(settings)} unreachable: {exc}") from exc
            await asyncio.sleep(0.5)
        finally:
            await admin.close()
