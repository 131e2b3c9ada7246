"""The web front end: French pages served by intake over the same use cases as the API."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ecocirc_intake.entrypoints.web import errors, flow_pages, pages
from ecocirc_intake.service_layer.sign_in import SendLimits, SignInPolicy
from ecocirc_shared.links import link_key
from ecocirc_shared.settings import Settings

STATIC = Path(__file__).parent / "static"


def sign_in_policy(settings: Settings) -> SignInPolicy:
    return SignInPolicy(
        key=link_key(settings),
        link_ttl=timedelta(minutes=settings.sign_in_link_minutes),
        session_ttl=timedelta(hours=settings.session_hours),
    )


def install(app: FastAPI, settings: Settings) -> None:
    """Pages, their static files, and error pages for their addresses; after the API's error handlers."""
    app.state.sign_in_policy = sign_in_policy(settings)
    app.state.sign_in_limits = SendLimits.from_settings(settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    app.include_router(flow_pages.router)
    errors.install(app)
