"""The web pages driven without a browser: forms posted with their CSRF token, links read from the outbox."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from ecocirc_shared.events import SignInLinkRequested, decode
from ecocirc_shared.links import link_secret, sign_in_url
from ecocirc_shared.topics import ACCESS_EVENTS
from tests.integration.intake.conftest import Api

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    match = _CSRF.search(page.text)
    assert match, f"no CSRF token in the page:\n{page.text[:2000]}"
    return match.group(1)


def text_of(page: httpx.Response) -> str:
    """The page's text with tags dropped and entities decoded, for asserting on what a person reads."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text)))


async def sign_in_events(api: Api) -> list[SignInLinkRequested]:
    rows = await api.app.state.store.pool.fetch(
        "SELECT payload FROM outbox WHERE topic = $1 ORDER BY seq", ACCESS_EVENTS
    )
    # Welcomes travel on the same topic (a company registered through the API gets one).
    return [e for e in (decode(r["payload"]) for r in rows) if isinstance(e, SignInLinkRequested)]


def link_path(api: Api, event: SignInLinkRequested) -> str:
    """The emailed link, as the address bar would hold it (path and query)."""
    url = urlsplit(sign_in_url(api.settings.public_base_url, str(link_secret(api.settings)), event.link_id))
    return f"{url.path}?{url.query}"


@dataclass
class Visitor:
    """One browser's cookies, on the in-process app."""

    api: Api
    client: httpx.AsyncClient

    async def get(self, path: str) -> httpx.Response:
        return await self.client.get(path)

    async def submit(
        self, page_path: str, action: str, data: dict[str, Any] | list[tuple[str, str]]
    ) -> httpx.Response:
        """Open the page holding the form, then post it with that page's token."""
        page = await self.get(page_path)
        fields: dict[str, list[str]] = {"csrf": [csrf_of(page)]}
        for name, value in data.items() if isinstance(data, dict) else data:
            fields.setdefault(name, []).extend(value if isinstance(value, list) else [value])
        return await self.client.post(action, data=fields)

    async def ask_for_link(self, email: str) -> httpx.Response:
        return await self.submit("/", "/connexion", {"email": email})

    async def follow_link(self, path: str) -> httpx.Response:
        """What a person's click does: the confirmation page, then its form (which JavaScript submits)."""
        page = await self.get(path)
        if page.status_code != 200:
            return page
        value = re.search(r'name="jeton" value="([^"]+)"', page.text)
        assert value, page.text
        return await self.client.post(
            "/connexion/lien", data={"csrf": csrf_of(page), "jeton": html.unescape(value.group(1))}
        )

    async def sign_in(self, email: str) -> httpx.Response:
        before = len(await sign_in_events(self.api))
        await self.ask_for_link(email)
        events = await sign_in_events(self.api)
        assert len(events) == before + 1, "no link was sent"
        opened = await self.follow_link(link_path(self.api, events[-1]))
        assert opened.status_code == 303, opened.text
        return opened


@pytest.fixture
async def visitors(api: Api) -> AsyncIterator[Callable[..., Visitor]]:
    """Make browsers (each its own cookies, and its own client address unless told)."""
    clients: list[httpx.AsyncClient] = []

    def make(address: str | None = None) -> Visitor:
        address = address or f"203.0.113.{len(clients) + 1}"
        transport = httpx.ASGITransport(app=api.app, client=(address, 50000))
        client = httpx.AsyncClient(transport=transport, base_url="http://intake.test")
        clients.append(client)
        return Visitor(api, client)

    yield make
    for client in clients:
        await client.aclose()
