"""Addresses of the web pages that emails, exports and the API link to, built on
`ECOCIRC_PUBLIC_BASE_URL`: one place, so that a link sent today still opens the page tomorrow."""

from __future__ import annotations

from uuid import UUID

# A lead's page (the advisor's follow-up of one synergy): /pistes/{synergy id}.
LEAD_PATH = "/pistes"


def lead_url(public_base_url: str, synergy_id: UUID) -> str:
    return f"{public_base_url.rstrip('/')}{LEAD_PATH}/{synergy_id}"
