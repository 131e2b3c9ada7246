"""Sending the emails about access (a sign-in link someone asked for, the welcome of a company an
advisor registered): at once, once, and only while their link is useful.

A sign-in link is worth sending only before it expires, so there is no hold and no long retry: a
few quick attempts, then the request is marked failed and the person asks again. Each request event
is recorded before sending, so a replayed event (a broker restart republishes the latest event of
each key) sends nothing a second time; a crash between recording and sending loses that one email,
which the person notices and asks for again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
from prometheus_client import Counter

from ecocirc_notifier.adapters.directory import load_directory
from ecocirc_notifier.adapters.smtp import build_message
from ecocirc_notifier.clock import Clock, system_clock
from ecocirc_notifier.domain.access import render_sign_in, render_welcome
from ecocirc_notifier.domain.emails import EmailSettings, RenderedEmail
from ecocirc_notifier.domain.news import message_id
from ecocirc_notifier.service_layer.delivery import SMTP_ERRORS, Sender
from ecocirc_shared.events import AccessEvent, WelcomeRequested
from ecocirc_shared.links import sign_in_url
from ecocirc_shared.logging import get_logger

log = get_logger(__name__)
SENT = Counter("ecocirc_notifier_access_emails_total", "Sign-in emails by outcome", ["outcome"])
ATTEMPTS = 3


class AccessMailer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        sender: Sender,
        email_settings: EmailSettings,
        mail_from: str,
        *,
        link_secret: str | None,
        public_base_url: str,
        mail_domain: str = "localhost",
        clock: Clock = system_clock,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.pool = pool
        self.sender = sender
        self.email_settings = email_settings
        self.mail_from = mail_from
        self.link_secret = link_secret
        self.public_base_url = public_base_url
        self.mail_domain = mail_domain
        self.clock = clock
        self.sleep = sleep

    async def handle(self, event: AccessEvent) -> str:
        """Send the email unless its link expired or it was already handled; return what became of it."""
        kind = "welcome" if isinstance(event, WelcomeRequested) else "sign_in"
        expired = event.expires_at <= self.clock()
        recorded = await self.pool.fetchval(
            """INSERT INTO access_emails (event_id, kind, email, status) VALUES ($1, $2, $3, $4)
               ON CONFLICT (event_id) DO NOTHING RETURNING 1""",
            event.event_id,
            kind,
            event.email,
            "expired" if expired else "sending",
        )
        if not recorded:
            return "duplicate"
        if expired:
            SENT.labels("expired").inc()
            return "expired"
        if self.link_secret is None:
            # Embedded mode without ECOCIRC_LINK_SECRET (the devstack always sets one): no link to make.
            log.error("access_email_without_link_secret", event_id=str(event.event_id), kind=kind)
            await self._record(event, "failed", 0, "ECOCIRC_LINK_SECRET is not set")
            SENT.labels("failed").inc()
            return "failed"
        url = sign_in_url(self.public_base_url, self.link_secret, event.link_id)
        if isinstance(event, WelcomeRequested):
            rendered = await self._welcome(event, url)
            key = f"welcome:{event.event_id}"
        else:
            rendered = render_sign_in(event, url, self.email_settings)
            key = f"sign-in:{event.event_id}"
        message = build_message(
            rendered, sender=self.mail_from, to=event.email, message_id=message_id(key, self.mail_domain)
        )
        error: Exception | None = None
        for attempt in range(1, ATTEMPTS + 1):
            try:
                await self.sender.send(message)
            except SMTP_ERRORS as exc:
                error = exc
                log.warning(
                    "access_email_retry", event_id=str(event.event_id), attempt=attempt, error=repr(exc)
                )
                if attempt < ATTEMPTS:
                    await self.sleep(2.0**attempt)
                continue
            await self._record(event, "sent", attempt, None)
            SENT.labels("sent").inc()
            log.info("access_email_sent", event_id=str(event.event_id), link_id=str(event.link_id), kind=kind)
            return "sent"
        await self._record(event, "failed", ATTEMPTS, repr(error)[:500])
        SENT.labels("failed").inc()
        return "failed"

    async def _welcome(self, event: WelcomeRequested, url: str) -> RenderedEmail:
        """The welcome names the company's advisor as the directory knows it now."""
        async with self.pool.acquire() as conn:
            directory = await load_directory(conn, [event.company_id], False)
        return render_welcome(event, url, directory, self.email_settings, self.public_base_url)

    async def _record(self, event: AccessEvent, status: str, attempts: int, error: str | None) -> None:
        await self.pool.execute(
            """UPDATE access_emails SET status = $2, attempts = $3, last_error = $4,
                      sent_at = CASE WHEN $2 = 'sent' THEN now() END
               WHERE event_id = $1""",
            event.event_id,
            status,
            attempts,
            error,
        )
