"""Real components for the tests: PostgreSQL (pgserver), tansu, an SMTP sink, all on 127.0.0.1."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from ecocirc_devstack.components import EmbeddedPostgres, free_port, start_broker
from ecocirc_devstack.smtp_sink import start_sink
from ecocirc_shared.settings import Settings


@dataclass
class Broker:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)

    def restart(self) -> None:
        """A new empty broker on the same port: what the embedded broker does after a restart."""
        if self.proc.poll() is None:
            self.stop()
        self.proc = start_broker(self.port, self.log)


@dataclass
class Mailbox:
    port: int
    directory: Path

    def messages(self) -> list[bytes]:
        return [p.read_bytes() for p in sorted(self.directory.glob("*.eml"))]


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg"))
    yield server
    server.stop()


@pytest.fixture
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A broker per test: tansu starts in milliseconds, and no test sees another's topics."""
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    port = free_port()
    b = Broker(port, start_broker(port, log), log)
    yield b
    if b.proc.poll() is None:
        b.stop()


@pytest.fixture(scope="session")
def smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mailbox]:
    directory = tmp_path_factory.mktemp("mail")
    port = free_port()
    controller = start_sink(directory, port)
    yield Mailbox(port, directory)
    controller.stop()


@pytest.fixture
async def database_url(postgres: EmbeddedPostgres) -> AsyncIterator[str]:
    """A fresh database per test: unique ids instead of teardown, nothing shared between tests."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(postgres.url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    yield postgres.url.replace("/postgres?", f"/{name}?", 1)


@pytest.fixture
def make_settings(database_url: str, broker: Broker, smtp: Mailbox) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "embedded": True,
            "database_url": database_url,
            "kafka_bootstrap": broker.bootstrap,
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "mail_from": "eco-circulaire@test.example",
            "admin_token": "test-admin-token-with-enough-entropy",
            "link_secret": "test-link-secret-apart-from-the-admin-token",
            "kafka_fetch_max_wait_ms": 100,
            "kafka_session_timeout_ms": 3000,
            "kafka_heartbeat_interval_ms": 500,
            "flow_partitions": 2,
            "synergy_partitions": 2,
            "log_json": False,
        }
        values.update(overrides)
        return Settings(**values)

    return make
