"""The faust application: a thin agent that decodes flow events and hands them to the service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import faust

from ecocirc_matcher.adapters.faust_transport import register
from ecocirc_matcher.bootstrap import Matcher, build
from ecocirc_matcher.service_layer.matching import MatcherService
from ecocirc_shared.events import FlowDeclared, FlowEvent, FlowRevised, FlowWithdrawn, PoisonEvent, decode
from ecocirc_shared.logging import get_logger
from ecocirc_shared.metrics import serve_metrics
from ecocirc_shared.settings import Settings
from ecocirc_shared.topics import DEAD_LETTERS, FLOW_EVENTS

log = get_logger(__name__)

# Bump when the meaning of what the consumer group has committed changes (faust guidance).
APP_VERSION = 1


BATCH_SIZE = 500
BATCH_WINDOW_S = 0.02
RETRY_MAX_S = 10.0
# The database or broker being away is temporary: wait for it rather than drop or reorder events.
UNAVAILABLE = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
)


async def apply_batch(
    service: MatcherService,
    events: list[tuple[FlowEvent, bytes]],
    to_dead_letters: Callable[[bytes], Awaitable[None]],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Apply a batch until it succeeds; an event that fails for another reason goes to the dead letters.

    Only infrastructure failures are retried (forever, with backoff): nothing is acked before it is
    applied. Any other failure is a defect for one event: the batch is replayed one event at a time
    and the events that still fail are set aside, so one bad event cannot stop the matcher.
    """
    delay = 0.5
    while True:
        try:
            await service.handle_batch([e for e, _ in events])
            return
        except UNAVAILABLE as exc:
            log.warning("flow_batch_retry", events=len(events), error=repr(exc), retry_in_s=delay)
            await sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)
        except Exception as exc:  # any other failure: isolate the event at fault
            if len(events) == 1:
                log.exception("flow_event_failed", event_id=str(events[0][0].event_id), error=repr(exc))
                await to_dead_letters(events[0][1])
                return
            log.warning("flow_batch_failed_splitting", events=len(events), error=repr(exc))
            for single in events:
                await apply_batch(service, [single], to_dead_letters, sleep)
            return


def create_app(settings: Settings) -> faust.App:
    scheme = register(settings.kafka_fetch_max_wait_ms)
    brokers = ";".join(
        f"{scheme}://{h}" for h in settings.require(settings.kafka_bootstrap, "kafka_bootstrap").split(",")
    )
    datadir = settings.var_dir / "matcher-faust"
    # faust creates only the last level of its data folder; a fresh container has none of it.
    datadir.parent.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        "ecocirc-matcher",
        version=APP_VERSION,
        broker=brokers,
        value_serializer="raw",
        key_serializer="raw",
        topic_partitions=settings.flow_partitions,
        topic_replication_factor=settings.replication_factor,
        broker_session_timeout=settings.kafka_session_timeout_ms / 1000,
        broker_heartbeat_interval=settings.kafka_heartbeat_interval_ms / 1000,
        producer_linger=0,  # tansu reports end offsets per batch (broker-notes.md)
        web_enabled=False,
        # faust keeps local files (table stores, leader state) here; not in the current directory.
        datadir=str(datadir),
        consumer_auto_offset_reset="earliest",
    )
    flow_topic = app.topic(FLOW_EVENTS, value_type=bytes, key_type=bytes, partitions=settings.flow_partitions)
    dead_letters = app.topic(DEAD_LETTERS, value_type=bytes, key_type=bytes, partitions=1)
    state: dict[str, Matcher] = {}
    ready = asyncio.Event()

    @app.task  # type: ignore[untyped-decorator]
    async def start() -> None:
        serve_metrics(settings)
        matcher = await build(settings)
        state["matcher"] = matcher
        relay = asyncio.ensure_future(matcher.relay.run())
        app.add_future(relay)
        ready.set()

    async def to_dead_letters(raw: bytes) -> None:
        await dead_letters.send(key=b"flow-events", value=raw)

    @app.agent(flow_topic)
    async def flows(stream: faust.StreamT[bytes]) -> AsyncIterator[Any]:
        # Batches: one transaction (locks, catch-up, writes) for what arrived together, and the
        # revisions of one synergy within it announced once. faust acks a batch after this body.
        async for batch in stream.take(BATCH_SIZE, within=BATCH_WINDOW_S):
            await ready.wait()
            events: list[tuple[FlowEvent, bytes]] = []
            for raw in batch:
                try:
                    event = decode(raw)
                    if not isinstance(event, FlowDeclared | FlowRevised | FlowWithdrawn):
                        raise PoisonEvent(f"{event.event_type} does not belong on {FLOW_EVENTS}")
                except PoisonEvent as exc:
                    log.error("poison_flow_event", error=str(exc))
                    await to_dead_letters(raw)
                    continue
                events.append((event, raw))
            if events:
                await apply_batch(state["matcher"].service, events, to_dead_letters)
            yield None

    return app


def main() -> None:
    from ecocirc_shared.logging import configure_logging

    settings = Settings()
    configure_logging("matcher", settings.log_level, settings.log_json)
    app = create_app(settings)
    app.conf.loghandlers = list(logging.getLogger().handlers)
    # faust would install its own coloured text handler; hand it ours so its lines are JSON too.
    worker = faust.Worker(
        app,
        loglevel=settings.log_level,
        quiet=True,
        logging_config={"version": 1, "disable_existing_loggers": False},
    )
    # faust's start-up spinner sets the root logger to DEBUG (its handler then drops the lines): every
    # debug line of every library would be built for nothing. Without it the level stays ours.
    worker.spinner = None
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
