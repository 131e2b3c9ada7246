"""The faust application: a thin agent that decodes flow events and hands them to the service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any, cast

import faust
from faust.types import TP

from ecocirc_matcher.adapters.faust_security import broker_credentials
from ecocirc_matcher.adapters.faust_transport import register
from ecocirc_matcher.bootstrap import Matcher, build
from ecocirc_matcher.domain.regions import zone_regions
from ecocirc_shared.consumer import Incoming, apply_batch, dead_letter_headers, decode_batch
from ecocirc_shared.db import database_unavailable
from ecocirc_shared.events import FlowDeclared, FlowEvent, FlowRevised, FlowWithdrawn
from ecocirc_shared.logging import get_logger
from ecocirc_shared.metrics import serve_metrics
from ecocirc_shared.settings import MatcherSettings
from ecocirc_shared.topics import DEAD_LETTERS, FLOW_EVENTS

log = get_logger(__name__)

# Bump when the meaning of what the consumer group has committed changes (faust guidance).
APP_VERSION = 1


BATCH_SIZE = 500
BATCH_WINDOW_S = 0.02
GROUP = "ecocirc-matcher"
REDERIVE_RETRY_S = 2.0
ACCEPTED = (FlowDeclared, FlowRevised, FlowWithdrawn)


def create_app(settings: MatcherSettings) -> faust.App:
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
        broker_credentials=broker_credentials(settings),
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
    zones: set[int] = set()  # the flow-topic partitions (zones) this worker is given

    def want_zones() -> None:
        if "matcher" in state:
            state["matcher"].service.want(
                frozenset().union(*(zone_regions(z, settings.flow_partitions) for z in zones))
            )

    @app.on_partitions_assigned.connect  # type: ignore[arg-type]
    async def on_assigned(app: faust.App, assigned: set[TP], **_: Any) -> None:
        # The zones' regions are loaded before the next batch; a worker that loses a zone reloads only
        # the zones it keeps then, so its memory follows its share.
        zones.clear()
        zones.update(tp.partition for tp in assigned if tp.topic == FLOW_EVENTS)
        want_zones()

    @app.task  # type: ignore[untyped-decorator]
    async def start() -> None:
        serve_metrics(settings)
        matcher = await build(settings)
        state["matcher"] = matcher
        want_zones()
        relay = asyncio.ensure_future(matcher.relay.run())
        app.add_future(relay)
        if matcher.service.knowledge_pending:
            # Region by region, taking turns with the events of this worker's zones.
            app.add_future(asyncio.ensure_future(rederive(matcher)))
        ready.set()

    async def rederive(matcher: Matcher) -> None:
        """Until every region is re-derived with this knowledge: a database that fails is waited out."""
        while True:
            try:
                await matcher.service.rederive_pending()
                return
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                log.warning("rederivation_retry", error=repr(exc))
                await asyncio.sleep(REDERIVE_RETRY_S)

    async def set_aside(record: Incoming, reason: str) -> None:
        headers = dead_letter_headers(record, reason, GROUP)
        await dead_letters.send(key=record.key, value=record.value, headers=headers)

    @app.agent(flow_topic)
    async def flows(stream: faust.StreamT[bytes]) -> AsyncIterator[Any]:
        # Batches: one transaction (locks, catch-up, writes) for what arrived together, and the
        # revisions of one synergy within it announced once. faust acks a batch after this body.
        async for batch in cast("faust.Stream[bytes]", stream).take_events(BATCH_SIZE, within=BATCH_WINDOW_S):
            await ready.wait()
            records = [
                Incoming(m.topic, m.partition, m.offset, m.key, m.value) for m in (e.message for e in batch)
            ]
            events, poison = decode_batch(records, ACCEPTED)
            for record, reason in poison:
                await set_aside(record, reason)
            if events:
                flow_events = cast("list[tuple[FlowEvent, Incoming]]", events)  # ACCEPTED only
                await apply_batch(state["matcher"].service.handle_batch, flow_events, set_aside)
            yield None

    return app


def main() -> None:
    from ecocirc_shared.logging import configure_logging

    settings = MatcherSettings()
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
