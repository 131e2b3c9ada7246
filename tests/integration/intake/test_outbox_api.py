"""Through the API, with the broker stopped: declarations are accepted, and their events leave in order
per flow when it returns."""

from __future__ import annotations

import pytest

from tests.conftest import Broker
from tests.integration.flow_topic import read_flow_events
from tests.integration.intake.conftest import Api

pytestmark = pytest.mark.integration


async def test_declarations_survive_a_stopped_broker(api: Api, broker: Broker) -> None:
    settings = api.settings
    company = await api.company()
    before = await api.flow(company["id"])
    await read_flow_events(settings, expected=1)  # published while the broker is up

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
    seen = await read_flow_events(settings, expected=6, timeout_s=40)
    assert seen[str(before["id"])] == ["flow.declared:1"]  # republished from its latest event
    assert seen[str(late["id"])] == ["flow.declared:1", "flow.revised:2", "flow.revised:3"]
    assert seen[str(other["id"])] == ["flow.declared:1", "flow.withdrawn:2"]
