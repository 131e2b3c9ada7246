"""Imports are bounded in rows, columns and time, and given up when the client goes away."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ecocirc_intake.bootstrap import create_app
from ecocirc_intake.service_layer import imports
from ecocirc_shared.settings import Settings
from tests.integration.intake.conftest import ADMIN_TOKEN, Api
from tests.integration.intake.test_imports import ROWS, csv_bytes
from tests.unit.intake.adapters.handmade_xlsx import ROW_JUMP

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@asynccontextmanager
async def api_with(make_settings: Callable[..., Settings], **overrides: Any) -> AsyncIterator[Api]:
    settings = make_settings(admin_token=ADMIN_TOKEN, **overrides)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as client:
            yield Api(client, app, settings)


async def post_file(api: Api, content: bytes, name: str) -> httpx.Response:
    return await api.call("POST", "/v1/imports", files={"file": (name, content)})


async def companies(api: Api) -> int:
    count: int = await api.app.state.store.pool.fetchval("SELECT count(*) FROM companies")
    return count


async def test_a_row_number_jump_is_refused_at_once(api: Api) -> None:
    # 1.5 KB; before the bound the import walked ten thousand billion empty rows (and never answered).
    r = await post_file(api, ROW_JUMP, "entretien.xlsx")
    assert r.status_code == 422, r.text
    [problem] = r.json()["errors"]
    assert problem["field"] == "file" and "au-delà de la ligne 20000" in problem["message"]


async def test_row_and_column_bounds_come_from_the_settings(make_settings: Callable[..., Settings]) -> None:
    async with api_with(make_settings, import_max_rows=2, import_max_columns=14) as api:
        r = await post_file(api, csv_bytes(ROWS), "entretien.csv")
        assert r.status_code == 422
        messages = [e["message"] for e in r.json()["errors"]]
        # The header has 15 columns: the first bound reached is the columns'.
        assert any("au-delà de la colonne 14" in m for m in messages), messages
    async with api_with(make_settings, import_max_rows=2) as api:
        r = await post_file(api, csv_bytes(ROWS), "entretien.csv")
        assert r.status_code == 422
        assert "plus de 2 lignes" in r.json()["errors"][0]["message"]
        assert await companies(api) == 0


async def test_an_import_past_its_time_is_refused_and_writes_nothing(
    make_settings: Callable[..., Settings],
) -> None:
    async with api_with(make_settings, import_max_seconds=1e-6) as api:
        r = await post_file(api, csv_bytes(ROWS), "entretien.csv")
        assert r.status_code == 422, r.text
        assert "L'import a dépassé" in r.json()["errors"][0]["message"]
        assert await companies(api) == 0


async def test_writing_is_bounded_by_the_same_time_and_rolled_back(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reading and checking are let through, so the time runs out while writing.
    monkeypatch.setattr(imports._Budget, "check", lambda self: None)
    async with api_with(make_settings, import_max_seconds=1e-6) as api:
        r = await post_file(api, csv_bytes(ROWS), "entretien.csv")
        assert r.status_code == 503, r.text
        assert "L'import a dépassé" in r.json()["detail"]
        assert await companies(api) == 0


async def test_an_import_is_given_up_when_the_client_goes(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    started, ended = threading.Event(), threading.Event()
    original = imports._plan

    def observed_plan(*args: Any) -> Any:
        started.set()
        try:
            return original(*args)
        finally:
            ended.set()

    monkeypatch.setattr(imports, "_plan", observed_plan)
    # Bounds so wide that the row jump would be walked for hours: only the client leaving ends it.
    async with api_with(make_settings, import_max_sheet_rows=10**15, import_max_seconds=10**6) as api:
        status = await call_then_disconnect(api.app, ROW_JUMP, started)
    # The parsing thread was told to stop, and did (a thread left running would hang this wait).
    await asyncio.to_thread(ended.wait)
    assert status in (None, 499)


async def call_then_disconnect(app: FastAPI, content: bytes, started: threading.Event) -> int | None:
    """POST the file as a raw ASGI call whose client hangs up once the parsing has begun."""
    request = httpx.Request(
        "POST",
        "http://intake.test/v1/imports",
        files={"file": ("entretien.xlsx", content)},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    body = request.read()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/imports",
        "raw_path": b"/v1/imports",
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "client": ("127.0.0.1", 50000),
        "server": ("intake.test", 80),
        "state": {},
    }
    sent_body = False
    answers: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.to_thread(started.wait)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answers.append(message["status"])

    await app(scope, receive, send)
    return answers[0] if answers else None
