"""The intake app on its own database and broker, driven in-process through httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ecocirc_intake.bootstrap import create_app
from ecocirc_shared.settings import Settings

ADMIN_TOKEN = "test-admin-token-with-enough-entropy"
GERS = {"postcode": "32130", "city": "Samatan"}
GERS_2 = {"postcode": "32220", "city": "Lombez"}
HAUTE_GARONNE = {"postcode": "31600", "city": "Muret"}


@dataclass
class Api:
    """An in-process client; requests are made as one token or another."""

    client: httpx.AsyncClient
    app: FastAPI
    settings: Settings

    async def call(
        self, method: str, path: str, token: str | None = ADMIN_TOKEN, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(kwargs.pop("headers", {}))
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def created(self, path: str, token: str | None = ADMIN_TOKEN, **kwargs: Any) -> dict[str, Any]:
        response = await self.call("POST", path, token, **kwargs)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def advisor(self, territories: list[str], name: str = "Claire Dupuy") -> dict[str, Any]:
        return await self.created(
            "/v1/advisors", json={"name": name, "email": "c.dupuy@cci.example.fr", "territories": territories}
        )

    async def company(
        self, token: str = ADMIN_TOKEN, place: dict[str, str] = GERS, **body: Any
    ) -> dict[str, Any]:
        defaults = {
            "name": "Scierie du Savès",
            "naf_code": "16.10A",
            "contact_email": "contact@scierie.example.fr",
        }
        return await self.created("/v1/companies", token, json={**defaults, **place, **body})

    async def flow(self, company_id: str, token: str = ADMIN_TOKEN, **body: Any) -> dict[str, Any]:
        defaults = {"direction": "offer", "category": "waste", "label": "Sciures de chêne"}
        return await self.created(f"/v1/companies/{company_id}/flows", token, json={**defaults, **body})


@pytest.fixture
async def api(make_settings: Callable[..., Settings]) -> AsyncIterator[Api]:
    # No notifier runs here: decisions are recorded in the outbox and answered at once.
    settings = make_settings(admin_token=ADMIN_TOKEN, decision_wait_seconds=0)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as client:
            yield Api(client, app, settings)
