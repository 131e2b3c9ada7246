"""Composition root of intake: settings, pool, migrations, admin token, outbox relay and the app."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from ecocirc_intake.adapters.store import SCHEMA, IntakeStore
from ecocirc_intake.entrypoints import (
    access_routes,
    answer_routes,
    api,
    auth_routes,
    followup_routes,
    import_routes,
    synergy_routes,
    territory_routes,
    web,
)
from ecocirc_intake.entrypoints.errors import install_error_handlers
from ecocirc_intake.entrypoints.limits import BodySizeLimit
from ecocirc_intake.entrypoints.metrics import RequestMetrics
from ecocirc_intake.service_layer.auth_failures import FailureLimiter
from ecocirc_intake.service_layer.principals import hash_token
from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.kafka import ensure_topics, wait_for_broker
from ecocirc_shared.logging import get_logger
from ecocirc_shared.outbox import OutboxRelay, outbox_ddl
from ecocirc_shared.settings import IntakeSettings
from ecocirc_shared.topics import all_topics

MIGRATIONS = Path(__file__).parent / "migrations"
log = get_logger(__name__)

DESCRIPTION = """
Déclarez les flux entrants et sortants des sites ; Eco'circulaire trouve les synergies entre entreprises.

Authentification : `Authorization: Bearer <jeton>`. Rôles : conseiller (entreprises de ses territoires ;
le jeton administrateur voit tout) et entreprise (elle-même seulement). Un jeton se remplace par
`POST /v1/tokens/rotate` ; le conseiller d'une entreprise, ou l'administrateur pour un conseiller, peut
révoquer ou réémettre des jetons.

Les erreurs répondent `{"detail": "...", "errors": [{"field": "...", "message": "..."}]}`, messages en
français ; rien n'est écrit à moitié. Corps JSON : 1 Mio au plus ; imports de tableurs : 10 Mio.
Les listes sont paginées (`limit`, `offset`, `total`).
"""

TAGS = [
    {
        "name": "companies",
        "description": "Entreprises : enregistrées par un conseiller, chacune voit et modifie sa fiche.",
    },
    {
        "name": "flows",
        "description": "Flux entrants (besoins) et sortants (offres) ; chaque modification est une version.",
    },
    {"name": "imports", "description": "Import en masse du tableur d'entretien des conseillers (CSV, XLSX)."},
    {"name": "synergies", "description": "Synergies trouvées, visibles selon les règles de confidentialité."},
    {
        "name": "follow-up",
        "description": "Suivi des pistes par les conseillers : étapes (idée, proposée, en contact, à l'étude, "
        "en cours, réalisée, abandonnée avec un motif), responsable, prochaine action, notes, historique ; "
        "pistes trouvées en atelier ; mode relecture.",
    },
    {"name": "outcomes", "description": "Résultats réalisés d'une piste : tonnes, euros, CO2e, emplois."},
    {
        "name": "territories",
        "description": "Carte (GeoJSON) et rapport (JSON, CSV, XLSX) d'un territoire, pour ses conseillers.",
    },
    {"name": "advisors", "description": "Conseillers et leurs territoires (administrateur)."},
    {
        "name": "access",
        "description": "Jetons : identité, rotation, révocation ; liens de connexion aux pages.",
    },
    {"name": "operations", "description": "Santé du service."},
]


STOP_TIMEOUT_S = 5.0


async def _stop(relay_task: asyncio.Task[None], pool: asyncpg.Pool) -> None:
    """Stop the relay, then the pool, each within a bound.

    A relay cancelled in the middle of a Kafka client's start or stop can wait on the client for
    long; what it had not published stays in the outbox for the next start, so nothing is lost by
    not waiting for it.
    """
    relay_task.cancel()
    done, _ = await asyncio.wait({relay_task}, timeout=STOP_TIMEOUT_S)
    if not done:
        log.warning("outbox_relay_stop_timeout", timeout_s=STOP_TIMEOUT_S)
    try:
        await asyncio.wait_for(pool.close(), timeout=STOP_TIMEOUT_S)
    except TimeoutError:
        pool.terminate()


def create_app(settings: IntakeSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await create_pool(settings, SCHEMA)
        await migrate(pool, SCHEMA, MIGRATIONS, extra_ddl=outbox_ddl(SCHEMA))
        store = IntakeStore(pool, token_ttl_days=settings.token_ttl_days)
        admin = settings.admin_token.get_secret_value() if settings.admin_token else None
        if admin:
            await store.ensure_admin(hash_token(admin), settings.admin_email)
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
            await _stop(task, pool)

    app = FastAPI(
        title="Eco'circulaire", version="0.1.0", description=DESCRIPTION, openapi_tags=TAGS, lifespan=lifespan
    )
    app.state.settings = settings
    app.state.auth_failures = FailureLimiter(max_failures=settings.auth_failures_per_minute)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(RequestMetrics)
    if settings.trusted_proxies:
        # Outermost, so every layer sees the forwarded client; only these peers are believed, and the
        # client is the rightmost address in X-Forwarded-For that is not one of them.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    app.include_router(api.router)
    app.include_router(access_routes.router)
    app.include_router(import_routes.router)
    app.include_router(synergy_routes.router)
    app.include_router(followup_routes.router)
    app.include_router(territory_routes.router)
    app.include_router(answer_routes.router)
    app.include_router(auth_routes.router)
    install_error_handlers(app)
    # The web pages: a second entrypoint over the same use cases (and error pages for its addresses).
    web.install(app, settings)

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
