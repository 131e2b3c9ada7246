"""Through the API, with the broker stopped: declarations are accepted, and their events leave in order
per flow when it returns."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from ecocirc_shared.events import FlowDeclared, FlowRevised, FlowWithdrawn, decode
from ecocirc_shared.kafka import make_consumer
from ecocirc_shared.settings import Settings
from ecocirc_shared.topics import FLOW_EVENTS
from tests.conftest import Broker
from tests.integration.intake.conftest import Api


async def read_versions(settings: Settings, expected: int, timeout_s: float = 20) -> dict[str, list[str]]:
    """ "kind:version" per flow, in arrival order, from the start of the topic."""
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
                        seen.setdefault(str(event.flow.flow_id), []).append(
                            f"{event.event_type}:{event.flow.version}"
                        )
                    elif isinstance(event, FlowWithdrawn):
                        seen.setdefault(str(event.flow_id), []).append(f"{event.event_type}:{event.version}")
    finally:
        await consumer.stop()
    return seen


pytestmark = pytest.mark.integration


async def test_declarations_survive_a_stopped_broker(api: Api, broker: Broker) -> None:
    settings = api.settings
    company = await api.company()
    before = await api.flow(company["id"])
    await read_versions(settings, expected=1)  # published while the broker is up

    broker.stop()
    late = await api.flow(company["id"], label="Palettes")
    for label in ("Palettes cassées", "Palettes en bois"):
        r = await api.call("PATCH", f"/v1/flows/{late['id']}", json={"label": label})
        assert r.status_code == 200, r.text
    other = await api.flow(company["id"], direction="need", category="energy", label="Chaleur")
    assert (await api.call("DELETE", f"/v1/flows/{other['id']}")).status_code == 204
    pending = await api.app.state.store.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE published_at IS NULL"
    )
    assert pending == 5

    broker.restart()  # empty, as the embedded broker always comes back
    seen = await read_versions(settings, expected=6, timeout_s=40)
    assert seen[str(before["id"])] == ["flow.declared:1"]  # republished from its latest event
    assert seen[str(late["id"])] == ["flow.declared:1", "flow.revised:2", "flow.revised:3"]
    assert seen[str(other["id"])] == ["flow.declared:1", "flow.withdrawn:2"]
