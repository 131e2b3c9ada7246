"""The web front end: French pages served by intake over the same use cases as the API."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ecocirc_intake.entrypoints.web import (
    advisor_pages,
    errors,
    flow_pages,
    followup_pages,
    lead_pages,
    map_pages,
    pages,
    report_pages,
    workshop_pages,
)
from ecocirc_intake.service_layer.sign_in import SendLimits, SignInPolicy
from ecocirc_shared.links import link_secret
from ecocirc_shared.logging import get_logger
from ecocirc_shared.settings import IntakeSettings

STATIC = Path(__file__).parent / "static"
log = get_logger(__name__)


def sign_in_policy(settings: IntakeSettings) -> SignInPolicy:
    key = link_secret(settings)
    if key is None:
        # Embedded mode only (outside it the setting is required; the devstack always gives one).
        log.warning("no_link_secret", consequence="sign-in links and sessions last as long as this process")
        key = secrets.token_urlsafe(32)
    return SignInPolicy(
        key=key,
        link_ttl=timedelta(minutes=settings.sign_in_link_minutes),
        session_ttl=timedelta(hours=settings.session_hours),
        welcome_ttl=timedelta(days=settings.welcome_link_days),
    )


def install(app: FastAPI, settings: IntakeSettings) -> None:
    """Pages, their static files, and error pages for their addresses; after the API's error handlers."""
    app.state.sign_in_policy = sign_in_policy(settings)
    app.state.sign_in_limits = SendLimits.from_settings(settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    app.include_router(flow_pages.router)
    # Before the lead's page: /pistes/nouvelle is not a lead's id.
    app.include_router(workshop_pages.router)
    app.include_router(advisor_pages.router)
    app.include_router(followup_pages.router)
    app.include_router(report_pages.router)
    app.include_router(lead_pages.router)
    app.include_router(map_pages.router)
    errors.install(app)
