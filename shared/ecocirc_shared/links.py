"""Signed links put in emails and checked by the API: one key, `ECOCIRC_LINK_SECRET`, and a purpose
in every signature so that a token made for one kind of link is worth nothing for another.

The key is its own secret: rotating the admin token breaks no link already sent. Unsubscribe links
have no expiry on purpose (RFC 8058: they must keep working from an old email).
"""

from __future__ import annotations

import hashlib
import hmac
from uuid import UUID

from ecocirc_shared.settings import LinkSettings

UNSUBSCRIBE_PATH = "/v1/unsubscribe"
_SIGNATURE_HEX = 32


def link_secret(settings: LinkSettings) -> str | None:
    """The key, or None when none is configured (embedded mode only: then emails carry no link)."""
    secret = settings.link_secret.get_secret_value() if settings.link_secret is not None else ""
    return secret or None


def sign(secret: str, purpose: str, *parts: str) -> str:
    message = ":".join((purpose, *parts)).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:_SIGNATURE_HEX]


def signature_matches(secret: str, token: str, purpose: str, *parts: str) -> bool:
    """Check a link's token in constant time."""
    return hmac.compare_digest(sign(secret, purpose, *parts), token)


def unsubscribe_token(secret: str, kind: str, recipient_id: UUID) -> str:
    return sign(secret, "unsubscribe", kind, str(recipient_id))


def unsubscribe_token_matches(secret: str, kind: str, recipient_id: UUID, token: str) -> bool:
    return signature_matches(secret, token, "unsubscribe", kind, str(recipient_id))


def unsubscribe_base(settings: LinkSettings) -> str:
    return settings.public_base_url.rstrip("/") + UNSUBSCRIBE_PATH
