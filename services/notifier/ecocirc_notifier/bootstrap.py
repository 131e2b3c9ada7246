"""Composition root of the notifier: settings, database, consumer, renderer and SMTP meet here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import asyncpg

from ecocirc_notifier.adapters.directory import wait_for_contract
from ecocirc_notifier.adapters.smtp import SmtpSender
from ecocirc_notifier.clock import Clock, system_clock
from ecocirc_notifier.domain.emails import EmailSettings, LeadLinkSettings
from ecocirc_notifier.domain.headers import UnsubscribeSettings
from ecocirc_notifier.options import NotifierOptions, notifier_options
from ecocirc_notifier.service_layer.access import AccessMailer
from ecocirc_notifier.service_layer.decisions import DecisionApplier
from ecocirc_notifier.service_layer.delivery import Deliverer, Sender
from ecocirc_notifier.service_layer.recording import Recorder
from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.links import link_secret, unsubscribe_base
from ecocirc_shared.settings import NotifierSettings

SCHEMA = "notifier"
MIGRATIONS = Path(__file__).parent / "migrations"


def mail_from(settings: NotifierSettings) -> str:
    return settings.mail_from or "eco-circulaire@localhost"


def mail_domain(settings: NotifierSettings) -> str:
    return mail_from(settings).rsplit("@", 1)[-1].strip(">") or "localhost"


def programme_contact(settings: NotifierSettings) -> str:
    """Where companies with no advisor of their own write (required outside embedded mode)."""
    return settings.programme_contact or mail_from(settings)


def email_settings(settings: NotifierSettings) -> EmailSettings:
    secret = link_secret(settings)
    return EmailSettings(
        programme_email=programme_contact(settings),
        unsubscribe=UnsubscribeSettings(
            mailto=mail_from(settings),
            # One-click unsubscribe (RFC 8058) needs the key the API checks links with.
            url_base=unsubscribe_base(settings) if secret else None,
            secret=secret,
        ),
        leads=LeadLinkSettings(
            base_url=settings.public_base_url, secret=secret, days=settings.lead_link_days
        ),
    )


@dataclass
class Notifier:
    pool: asyncpg.Pool
    recorder: Recorder
    decisions: DecisionApplier
    deliverer: Deliverer


async def publish_programme(pool: asyncpg.Pool, options: NotifierOptions) -> None:
    """What the programme sends, where intake reads it (notifier_read.programme_v1)."""
    await pool.execute(
        """INSERT INTO programme (advisor_digest_minutes) VALUES ($1)
           ON CONFLICT (singleton) DO UPDATE SET advisor_digest_minutes = $1, updated_at = now()""",
        int(options.advisor_digest.total_seconds() // 60),
    )


async def build(
    settings: NotifierSettings,
    sender: Sender | None = None,
    *,
    options: NotifierOptions | None = None,
    clock: Clock = system_clock,
) -> Notifier:
    pool = await create_pool(settings, SCHEMA)
    await migrate(pool, SCHEMA, MIGRATIONS)
    opts = options or notifier_options(settings)
    await publish_programme(pool, opts)
    # Who to write to is intake's: wait for its read contract, whichever service started first.
    await wait_for_contract(pool)
    domain = mail_domain(settings)
    recorder = Recorder(opts, pool, domain, clock)
    deliverer = Deliverer(
        pool,
        sender or SmtpSender(settings),
        email_settings(settings),
        mail_from(settings),
        options=opts,
        mail_domain=domain,
        clock=clock,
    )
    return Notifier(pool, recorder, DecisionApplier(pool, clock, recorder), deliverer)


def build_access_mailer(
    settings: NotifierSettings,
    pool: asyncpg.Pool,
    sender: Sender | None = None,
    *,
    clock: Clock = system_clock,
) -> AccessMailer:
    """The sender of sign-in links, on the pool `build` made (its migrations applied)."""
    return AccessMailer(
        pool,
        sender or SmtpSender(settings),
        email_settings(settings),
        mail_from(settings),
        link_secret=link_secret(settings),
        public_base_url=settings.public_base_url,
        mail_domain=mail_domain(settings),
        clock=clock,
    )
