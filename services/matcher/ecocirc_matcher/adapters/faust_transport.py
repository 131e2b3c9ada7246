"""A faust transport whose only change is a configurable consumer fetch wait.

faust's aiokafka driver hard-codes fetch_max_wait_ms=1500. On Apache Kafka a fetch returns as
soon as data arrives, so that is harmless; tansu (the embedded broker) polls instead, and each
hop then waits most of that time (broker-notes.md: ~1.1 s for two hops, ~90 ms at 100 ms).
This is the one documented extension point for it: brokers are addressed as
`ecocirc-kafka://host:port`, and the wait comes from ECOCIRC_KAFKA_FETCH_MAX_WAIT_MS.
"""

from __future__ import annotations

from typing import Any, ClassVar

from faust.transport.drivers import TRANSPORTS
from faust.transport.drivers import aiokafka as faust_aiokafka

SCHEME = "ecocirc-kafka"


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    fetch_max_wait_ms: ClassVar[int] = 1500

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka reads this attribute when start() builds its fetcher, which has not happened yet.
        consumer._fetch_max_wait_ms = self.fetch_max_wait_ms
        return consumer


class Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    Consumer = Consumer


def register(fetch_max_wait_ms: int) -> str:
    """Make `ecocirc-kafka://` URLs use this transport; return the scheme to use in broker URLs."""
    ConsumerThread.fetch_max_wait_ms = fetch_max_wait_ms
    TRANSPORTS.aliases[SCHEME] = f"{__name__}:Transport"
    return SCHEME
