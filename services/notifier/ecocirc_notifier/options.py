"""The notifier's settings in the units its use cases work in, and the key of unsubscribe links."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from ecocirc_shared.settings import Settings

UNSUBSCRIBE_PATH = "/v1/unsubscribe"


@dataclass(frozen=True)
class NotifierOptions:
    """What the notifier's use cases read from configuration, in the units they use."""

    notify_threshold: float = 0.5
    advisor_digest: timedelta = timedelta(0)
    # A proposal waits this long before it is sent, and each revision restarts the wait (up to
    # `max_hold`), so that a burst of revisions gives one email showing the last state.
    hold: timedelta = timedelta(seconds=2)
    max_hold: timedelta = timedelta(seconds=10)
    max_attempts: int = 8


def notifier_options(settings: Settings) -> NotifierOptions:
    hold = settings.notify_hold_seconds
    return NotifierOptions(
        notify_threshold=settings.notify_threshold,
        advisor_digest=timedelta(minutes=settings.advisor_digest_minutes),
        hold=timedelta(seconds=hold),
        max_hold=timedelta(seconds=settings.notify_max_hold_seconds or 5 * hold),
        max_attempts=settings.smtp_max_attempts,
    )


def unsubscribe_secret(settings: Settings) -> str | None:
    """The key of unsubscribe links: configured, else derived from the admin token both services share."""
    if settings.unsubscribe_secret is not None and settings.unsubscribe_secret.get_secret_value():
        return settings.unsubscribe_secret.get_secret_value()
    if settings.admin_token is None:
        return None
    # A derived key, so that an unsubscribe link never reveals anything about the admin token.
    admin = settings.admin_token.get_secret_value().encode()
    return hmac.new(admin, b"ecocirc-unsubscribe-links", hashlib.sha256).hexdigest()


def unsubscribe_base(settings: Settings) -> str:
    return settings.public_base_url.rstrip("/") + UNSUBSCRIBE_PATH
