"""Reading the flow-events topic from its start, as a test sees what the outbox published."""

from __future__ import annotations

import asyncio
import uuid

from ecocirc_shared.events import FlowDeclared, FlowRevised, FlowWithdrawn, decode
from ecocirc_shared.kafka import make_consumer
from ecocirc_shared.settings import Settings
from ecocirc_shared.topics import FLOW_EVENTS


async def read_flow_events(settings: Settings, expected: int, timeout_s: float = 20) -> dict[str, list[str]]:
    """ "event_type:version" per flow id, in arrival order, once `expected` events have arrived."""
    consumer = make_consumer(settings, FLOW_EVENTS, group_id=f"reader-{uuid.uuid4()}")
    await consumer.start()
    seen: dict[str, list[str]] = {}
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while sum(len(v) for v in seen.values()) < expected:
            assert asyncio.get_running_loop().time() < deadline, f"only {seen}"
            for messages in (await consumer.getmany(timeout_ms=500)).values():
                for m in messages:
                    event = decode(m.value)
                    if isinstance(event, FlowDeclared | FlowRevised):
                        flow_id, version = event.flow.flow_id, event.flow.version
                    else:
                        assert isinstance(event, FlowWithdrawn)
                        flow_id, version = event.flow_id, event.version
                    seen.setdefault(str(flow_id), []).append(f"{event.event_type}:{version}")
    finally:
        await consumer.stop()
    return seen
