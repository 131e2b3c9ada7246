"""One way to consume events, for the matcher and the notifier: decode, apply, wait out an
unavailable database, and set aside (to the dead-letter topic) what cannot be applied.

Nothing is acknowledged before it is applied or set aside. A record that cannot be decoded (a
tombstone, bytes that are not JSON, nesting too deep to parse, an unknown type or version, a value
out of range) is set aside at once; a batch that fails for another reason than an unavailable
database is replayed one event at a time, so that only the event at fault is set aside. Consumers
are idempotent, so replaying the events before it changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from ecocirc_shared.db import database_unavailable
from ecocirc_shared.events import Event, PoisonEvent, decode
from ecocirc_shared.kafka import make_consumer, make_producer
from ecocirc_shared.logging import get_logger
from ecocirc_shared.settings import KafkaSettings
from ecocirc_shared.topics import DEAD_LETTERS, event_family

log = get_logger(__name__)

E = TypeVar("E", bound=Event)
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 10.0
# Dead-letter headers: where the record came from, so that it can be replayed to the same place.
SOURCE_TOPIC = "ecocirc-source-topic"
SOURCE_PARTITION = "ecocirc-source-partition"
SOURCE_OFFSET = "ecocirc-source-offset"
REASON = "ecocirc-reason"
SET_ASIDE_BY = "ecocirc-set-aside-by"


@dataclass(frozen=True)
class Incoming:
    """A record as read from Kafka, whichever client read it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


SetAside = Callable[[Incoming, str], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


def dead_letter_headers(record: Incoming, reason: str, consumer: str) -> list[tuple[str, bytes]]:
    return [
        (SOURCE_TOPIC, record.topic.encode()),
        (SOURCE_PARTITION, str(record.partition).encode()),
        (SOURCE_OFFSET, str(record.offset).encode()),
        (REASON, reason[:500].encode(errors="replace")),
        (SET_ASIDE_BY, consumer.encode()),
    ]


def decode_batch(
    records: Iterable[Incoming], accepted: tuple[type[Event], ...]
) -> tuple[list[tuple[Event, Incoming]], list[tuple[Incoming, str]]]:
    """The events to apply, in order, and the records to set aside with the reason why."""
    events: list[tuple[Event, Incoming]] = []
    poison: list[tuple[Incoming, str]] = []
    for record in records:
        try:
            event = decode(record.value)
            if not isinstance(event, accepted):
                raise PoisonEvent(f"{event.event_type} does not belong on {record.topic}")
        except PoisonEvent as exc:
            log.error(
                f"poison_{event_family(record.topic)}_event",
                error=str(exc),
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
            )
            poison.append((record, str(exc)))
            continue
        events.append((event, record))
    return events, poison


async def apply_batch(
    handle_batch: Callable[[list[E]], Awaitable[object]],
    items: Sequence[tuple[E, Incoming]],
    set_aside: SetAside,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Apply a batch until it succeeds; an event that fails for another reason is set aside.

    An unavailable database (stopped, restarting, overloaded, a deadlock) is waited out, forever,
    with backoff: the events are valid and must be applied in order. Any other failure is a defect
    for one event: the batch is replayed one event at a time and the events that still fail are
    set aside, so one bad event cannot stop the consumer.
    """
    delay = RETRY_FIRST_S
    while True:
        try:
            await handle_batch([event for event, _ in items])
            return
        except Exception as exc:
            if database_unavailable(exc):
                log.warning("event_batch_retry", events=len(items), error=repr(exc), retry_in_s=delay)
                await sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            if len(items) == 1:
                event, record = items[0]
                log.exception(
                    "event_failed", event_id=str(event.event_id), topic=record.topic, error=repr(exc)
                )
                await set_aside(record, f"{type(exc).__name__}: {exc}")
                return
            log.warning("event_batch_failed_splitting", events=len(items), error=repr(exc))
            for single in items:
                await apply_batch(handle_batch, [single], set_aside, sleep)
            return


class DeadLetters:
    """Sets records aside on the dead-letter topic, keeping their key, value and origin."""

    def __init__(self, producer: AIOKafkaProducer, consumer: str):
        self.producer = producer
        self.consumer = consumer

    async def __call__(self, record: Incoming, reason: str) -> None:
        await self.producer.send_and_wait(
            DEAD_LETTERS,
            record.value,
            key=record.key,
            headers=dead_letter_headers(record, reason, self.consumer),
        )


async def consume(
    settings: KafkaSettings,
    topics: Sequence[str],
    group: str,
    accepted: tuple[type[Event], ...],
    handle_batch: Callable[[list[E]], Awaitable[object]],
    *,
    after_poll: Callable[[AIOKafkaConsumer], Awaitable[None]] | None = None,
    max_records: int = 200,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Consume `topics` as `group` until cancelled: decode, apply, set aside, then commit.

    The position stays in Kafka: a crash between applying and committing replays events that
    consumers recognise. A commit lost to a rebalance or a broker restart does the same.
    """
    consumer = make_consumer(settings, *topics, group_id=group)
    producer = make_producer(settings)
    await consumer.start()
    await producer.start()
    dead_letters = DeadLetters(producer, group)
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=1000, max_records=max_records)
            for messages in batches.values():
                records = [Incoming(m.topic, m.partition, m.offset, m.key, m.value) for m in messages]
                events, poison = decode_batch(records, accepted)
                for record, reason in poison:
                    await dead_letters(record, reason)
                if events:
                    # decode_batch let through only the `accepted` types, which handle_batch takes.
                    items = cast("list[tuple[E, Incoming]]", events)
                    await apply_batch(handle_batch, items, dead_letters, sleep)
            if batches:
                try:
                    await consumer.commit()
                except KafkaError as exc:
                    log.warning("offsets_not_committed", group=group, error=repr(exc))
            if after_poll is not None:
                await after_poll(consumer)
    finally:
        await consumer.stop()
        await producer.stop()
