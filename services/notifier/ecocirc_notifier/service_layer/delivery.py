"""Delivering queued emails: render with the latest state, send, record; retry with backoff, then fail."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Sequence
from datetime import date
from email.message import EmailMessage
from typing import Protocol
from uuid import UUID

import aiosmtplib
import asyncpg
from prometheus_client import Counter

from ecocirc_notifier.adapters.directory import load_directory
from ecocirc_notifier.adapters.smtp import build_message
from ecocirc_notifier.clock import Clock, system_clock
from ecocirc_notifier.domain.emails import (
    EmailSettings,
    RenderedEmail,
    reminder_item,
    render,
    render_digest,
    render_leads,
    render_reminder,
)
from ecocirc_notifier.domain.news import News, NewsKind, leads_key, message_id
from ecocirc_notifier.domain.recipients import Recipient, RecipientKind
from ecocirc_notifier.domain.reminders import Lead, due_week
from ecocirc_notifier.domain.schedule import backoff
from ecocirc_notifier.options import NotifierOptions
from ecocirc_notifier.service_layer import digests
from ecocirc_notifier.service_layer import reminders as weekly
from ecocirc_shared.db import Connection
from ecocirc_shared.directory import Directory, synergy_territories
from ecocirc_shared.logging import get_logger
from ecocirc_shared.synergies import SynergySnapshot
from ecocirc_shared.territories import ALL_TERRITORIES

log = get_logger(__name__)

SENT = Counter("ecocirc_notifier_emails_sent_total", "Emails accepted by the SMTP server", ["news"])
FAILED = Counter("ecocirc_notifier_emails_failed_total", "Emails given up after retries")
RETRIED = Counter("ecocirc_notifier_email_retries_total", "SMTP attempts that failed and will be retried")

BATCH = 20
# Why an email queued for someone is not sent: opted out, deactivated, or no longer concerned.
NOT_A_RECIPIENT = "no longer a recipient"
SMTP_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError)


class Sender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


def current_recipient(
    recipient: Recipient, directory: Directory, proposals: Sequence[SynergySnapshot] = ()
) -> Recipient | None:
    """The recipient as the directory knows them now, or None if they must not be written to.

    Read at sending time, so that what changed after queueing counts at once: an unsubscribe, a new
    contact address, an advisor deactivated, or one who no longer follows any territory of the
    `proposals` (a withdrawal still goes to whoever was told).
    """
    if recipient.kind is RecipientKind.COMPANY:
        company = directory.companies.get(recipient.id)
        if company is None or company.opted_out or not company.contact_email:
            return None
        territories = (company.territory,) if company.territory else recipient.territories
        return recipient.model_copy(
            update={"email": company.contact_email, "name": company.name, "territories": territories}
        )
    advisor = next((a for a in directory.advisors if a.id == recipient.id), None)
    if advisor is None or advisor.opted_out or not advisor.email:
        return None
    if proposals and not any(
        ALL_TERRITORIES in advisor.territories
        or any(advisor.covers(t) for t in synergy_territories(s, directory))
        for s in proposals
    ):
        return None
    return recipient.model_copy(
        update={"email": advisor.email, "name": advisor.name, "territories": advisor.territories}
    )


def latest(news: News, row: asyncpg.Record) -> News:
    """Quick successive revisions coalesce: a proposal shows the synergy's state at sending time."""
    if news.kind is NewsKind.PROPOSED:
        return news.model_copy(update={"synergy": SynergySnapshot.model_validate_json(row["latest"])})
    return news


