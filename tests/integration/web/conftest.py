"""The advisor's pages on intake with the notifier applying their decisions, as in production: the
follow-up, outcomes and workshop leads cross intake's outbox and the broker before the page shows them.
Browsers are httpx clients with their own cookies (tests.integration.intake.web)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest

from ecocirc_intake.bootstrap import create_app
from ecocirc_notifier.entrypoints.consumer import consume
from tests.integration.intake.conftest import Api as IntakeApi
from tests.integration.intake.web import Visitor
from tests.integration.notifier.conftest import ADMIN_TOKEN, Api, MakeNotifier, Notifier, make_notifier

__all__ = ["ADMIN_TOKEN", "Site", "make_notifier", "site"]


@dataclass
class Site:
    notifier: Notifier
    api: Api
    intake: IntakeApi
    clients: list[httpx.AsyncClient]

    def visitor(self) -> Visitor:
        """A browser of its own (cookies), from an address of its own (the sign-in limits count by address)."""
        address = f"203.0.113.{len(self.clients) + 1}"
        transport = httpx.ASGITransport(app=self.intake.app, client=(address, 50000))
        client = httpx.AsyncClient(transport=transport, base_url="http://intake.test")
        self.clients.append(client)
        return Visitor(self.intake, client)

    async def signed_in(self, email: str) -> Visitor:
        visitor = self.visitor()
        await visitor.sign_in(email)
        return visitor


@pytest.fixture
async def site(make_notifier: MakeNotifier) -> AsyncIterator[Site]:
    n: Notifier = await make_notifier()
    app = create_app(n.settings)
    consumer = asyncio.create_task(consume(n.settings, n.services, group=f"web-{uuid.uuid4().hex[:8]}"))
    clients: list[httpx.AsyncClient] = []
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake.test") as http,
        ):
            yield Site(n, Api(http), IntakeApi(http, app, n.settings), clients)
            for client in clients:
                await client.aclose()
    finally:
        consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consumer


Make = Callable[..., Site]
