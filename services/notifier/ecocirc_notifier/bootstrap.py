"""Composition root of the notifier: settings, database, consumer, renderer and SMTP meet here."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from ecocirc_notifier.adapters.smtp import SmtpSender
from ecocirc_notifier.domain.emails import EmailSettings
from ecocirc_notifier.domain.headers import UnsubscribeSettings
from ecocirc_notifier.service_layer.delivery import Deliverer, Sender
from ecocirc_notifier.service_layer.recording import Recorder
from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.settings import Settings

SCHEMA = "notifier"
MIGRATIONS = Path(__file__).parent / "migrations"


def mail_from(settings: Settings) -> str:
    return settings.mail_from or "eco-circulaire@localhost"


def mail_domain(settings: Settings) -> str:
    return mail_from(settings).rsplit("@", 1)[-1].strip(">") or "localhost"


async def build(settings: Settings, sender: Sender | None = None) -> tuple[asyncpg.Pool, Recorder, Deliverer]:
    pool = await create_pool(settings, SCHEMA)
    await migrate(pool, SCHEMA, MIGRATIONS)
    email_settings = EmailSettings(
        programme_email=mail_from(settings),
        unsubscribe=UnsubscribeSettings(mailto=mail_from(settings)),
    )
    recorder = Recorder(settings, pool, mail_domain(settings))
    deliverer = Deliverer(pool, sender or SmtpSender(settings), email_settings, mail_from(settings))
    return pool, recorder, deliverer
