"""deploy/probe.py, the container health probe, on a fake /proc and real local sockets."""

from __future__ import annotations

import importlib.util
import socket
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.unit.deploy._support import DEPLOY


def load_probe() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ecocirc_probe", DEPLOY / "probe.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


probe = load_probe()


def fake_process(proc: Path, pid: int, argv: list[str], state: str = "S") -> None:
    folder = proc / str(pid)
    folder.mkdir(parents=True)
    (folder / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (folder / "stat").write_text(f"{pid} (python (x)) {state} 0 1 1 0 -1")


@pytest.fixture
def listener() -> Iterator[tuple[str, int]]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()
    server.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_service_is_found_from_the_process_command_lines(tmp_path: Path) -> None:
    fake_process(tmp_path, 1, ["/bin/sh", "/usr/local/bin/ecocirc", "matcher"])
    fake_process(tmp_path, 7, ["python", "-m", "ecocirc_matcher"])
    (tmp_path / "self").mkdir()
    fake_process(tmp_path, 12, ["python", "-m", "ecocirc_notifier"])
    assert probe.detect_service(tmp_path) == ("matcher", 7)
    assert probe.detect_service(tmp_path, wanted="notifier") == ("notifier", 12)
    assert probe.detect_service(tmp_path, wanted="intake") is None
    assert probe.process_alive(7, tmp_path)


def test_no_service_and_dead_processes_are_reported(tmp_path: Path) -> None:
    fake_process(tmp_path, 3, ["python", "-m", "ecocirc_devstack"])
    fake_process(tmp_path, 4, ["python", "-m", "ecocirc_notifier"], state="Z")
    assert probe.detect_service(tmp_path) == ("notifier", 4)
    assert not probe.process_alive(4, tmp_path)
    assert not probe.process_alive(99, tmp_path)


def test_addresses_are_read_from_the_settings() -> None:
    assert probe.kafka_addresses("kafka-0:9092, kafka-1:9093") == [("kafka-0", 9092), ("kafka-1", 9093)]
    assert probe.database_address("postgresql://u:p@db.internal:6543/x") == ("db.internal", 6543)
    assert probe.database_address("postgresql://u:p@postgres/x") == ("postgres", 5432)
    assert probe.database_address("postgresql://postgres:@/postgres?host=/tmp/pg") is None


def test_readiness_needs_the_broker_and_the_database(listener: tuple[str, int]) -> None:
    host, port = listener
    up = f"{host}:{port}"
    assert (
        probe.dependencies_reachable(
            {"ECOCIRC_KAFKA_BOOTSTRAP": up, "ECOCIRC_DATABASE_URL": f"postgresql://u:p@{up}/db"}
        )
        == []
    )
    down = f"127.0.0.1:{closed_port()}"
    problems = probe.dependencies_reachable(
        {"ECOCIRC_KAFKA_BOOTSTRAP": down, "ECOCIRC_DATABASE_URL": f"postgresql://u:p@{down}/db"}
    )
    assert len(problems) == 2


def test_bad_arguments_are_a_usage_error() -> None:
    assert probe.main(["sideways"]) == 2
    assert probe.main(["ready", "billing"]) == 2
