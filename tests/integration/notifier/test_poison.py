"""Poison on the synergy topic (a tombstone, nesting too deep to parse, a well-formed event with an
absurd revision) is set aside on the dead-letter topic with its origin, and the consumer goes on."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid

import pytest
from aiokafka import AIOKafkaConsumer

from ecocirc_notifier.entrypoints.consumer import consume
from ecocirc_shared.events import SynergyProposed, encode
from ecocirc_shared.kafka import ensure_topics, make_producer
from ecocirc_shared.topics import DEAD_LETTERS, SYNERGY_EVENTS, all_topics
from tests.integration.notifier.conftest import MakeNotifier, Notifier, synergy

pytestmark = pytest.mark.integration


def _absurd_revision() -> bytes:
    doc = json.loads(encode(SynergyProposed(synergy=synergy(uuid.uuid4(), uuid.uuid4()))))
    doc["synergy"]["revision"] = 2**40
    return json.dumps(doc).encode()


POISON: list[tuple[bytes, bytes | None]] = [
    (b"tombstone", None),
    (b"deep", b'{"event_type": "synergy.proposed", "synergy": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"),
    (b"absurd-revision", _absurd_revision()),
]


async def _dead_letters(n: Notifier, expected: int) -> list[tuple[bytes | None, dict[str, bytes]]]:
    reader = AIOKafkaConsumer(
        DEAD_LETTERS,
        bootstrap_servers=n.settings.kafka_bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await reader.start()
    found: list[tuple[bytes | None, dict[str, bytes]]] = []
    try:
        while len(found) < expected:
            batch = await reader.getmany(timeout_ms=500)
            found += [(r.key, dict(r.headers)) for records in batch.values() for r in records]
    finally:
        await reader.stop()
    return found


async def test_poison_is_set_aside_and_the_next_event_is_recorded(make_notifier: MakeNotifier) -> None:
    n: Notifier = await make_notifier()
    a, b = await n.people.company("Tonnellerie"), await n.people.company("Distillerie")
    good = synergy(a, b)
    await ensure_topics(n.settings, all_topics(n.settings))
    producer = make_producer(n.settings)
    await producer.start()
    try:
        for key, value in POISON:
            await producer.send_and_wait(SYNERGY_EVENTS, value, key=key, partition=0)
        await producer.send_and_wait(
            SYNERGY_EVENTS,
            encode(SynergyProposed(synergy=good)),
            key=str(good.synergy_id).encode(),
            partition=0,
        )
    finally:
        await producer.stop()
    task = asyncio.create_task(consume(n.settings, n.services, group="poison-test"))
    try:
        dead = await asyncio.wait_for(_dead_letters(n, len(POISON)), timeout=60)
        assert sorted(key or b"" for key, _ in dead) == sorted(key for key, _ in POISON)
        for _, headers in dead:
            assert headers["ecocirc-source-topic"] == SYNERGY_EVENTS.encode()
            assert headers["ecocirc-source-partition"] == b"0"
            assert headers["ecocirc-reason"]
        # Partition order: the good event came after the poison; it is recorded once the poison is aside.
        while not await n.deliveries(good.synergy_id):
            assert not task.done(), task
            await asyncio.sleep(0.05)
        assert not task.done()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
