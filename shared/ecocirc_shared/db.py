"""PostgreSQL pool creation and the per-service schema migrations applied at start."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import asyncpg.pool
from asyncpg.exceptions import _base as asyncpg_base
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

from ecocirc_shared.logging import get_logger
from ecocirc_shared.settings import DatabaseSettings

log = get_logger(__name__)

# What a transaction holds: a bare connection or one borrowed from a pool.
Connection = asyncpg.Connection | asyncpg.pool.PoolConnectionProxy

# The database is stopped, restarting, overloaded or unreachable, or this transaction lost a race
# with another (deadlock, serialisation): a temporary state, to be waited out and tried again.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    # 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 57014 query cancelled...
    asyncpg.OperatorInterventionError,
    # 53300 too many connections, out of memory, disk full
    asyncpg.InsufficientResourcesError,
    # 40P01 deadlock detected, 40001 serialisation failure
    asyncpg.TransactionRollbackError,
    # the connection was closed under the client
    asyncpg.InterfaceError,
)
# InterfaceErrors raised by the client itself about what it was given: retrying cannot help
# (e.g. an integer out of the column's range in an event).
_CLIENT_SIDE: tuple[type[Exception], ...] = (
    asyncpg_base.DataError,
    asyncpg_base.ClientConfigurationError,
    asyncpg_base.UnsupportedClientFeatureError,
    asyncpg_base.UnsupportedServerFeatureError,
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means "the database cannot serve now", rather than "this input cannot be stored"."""
    return isinstance(exc, DATABASE_UNAVAILABLE) and not isinstance(exc, _CLIENT_SIDE)


async def create_pool(
    settings: DatabaseSettings, schema: str, *, min_size: int = 1, max_size: int = 10, timeout_s: float = 60
) -> asyncpg.Pool:
    """Open a pool whose connections work in the service's schema, retrying while the DB starts."""
    dsn = settings.require(settings.database_url, "database_url")
    retrying = AsyncRetrying(
        retry=retry_if_exception_type((OSError, asyncpg.PostgresError)),
        wait=wait_exponential(multiplier=0.1, max=2),
        stop=stop_after_delay(timeout_s),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            pool: asyncpg.Pool = await asyncpg.create_pool(
                dsn,
                min_size=min_size,
                max_size=max_size,
                server_settings={
                    "search_path": f'"{schema}", public',
                    "application_name": f"ecocirc-{schema}",
                },
            )
    return pool


async def migrate(pool: asyncpg.Pool, schema: str, migrations_dir: Path, extra_ddl: str = "") -> list[str]:
    """Apply the numbered *.sql files of a service not yet recorded in <schema>.schema_migrations.

    Each file runs in its own transaction with its bookkeeping row; an advisory lock keeps two
    instances of a service from migrating at once.
    """
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"migrate:{schema}")
        try:
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            await conn.execute(f'SET search_path TO "{schema}", public')
            await conn.execute(
                f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations '
                "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["name"] for r in await conn.fetch(f'SELECT name FROM "{schema}".schema_migrations')}
            for path in await asyncio.to_thread(lambda: sorted(migrations_dir.glob("*.sql"))):
                if path.name in done:
                    continue
                async with conn.transaction():
                    await conn.execute(await asyncio.to_thread(path.read_text))
                    await conn.execute(
                        f'INSERT INTO "{schema}".schema_migrations (name) VALUES ($1)', path.name
                    )
                applied_now.append(path.name)
            if extra_ddl:
                # Idempotent DDL owned by shared code (the outbox), re-applied at each start.
                await conn.execute(extra_ddl)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", f"migrate:{schema}")
    if applied_now:
        log.info("migrations_applied", schema=schema, migrations=applied_now)
    return applied_now
