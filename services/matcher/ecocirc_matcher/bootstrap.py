"""Composition root of the matcher: settings, database, knowledge, relay and the faust app meet here."""

from __future__ import annotations

import asyncio
import gc
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from ecocirc_matcher.adapters.store import SCHEMA, MatcherStore
from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.service_layer.matching import MatcherService
from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.kafka import ensure_topics, wait_for_broker
from ecocirc_shared.outbox import OutboxRelay, outbox_ddl
from ecocirc_shared.settings import Settings
from ecocirc_shared.topics import all_topics

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class Matcher:
    settings: Settings
    pool: asyncpg.Pool
    service: MatcherService
    relay: OutboxRelay
    ready: asyncio.Event = field(default_factory=asyncio.Event)


# Young collections after this many net allocations (CPython's default: 700). Applying a batch
# allocates hundreds of thousands of short-lived objects, which refcounting frees anyway.
GC_YOUNG_THRESHOLD = 50_000


def tune_gc() -> None:
    """Keep the cyclic garbage collector off what lives as long as the process.

    The knowledge and the index are large and long-lived: frozen, the collector no longer walks
    them at every older-generation collection (about a tenth of a worker's time otherwise, measured
    with bench.matcher_profile). Called once the index is loaded.
    """
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


async def build(settings: Settings, kb: Knowledge | None = None) -> Matcher:
    """Connect, migrate, rebuild the index from PostgreSQL, ensure topics: ready to consume."""
    pool = await create_pool(settings, SCHEMA)
    await migrate(pool, SCHEMA, MIGRATIONS, extra_ddl=outbox_ddl(SCHEMA))
    await wait_for_broker(settings)
    await ensure_topics(settings, all_topics(settings))
    service = MatcherService(MatcherStore(pool), kb or load_knowledge())
    await service.rebuild()
    tune_gc()
    return Matcher(settings, pool, service, OutboxRelay(settings, pool, SCHEMA, all_topics(settings)))
