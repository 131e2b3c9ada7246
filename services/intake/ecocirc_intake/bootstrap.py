"""Composition root of intake: settings, pool, migrations, admin token, outbox relay and the app."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ecocirc_intake.adapters.store import SCHEMA, IntakeStore
from ecocirc_intake.entrypoints import synergy_routes
from ecocirc_intake.entrypoints.api import install_error_handlers, router
from ecocirc_intake.service_layer.principals import hash_token
from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.kafka import ensure_topics, wait_for_broker
from ecocirc_shared.outbox import OutboxRelay, outbox_ddl
from ecocirc_shared.settings import Settings
from ecocirc_shared.topics import all_topics

MIGRATIONS = Path(__file__).parent / "migrations"

DESCRIPTION = """
Déclarez les flux entrants et sortants des sites ; Eco'circulaire trouve les synergies entre entreprises.

Authentification : `Authorization: Bearer <jeton>`. Rôles : conseiller (entreprises de ses territoires ;
le jeton administrateur voit tout) et entreprise (elle-même seulement).
"""


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await create_pool(settings, SCHEMA)
        await migrate(pool, SCHEMA, MIGRATIONS, extra_ddl=outbox_ddl(SCHEMA))
        store = IntakeStore(pool)
        admin = settings.admin_token.get_secret_value() if settings.admin_token else None
        if admin:
            await store.ensure_admin(hash_token(admin))
        app.state.store = store
        relay = OutboxRelay(settings, pool, SCHEMA, all_topics(settings))
        app.state.relay = relay

        async def start_relay() -> None:
            # Declarations are accepted while the broker is down; the relay catches up later.
            await wait_for_broker(settings, timeout_s=float("inf"))
            await ensure_topics(settings, all_topics(settings))
            await relay.run()

        task = asyncio.create_task(start_relay())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await pool.close()

    app = FastAPI(title="Eco'circulaire", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.include_router(router)
    app.include_router(synergy_routes.router)
    install_error_handlers(app)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> JSONResponse:
        checks = {"database": False, "broker": False}
        with contextlib.suppress(Exception):
            await app.state.store.ping()
            checks["database"] = True
        checks["broker"] = bool(getattr(app.state, "relay", None) and app.state.relay.connected)
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", **checks}, status_code=200 if ok else 503
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

    return app
