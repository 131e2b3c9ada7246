"""Signed links put in emails and checked by the API (unsubscribe, sign-in, a lead and its answers):
one key, `ECOCIRC_LINK_SECRET`, and a purpose in every signature so that a token made for one kind of
link is worth nothing for another.

The key is its own secret: rotating the admin token breaks no link already sent. Unsubscribe links
have no expiry on purpose (RFC 8058: they must keep working from an old email).
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode
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


# Where an emailed sign-in link lands (a page of intake's web front end), and its parameter.
SIGN_IN_PATH = "/connexion/lien"
SIGN_IN_PARAMETER = "jeton"


def sign_in_token(secret: str, link_id: UUID) -> str:
    """The secret half of a sign-in link: an HMAC of its id that only the holder of the key can make.

    The event asking the notifier to email the link carries the id only, so whoever reads the outbox
    or the topic cannot sign in with what they read.
    """
    return sign(secret, "sign-in", str(link_id))


def sign_in_url(base_url: str, secret: str, link_id: UUID) -> str:
    return f"{base_url.rstrip('/')}{SIGN_IN_PATH}?{SIGN_IN_PARAMETER}={link_id.hex}.{sign_in_token(secret, link_id)}"


def read_sign_in_value(secret: str, value: str) -> tuple[UUID, str] | None:
    """The link id and token of a sign-in link's value if its signature holds, else None."""
    link_hex, _, token = value.strip().partition(".")
    # compare_digest refuses non-ASCII text: such a token is wrong anyway.
    if len(link_hex) != 32 or not token.isascii():
        return None
    try:
        link_id = UUID(hex=link_hex)
    except ValueError:
        return None
    if not signature_matches(secret, token, "sign-in", str(link_id)):
        return None
    return link_id, token


# A lead's page, and the answers to it, as an email links them for one company (intake's web front
# end). The link names the company and when it expires, signed together with the lead: it lets
# whoever holds the email read the lead as that company reads it and answer for it after a
# confirmation (a mail scanner that follows links answers nothing), until it expires.
LEAD_PATH = "/pistes"
LEAD_ANSWER_SUFFIX = "/repondre"
LEAD_COMPANY, LEAD_EXPIRES, LEAD_TOKEN, LEAD_ANSWER = "entreprise", "expire", "jeton", "reponse"


def lead_token(secret: str, synergy_id: UUID, company_id: UUID, expires_at: int) -> str:
    """`expires_at`: seconds since the epoch (UTC)."""
    return sign(secret, "lead", str(synergy_id), str(company_id), str(expires_at))


def lead_path(synergy_id: UUID) -> str:
    return f"{LEAD_PATH}/{synergy_id}"


def lead_url(
    base_url: str,
    secret: str,
    synergy_id: UUID,
    company_id: UUID,
    expires_at: int,
    answer: str | None = None,
) -> str:
    """The lead's page (`answer` None) or the page confirming an answer ("interested", "declined")."""
    query = {
        LEAD_COMPANY: company_id.hex,
        LEAD_EXPIRES: str(expires_at),
        LEAD_TOKEN: lead_token(secret, synergy_id, company_id, expires_at),
    }
    path = lead_path(synergy_id)
    if answer is not None:
        path += LEAD_ANSWER_SUFFIX
        query = {LEAD_ANSWER: answer, **query}
    return f"{base_url.rstrip('/')}{path}?{urlencode(query)}"


def read_lead_link(
    secret: str, synergy_id: UUID, company: str, expires: str, token: str, now: float
) -> UUID | None:
    """The company a lead link speaks for, if its signature holds and it has not expired; else None."""
    if len(company) != 32 or not expires.isascii() or not expires.isdigit() or not token.isascii():
        return None
    try:
        company_id = UUID(hex=company)
    except ValueError:
        return None
    if int(expires) <= now or not signature_matches(
        secret, token, "lead", str(synergy_id), str(company_id), expires
    ):
        return None
    return company_id
