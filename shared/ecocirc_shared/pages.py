"""Addresses of the web pages that emails, exports and the API link to, built on
`ECOCIRC_PUBLIC_BASE_URL`: one place, so that a link sent today still opens the page tomorrow."""

from __future__ import annotations

from uuid import UUID

from ecocirc_shared.links import lead_path


def lead_page_url(public_base_url: str, synergy_id: UUID) -> str:
    """A lead's page, unsigned: an advisor, or a company signed in, opens it (/pistes/{synergy id})."""
    return f"{public_base_url.rstrip('/')}{lead_path(synergy_id)}"
