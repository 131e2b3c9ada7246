"""`python -m ecocirc_shared.dead_letters`: a record set aside is listed with its origin, replayed to
its source topic with its key, and not replayed twice."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from aiokafka import AIOKafkaConsumer

from ecocirc_shared import dead_letters
from ecocirc_shared.consumer import DeadLetters, Incoming
from ecocirc_shared.kafka import ensure_topics, make_producer
from ecocirc_shared.settings import Settings
from ecocirc_shared.topics import FLOW_EVENTS, SYNERGY_EVENTS, all_topics

pytestmark = pytest.mark.integration


async def _read_all(settings: Settings, topic: str) -> list[tuple[bytes | None, bytes | None]]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=settings.kafka_bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    try:
        found = []
        while True:
            batch = await consumer.getmany(timeout_ms=1500)
            if not batch:
                return found
            found += [(r.key, r.value) for records in batch.values() for r in records]
    finally:
        await consumer.stop()


async def test_dead_letters_are_listed_then_replayed_once_to_their_source(
    make_settings: Callable[..., Settings], capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings()
    await ensure_topics(settings, all_topics(settings))
    producer = make_producer(settings)
    await producer.start()
    try:
        aside = DeadLetters(producer, "ecocirc-notifier")
        await aside(
            Incoming(SYNERGY_EVENTS, 1, 42, b"synergy-1", b'{"event_type": "synergy.later"}'), "unknown"
        )
        await aside(Incoming(FLOW_EVENTS, 0, 7, b"flow-1", None), "empty message (tombstone)")
    finally:
        await producer.stop()

    listed = await dead_letters.list_dead_letters(settings)
    assert [d.describe() for d in listed] == [
        "#0 from ecocirc.synergy-events.v1[1]@42 key=synergy-1 (31 bytes) set aside by ecocirc-notifier: unknown",
        "#1 from ecocirc.flow-events.v1[0]@7 key=flow-1 (tombstone) set aside by ecocirc-notifier: "
        "empty message (tombstone)",
    ]

    would, _ = await dead_letters.replay(settings, dry_run=True)
    assert len(would) == 2 and await _read_all(settings, SYNERGY_EVENTS) == []

    replayed, skipped = await dead_letters.replay(settings, only_topic=SYNERGY_EVENTS)
    assert [d.offset for d in replayed] == [0] and [d.offset for d in skipped] == [1]
    assert await _read_all(settings, SYNERGY_EVENTS) == [(b"synergy-1", b'{"event_type": "synergy.later"}')]

    # Replay remembers how far it went: nothing is published twice.
    assert await dead_letters.replay(settings) == ([], [])
    assert len(await _read_all(settings, SYNERGY_EVENTS)) == 1

    # The command line, as an operator runs it.
    monkey_env = {"ECOCIRC_EMBEDDED": "true", "ECOCIRC_KAFKA_BOOTSTRAP": str(settings.kafka_bootstrap)}
    with pytest.MonkeyPatch.context() as mp:
        for name, value in monkey_env.items():
            mp.setenv(name, value)
        assert await asyncio.to_thread(dead_letters.main, ["list"]) == 0
    assert "2 dead letter(s)" in capsys.readouterr().out
