"""The notifier process: consume synergy events, record them, and deliver emails in the background."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable

import asyncpg
from aiokafka.errors import KafkaError
from prometheus_client import Gauge

from ecocirc_notifier.bootstrap import build
from ecocirc_notifier.service_layer.delivery import Deliverer
from ecocirc_notifier.service_layer.recording import Recorder
from ecocirc_shared.events import (
    PoisonEvent,
    SynergyEvent,
    SynergyProposed,
    SynergyRevised,
    SynergyWithdrawn,
    decode,
)
from ecocirc_shared.kafka import ensure_topics, make_consumer, make_producer, wait_for_broker
from ecocirc_shared.logging import configure_logging, get_logger
from ecocirc_shared.metrics import serve_metrics
from ecocirc_shared.settings import Settings
from ecocirc_shared.topics import DEAD_LETTERS, SYNERGY_EVENTS, all_topics

log = get_logger(__name__)
LAG = Gauge("ecocirc_notifier_consumer_lag", "Synergy events not yet consumed", ["partition"])
GROUP = "ecocirc-notifier"


# The database being away is temporary: wait for it rather than skip or reorder events.
UNAVAILABLE = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
)
RETRY_MAX_S = 10.0


async def record(
    recorder: Recorder, event: SynergyEvent, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> str | None:
    """Record an event, waiting out an unavailable database; None if the event itself makes it fail."""
    delay = 0.5
    while True:
        try:
            return await recorder.handle(event)
        except UNAVAILABLE as exc:
            log.warning(
                "synergy_event_retry", event_id=str(event.event_id), error=repr(exc), retry_in_s=delay
            )
            await sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)
        except Exception as exc:  # a defect for this event must not stop every email
            log.exception("synergy_event_failed", event_id=str(event.event_id), error=repr(exc))
            return None


async def consume(settings: Settings, recorder: Recorder, deliverer: Deliverer, group: str = GROUP) -> None:
    """Record each synergy event, then commit its offset: a crash in between replays it harmlessly.

    The position stays in Kafka rather than in the ledger's transaction: recording is idempotent
    (revision check under a row lock, ledger keys), and the embedded broker forgets its log when it
    restarts, so a position kept in PostgreSQL would point past the end of the refilled topic.
    """
    await wait_for_broker(settings)
    await ensure_topics(settings, all_topics(settings))
    consumer = make_consumer(settings, SYNERGY_EVENTS, group_id=group)
    producer = make_producer(settings)
    await consumer.start()
    await producer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=1000, max_records=200)
            for _tp, messages in batches.items():
                for message in messages:
                    try:
                        event = decode(message.value)
                        if not isinstance(event, SynergyProposed | SynergyRevised | SynergyWithdrawn):
                            raise PoisonEvent(f"{event.event_type} does not belong on {SYNERGY_EVENTS}")
                    except PoisonEvent as exc:
                        log.error("poison_synergy_event", error=str(exc), offset=message.offset)
                        await producer.send_and_wait(DEAD_LETTERS, message.value, key=b"synergy-events")
                        continue
                    outcome = await record(recorder, event)
                    if outcome is None:
                        await producer.send_and_wait(DEAD_LETTERS, message.value, key=b"synergy-events")
                        continue
                    log.info(
                        "synergy_event_recorded",
                        event_id=str(event.event_id),
                        outcome=outcome,
                        event_type=event.event_type,
                    )
            if batches:
                try:
                    await consumer.commit()
                except KafkaError as exc:
                    # A rebalance or a broker restart: the events come again and are recorded once.
                    log.warning("synergy_offsets_not_committed", error=repr(exc))
            for tp in consumer.assignment():
                highwater = consumer.highwater(tp)
                if highwater is not None:
                    LAG.labels(str(tp.partition)).set(max(0, highwater - await consumer.position(tp)))
                deliverer.wake.set()
    finally:
        await consumer.stop()
        await producer.stop()


async def run(settings: Settings) -> None:
    serve_metrics(settings)
    pool, recorder, deliverer = await build(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = [
        asyncio.create_task(consume(settings, recorder, deliverer)),
        asyncio.create_task(deliverer.run()),
    ]
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
    for task in [*tasks, stopper]:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await pool.close()
    for task in done:
        if task is not stopper and task.exception():
            raise task.exception()  # type: ignore[misc]


def main() -> None:
    settings = Settings()
    configure_logging("notifier", settings.log_level, settings.log_json)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
