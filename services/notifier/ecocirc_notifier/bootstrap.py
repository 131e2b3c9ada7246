"""Composition root of the notifier: settings, database, consumer, renderer and SMTP meet here."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from ecocirc_notifier.adapters.smtp import SmtpSender
from ecocirc_notifier.clock import Clock, system_clock
from ecocirc_notifier.domain.emails import EmailSettings
from ecocirc_notifier.domain.headers import UnsubscribeSettings
from ecocirc_notifier.options import NotifierOptions, notifier_options, unsubscribe_base, unsubscribe_secret
from ecocirc_notifier.service_layer.access import AccessMailer
from ecocirc_notifier.service_layer.delivery import Deliverer, Sender
from ecocirc_notifier.service_layer.recording import Recorder
from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.links import link_key
from ecocirc_shared.settings import Settings

SCHEMA = "notifier"
MIGRATIONS = Path(__file__).parent / "migrations"


def mail_from(settings: Settings) -> str:
    return settings.mail_from or "eco-circulaire@localhost"


def mail_domain(settings: Settings) -> str:
    return mail_from(settings).rsplit("@", 1)[-1].strip(">") or "localhost"


def email_settings(settings: Settings) -> EmailSettings:
    secret = unsubscribe_secret(settings)
    return EmailSettings(
        programme_email=mail_from(settings),
        unsubscribe=UnsubscribeSettings(
            mailto=mail_from(settings),
            # One-click unsubscribe (RFC 8058) needs the key the API checks links with.
            url_base=unsubscribe_base(settings) if secret else None,
            secret=secret,
        ),
    )


async def build(
    settings: Settings,
    sender: Sender | None = None,
    *,
    options: NotifierOptions | None = None,
    clock: Clock = system_clock,
) -> tuple[asyncpg.Pool, Recorder, Deliverer]:
    pool = await create_pool(settings, SCHEMA)
    await migrate(pool, SCHEMA, MIGRATIONS)
    opts = options or notifier_options(settings)
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
    return pool, recorder, deliverer


def build_access_mailer(
    settings: Settings, pool: asyncpg.Pool, sender: Sender | None = None, *, clock: Clock = system_clock
) -> AccessMailer:
    """The sender of sign-in links, on the pool `build` made (its migrations applied)."""
    return AccessMailer(
        pool,
        sender or SmtpSender(settings),
        email_settings(settings),
        mail_from(settings),
        link_key=link_key(settings),
        public_base_url=settings.public_base_url,
        mail_domain=mail_domain(settings),
        clock=clock,
    )
