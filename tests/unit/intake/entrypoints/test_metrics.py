"""Request metrics keep a bounded set of label values, whatever methods and paths clients send."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from ecocirc_intake.entrypoints.metrics import REQUESTS, RequestMetrics


def app() -> FastAPI:
    application = FastAPI()
    application.add_middleware(RequestMetrics)

    @application.get("/v1/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    return application


def label_sets() -> set[tuple[str, str, str]]:
    return {
        (s.labels["method"], s.labels["route"], s.labels["status"])
        for metric in REQUESTS.collect()
        for s in metric.samples
        if s.name.endswith("_total")
    }


async def test_arbitrary_methods_and_paths_add_no_label_values() -> None:
    before = label_sets()  # the counter is process-wide: other tests may have added to it
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://t") as client:
        assert (await client.get("/v1/things/1")).status_code == 200
        for i in range(300):
            await client.request(f"X-PROBE-{i}", f"/v1/things/{i}")
            await client.request(f"BREW{i}", f"/nowhere/{i}")
            await client.get(f"/nowhere/{i}")
    labels = label_sets()
    added = labels - before
    methods = {method for method, _, _ in labels}
    assert ("GET", "/v1/things/{thing_id}", "200") in labels
    assert "other" in {method for method, _, _ in added}
    assert not any(m.startswith(("X-PROBE", "BREW")) for m in methods), sorted(methods)[:5]
    assert {route for _, route, _ in added} <= {"/v1/things/{thing_id}", "unmatched"}
    assert len(added) < 10, sorted(added)
