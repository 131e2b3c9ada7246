"""The notifier process: consume synergy events and decisions, deliver emails in the background, and
send the sign-in links intake asks for."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer
from prometheus_client import Gauge

from ecocirc_notifier.bootstrap import Notifier, build, build_access_mailer
from ecocirc_notifier.service_layer.access import AccessMailer
from ecocirc_shared import consumer as shared_consumer
from ecocirc_shared.events import (
    AccessEvent,
    DecisionEvent,
    EmailPreferencesChanged,
    FollowUpChanged,
    OutcomeRecorded,
    ReviewModeChanged,
    SignInLinkRequested,
    SynergyAnswered,
    SynergyEvent,
    SynergyProposed,
    SynergyRecorded,
    SynergyRevised,
    SynergyStatusChanged,
    SynergyWithdrawn,
    WelcomeRequested,
)
from ecocirc_shared.kafka import ensure_topics, wait_for_broker
from ecocirc_shared.logging import configure_logging, get_logger
from ecocirc_shared.metrics import serve_metrics
from ecocirc_shared.settings import NotifierSettings
from ecocirc_shared.topics import ACCESS_EVENTS, DECISION_EVENTS, SYNERGY_EVENTS, all_topics

log = get_logger(__name__)
LAG = Gauge("ecocirc_notifier_consumer_lag", "Events not yet consumed", ["topic", "partition"])
GROUP = "ecocirc-notifier"
# Its own group: a sign-in link must not wait behind a backlog of synergy events.
ACCESS_GROUP = "ecocirc-notifier-access"
TOPICS = (SYNERGY_EVENTS, DECISION_EVENTS)
ACCEPTED = (
    SynergyProposed,
    SynergyRevised,
    SynergyWithdrawn,
    SynergyStatusChanged,
    FollowUpChanged,
    SynergyRecorded,
    OutcomeRecorded,
    ReviewModeChanged,
    EmailPreferencesChanged,
    SynergyAnswered,
)
Handled = SynergyEvent | DecisionEvent


def handler(notifier: Notifier) -> Callable[[list[Handled]], Awaitable[None]]:
    """Apply a batch of events one by one, in order; each is one transaction."""

    async def handle_batch(events: list[Handled]) -> None:
        for event in events:
            if isinstance(event, SynergyProposed | SynergyRevised | SynergyWithdrawn):
                outcome = await notifier.recorder.handle(event)
                # Its emails are due now (committed with the event): not after the rest of the batch.
                notifier.deliverer.wake.set()
            else:
                outcome = await notifier.decisions.handle(event)
            log.info(
                "event_applied", event_id=str(event.event_id), outcome=outcome, event_type=event.event_type
            )

    return handle_batch


async def consume(settings: NotifierSettings, notifier: Notifier, group: str = GROUP) -> None:
    """Apply each synergy event and decision, then commit its offset: a crash in between replays it
    harmlessly.

    The position stays in Kafka rather than in the ledger's transaction: applying is idempotent
    (revision check under a row lock, ledger keys, decision ids), and the embedded broker forgets its
    log when it restarts, so a position kept in PostgreSQL would point past the end of the refilled topic.
    """
    await wait_for_broker(settings)
    await ensure_topics(settings, all_topics(settings))

    async def after_poll(consumer: AIOKafkaConsumer) -> None:
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is not None:
                LAG.labels(tp.topic, str(tp.partition)).set(max(0, highwater - await consumer.position(tp)))
        notifier.deliverer.wake.set()

    await shared_consumer.consume(settings, TOPICS, group, ACCEPTED, handler(notifier), after_poll=after_poll)


def access_handler(mailer: AccessMailer) -> Callable[[list[AccessEvent]], Awaitable[None]]:
    async def handle_batch(events: list[AccessEvent]) -> None:
        for event in events:
            outcome = await mailer.handle(event)
            log.info("access_event_handled", event_id=str(event.event_id), outcome=outcome)

    return handle_batch


async def consume_access(settings: NotifierSettings, mailer: AccessMailer, group: str = ACCESS_GROUP) -> None:
    """Send each sign-in link and welcome intake asks for (ecocirc.access-events.v1)."""
    await wait_for_broker(settings)
    await ensure_topics(settings, all_topics(settings))
    await shared_consumer.consume(
        settings, [ACCESS_EVENTS], group, (SignInLinkRequested, WelcomeRequested), access_handler(mailer)
    )


async def run(settings: NotifierSettings) -> None:
    serve_metrics(settings)
    notifier = await build(settings)
    mailer = build_access_mailer(settings, notifier.pool)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = [
        asyncio.create_task(consume(settings, notifier)),
        asyncio.create_task(notifier.deliverer.run()),
        asyncio.create_task(consume_access(settings, mailer)),
    ]
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
    for task in [*tasks, stopper]:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await notifier.pool.close()
    for task in done:
        if task is not stopper and task.exception():
            raise task.exception()  # type: ignore[misc]


def main() -> None:
    settings = NotifierSettings()
    configure_logging("notifier", settings.log_level, settings.log_json)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
