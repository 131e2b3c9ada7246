"""Failed authentications are limited per client and per token prefix; a valid token always gets in."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from ecocirc_intake.bootstrap import create_app
from ecocirc_shared.settings import Settings
from tests.integration.intake.conftest import ADMIN_TOKEN

pytestmark = pytest.mark.integration

LIMIT = 5


@asynccontextmanager
async def client_of(
    make_settings: Callable[..., Settings], **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(admin_token=ADMIN_TOKEN, auth_failures_per_minute=LIMIT, **overrides)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        # The ASGI transport's peer is 127.0.0.1, as a reverse proxy on the same host would be.
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as client:
            yield client


async def me(client: httpx.AsyncClient, token: str, forwarded_for: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return (await client.get("/v1/me", headers=headers)).status_code


def guess() -> str:
    return secrets.token_urlsafe(32)


async def test_bad_tokens_from_one_address_never_lock_out_a_valid_token(
    make_settings: Callable[..., Settings],
) -> None:
    async with client_of(make_settings) as client:
        created = await client.post(
            "/v1/advisors",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            json={"name": "A", "email": "a@cci.example", "territories": ["32"]},
        )
        advisor_token = created.json()["token"]
        answers = [await me(client, guess()) for _ in range(LIMIT + 3)]
        assert answers[:LIMIT] == [401] * LIMIT and answers[LIMIT:] == [429] * 3
        # Same address, still blocked for bad tokens: the valid ones get in all the same.
        assert await me(client, ADMIN_TOKEN) == 200
        assert await me(client, advisor_token) == 200
        assert await me(client, guess()) == 429


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(
    make_settings: Callable[..., Settings],
) -> None:
    async with client_of(make_settings, trusted_proxies=["127.0.0.1"]) as client:
        answers = [await me(client, guess(), "203.0.113.7") for _ in range(LIMIT + 1)]
        assert answers[-1] == 429
        # Another client behind the same proxy is not punished for the first one.
        assert await me(client, guess(), "198.51.100.9") == 401
        # The proxy appends the peer it saw: the rightmost untrusted address is the client.
        assert await me(client, guess(), "192.0.2.1, 203.0.113.7") == 429
        assert await me(client, ADMIN_TOKEN, "203.0.113.7") == 200


async def test_forwarded_addresses_from_an_untrusted_peer_are_ignored(
    make_settings: Callable[..., Settings],
) -> None:
    # No trusted proxy: a client cannot dodge the limit by writing a new X-Forwarded-For each time.
    async with client_of(make_settings) as client:
        answers = [await me(client, guess(), f"203.0.113.{i}") for i in range(LIMIT + 1)]
        assert answers[-1] == 429
    async with client_of(make_settings, trusted_proxies=["10.0.0.0/8"]) as client:
        answers = [await me(client, guess(), f"203.0.113.{i}") for i in range(LIMIT + 1)]
        assert answers[-1] == 429


async def test_guesses_on_one_token_prefix_are_limited_whatever_their_address(
    make_settings: Callable[..., Settings],
) -> None:
    async with client_of(make_settings, trusted_proxies=["127.0.0.0/8"]) as client:
        known = ADMIN_TOKEN[:8]
        answers = [await me(client, known + guess(), f"203.0.113.{i}") for i in range(LIMIT + 1)]
        assert answers[:LIMIT] == [401] * LIMIT and answers[LIMIT] == 429
        assert await me(client, guess(), "198.51.100.1") == 401  # another beginning, another client
        assert await me(client, ADMIN_TOKEN, "198.51.100.2") == 200  # the real token shares the prefix
