"""POST flow throughput and latency of intake, next to a bare FastAPI + asyncpg insert, in one command.

    python -m bench.intake_bench [--concurrency 16] [--seconds 6]

Starts its own PostgreSQL (pgserver) and tansu, serves each app with uvicorn in a subprocess (one
worker, as `make run` does), drives it with an httpx client at fixed concurrency from this process,
prints a table and stops everything. The baseline does what the HTTP + database part of a POST
costs at minimum: parse a JSON body, insert one row, answer 201; intake adds authentication,
validation against the reference data, the version row and the outbox event in the same transaction.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI, Request

from bench.results import save
from ecocirc_devstack.components import EmbeddedPostgres, free_port, start_broker, wait_port

ADMIN_TOKEN = "bench-admin-token-with-enough-entropy-000"
FLOW = {
    "direction": "offer",
    "category": "waste",
    "label": "Sciures de chêne",
    "ewc_code": "03 01 05",
    "quantity": {"amount": 120, "unit": "t", "period": "year"},
    "months": [3, 4, 5],
}


def intake_app() -> FastAPI:
    """The real intake app, configured from the environment the benchmark sets."""
    from ecocirc_intake.bootstrap import create_app
    from ecocirc_shared.settings import Settings

    return create_app(Settings())


def baseline_app() -> FastAPI:
    """A bare FastAPI app inserting the posted body into one table through an asyncpg pool."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(os.environ["BENCH_DATABASE_URL"], min_size=1, max_size=10)
        await app.state.pool.execute(
            "CREATE TABLE IF NOT EXISTS flows (id uuid PRIMARY KEY, company_id uuid NOT NULL, body jsonb NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
        yield
        await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/v1/companies/{company_id}/flows", status_code=201)
    async def create_flow(company_id: uuid.UUID, request: Request) -> dict[str, str]:
        flow_id = uuid.uuid4()
        body = await request.json()  # parsed, as any endpoint would, then stored as is
        await request.app.state.pool.execute(
            "INSERT INTO flows (id, company_id, body) VALUES ($1, $2, $3)",
            flow_id,
            company_id,
            json.dumps(body),
        )
        return {"id": str(flow_id)}

    return app


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    def percentiles(self) -> tuple[float, float]:
        ordered = sorted(self.latencies_ms)
        return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]

    def row(self) -> str:
        p50, p99 = self.percentiles()
        return (
            f"{self.name:<28} {self.requests:>8} {self.errors:>6} {self.requests / self.seconds:>10.0f} "
            f"{p50:>9.1f} {p99:>9.1f}"
        )

    def figures(self) -> dict[str, float]:
        p50, p99 = self.percentiles()
        return {
            "requests_per_s": round(self.requests / self.seconds, 1),
            "errors": self.errors,
            "p50_ms": round(p50, 1),
            "p99_ms": round(p99, 1),
        }


def serve(factory: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    wait_port("127.0.0.1", port, timeout_s=30)
    return proc


async def drive(name: str, url: str, headers: dict[str, str], concurrency: int, seconds: float) -> Result:
    """Keep `concurrency` requests in flight for `seconds`, after a short warm-up."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
        for _ in range(20):
            await client.post(url, json=FLOW)
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.post(url, json=FLOW)
                latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code != 201

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Result(name, len(latencies), errors, elapsed, latencies)


def print_logs(root: Path) -> None:
    """The servers' and broker's logs, to see why a run failed."""
    for log in sorted(root.glob("*.log")):
        print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)


async def create_database(admin_url: str, name: str) -> str:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin_url.replace("/postgres?", f"/{name}?", 1)


async def main(concurrency: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory(prefix="intake-bench-") as tmp:
        root = Path(tmp)
        postgres = EmbeddedPostgres(root / "pg")
        broker_port = free_port()
        broker = start_broker(broker_port, root / "tansu.log")
        servers: list[subprocess.Popen[bytes]] = []
        try:
            intake_db = await create_database(postgres.url, "bench_intake")
            baseline_db = await create_database(postgres.url, "bench_baseline")
            intake_port, baseline_port = free_port(), free_port()
            intake_env = {
                "ECOCIRC_EMBEDDED": "true",
                "ECOCIRC_VAR_DIR": str(root / "var"),
                "ECOCIRC_DATABASE_URL": intake_db,
                "ECOCIRC_KAFKA_BOOTSTRAP": f"127.0.0.1:{broker_port}",
                "ECOCIRC_ADMIN_TOKEN": ADMIN_TOKEN,
                "ECOCIRC_LOG_LEVEL": "WARNING",
            }
            servers.append(
                serve("bench.intake_bench:intake_app", intake_port, intake_env, root / "intake.log")
            )
            servers.append(
                serve(
                    "bench.intake_bench:baseline_app",
                    baseline_port,
                    {"BENCH_DATABASE_URL": baseline_db},
                    root / "b.log",
                )
            )
            intake = f"http://127.0.0.1:{intake_port}"
            async with httpx.AsyncClient(
                base_url=intake, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
            ) as admin:
                for _ in range(100):  # the app answers once its lifespan (migrations) is done
                    with contextlib.suppress(httpx.HTTPError):
                        if (await admin.get("/healthz")).status_code == 200:
                            break
                    await asyncio.sleep(0.1)
                created = await admin.post(
                    "/v1/companies",
                    json={
                        "name": "Banc",
                        "naf_code": "16.10A",
                        "contact_email": "b@banc.example.fr",
                        "postcode": "32130",
                        "city": "Samatan",
                    },
                )
                if created.status_code != 201:
                    raise RuntimeError(f"intake refused the benchmark's company: {created.text}")
                company: dict[str, Any] = created.json()
            company_url = f"/v1/companies/{company['id']}/flows"
            baseline = await drive(
                "baseline FastAPI+asyncpg",
                f"http://127.0.0.1:{baseline_port}{company_url}",
                {},
                concurrency,
                seconds,
            )
            measured = await drive(
                "intake POST flow",
                intake + company_url,
                {"Authorization": f"Bearer {company['token']}"},
                concurrency,
                seconds,
            )
        except BaseException:
            print_logs(root)
            raise
        finally:
            for proc in servers:
                proc.terminate()
            for proc in servers:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(10)
            broker.terminate()
            broker.wait(10)
            postgres.stop()
    print(
        f"\nPOST /v1/companies/{{id}}/flows, concurrency {concurrency}, {seconds:g} s each, one uvicorn worker"
    )
    print(f"{'':<28} {'requests':>8} {'errors':>6} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9}")
    print(baseline.row())
    print(measured.row())
    ratio = measured.requests / measured.seconds / (baseline.requests / baseline.seconds)
    print(f"intake / baseline throughput: {ratio:.2f}")
    save(
        "intake",
        {
            "intake_ratio": round(ratio, 3),
            "intake": measured.figures(),
            "baseline": baseline.figures(),
            "concurrency": concurrency,
            "seconds": seconds,
        },
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    asyncio.run(main(args.concurrency, args.seconds))
