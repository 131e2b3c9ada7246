"""Two faust matcher workers sharing the partitions of the flow topic find what one worker finds, with the
semantic fallback off and on."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from ecocirc_matcher.adapters.store import MatcherStore
from ecocirc_matcher.bootstrap import knowledge
from ecocirc_matcher.service_layer.matching import MatcherService
from ecocirc_shared.events import FlowDeclared, FlowRevised, encode
from ecocirc_shared.kafka import ensure_topics
from ecocirc_shared.settings import Settings
from ecocirc_shared.topics import FLOW_EVENTS, all_topics
from tests.conftest import Broker
from tests.integration.matcher.test_workers import (
    LABELS,
    flow_key,
    fresh_database,
    fresh_pool,
    outcome,
    scenario,
)

pytestmark = pytest.mark.integration

PARTITIONS = 4
# Words no keyword reads, which the semantic fallback places (near spent grain, near animal by-products):
# with it on, two workers must guess them as one does.
GUESSED_LABELS = ["brewers spent hops", "fish heads"]


def final_versions(events: list[Any]) -> dict[uuid.UUID, int]:
    versions: dict[uuid.UUID, int] = {}
    for event in events:
        versions[flow_key(event)] = (
            event.flow.version if isinstance(event, FlowDeclared | FlowRevised) else event.version
        )
    return versions


@pytest.mark.parametrize("semantic", [False, True], ids=["keywords", "semantic"])
async def test_two_faust_workers_find_what_one_finds(
    postgres: Any, broker: Broker, make_settings: Callable[..., Settings], tmp_path: Path, semantic: bool
) -> None:
    events = scenario(seed=3, flows=40, labels=[*LABELS, *GUESSED_LABELS])
    # The one worker reads as the two do (the knowledge's version, encoder included, is in every synergy).
    kb = knowledge(make_settings(matcher_semantic=semantic))

    single_pool = await fresh_pool(postgres.url, make_settings)
    single = MatcherService(MatcherStore(single_pool), kb)
    await single.rebuild()
    for event in events:
        await single.handle(event)
    expected = {k: v for k, v in (await outcome(single_pool)).items() if v[0]}
    if semantic:
        guessed = {
            e.flow.flow_id
            for e in events
            if isinstance(e, FlowDeclared | FlowRevised) and kb.classification(e.flow).guessed
        }
        found = await single_pool.fetch("SELECT flow_ids FROM synergies WHERE active")
        assert any(guessed & set(r["flow_ids"]) for r in found), "the fallback's guesses should pair"
    await single_pool.close()

    db_url = await fresh_database(postgres.url)
    shared_pool = await fresh_pool(postgres.url, make_settings, db_url)
    settings = make_settings(flow_partitions=PARTITIONS)
    await ensure_topics(settings, all_topics(settings))
    env = {
        **os.environ,
        "ECOCIRC_EMBEDDED": "true",
        "ECOCIRC_KAFKA_BOOTSTRAP": broker.bootstrap,
        "ECOCIRC_DATABASE_URL": db_url,
        "ECOCIRC_FLOW_PARTITIONS": str(PARTITIONS),
        "ECOCIRC_KAFKA_FETCH_MAX_WAIT_MS": "100",
        "ECOCIRC_KAFKA_SESSION_TIMEOUT_MS": "3000",
        "ECOCIRC_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
        "ECOCIRC_LOG_LEVEL": "WARNING",
        "ECOCIRC_MATCHER_SEMANTIC": str(semantic).lower(),
    }
    workers = [
        subprocess.Popen(  # noqa: ASYNC220 - started once, before any awaiting matters
            [sys.executable, "-m", "ecocirc_matcher"],
            env={**env, "ECOCIRC_VAR_DIR": str(tmp_path / f"worker{i}")},
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"worker{i}.log").open("wb"),
        )
        for i in range(2)
    ]
    try:
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=0)
        await producer.start()
        try:
            for event in events:
                await producer.send(FLOW_EVENTS, encode(event), key=str(flow_key(event)).encode())
            await producer.flush()
        finally:
            await producer.stop()
        wanted = final_versions(events)
        deadline = asyncio.get_running_loop().time() + 120
        while True:
            try:
                rows = await shared_pool.fetch("SELECT flow_id, version FROM flows")
            except Exception:
                rows = []
            if {r["flow_id"]: r["version"] for r in rows} == wanted:
                break
            assert asyncio.get_running_loop().time() < deadline, "the workers did not apply every event"
            await asyncio.sleep(0.5)
        got = {k: v for k, v in (await outcome(shared_pool)).items() if v[0]}
        logs = [(tmp_path / f"worker{i}.log").read_text(errors="replace") for i in range(2)]
        assert all("Traceback" not in log for log in logs), logs
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
        await shared_pool.close()
    assert len(expected) > 3, "the scenario should make synergies"
    assert got == expected
