"""A real browser on the web pages: intake served by uvicorn and the notifier's sign-in mailer, both on the
real PostgreSQL, broker and SMTP sink; Debian's chromium driven by Playwright; screenshots kept."""

from __future__ import annotations

import asyncio
import contextlib
import email
import os
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright

from ecocirc_devstack.components import free_port
from ecocirc_intake.bootstrap import create_app
from ecocirc_notifier.bootstrap import Notifier, build, build_access_mailer
from ecocirc_notifier.entrypoints.consumer import consume, consume_access
from ecocirc_shared.settings import Settings
from tests.conftest import Mailbox

ADMIN_TOKEN = "browser-admin-token-with-enough-entropy"
CHROMIUM = Path(os.environ.get("ECOCIRC_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_INSTALLED = CHROMIUM.exists()
# Headless, and nothing that reaches out to the network on its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass
class Site:
    """The running site: its address, an admin API client, and the mail sink."""

    url: str
    settings: Settings
    api: httpx.AsyncClient
    mailbox: Mailbox
    notifier: Notifier

    async def company(self, **body: Any) -> dict[str, Any]:
        r = await self.api.post("/v1/companies", json=body)
        assert r.status_code == 201, r.text
        created: dict[str, Any] = r.json()
        return created

    async def email_to(self, address: str, subject: str = "", timeout_s: float = 30.0) -> EmailMessage:
        """The first email to `address` whose subject has `subject`; it travels intake's outbox, the
        broker and the notifier."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for path in sorted(self.mailbox.directory.glob("*.eml")):
                message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
                assert isinstance(message, EmailMessage)
                if str(message["To"]) == address and subject in str(message["Subject"]):
                    return message
            await asyncio.sleep(0.1)
        raise AssertionError(f"no email to {address} within {timeout_s} s")

    async def sign_in_link(self, address: str) -> tuple[str, EmailMessage]:
        # The link asked for, not the one of the welcome email the company got when registered.
        message = await self.email_to(address, "votre lien de connexion")
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        match = re.search(rf"{re.escape(self.url)}/connexion/lien\?jeton=\S+", body.get_content())
        assert match, body.get_content()
        return match.group(0), message


@pytest.fixture
async def site(make_settings: Callable[..., Settings], smtp: Mailbox) -> AsyncIterator[Site]:
    port = free_port()
    settings = make_settings(
        admin_token=ADMIN_TOKEN, api_port=port, public_base_url=f"http://127.0.0.1:{port}"
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    serving = asyncio.create_task(server.serve())
    notifier = await build(settings)  # waits for intake's read contract, which the server's start makes
    mailing = asyncio.create_task(consume_access(settings, build_access_mailer(settings, notifier.pool)))
    while not server.started:  # uvicorn offers no event to wait on
        assert not serving.done(), serving.exception()
        await asyncio.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as api:
        yield Site(url, settings, api, smtp, notifier)
    mailing.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await mailing
    await notifier.pool.close()
    server.should_exit = True
    await serving


@pytest.fixture
async def steered_site(site: Site) -> AsyncIterator[Site]:
    """The site with the notifier applying advisors' decisions (follow-up, results, workshop leads) and
    recording leads, as `make run` does."""
    consuming = asyncio.create_task(
        consume(site.settings, site.notifier, group=f"web-{uuid.uuid4().hex[:8]}")
    )
    yield site
    consuming.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await consuming


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM_INSTALLED:
        message = f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def shoot(request: pytest.FixtureRequest) -> Callable[[Page, str], Any]:
    """Save a full-page screenshot under var/screenshots/<test>/, numbered in the order taken."""
    folder = SCREENSHOTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    taken = [0]

    async def take(page: Page, name: str) -> Path:
        taken[0] += 1
        path = folder / f"{taken[0]:02d}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        return path

    return take
