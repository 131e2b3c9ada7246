"""Delivering queued emails: render with the latest state, send, record; retry with backoff, then fail."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib
import asyncpg
from prometheus_client import Counter

from ecocirc_notifier.adapters.directory import load_directory
from ecocirc_notifier.adapters.smtp import build_message
from ecocirc_notifier.domain.emails import EmailSettings, render
from ecocirc_notifier.domain.news import News, NewsKind
from ecocirc_notifier.domain.recipients import Recipient
from ecocirc_shared.db import Connection
from ecocirc_shared.logging import get_logger
from ecocirc_shared.synergies import SynergySnapshot

log = get_logger(__name__)

SENT = Counter("ecocirc_notifier_emails_sent_total", "Emails accepted by the SMTP server", ["news"])
FAILED = Counter("ecocirc_notifier_emails_failed_total", "Emails given up after retries")
RETRIED = Counter("ecocirc_notifier_email_retries_total", "SMTP attempts that failed and will be retried")

MAX_ATTEMPTS = 8
BATCH = 20


class Sender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(600, 2**attempts))


class Deliverer:
    def __init__(self, pool: asyncpg.Pool, sender: Sender, email_settings: EmailSettings, mail_from: str):
        self.pool = pool
        self.sender = sender
        self.email_settings = email_settings
        self.mail_from = mail_from
        self.wake = asyncio.Event()

    async def run(self) -> None:
        while True:
            try:
                sent = await self.deliver_due()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("delivery_loop_retry", error=repr(exc))
                sent = 0
                await asyncio.sleep(1.0)
            if sent < BATCH:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), timeout=1.0)

    async def deliver_due(self) -> int:
        """Send what is due now; return how many rows were handled."""
        handled = 0
        async with self.pool.acquire() as conn:
            while handled < BATCH:
                async with conn.transaction():
                    # One row at a time, locked while it is sent: a withdrawal arriving meanwhile
                    # waits, then sees it sent and tells that recipient.
                    row = await conn.fetchrow(
                        """SELECT d.news_key, d.news, d.recipient, d.message_id, d.attempts, d.email,
                                  s.snapshot AS latest, s.active
                           FROM deliveries d JOIN synergies s USING (synergy_id)
                           WHERE d.status = 'pending' AND d.next_attempt_at <= now()
                           ORDER BY d.next_attempt_at, d.created_at
                           LIMIT 1 FOR UPDATE OF d SKIP LOCKED"""
                    )
                    if row is None:
                        break
                    handled += 1
                    await self._deliver_one(conn, row)
        return handled

    async def _deliver_one(self, conn: Connection, row: asyncpg.Record) -> None:
        news = News.model_validate_json(row["news"])
        recipient = Recipient.model_validate_json(row["recipient"])
        if news.kind is NewsKind.PROPOSED:
            if not row["active"]:
                await conn.execute(
                    "UPDATE deliveries SET status = 'cancelled', last_error = 'withdrawn' WHERE news_key = $1",
                    row["news_key"],
                )
                return
            # Quick successive revisions coalesce: the email shows the state at sending time.
            news = news.model_copy(update={"synergy": SynergySnapshot.model_validate_json(row["latest"])})
        directory = await load_directory(conn, [p.company_id for p in news.synergy.participants], False)
        rendered = render(news, recipient, directory, self.email_settings)
        message = build_message(
            rendered, sender=self.mail_from, to=row["email"], message_id=row["message_id"]
        )
        try:
            await self.sender.send(message)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            attempts = row["attempts"] + 1
            if attempts >= MAX_ATTEMPTS:
                FAILED.inc()
                status = "failed"
            else:
                RETRIED.inc()
                status = "pending"
            await conn.execute(
                """UPDATE deliveries SET attempts = $2, status = $3, last_error = $4, next_attempt_at = now() + $5
                   WHERE news_key = $1""",
                row["news_key"],
                attempts,
                status,
                repr(exc)[:500],
                backoff(attempts),
            )
            log.warning(
                "email_send_failed",
                news_key=row["news_key"],
                attempts=attempts,
                status=status,
                error=repr(exc),
            )
            return
        await conn.execute(
            "UPDATE deliveries SET status = 'sent', sent_at = now(), attempts = attempts + 1 WHERE news_key = $1",
            row["news_key"],
        )
        SENT.labels(news.kind.value).inc()
        log.info(
            "email_sent",
            news_key=row["news_key"],
            synergy_id=str(news.synergy.synergy_id),
            recipient_kind=recipient.kind.value,
        )
