"""Links put in emails: the key that signs them, and the sign-in link intake checks and the notifier writes."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote
from uuid import UUID

from ecocirc_shared.settings import Settings

# Where the emailed sign-in link lands (a page of intake's web front end).
SIGN_IN_PATH = "/connexion/lien"
SIGN_IN_PARAMETER = "jeton"


def link_key(settings: Settings) -> bytes:
    """ECOCIRC_LINK_SECRET, else a key derived from the admin token (both services have it)."""
    if settings.link_secret is not None and settings.link_secret.get_secret_value():
        return settings.link_secret.get_secret_value().encode()
    if settings.admin_token is None or not settings.admin_token.get_secret_value():
        raise RuntimeError("ECOCIRC_LINK_SECRET (or ECOCIRC_ADMIN_TOKEN) is not set: links cannot be signed")
    # Derived, so that a link reveals nothing about the admin token.
    admin = settings.admin_token.get_secret_value().encode()
    return hmac.new(admin, b"ecocirc-links", hashlib.sha256).digest()


def sign_in_token(key: bytes, link_id: UUID) -> str:
    """The secret half of a sign-in link: 256 bits only the holder of the key can compute."""
    digest = hmac.new(key, b"sign-in\x00" + link_id.bytes, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_in_url(base_url: str, key: bytes, link_id: UUID) -> str:
    value = f"{link_id.hex}.{sign_in_token(key, link_id)}"
    return f"{base_url.rstrip('/')}{SIGN_IN_PATH}?{SIGN_IN_PARAMETER}={quote(value)}"


def read_sign_in_value(key: bytes, value: str) -> tuple[UUID, str] | None:
    """The link id and token of a link's value if its signature holds, else None."""
    link_hex, _, token = value.strip().partition(".")
    try:
        link_id = UUID(hex=link_hex)
    except ValueError:
        return None
    # compare_digest refuses non-ASCII text: such a token is wrong anyway.
    if len(link_hex) != 32 or not token.isascii():
        return None
    if not hmac.compare_digest(token, sign_in_token(key, link_id)):
        return None
    return link_id, token
