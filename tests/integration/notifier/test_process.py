"""The notifier as a process on a real broker: kill -9 at random moments, restart, then replay the
synergy topic from the start; every email arrives, none twice."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from ecocirc_devstack.components import free_port
from ecocirc_devstack.smtp_sink import start_sink
from ecocirc_notifier.entrypoints.consumer import consume
from ecocirc_notifier.service_layer.recording import EVENTS
from ecocirc_shared.events import SynergyProposed, SynergyRevised, encode
from ecocirc_shared.kafka import ensure_topics, make_producer
from ecocirc_shared.topics import SYNERGY_EVENTS, all_topics
from tests.integration.notifier.conftest import MakeNotifier, Notifier, parse, synergy

pytestmark = pytest.mark.integration

SYNERGIES = 8
EXPECTED = SYNERGIES * 3  # news for two companies and the admin advisor (with a mailbox) each


def _env(n: Notifier) -> dict[str, str]:
    s = n.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOCIRC_")}
    env.update(
        ECOCIRC_EMBEDDED="true",
        ECOCIRC_DATABASE_URL=str(s.database_url),
        ECOCIRC_KAFKA_BOOTSTRAP=str(s.kafka_bootstrap),
        ECOCIRC_SMTP_HOST="127.0.0.1",
        ECOCIRC_SMTP_PORT=str(s.smtp_port),
        ECOCIRC_MAIL_FROM=str(s.mail_from),
        ECOCIRC_ADMIN_TOKEN=s.admin_token.get_secret_value() if s.admin_token else "",
        ECOCIRC_KAFKA_FETCH_MAX_WAIT_MS="100",
        ECOCIRC_KAFKA_SESSION_TIMEOUT_MS="3000",
        ECOCIRC_KAFKA_HEARTBEAT_INTERVAL_MS="500",
        ECOCIRC_SYNERGY_PARTITIONS="2",
        ECOCIRC_FLOW_PARTITIONS="2",
        ECOCIRC_LOG_JSON="false",
        ECOCIRC_NOTIFY_HOLD_SECONDS="0.2",
    )
    return env


def _start(n: Notifier, log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "ecocirc_notifier"], env=_env(n), stdout=log, stderr=log)


async def _until(done: Callable[[], bool], deadline: float) -> None:
    """Poll: the condition lives in another process's mail folder or in a metric, with no event to await."""
    while not done() and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)


def _message_ids(mail: Path) -> Counter[str]:
    return Counter(str(parse(p.read_bytes())["Message-ID"]) for p in mail.glob("*.eml"))


async def _sent(n: Notifier) -> set[str]:
    """The Message-IDs the ledger says it sent: one per email (the admin's leads may share one)."""
    rows = await n.pool.fetch("SELECT sent_message_id FROM deliveries WHERE status = 'sent'")
    return {r["sent_message_id"] for r in rows}


async def _all_sent(n: Notifier) -> bool:
    return int(await n.pool.fetchval("SELECT count(*) FROM deliveries WHERE status = 'sent'")) >= EXPECTED


async def test_kill_restart_and_replay_send_each_email_once(
    make_notifier: MakeNotifier, tmp_path: Path
) -> None:
    port = free_port()
    sink = start_sink(tmp_path / "mail", port)
    n: Notifier = await make_notifier(smtp_port=port)
    producer = make_producer(n.settings)
    await ensure_topics(n.settings, all_topics(n.settings))
    await producer.start()
    try:
        for _ in range(SYNERGIES):
            a, b = await n.people.company("Atelier"), await n.people.company("Usine")
            s = synergy(a, b)
            key = str(s.synergy_id).encode()
            await producer.send_and_wait(SYNERGY_EVENTS, encode(SynergyProposed(synergy=s)), key=key)
            for revision in (2, 3):  # revisions that are not news
                revised = s.model_copy(update={"revision": revision, "score": 0.7 + revision / 100})
                await producer.send_and_wait(SYNERGY_EVENTS, encode(SynergyRevised(synergy=revised)), key=key)
    finally:
        await producer.stop()

    log = (tmp_path / "notifier.log").open("ab")
    rng = random.Random(5)
    kills = 0
    try:
        deadline = time.monotonic() + 40
        while not await _all_sent(n) and time.monotonic() < deadline:
            proc = _start(n, log)
            if kills < 3:
                await asyncio.sleep(rng.uniform(0.8, 3.0))
                proc.send_signal(signal.SIGKILL)
                kills += 1
            else:
                while not await _all_sent(n) and time.monotonic() < deadline:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
                proc.terminate()
            proc.wait(10)
        await asyncio.sleep(0.5)
        after_kills = _message_ids(tmp_path / "mail")
        # Every news sent, each email in the mailbox under the Message-ID the ledger recorded (the
        # admin's proposals may leave together, as one email listing them).
        assert await _all_sent(n), (tmp_path / "notifier.log").read_text()[-3000:]
        assert set(after_kills) == await _sent(n), (tmp_path / "notifier.log").read_text()[-3000:]
        assert len(after_kills) >= SYNERGIES * 2 + 1
        # SMTP cannot take part in our transaction: a kill between the server's "250" and our commit
        # (about a millisecond) would resend, with the same Message-ID for receivers to collapse.
        assert sum(after_kills.values()) - len(after_kills) <= kills

        # Replay the whole topic from the start under a new consumer group: nothing is sent again.
        replayed = EVENTS.labels("duplicate")._value.get()
        task = asyncio.create_task(consume(n.settings, n.services, group="replay-from-start"))
        await _until(
            lambda: EVENTS.labels("duplicate")._value.get() - replayed >= SYNERGIES * 3, deadline + 20
        )
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        n.clock.advance(minutes=1)
        assert await n.deliverer.deliver_due() == 0
        assert _message_ids(tmp_path / "mail") == after_kills
        statuses = await n.pool.fetch("SELECT status, count(*) FROM deliveries GROUP BY status")
        assert {r["status"]: r["count"] for r in statuses} == {"sent": EXPECTED}
    finally:
        log.close()
        sink.stop()
