"""Drive the platform as `make run` starts it: a process tree, its API, its mail folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from ecocirc_devstack.components import free_port

ADMIN_TOKEN = "e2e-admin-token-with-enough-entropy-0001"


@dataclass
class Platform:
    var_dir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 90.0) -> float:
        """Start and wait for /readyz; return the seconds it took."""
        env = {
            **os.environ,
            "ECOCIRC_VAR_DIR": str(self.var_dir),
            "ECOCIRC_API_PORT": str(self.port),
            "ECOCIRC_ADMIN_TOKEN": ADMIN_TOKEN,
        }
        for key in ("ECOCIRC_DATABASE_URL", "ECOCIRC_KAFKA_BOOTSTRAP", "ECOCIRC_SMTP_HOST"):
            env.pop(key, None)
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.var_dir / f"run-{time.time_ns()}.log"
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ecocirc_devstack"],
            env=env,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while time.monotonic() - started < timeout_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"platform exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.api}/readyz", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"platform not ready after {timeout_s} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path else ""

    def descendants(self) -> list[psutil.Process]:
        assert self.proc is not None
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def interrupt(self, timeout_s: float = 60.0) -> int:
        """Ctrl-C, as a person would; return the exit code."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGINT)
        return self.proc.wait(timeout_s)

    def client(self, token: str = ADMIN_TOKEN) -> httpx.Client:
        return httpx.Client(base_url=self.api, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    def mails(self) -> list[Path]:
        return sorted((self.var_dir / "mail").glob("*.eml"))

    def wait_for(self, predicate: Any, timeout_s: float = 45.0) -> float:
        """Poll until predicate() is truthy; return the seconds it took."""
        started = time.monotonic()
        while not predicate():
            if time.monotonic() - started > timeout_s:
                raise TimeoutError(f"condition not met after {timeout_s} s:\n{self.log()}")
            time.sleep(0.05)
        return time.monotonic() - started
