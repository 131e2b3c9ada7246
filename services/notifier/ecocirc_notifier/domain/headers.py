"""Header values that are safe to send: one-line text and per-recipient List-Unsubscribe links."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ecocirc_notifier.domain.recipients import Recipient
from ecocirc_shared import links

# CR/LF would let a label inject headers; other controls and Unicode line breaks are refused by some
# servers or shown as line breaks by some clients, so they all become spaces.
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
# Only ASCII spaces are collapsed: the no-break spaces of French typography are meant to stay.
_SPACES = re.compile(r" {2,}")
_SUBJECT_MAX = 160


def one_line(value: str, max_length: int = _SUBJECT_MAX) -> str:
    """A header-safe rendering of free text: no control characters, single spaces, bounded length."""
    text = _SPACES.sub(" ", _LINE_BREAKING.sub(" ", value)).strip(" ")
    if len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


def check_header_value(value: str) -> str:
    """Refuse (rather than repair) a configured value that could break the header block."""
    if _LINE_BREAKING.search(value):
        raise ValueError("header value contains a control or line-break character")
    return value


class UnsubscribeSettings(BaseModel):
    """Where recipients unsubscribe: a mailbox, an HTTP(S) endpoint, or both.

    The URL carries the recipient and an HMAC token, so that nobody can unsubscribe someone else by
    guessing ids; the endpoint checks it with `unsubscribe_token`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    mailto: str | None = None
    url_base: str | None = None
    secret: str | None = Field(default=None, repr=False)

    @model_validator(mode="after")
    def _consistent(self) -> UnsubscribeSettings:
        if self.mailto is None and self.url_base is None:
            raise ValueError("an unsubscribe mailto address or URL is required")
        for value in (self.mailto, self.url_base):
            if value is not None:
                check_header_value(value)
                if any(c in value for c in "<>, "):
                    raise ValueError(f"unsubscribe target {value!r} must not contain '<', '>', ',' or spaces")
        if self.url_base is not None:
            if not self.url_base.startswith(("https://", "http://")):
                raise ValueError("unsubscribe url_base must be an http(s) URL")
            if self.secret is None or len(self.secret) < 16:
                raise ValueError("an unsubscribe URL needs a secret of at least 16 characters")
        return self


def unsubscribe_token(secret: str, recipient: Recipient) -> str:
    return links.unsubscribe_token(secret, recipient.kind.value, recipient.id)


def unsubscribe_url(settings: UnsubscribeSettings, recipient: Recipient) -> str | None:
    if settings.url_base is None or settings.secret is None:
        return None
    query = urlencode(
        {
            "kind": recipient.kind.value,
            "id": str(recipient.id),
            "token": unsubscribe_token(settings.secret, recipient),
        }
    )
    separator = "&" if "?" in settings.url_base else "?"
    return f"{settings.url_base}{separator}{query}"


def unsubscribe_mailto(settings: UnsubscribeSettings, recipient: Recipient) -> str | None:
    if settings.mailto is None:
        return None
    subject = quote(f"unsubscribe {recipient.kind.value} {recipient.id}")
    return f"mailto:{settings.mailto}?subject={subject}"


def list_unsubscribe_headers(settings: UnsubscribeSettings, recipient: Recipient) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe, plus RFC 8058 one-click when there is a URL to POST to."""
    targets = [
        t for t in (unsubscribe_mailto(settings, recipient), unsubscribe_url(settings, recipient)) if t
    ]
    headers = {"List-Unsubscribe": ", ".join(f"<{target}>" for target in targets)}
    if settings.url_base is not None:
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers
