"""Schema-driven fuzzing: schemathesis generates requests from the app's own OpenAPI; none may get a 5xx.

The app runs under uvicorn in a thread of this process (its asyncpg pool lives in that thread's loop);
requests go over loopback with the admin token, and path ids are real ones so the generated bodies
reach the use cases and the database rather than stopping at a 404.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given
from schemathesis import GenerationMode

from ecocirc_devstack.components import free_port
from ecocirc_intake.bootstrap import create_app
from ecocirc_shared.settings import Settings
from tests.integration.intake.conftest import ADMIN_TOKEN, GERS

pytestmark = pytest.mark.integration
EXAMPLES = 25
# Read models of the notifier (synergies, unsubscriptions, review mode): fuzzed with the platform that
# creates them, not against intake alone where their tables do not exist.
ELSEWHERE = ("/v1/synergies", "/v1/unsubscribe", "/v1/territories")


@pytest.fixture
def served(make_settings: Callable[..., Settings]) -> Iterator[tuple[str, Any]]:
    app = create_app(make_settings(admin_token=ADMIN_TOKEN))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    server.should_exit = True
    thread.join(15)


def test_no_generated_request_gets_a_5xx(served: tuple[str, Any]) -> None:
    base_url, app = served
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=base_url, headers=auth) as client:
        advisor = client.post(
            "/v1/advisors", json={"name": "F", "email": "f@cci.example.fr", "territories": ["32"]}
        )
        company = client.post(
            "/v1/companies",
            json={"name": "Fuzz", "naf_code": "16.10A", "contact_email": "f@x.example.fr", **GERS},
        ).json()
        flow = client.post(
            f"/v1/companies/{company['id']}/flows",
            json={"direction": "offer", "category": "waste", "label": "Sciure"},
        ).json()
    ids = {"advisor_id": advisor.json()["id"], "company_id": company["id"], "flow_id": flow["id"]}
    schema = schemathesis.openapi.from_dict(app.openapi())
    failures: list[str] = []
    checked, started = 0, time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(ELSEWHERE):
            continue
        checked += 1
        params = {name: value for name, value in ids.items() if "{" + name + "}" in operation.path}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=params or None)

            @hypothesis.settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def run(case: schemathesis.Case) -> None:
                response = case.call(base_url=base_url, headers=auth)
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} -> {response.status_code}: {case.body!r}"
                    )

            # Unsatisfiable: nothing to make invalid in this operation (no parameters, no body).
            with contextlib.suppress(hypothesis.errors.Unsatisfiable):
                run()
    print(
        f"\nfuzzed {checked} operations x {EXAMPLES} examples x 2 modes in {time.monotonic() - started:.1f} s"
    )
    assert checked >= 20
    assert not failures, "\n".join(failures[:20])