class Deliverer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        sender: Sender,
        email_settings: EmailSettings,
        mail_from: str,
        *,
        options: NotifierOptions | None = None,
        mail_domain: str = "localhost",
        clock: Clock = system_clock,
    ):
        self.pool = pool
        self.sender = sender
        self.email_settings = email_settings
        self.mail_from = mail_from
        self.options = options or NotifierOptions()
        self.mail_domain = mail_domain
        self.clock = clock
        self.wake = asyncio.Event()
        self._reminders_planned: date | None = None

    async def run(self) -> None:
        while True:
            # Cleared before looking, not after: news recorded while emails are being sent must
            # wake the next wait, or it waits for the nap.
            self.wake.clear()
            try:
                sent = await self.deliver_due()
                await self.deliver_digests()
                await self.deliver_reminders()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("delivery_loop_retry", error=repr(exc))
                sent = 0
                await asyncio.sleep(1.0)
            if sent < BATCH:
                # Short naps: held proposals fall due without any event to wake the loop.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), timeout=0.25)

    async def deliver_due(self) -> int:
        """Send the emails due now (one per news, or one per person for proposals that waited
        together); return how many rows were handled."""
        handled = 0
        async with self.pool.acquire() as conn:
            while handled < BATCH:
                async with conn.transaction():
                    # One row at a time, locked while it is sent (the SMTP exchange, 20 s at most):
                    # a withdrawal arriving meanwhile waits, then sees it sent and tells that
                    # recipient; another notifier skips it. SMTP cannot take part in this
                    # transaction: if the process dies after the server's "250" and before the
                    # commit, the row is still pending and the email goes again after restart, with
                    # the same deterministic Message-ID for mail systems to drop the repeat. That is
                    # the only path to a duplicate email (tests/integration/notifier/test_ledger.py).
                    row = await conn.fetchrow(
                        """SELECT d.news_key, d.news, d.recipient, d.message_id, d.attempts, d.email,
                                  d.news_kind, d.recipient_kind, d.recipient_id, d.batch_key,
                                  d.next_attempt_at, s.snapshot AS latest, s.active
                           FROM deliveries d JOIN synergies s USING (synergy_id)
                           WHERE d.status = 'pending' AND NOT d.digest AND d.next_attempt_at <= $1
                           ORDER BY d.next_attempt_at, d.created_at
                           LIMIT 1 FOR UPDATE OF d SKIP LOCKED""",
                        self.clock(),
                    )
                    if row is None:
                        break
                    handled += 1
                    if row["batch_key"] is not None:
                        await self._deliver_leads(conn, row["batch_key"])
                    elif row["news_kind"] == NewsKind.PROPOSED and await self._plan_leads(conn, row):
                        # Committed before sending, like a digest: a retry or a restart sends the
                        # same leads under the same Message-ID. Sent at the next turn of the loop.
                        continue
                    else:
                        await self._deliver_one(conn, row)
        return handled

    async def _plan_leads(self, conn: Connection, row: asyncpg.Record) -> bool:
        """Gather the other proposals waiting for the same person into one email with this one;
        False when it waits alone."""
        others = await conn.fetch(
            """SELECT news_key FROM deliveries
               WHERE recipient_kind = $1 AND recipient_id = $2 AND news_kind = 'proposed'
                 AND status = 'pending' AND NOT digest AND batch_key IS NULL AND news_key <> $3
               FOR UPDATE SKIP LOCKED""",
            row["recipient_kind"],
            row["recipient_id"],
            row["news_key"],
        )
        if not others:
            return False
        keys = [row["news_key"], *(r["news_key"] for r in others)]
        await conn.execute(
            "UPDATE deliveries SET batch_key = $2, next_attempt_at = $3 WHERE news_key = ANY($1::text[])",
            keys,
            leads_key(keys),
            row["next_attempt_at"],
        )
        log.info("leads_planned", recipient_kind=row["recipient_kind"], leads=len(keys))
        return True

    async def _deliver_leads(self, conn: Connection, batch_key: str) -> None:
        """Several proposals for one person as one email, best first (render_leads)."""
        rows = await conn.fetch(
            """SELECT d.news_key, d.news, d.recipient, d.message_id, d.attempts,
                      s.snapshot AS latest, s.active
               FROM deliveries d JOIN synergies s USING (synergy_id)
               WHERE d.batch_key = $1 AND d.status = 'pending' AND NOT d.digest
               ORDER BY d.created_at FOR UPDATE OF d SKIP LOCKED""",
            batch_key,
        )
        if not rows:
            return
        recipient = Recipient.model_validate_json(rows[0]["recipient"])
        live: list[tuple[asyncpg.Record, News]] = []
        withdrawn: list[str] = []
        for row in rows:
            if not row["active"]:
                withdrawn.append(row["news_key"])
            else:
                live.append((row, latest(News.model_validate_json(row["news"]), row)))
        if withdrawn:
            await self._close(conn, withdrawn, "cancelled", "withdrawn")
        companies = {p.company_id for _, news in live for p in news.synergy.participants}
        directory = await load_directory(conn, companies, False)
        current = current_recipient(recipient, directory)
        theirs = [
            (row, news)
            for row, news in live
            if current is not None and current_recipient(current, directory, [news.synergy])
        ]
        kept = {row["news_key"] for row, _ in theirs}
        if not_theirs := [row["news_key"] for row, _ in live if row["news_key"] not in kept]:
            await self._close(conn, not_theirs, "cancelled", NOT_A_RECIPIENT)
        if current is None or not theirs:
            return
        rendered = render_leads(
            [news for _, news in theirs], current, directory, self.email_settings, self.clock()
        )
        # Alone after all (the others withdrawn), a proposal goes under its own Message-ID.
        msg_id = theirs[0][0]["message_id"] if len(theirs) == 1 else message_id(batch_key, self.mail_domain)
        keys = [row["news_key"] for row, _ in theirs]
        if await self._send(
            conn, rendered, current.email, msg_id, keys, max(r["attempts"] for r, _ in theirs)
        ):
            SENT.labels("leads" if len(theirs) > 1 else NewsKind.PROPOSED.value).inc()
            log.info(
                "leads_sent", recipient_kind=recipient.kind.value, leads=len(theirs), batch_key=batch_key
            )

    async def _deliver_one(self, conn: Connection, row: asyncpg.Record) -> None:
        news = News.model_validate_json(row["news"])
        recipient = Recipient.model_validate_json(row["recipient"])
        if news.kind is NewsKind.PROPOSED and not row["active"]:
            await self._close(conn, [row["news_key"]], "cancelled", "withdrawn")
            return
        news = latest(news, row)
        directory = await load_directory(conn, [p.company_id for p in news.synergy.participants], False)
        proposals = [news.synergy] if news.kind is NewsKind.PROPOSED else []
        current = current_recipient(recipient, directory, proposals)
        if current is None:
            await self._close(conn, [row["news_key"]], "cancelled", NOT_A_RECIPIENT)
            return
        rendered = render(news, current, directory, self.email_settings, self.clock())
        if await self._send(
            conn, rendered, current.email, row["message_id"], [row["news_key"]], row["attempts"]
        ):
            SENT.labels(news.kind.value).inc()
            log.info(
                "email_sent",
                news_key=row["news_key"],
                synergy_id=str(news.synergy.synergy_id),
                recipient_kind=recipient.kind.value,
            )

    async def deliver_digests(self) -> int:
        """Plan the digests whose window has closed, then send the planned ones due; return emails sent."""
        if self.options.advisor_digest.total_seconds() <= 0:
            return 0
        now = self.clock()
        async with self.pool.acquire() as conn:
            await digests.plan(conn, now, self.options.advisor_digest)
            sent = 0
            while True:
                async with conn.transaction():
                    rows = await digests.next_due(conn, now)
                    if not rows:
                        return sent
                    sent += await self._deliver_digest(conn, rows)

    async def _deliver_digest(self, conn: Connection, rows: list[asyncpg.Record]) -> int:
        recipient = Recipient.model_validate_json(rows[0]["recipient"])
        live: list[tuple[str, News]] = []
        withdrawn: list[str] = []
        for row in rows:
            news = News.model_validate_json(row["news"])
            if news.kind is NewsKind.PROPOSED and not row["active"]:
                withdrawn.append(row["news_key"])
            else:
                live.append((row["news_key"], latest(news, row)))
        companies = {p.company_id for _, news in live for p in news.synergy.participants}
        directory = await load_directory(conn, companies, True)
        if withdrawn:
            await self._close(conn, withdrawn, "cancelled", "withdrawn")
        current = current_recipient(recipient, directory)
        # A proposal about territories the advisor no longer follows is not theirs to read.
        theirs = [
            (key, news)
            for key, news in live
            if current is not None
            and (news.kind is not NewsKind.PROPOSED or current_recipient(current, directory, [news.synergy]))
        ]
        kept = {key for key, _ in theirs}
        if not_theirs := [key for key, _ in live if key not in kept]:
            await self._close(conn, not_theirs, "cancelled", NOT_A_RECIPIENT)
        if current is None or not theirs:
            return 0
        rendered = render_digest([news for _, news in theirs], current, directory, self.email_settings)
        # The batch is fixed when planned, so a retried digest has the same Message-ID.
        batch = rows[0]["batch_key"]
        sent = await self._send(
            conn,
            rendered,
            current.email,
            message_id(batch, self.mail_domain),
            [key for key, _ in theirs],
            rows[0]["attempts"],
        )
        if sent:
            SENT.labels("digest").inc()
            log.info("digest_sent", advisor_id=str(recipient.id), news=len(theirs), batch_key=batch)
        return int(sent)

    async def deliver_reminders(self) -> int:
        """Plan this week's reminders once they are due, then send those due now; return emails sent."""
        schedule = self.options.reminders
        if schedule is None:
            return 0
        now = self.clock()
        week = due_week(now, schedule)
        async with self.pool.acquire() as conn:
            if week is not None and week != self._reminders_planned:
                # Once per week and process: the ledger of weeks decides between replicas.
                await weekly.plan(conn, now, schedule, self.mail_domain)
                self._reminders_planned = week
            sent = 0
            while True:
                async with conn.transaction():
                    row = await weekly.next_due(conn, now)
                    if row is None:
                        return sent
                    sent += await self._deliver_reminder(conn, row, schedule.stale_days)

    async def _deliver_reminder(self, conn: Connection, row: asyncpg.Record, stale_days: int) -> int:
        leads = [Lead.model_validate(item) for item in json.loads(row["leads"])]
        current = await self._advisor_now(conn, row["advisor_id"])
        # Only what the advisor still follows, worded within what they may read now.
        theirs = [lead for lead in leads if current and any(current.follows(t) for t in lead.territories)]
        if current is None or not theirs:
            await weekly.cancel(conn, row, NOT_A_RECIPIENT)
            return 0
        stored = await weekly.snapshots(conn, theirs)
        synergies = [SynergySnapshot.model_validate_json(stored[lead.synergy_id]) for lead in theirs]
        directory = await load_directory(
            conn, {p.company_id for s in synergies for p in s.participants}, False
        )
        items = [
            reminder_item(lead, synergy, directory, current, self.email_settings)
            for lead, synergy in zip(theirs, synergies, strict=True)
        ]
        rendered = render_reminder(items, current, self.email_settings, stale_days)
        message = build_message(
            rendered, sender=self.mail_from, to=current.email, message_id=row["message_id"]
        )
        try:
            await self.sender.send(message)
        except SMTP_ERRORS as exc:
            attempts = row["attempts"] + 1
            give_up = attempts >= self.options.max_attempts
            (FAILED if give_up else RETRIED).inc()
            await weekly.mark_failed(
                conn, row, repr(exc), give_up=give_up, retry_at=self.clock() + backoff(attempts)
            )
            log.warning(
                "reminder_send_failed", advisor_id=str(row["advisor_id"]), attempts=attempts, error=repr(exc)
            )
            return 0
        await weekly.mark_sent(conn, row, self.clock(), current.email)
        SENT.labels("reminder").inc()
        log.info(
            "reminder_sent", advisor_id=str(row["advisor_id"]), leads=len(items), week=str(row["week_start"])
        )
        return 1

    async def _advisor_now(self, conn: Connection, advisor_id: UUID) -> Recipient | None:
        """The advisor as the directory knows them now (None: deactivated, opted out, no mailbox)."""
        directory = await load_directory(conn, [], False)
        advisor = next((a for a in directory.advisors if a.id == advisor_id), None)
        if advisor is None or advisor.opted_out or not advisor.email:
            return None
        return Recipient(
            kind=RecipientKind.ADVISOR,
            id=advisor.id,
            territories=advisor.territories,
            email=advisor.email,
            name=advisor.name,
        )

    async def _send(
        self, conn: Connection, rendered: RenderedEmail, to: str, msg_id: str, keys: list[str], attempts: int
    ) -> bool:
        message = build_message(rendered, sender=self.mail_from, to=to, message_id=msg_id)
        try:
            await self.sender.send(message)
        except SMTP_ERRORS as exc:
            attempts += 1
            give_up = attempts >= self.options.max_attempts
            (FAILED if give_up else RETRIED).inc()
            await conn.execute(
                """UPDATE deliveries SET attempts = $2, status = $3, last_error = $4, next_attempt_at = $5
                   WHERE news_key = ANY($1::text[])""",
                keys,
                attempts,
                "failed" if give_up else "pending",
                repr(exc)[:500],
                self.clock() + backoff(attempts),
            )
            log.warning(
                "email_send_failed", news_keys=keys[:5], attempts=attempts, given_up=give_up, error=repr(exc)
            )
            return False
        await conn.execute(
            """UPDATE deliveries SET status = 'sent', sent_at = $2, attempts = attempts + 1, last_error = NULL,
                                     email = $3, sent_message_id = $4
               WHERE news_key = ANY($1::text[])""",
            keys,
            self.clock(),
            to,
            msg_id,
        )
        return True

    async def _close(self, conn: Connection, keys: list[str], status: str, reason: str) -> None:
        await conn.execute(
            "UPDATE deliveries SET status = $2, last_error = $3 WHERE news_key = ANY($1::text[])",
            keys,
            status,
            reason,
        )
