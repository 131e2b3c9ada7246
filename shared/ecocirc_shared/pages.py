"""Addresses of the web pages that emails, exports and the API link to, built on
`ECOCIRC_PUBLIC_BASE_URL`: one place, so that a link sent today still opens the page tomorrow."""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from ecocirc_shared.links import lead_path

# An advisor's pages: the Tableau de bord (their home) and the Pistes (the pipeline, filterable).
DASHBOARD_PATH = "/"
PIPELINE_PATH = "/pistes"
# The pipeline narrowed to the open leads whose next action is past.
OVERDUE_QUERY = {"retard": "oui"}


def lead_page_url(public_base_url: str, synergy_id: UUID) -> str:
    """A lead's page, unsigned: an advisor, or a company signed in, opens it (/pistes/{synergy id})."""
    return f"{public_base_url.rstrip('/')}{lead_path(synergy_id)}"


def dashboard_url(public_base_url: str) -> str:
    """The home page: an advisor's Tableau de bord once signed in."""
    return f"{public_base_url.rstrip('/')}{DASHBOARD_PATH}"


def pipeline_url(public_base_url: str, query: dict[str, str] | None = None) -> str:
    """The Pistes page, optionally narrowed (e.g. OVERDUE_QUERY)."""
    return f"{public_base_url.rstrip('/')}{PIPELINE_PATH}" + (f"?{urlencode(query)}" if query else "")
