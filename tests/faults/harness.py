"""A platform started piece by piece, so that any one piece can be stopped, killed or replaced.

`make run` supervises everything with honcho, which stops the whole platform when one child dies.
The fault suite needs the opposite: kill one service with SIGKILL and start it again while the rest
keeps running. So this harness starts the embedded components itself (PostgreSQL from pgserver,
tansu, the SMTP sink) and each service as its own process, with the environment `make run` gives
them (`ecocirc_devstack.run.platform_env` + `EMBEDDED_KAFKA_TUNING`). Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from ecocirc_devstack.components import EmbeddedPostgres, free_port, start_broker, wait_port
from ecocirc_devstack.run import EMBEDDED_KAFKA_TUNING

AUTH_FAILURES_PER_MINUTE = 600
ADMIN_TOKEN = "faults-admin-token-with-enough-entropy-0001"
SERVICES = ("intake", "matcher", "notifier")
# The matcher started with a knowledge whose version differs (see matcher_kb_variant.py).
KB_VARIANT_MODULE = "tests.faults.matcher_kb_variant"
REPO = Path(__file__).resolve().parents[2]


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


class RefusingHandler:
    """An SMTP server that accepts connections and refuses every message with a temporary error."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return "451 4.3.0 Mailbox temporarily unavailable, try again later"


