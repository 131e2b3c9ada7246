"""`python -m bench.notifier_bench`: emails rendered and sent per second, and flow-to-email latency.

Starts its own PostgreSQL, tansu and SMTP sink; then the whole platform for the end-to-end part.
Prints one table, the broker's own hop time as baseline, and stops by itself in about a minute.
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from email import policy
from pathlib import Path

import httpx

from bench.results import save
from ecocirc_devstack.components import EmbeddedPostgres, free_port, start_broker
from ecocirc_devstack.smtp_sink import start_sink
from ecocirc_intake.bootstrap import MIGRATIONS as INTAKE_MIGRATIONS
from ecocirc_notifier.bootstrap import build, email_settings
from ecocirc_notifier.domain.emails import render
from ecocirc_notifier.domain.news import proposed
from ecocirc_notifier.domain.recipients import proposal_audience
from ecocirc_notifier.options import NotifierOptions
from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.directory import AdvisorEntry, CompanyEntry, Directory
from ecocirc_shared.events import SynergyProposed
from ecocirc_shared.kafka import make_consumer, make_producer
from ecocirc_shared.logging import configure_logging
from ecocirc_shared.settings import Settings
from ecocirc_shared.synergies import Participant, Role, SynergySnapshot

ADMIN = "bench-admin-token-with-enough-entropy-01"
SYNERGIES = 150  # x3 emails each
# One resource per sample, so that each new need completes one synergy rather than one per earlier offer.
E2E_CODES = (
    "03 01 05",
    "02 02 04",
    "02 07 04",
    "10 01 01",
    "12 01 01",
    "15 01 01",
    "15 01 02",
    "16 01 03",
    "20 01 08",
    "02 03 04",
    "10 12 08",
    "17 01 07",
    "19 12 04",
    "02 05 01",
    "07 02 13",
    "04 02 22",
)
E2E_SAMPLES = len(E2E_CODES)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def snapshot(a: uuid.UUID, b: uuid.UUID) -> SynergySnapshot:
    return SynergySnapshot(
        synergy_id=uuid.uuid4(),
        revision=1,
        kind="substitution",
        resource_class="wood",
        resource_label="sciures de bois",
        score=0.8,
        score_parts={"resource": 1.0, "distance": 0.8},
        participants=(
            Participant(
                company_id=a, flow_id=uuid.uuid4(), role=Role.SUPPLIER, flow_label="Sciures", territory="32"
            ),
            Participant(
                company_id=b, flow_id=uuid.uuid4(), role=Role.RECEIVER, flow_label="Litière", territory="32"
            ),
        ),
        distance_km=5.2,
        explanation="Une scierie à 5 km produit des sciures ; un élevage en cherche.",
        territories=("32",),
        knowledge_version="bench",
    )


def bench_render(settings: Settings) -> float:
    """Pure rendering (both parts, headers) per second."""
    a, b = uuid.uuid4(), uuid.uuid4()
    directory = Directory(
        companies={
            a: CompanyEntry(id=a, name="Scierie", contact_email="s@example.org", territory="32"),
            b: CompanyEntry(id=b, name="Elevage", contact_email="e@example.org", territory="32"),
        },
        advisors=(AdvisorEntry(id=uuid.uuid4(), name="Claire", email="c@cci.example", territories=("32",)),),
    )
    news = proposed(snapshot(a, b))
    recipients = proposal_audience(news.synergy, directory, 0.5).recipients
    settings_ = email_settings(settings)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < 2.0:
        for recipient in recipients:
            render(news, recipient, directory, settings_)
            count += 1
    return count / (time.perf_counter() - started)


async def bench_send(settings: Settings, mail_dir: Path) -> tuple[float, int]:
    """Record proposals, then time the delivery loop until every email reached the SMTP sink."""
    intake = await create_pool(settings, "intake")
    await migrate(intake, "intake", INTAKE_MIGRATIONS)
    notifier = await build(settings, options=NotifierOptions(hold=timedelta(0), max_hold=timedelta(0)))
    pool, recorder, deliverer = notifier.pool, notifier.recorder, notifier.deliverer
    await intake.execute(
        "INSERT INTO intake.advisors (id, name, email, territories) VALUES ($1, 'Claire', 'c@cci.example', $2)",
        uuid.uuid4(),
        ["32"],
    )
    for i in range(SYNERGIES):
        ids = [uuid.uuid4(), uuid.uuid4()]
        for company_id, name in zip(ids, ("Scierie", "Elevage"), strict=True):
            await intake.execute(
                """INSERT INTO intake.companies (id, name, naf_code, contact_email, lat, lon, territory)
                   VALUES ($1, $2, '16.10A', $3, 43.49, 0.93, '32')""",
                company_id,
                f"{name} {i}",
                f"{name.lower()}{i}@example.org",
            )
        await recorder.handle(SynergyProposed(synergy=snapshot(*ids)))
    queued = int(await pool.fetchval("SELECT count(*) FROM deliveries WHERE status = 'pending'"))
    started = time.perf_counter()
    while await deliverer.deliver_due():
        pass
    elapsed = time.perf_counter() - started
    await pool.close()
    await intake.close()
    return queued / elapsed, queued


async def bench_broker_hop(settings: Settings, samples: int = 200) -> list[float]:
    """Produce-to-consume time of one small message on tansu, in ms: the floor of any pipeline hop."""
    topic = f"bench.hop.{uuid.uuid4().hex[:6]}"
    producer = make_producer(settings)
    consumer = make_consumer(settings, topic, group_id=f"bench-{uuid.uuid4().hex[:6]}")
    await producer.start()
    await producer.send_and_wait(topic, b"warm-up")
    await consumer.start()
    await consumer.getone()
    hops = []
    try:
        for _ in range(samples):
            sent = time.perf_counter()
            await producer.send_and_wait(topic, b"x")
            await consumer.getone()
            hops.append((time.perf_counter() - sent) * 1000)
    finally:
        await consumer.stop()
        await producer.stop()
    return hops


E2E_HOLD_S = 0


def bench_end_to_end(var_dir: Path) -> tuple[list[float], dict[str, list[float]]]:
    """Latency from the POST of the flow that completes a synergy to the first company's email, in s."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOCIRC_")}
    env.update(
        ECOCIRC_VAR_DIR=str(var_dir),
        ECOCIRC_API_PORT=str(port),
        ECOCIRC_ADMIN_TOKEN=ADMIN,
        # The hold that coalesces revisions is a choice, not a cost: measured without it.
        ECOCIRC_NOTIFY_HOLD_SECONDS=str(E2E_HOLD_S),
    )
    var_dir.mkdir(parents=True, exist_ok=True)
    log = (var_dir.parent / "platform.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecocirc_devstack"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10
    )
    try:
        started = time.monotonic()
        while True:
            try:
                if api.get("/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() - started > 60 or proc.poll() is not None:
                raise RuntimeError("platform did not start: see platform.log")
            time.sleep(0.1)
        # Warm up: a first pair far from the samples (so that it pairs with none of them), timed
        # from the platform's start. Until its lead arrives the matcher and the notifier are still
        # joining their groups and loading: that is start-up, not the way of a flow to an email.
        warm_up, _, _ = _declare_pair(
            api, "warm-up", E2E_CODES[0], ("59000", "Lille"), ("59130", "Lambersart")
        )
        warm = _arrivals(var_dir / "mail", {warm_up: f"Résidu {E2E_CODES[0]}"}, time.monotonic() + 120, set())
        if warm_up not in warm:
            raise RuntimeError("the warm-up lead never arrived: see platform.log")
        posted: dict[str, float] = {}
        need_flows: dict[str, str] = {}
        offers: dict[str, str] = {}
        for i in range(E2E_SAMPLES):
            to, sent, flow_id = _declare_pair(
                api, str(i), E2E_CODES[i], ("32130", "Samatan"), ("32220", "Lombez")
            )
            posted[to], need_flows[to], offers[to] = sent, flow_id, f"Résidu {E2E_CODES[i]}"
            time.sleep(0.3)
        arrived = _arrivals(var_dir / "mail", offers, time.monotonic() + 30, set())
        stages = asyncio.run(_stages(var_dir / "pg", posted, need_flows, arrived))
        return [arrived[k] - posted[k] for k in arrived], stages
    finally:
        api.close()
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(30)
        log.close()


def _declare_pair(
    api: httpx.Client, name: str, code: str, supplier_at: tuple[str, str], receiver_at: tuple[str, str]
) -> tuple[str, float, str]:
    """Two new companies, an offer of `code` from one, then the need that completes the synergy from
    the other: the receiver's address, when its need was posted (wall clock) and the need's id."""
    ids = []
    for who, naf, (postcode, city) in (
        ("scierie", "16.10A", supplier_at),
        ("elevage", "01.47Z", receiver_at),
    ):
        r = api.post(
            "/v1/companies",
            json={
                "name": f"{who.capitalize()} {name}",
                "naf_code": naf,
                "contact_email": f"{who}{name}@bench.example",
                "postcode": postcode,
                "city": city,
            },
        )
        if r.status_code != 201:
            raise RuntimeError(r.text)
        ids.append(r.json()["id"])
    offer = {"direction": "offer", "category": "waste", "label": f"Résidu {code}", "ewc_code": code}
    api.post(f"/v1/companies/{ids[0]}/flows", json=offer).raise_for_status()
    need = {"direction": "need", "category": "material", "label": f"Matière {code}", "ewc_code": code}
    sent = time.time()
    created = api.post(f"/v1/companies/{ids[1]}/flows", json=need)
    created.raise_for_status()
    return f"elevage{name}@bench.example", sent, str(created.json()["id"])


def _arrivals(mail_dir: Path, awaited: dict[str, str], deadline: float, seen: set[Path]) -> dict[str, float]:
    """When the first lead for each awaited address that names its offer (the text given) arrived
    (wall clock), until all did or the deadline."""
    arrived: dict[str, float] = {}
    while len(arrived) < len(awaited) and time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.eml")):
            if path in seen:
                continue
            seen.add(path)
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            to = str(message["To"])
            if to not in awaited or to in arrived or "piste" not in str(message["Subject"]):
                continue  # a welcome, or another company's
            body = message.get_body(preferencelist=("plain",))
            # A need the law forbids its own offer to feed (catering waste for a farm) may be paired
            # with a later sample's offer: that lead was caused by another POST.
            if body is not None and awaited[to] in body.get_content():
                # The sink names files by arrival time (wall clock, ns): the arrival, not our polling.
                arrived[to] = int(path.name.split("-")[0]) / 1e9
        time.sleep(0.02)
    return arrived


# Where a flow's way to an email can be timed, from the rows it leaves (PostgreSQL's now() is the
# start of each transaction): (name, what it measures).
STAGES = (
    ("intake", "POST to intake's transaction"),
    ("intake relay", "to its event published"),
    ("to matcher", "to the matcher's transaction (broker hop, batching window)"),
    ("matcher + relay", "to the synergy event published"),
    ("to notifier", "to the notifier's transaction (broker hop)"),
    ("delivery", "to the email arriving (delivery loop, rendering, SMTP)"),
)


async def _stages(
    pg_dir: Path, posted: dict[str, float], need_flows: dict[str, str], arrived: dict[str, float]
) -> dict[str, list[float]]:
    """Seconds each sample spent in each stage (STAGES), read from the platform's tables."""
    import asyncpg

    conn = await asyncpg.connect(f"postgresql://postgres:@/postgres?host={pg_dir}")
    spent: dict[str, list[float]] = {name: [] for name, _ in STAGES}
    try:
        for email_to, flow_id in need_flows.items():
            if email_to not in arrived:
                continue
            row = await conn.fetchrow(
                """SELECT (SELECT extract(epoch FROM created_at) FROM intake.outbox WHERE key = $1
                           ORDER BY seq LIMIT 1) AS intake,
                          (SELECT extract(epoch FROM published_at) FROM intake.outbox WHERE key = $1
                           ORDER BY seq LIMIT 1) AS intake_relay,
                          (SELECT extract(epoch FROM updated_at) FROM matcher.flows
                           WHERE flow_id = $1::uuid) AS to_matcher,
                          (SELECT extract(epoch FROM min(o.published_at)) FROM matcher.outbox o
                           JOIN matcher.synergies s ON s.synergy_id::text = o.key
                           WHERE $1::uuid = ANY(s.flow_ids)) AS matcher_relay,
                          (SELECT extract(epoch FROM min(created_at)) FROM notifier.deliveries
                           WHERE email = $2) AS to_notifier""",
                flow_id,
                email_to,
            )
            marks = [
                posted[email_to],
                *(float("nan" if v is None else v) for v in row.values()),
                arrived[email_to],
            ]
            for (name, _), start, end in zip(STAGES, marks[:-1], marks[1:], strict=True):
                spent[name].append(end - start)
    finally:
        await conn.close()
    return spent


def main() -> None:
    configure_logging("bench", "WARNING", False)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ecocirc-bench-") as tmp:
        root = Path(tmp)
        postgres = EmbeddedPostgres(root / "pg")
        broker_port, smtp_port = free_port(), free_port()
        broker = start_broker(broker_port)
        sink = start_sink(root / "mail", smtp_port)
        try:
            settings = Settings(
                embedded=True,
                database_url=postgres.url,
                kafka_bootstrap=f"127.0.0.1:{broker_port}",
                smtp_host="127.0.0.1",
                smtp_port=smtp_port,
                mail_from="eco-circulaire@bench.example",
                admin_token=ADMIN,
                kafka_fetch_max_wait_ms=100,
                kafka_session_timeout_ms=3000,
                kafka_heartbeat_interval_ms=500,
                log_level="WARNING",
                log_json=False,
            )
            rendered = bench_render(settings)
            sent, emails = asyncio.run(bench_send(settings, root / "mail"))
            hops = asyncio.run(bench_broker_hop(settings))
        finally:
            sink.stop()
            broker.terminate()
            broker.wait(10)
            postgres.stop()
        latencies, stages = bench_end_to_end(root / "platform" / "var")
    default_hold = Settings(embedded=True, _env_file=None).notify_hold_seconds  # type: ignore[call-arg]
    rows = [
        ("render (text + HTML + headers)", f"{rendered:,.0f} emails/s", "pure core, one process"),
        (
            "render + send + ledger (SMTP sink)",
            f"{sent:,.0f} emails/s",
            f"{emails} emails, one SMTP session each",
        ),
        (
            "broker hop (tansu), p50 / p99",
            f"{percentile(hops, 0.5):.1f} / {percentile(hops, 0.99):.1f} ms",
            f"{len(hops)} produce→consume, baseline",
        ),
        (
            "flow POST → email, p50 / p99",
            f"{percentile(latencies, 0.5) * 1000:.0f} / {percentile(latencies, 0.99) * 1000:.0f} ms"
            if latencies
            else "n/a",
            f"{len(latencies)}/{E2E_SAMPLES} samples; intake→matcher→notifier, 2 broker hops + relays",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'result':>22}  notes")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>22}  {note}")
    print("\nwhere a flow's way to the email goes, ms (p50 / p99 / max of the samples):")
    for name, what in STAGES:
        values = [v * 1000 for v in stages[name] if v == v]  # NaN: a row not found
        if values:
            print(
                f"  {name:<16} {percentile(values, 0.5):7.0f} {percentile(values, 0.99):7.0f}"
                f" {max(values):7.0f}  {what}"
            )
    save(
        "notifier",
        {
            "render_emails_per_s": round(rendered, 1),
            "send_emails_per_s": round(sent, 1),
            "broker_hop_p50_ms": round(percentile(hops, 0.5), 2),
            "broker_hop_p99_ms": round(percentile(hops, 0.99), 2),
            "e2e_p50_ms": round(percentile(latencies, 0.5) * 1000, 1) if latencies else None,
            "e2e_p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
            "e2e_samples": len(latencies),
            "e2e_hold_s": E2E_HOLD_S,
            "e2e_stages_p50_ms": {
                name: round(percentile([v * 1000 for v in stages[name] if v == v], 0.5), 1)
                for name, _ in STAGES
                if any(v == v for v in stages[name])
            },
        },
    )
    print(
        f"\nend to end measured with ECOCIRC_NOTIFY_HOLD_SECONDS={E2E_HOLD_S}; add the hold in force "
        f"(default {default_hold} s) for what a company waits. "
        f"Total run {time.monotonic() - started:.0f} s."
    )


if __name__ == "__main__":
    main()