@dataclass
class Harness:
    """One platform: components and services as separate processes under `var_dir`."""

    var_dir: Path
    hold_seconds: float = 0.2
    extra_env: dict[str, str] = field(default_factory=dict)
    api_port: int = field(default_factory=free_port)
    broker_port: int = field(default_factory=free_port)
    smtp_port: int = field(default_factory=free_port)
    postgres: EmbeddedPostgres | None = None
    broker: subprocess.Popen[bytes] | None = None
    smtp: subprocess.Popen[bytes] | None = None
    refusing_smtp: Any = None
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    db_url: str = ""

    # ---- components -------------------------------------------------------------------------
    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "logs"

    def start_postgres(self) -> None:
        self.postgres = EmbeddedPostgres(self.var_dir / "pg")
        self.db_url = self.postgres.url

    def stop_postgres(self) -> None:
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None

    def start_broker(self) -> None:
        """A new, empty tansu on the same port: the embedded broker keeps nothing across restarts."""
        self.broker = start_broker(self.broker_port, self.log_dir / "broker.log")

    def stop_broker(self) -> None:
        if self.broker is not None and self.broker.poll() is None:
            self.broker.terminate()
            self.broker.wait(10)
        self.broker = None

    def start_smtp(self) -> None:
        out = (self.log_dir / "smtp.log").open("ab")
        self.smtp = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ecocirc_devstack.smtp_sink",
                "--dir",
                str(self.mail_dir),
                "--port",
                str(self.smtp_port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        wait_port("127.0.0.1", self.smtp_port)

    def stop_smtp(self) -> None:
        if self.smtp is not None and self.smtp.poll() is None:
            self.smtp.terminate()
            self.smtp.wait(10)
        self.smtp = None

    def start_refusing_smtp(self) -> None:
        from aiosmtpd.controller import Controller

        self.refusing_smtp = Controller(RefusingHandler(), hostname="127.0.0.1", port=self.smtp_port)
        self.refusing_smtp.start()

    def stop_refusing_smtp(self) -> None:
        if self.refusing_smtp is not None:
            self.refusing_smtp.stop()
            self.refusing_smtp = None

    # ---- services ---------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ECOCIRC_")}
        env.update(EMBEDDED_KAFKA_TUNING)
        env.update(
            {
                "ECOCIRC_EMBEDDED": "true",
                "ECOCIRC_VAR_DIR": str(self.var_dir),
                "ECOCIRC_DATABASE_URL": self.db_url,
                "ECOCIRC_KAFKA_BOOTSTRAP": f"127.0.0.1:{self.broker_port}",
                "ECOCIRC_SMTP_HOST": "127.0.0.1",
                "ECOCIRC_SMTP_PORT": str(self.smtp_port),
                "ECOCIRC_MAIL_FROM": "eco-circulaire@localhost",
                "ECOCIRC_ADMIN_TOKEN": ADMIN_TOKEN,
                "ECOCIRC_API_PORT": str(self.api_port),
                "ECOCIRC_LOG_JSON": "false",
                "ECOCIRC_NOTIFY_HOLD_SECONDS": str(self.hold_seconds),
                # The access tests try every route with forged tokens (hundreds of failures a minute);
                # the limit is kept, only raised, so the rate-limiting test can still trip it.
                "ECOCIRC_AUTH_FAILURES_PER_MINUTE": str(AUTH_FAILURES_PER_MINUTE),
                "ECOCIRC_PUBLIC_BASE_URL": self.api,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")])),
            }
        )
        env.update(self.extra_env)
        return env

    def start_service(self, name: str, module: str | None = None) -> None:
        out = (self.log_dir / f"{name}.log").open("ab")
        out.write(f"\n----- start {time.strftime('%H:%M:%S')} {module or name} -----\n".encode())
        out.flush()
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", module or f"ecocirc_{name}"],
            env=self.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=self.var_dir,
            start_new_session=True,
        )

    def kill_service(self, name: str) -> None:
        """SIGKILL: no clean-up, no flush, as when a container is OOM-killed."""
        proc = self.procs[name]
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def stop_service(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def all_logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))

    # ---- whole platform ---------------------------------------------------------------------
    def start(self, timeout_s: float = 90.0) -> float:
        started = time.monotonic()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.mail_dir.mkdir(exist_ok=True)
        self.log_dir.mkdir(exist_ok=True)
        self.start_postgres()
        self.start_broker()
        self.start_smtp()
        for name in SERVICES:
            self.start_service(name)
        self.wait_ready(timeout_s)
        self.wait_log("matcher", "matcher_rebuilt", timeout_s)
        return time.monotonic() - started

    def stop(self) -> None:
        for name in reversed(SERVICES):
            self.stop_service(name)
        self.stop_refusing_smtp()
        self.stop_smtp()
        self.stop_broker()
        self.stop_postgres()

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.api}/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout_s: float = 60.0) -> float:
        return wait_until(self.ready, timeout_s, lambda: self.log("intake")[-3000:])

    def wait_log(self, name: str, text: str, timeout_s: float = 60.0, after: int = 0) -> float:
        return wait_until(lambda: text in self.log(name)[after:], timeout_s, lambda: self.log(name)[-3000:])

    def client(self, token: str = ADMIN_TOKEN) -> httpx.Client:
        return httpx.Client(base_url=self.api, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    # ---- what the platform holds ------------------------------------------------------------
    def query(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async def go() -> list[asyncpg.Record]:
            conn = await asyncpg.connect(self.db_url)
            try:
                return list(await conn.fetch(sql, *args))
            finally:
                await conn.close()

        result: list[asyncpg.Record] = _run(go())
        return result

    def mails(self) -> list[email.message.EmailMessage]:
        found = []
        for path in sorted(self.mail_dir.glob("*.eml")):
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(msg, email.message.EmailMessage)
            found.append(msg)
        return found


def wait_until(
    predicate: Callable[[], object], timeout_s: float, context: Callable[[], str] = lambda: ""
) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout_s:
            raise TimeoutError(f"condition not met after {timeout_s} s:\n{context()}")
        time.sleep(0.1)
    return time.monotonic() - started


@contextmanager
def running(harness: Harness) -> Iterator[Harness]:
    try:
        harness.start()
        yield harness
    finally:
        harness.stop()


# ---- declaring at a steady rate ---------------------------------------------------------------
@dataclass
class Declarer:
    """Declares flows at a steady rate from a thread, retrying each until it is accepted.

    A retry after an error first looks whether the flow is there (the request may have been
    committed before the answer was lost): the API has no idempotency key, so the client checks.
    """

    harness: Harness
    flows: list[tuple[str, dict[str, Any]]]  # (company id, body)
    rate_per_s: float = 6.0
    accepted: list[tuple[str, str]] = field(default_factory=list)  # (flow id, label)
    accepted_at: list[float] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    duplicates_created: int = 0
    _thread: threading.Thread | None = None
    error: BaseException | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def join(self, timeout_s: float = 300.0) -> None:
        assert self._thread is not None
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            raise TimeoutError("declarations did not finish")
        if self.error:
            raise self.error

    def _run(self) -> None:
        try:
            with self.harness.client() as client:
                period = 1.0 / self.rate_per_s
                next_at = time.monotonic()
                for company_id, body in self.flows:
                    delay = next_at - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    next_at = max(next_at + period, time.monotonic() - period)
                    self._declare(client, company_id, body)
        except BaseException as exc:  # reported by join()
            self.error = exc

    def _existing(self, client: httpx.Client, company_id: str, body: dict[str, Any]) -> str | None:
        r = client.get(f"/v1/companies/{company_id}/flows", params={"limit": 200})
        if r.status_code != 200:
            raise httpx.HTTPError(f"list flows: {r.status_code}")
        matches = [
            f["id"]
            for f in r.json()["items"]
            if f["label"] == body["label"] and f["direction"] == body["direction"]
        ]
        if len(matches) > 1:
            self.duplicates_created += len(matches) - 1
        return str(matches[0]) if matches else None

    def _declare(self, client: httpx.Client, company_id: str, body: dict[str, Any]) -> None:
        deadline = time.monotonic() + 120
        uncertain = False
        while time.monotonic() < deadline:
            try:
                if uncertain and (found := self._existing(client, company_id, body)):
                    self._accept(found, body)
                    return
                r = client.post(f"/v1/companies/{company_id}/flows", json=body)
                if r.status_code == 201:
                    self._accept(str(r.json()["id"]), body)
                    return
                self.refused[str(r.status_code)] += 1
                if r.status_code < 500:
                    raise AssertionError(f"declaration refused: {r.status_code} {r.text}")
            except httpx.HTTPError as exc:
                self.refused[type(exc).__name__] += 1
            uncertain = True
            time.sleep(0.3)
        raise TimeoutError(f"declaration of {body['label']!r} not accepted within 120 s")

    def _accept(self, flow_id: str, body: dict[str, Any]) -> None:
        self.accepted.append((flow_id, body["label"]))
        self.accepted_at.append(time.monotonic())
