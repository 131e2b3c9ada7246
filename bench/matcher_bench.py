"""Matcher cost per flow event at 1k, 10k and 100k active flows, against a naive scan of every flow;
the cost of the semantic fallback against the same events without it; and the worker's events per
second against a bare faust agent on the same broker.

    python -m bench.matcher_bench [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from ecocirc_matcher.domain.index import MatchIndex
from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_mutualisation, evaluate_substitution
from ecocirc_shared.flows import Direction, FlowSnapshot, Site
from ecocirc_shared.reference.communes import commune_entries
from ecocirc_shared.reference.ewc import ewc_entries

LABELS = [
    "Sciures et copeaux",
    "Palettes bois",
    "Lactosérum",
    "Drêches de brasserie",
    "Marc de raisin",
    "Chaleur fatale 60°C",
    "Copeaux métalliques",
    "Cartons",
    "Huile de friture usagée",
    "Digestat",
    "Eaux de lavage",
    "Big bags",
    "Chariot élévateur",
    "Camion retour à vide",
    "Saisonniers",
]


# Labels whose words no keyword knows (vague, or trade words missing from the knowledge): the semantic
# fallback reads these, and only these.
UNKNOWN_LABELS = [
    "Son de blé",
    "Rebuts de fabrication",
    "Résidus divers de l'atelier",
    "Produits déclassés",
    "Chutes de placo",
]

GERS_AND_NEIGHBOURS = {"31", "32", "47", "65", "82"}
# North of this latitude a commune is well beyond 300 km (the longest reach of any resource) of the Gers.
FAR_NORTH_LAT = 48.0


def random_flows(n: int, seed: int, where: str = "local", labels: list[str] = LABELS) -> list[FlowSnapshot]:
    """Flows over the communes around the Gers ("local") or far from it ("far"), half with an EWC code."""
    rng = random.Random(seed)
    if where == "local":
        communes = [c for c in commune_entries() if c.department in GERS_AND_NEIGHBOURS]
    else:
        communes = [c for c in commune_entries() if c.lat > FAR_NORTH_LAT]
    codes = [e.code for e in ewc_entries() if e.is_waste_entry]
    now = datetime.now(UTC)
    flows = []
    for _ in range(n):
        c = rng.choice(communes)
        ewc = rng.choice(codes) if rng.random() < 0.5 else None
        flows.append(
            FlowSnapshot(
                flow_id=uuid.UUID(int=rng.getrandbits(128)),
                company_id=uuid.UUID(int=rng.getrandbits(128)),
                version=1,
                direction=rng.choice([Direction.OFFER, Direction.NEED]),
                category="waste",
                label=rng.choice(labels),
                ewc_code=ewc,
                site=Site(
                    lat=c.lat + rng.uniform(-0.02, 0.02),
                    lon=c.lon + rng.uniform(-0.02, 0.02),
                    territory=c.department,
                ),
                declared_at=now,
            )
        )
    return flows


def probes_in(background: list[FlowSnapshot], count: int, seed: int) -> list[FlowSnapshot]:
    """New flows placed where the population is, so each lands among its local candidates."""
    rng = random.Random(seed)
    return [
        f.model_copy(
            update={
                "flow_id": uuid.UUID(int=rng.getrandbits(128)),
                "company_id": uuid.UUID(int=rng.getrandbits(128)),
            }
        )
        for f in rng.sample(background, count)
    ]


def per_event_indexed(
    kb: Knowledge, background: list[FlowSnapshot], probes: list[FlowSnapshot]
) -> tuple[float, float]:
    """Microseconds and pair evaluations per new flow, with `background` already indexed."""
    index = MatchIndex(kb)
    for f in background:
        index.put(f)
    before = index.evaluations
    started = time.perf_counter()
    for f in probes:
        index.upsert(f)
    elapsed = time.perf_counter() - started
    return elapsed / len(probes) * 1e6, (index.evaluations - before) / len(probes)


def per_event_naive(kb: Knowledge, background: list[FlowSnapshot], probes: list[FlowSnapshot]) -> float:
    """Microseconds per new flow when every flow is judged against it (no index)."""
    started = time.perf_counter()
    for f in probes:
        for other in background:
            if other.direction is f.direction:
                evaluate_mutualisation(f, other, kb)
            elif f.direction is Direction.OFFER:
                evaluate_substitution(f, other, kb)
            else:
                evaluate_substitution(other, f, kb)
    return (time.perf_counter() - started) / len(probes) * 1e6


def core_table(quick: bool) -> None:
    """Per-event cost with the same 1,000 flows around the Gers and more and more flows elsewhere."""
    kb = load_knowledge()
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    count = 200 if quick else 500
    local = random_flows(1_000, seed=1)
    probes = probes_in(local, count, seed=2)
    print(f"knowledge {kb.version}; {count} new flows declared around the Gers, among 1,000 local flows")
    print(
        "and more flows elsewhere in France (beyond any resource's reach): the work must not grow with them."
    )
    print(
        f"{'active flows':>12} | {'indexed µs/event':>16} | {'ratio to 1k':>11} | {'pairs judged/event':>18} |"
        f" {'scan-all µs/event':>17} | {'scan / indexed':>14} | {'recompute-all s/event':>21}"
    )
    base = None
    for n in sizes:
        background = local + random_flows(n - len(local), seed=n, where="far")
        us, pairs = per_event_indexed(kb, background, probes)
        base = base or us
        scan = per_event_naive(kb, background, probes[: 10 if n <= 10_000 else 3])
        # Recomputing every pair after each event judges n(n-1)/2 pairs, each at the scan's cost per pair.
        recompute_s = (scan / n) * (n * (n - 1) / 2) / 1e6
        print(
            f"{n:>12,} | {us:16.0f} | {us / base:11.2f} | {pairs:18.1f} | {scan:17.0f} | {scan / us:14.0f} |"
            f" {recompute_s:21,.0f}"
        )
    print(
        "recompute-all is extrapolated from the measured cost per pair (timing n(n-1)/2 pairs would take hours)."
    )


def semantic_table(quick: bool) -> None:
    """Per-event cost with the semantic fallback on, against the same events with it off."""
    from ecocirc_matcher.adapters.encoder import DEFAULT_MODEL, SentenceEncoder

    count = 200 if quick else 500
    rounds = 3
    local = random_flows(1_000, seed=1, labels=LABELS + UNKNOWN_LABELS)
    sample = probes_in(local, count, seed=2)
    started = time.perf_counter()
    on = Knowledge(encoder=SentenceEncoder())
    on.prepare(local)  # loads the model, encodes the class descriptions, then the flows already there
    startup = time.perf_counter() - started
    off = load_knowledge()
    unread = len(on.unread_texts(sample))
    print(
        f"\nsemantic fallback ({DEFAULT_MODEL}): {count} new flows among 1,000 around the Gers, {unread} of them"
        " in words no keyword knows,\neach worded anew (every text the fallback reads is new to its cache: the"
        f" worst case); best of {rounds} rounds, off and on in turn"
    )
    print(
        f"  start-up, once per process: model loaded, class descriptions and 1,000 flows encoded in {startup:.1f} s"
    )
    timings: dict[str, list[float]] = {"off": [], "one": [], "batch": []}
    for r in range(rounds):
        probes = [f.model_copy(update={"label": f"{f.label} lot {r}-{i}"}) for i, f in enumerate(sample)]
        timings["off"].append(per_event_indexed(off, local, probes)[0])
        timings["one"].append(per_event_indexed(on, local, probes)[0])
        probes = [f.model_copy(update={"label": f"{f.label} lot b{r}-{i}"}) for i, f in enumerate(sample)]
        # As the worker applies a batch of events: the new wordings encoded together, then each event.
        started = time.perf_counter()
        on.prepare(probes)
        prepared = (time.perf_counter() - started) / len(probes) * 1e6
        timings["batch"].append(per_event_indexed(on, local, probes)[0] + prepared)
    base = min(timings["off"])
    print(f"  {'':32} | {'µs/event':>9} | {'ratio to off':>12}")
    for key, name in (
        ("off", "off (baseline)"),
        ("one", "on, one event at a time"),
        ("batch", "on, events in one batch"),
    ):
        us = min(timings[key])
        print(f"  {name:32} | {us:9.0f} | {us / base:12.2f}")
    extra = (min(timings["one"]) - base) * count / max(unread, 1)
    print(f"  one at a time, each event the fallback reads costs about {extra / 1000:.1f} ms more")


FAUST_BARE = """
import asyncio, os, sys, time, faust
from ecocirc_matcher.adapters.faust_transport import register
scheme = register(100)
app = faust.App("bench-bare-" + os.environ["RUN"], broker=f"{scheme}://" + os.environ["BOOT"], value_serializer="raw",
                web_enabled=False, broker_session_timeout=3, broker_heartbeat_interval=0.5, producer_linger=0,
                consumer_auto_offset_reset="earliest", topic_partitions=int(os.environ["PARTS"]),
                datadir=os.environ["DATADIR"])
topic = app.topic(os.environ["TOPIC"], value_type=bytes, partitions=int(os.environ["PARTS"]))
N = int(os.environ["N"]); seen = 0; first = None
@app.agent(topic)
async def count(stream):
    global seen, first
    async for _ in stream:
        first = first or time.perf_counter(); seen += 1
        if seen == N:
            print(f"RESULT {N / (time.perf_counter() - first):.0f}", flush=True); os._exit(0)
        yield None
app.main()
"""


async def produce(bootstrap: str, topic: str, events: list[bytes], keys: list[bytes]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await producer.start()
    try:
        for key, value in zip(keys, events, strict=True):
            await producer.send(topic, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


def faust_table(quick: bool) -> None:
    """Events per second: a bare faust agent, then the matcher with one and two workers, same input."""
    n = 1_000 if quick else 3_000
    flows = random_flows(n, seed=7)
    bare = _bare_faust_rate(flows)
    one = _matcher_rate_with(flows, workers=1)
    two = _matcher_rate_with(flows, workers=2)
    print(f"\nfaust on tansu, {n} flow events declared around the Gers (2 partitions), events per second:")
    print(f"  bare faust agent (baseline)                  {bare:8.0f}")
    print(f"  matcher, 1 worker (index + PostgreSQL + outbox) {one:8.0f}   {one / bare:.3f} of the baseline")
    print(f"  matcher, 2 workers                            {two:8.0f}   {two / one:.2f} x one worker")


def _bare_faust_rate(flows: list[FlowSnapshot]) -> float:
    from ecocirc_devstack.components import free_port, start_broker
    from ecocirc_shared.kafka import ensure_topics
    from ecocirc_shared.settings import Settings
    from ecocirc_shared.topics import TopicSpec

    events, keys = _encoded(flows)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        broker = start_broker(port)
        try:
            boot = f"127.0.0.1:{port}"
            settings = Settings(embedded=True, kafka_bootstrap=boot)
            asyncio.run(ensure_topics(settings, [TopicSpec("bench.bare", 2, 1)]))
            asyncio.run(produce(boot, "bench.bare", events, keys))
            env = {
                **os.environ,
                "BOOT": boot,
                "TOPIC": "bench.bare",
                "N": str(len(flows)),
                "PARTS": "2",
                "RUN": uuid.uuid4().hex[:6],
                "DATADIR": str(Path(tmp) / "faust"),
            }
            out = subprocess.run(
                [sys.executable, "-c", FAUST_BARE, "worker", "-l", "warn"],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            return float(
                next(
                    line.split("RESULT")[1]
                    for line in (out.stdout + out.stderr).splitlines()
                    if "RESULT" in line
                )
            )
        finally:
            broker.terminate()


def _encoded(flows: list[FlowSnapshot]) -> tuple[list[bytes], list[bytes]]:
    from ecocirc_shared.events import FlowDeclared, encode

    return [encode(FlowDeclared(flow=f)) for f in flows], [str(f.flow_id).encode() for f in flows]


def _matcher_rate_with(flows: list[FlowSnapshot], workers: int) -> float:
    """Matcher workers on a fresh broker and database; the rate from the first applied event to the last."""
    from ecocirc_devstack.components import EmbeddedPostgres, free_port, start_broker
    from ecocirc_shared.kafka import ensure_topics
    from ecocirc_shared.settings import Settings
    from ecocirc_shared.topics import FLOW_EVENTS, all_topics

    events, keys = _encoded(flows)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        broker = start_broker(port)
        pg = EmbeddedPostgres(Path(tmp) / "pg")
        procs: list[subprocess.Popen[bytes]] = []
        try:
            boot = f"127.0.0.1:{port}"
            settings = Settings(embedded=True, kafka_bootstrap=boot, database_url=pg.url, flow_partitions=2)
            asyncio.run(ensure_topics(settings, all_topics(settings)))
            env = {
                **os.environ,
                "ECOCIRC_EMBEDDED": "true",
                "ECOCIRC_KAFKA_BOOTSTRAP": boot,
                "ECOCIRC_DATABASE_URL": pg.url,
                "ECOCIRC_FLOW_PARTITIONS": "2",
                "ECOCIRC_LOG_LEVEL": "WARNING",
                "ECOCIRC_KAFKA_FETCH_MAX_WAIT_MS": "100",
                "ECOCIRC_KAFKA_SESSION_TIMEOUT_MS": "3000",
                "ECOCIRC_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            }
            for i in range(workers):
                # Each worker its own data folder, as on separate machines.
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "ecocirc_matcher"],
                        env={**env, "ECOCIRC_VAR_DIR": str(Path(tmp) / f"w{i}")},
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
            # Let the group settle before the events arrive, so the rate is processing, not joining.
            time.sleep(6 + 3 * workers)
            asyncio.run(produce(boot, FLOW_EVENTS, events, keys))
            return asyncio.run(_matcher_rate(pg.url, len(flows)))
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(30)
            broker.terminate()
            pg.stop()


async def _matcher_rate(url: str, n: int) -> float:
    """Poll the matcher's database until it has applied n flows; rate from first to last."""
    import asyncpg

    deadline = time.monotonic() + 600
    while True:
        try:
            conn = await asyncpg.connect(url)
            break
        except OSError:
            await asyncio.sleep(0.2)
    try:
        while time.monotonic() < deadline:
            try:
                row = await conn.fetchrow(
                    "SELECT count(*) AS n, extract(epoch FROM max(updated_at) - min(updated_at)) AS span "
                    "FROM matcher.flows"
                )
            except asyncpg.UndefinedTableError:
                row = None
            if row and row["n"] >= n:
                return float(n / max(row["span"], 1e-6))
            await asyncio.sleep(0.5)
        raise TimeoutError("the matcher did not apply every event in time")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--skip-faust", action="store_true", help="without the faust worker figures")
    parser.add_argument("--skip-core", action="store_true", help="without the pure index figures")
    parser.add_argument("--skip-semantic", action="store_true", help="without the semantic fallback's cost")
    args = parser.parse_args()
    if not args.skip_core:
        core_table(args.quick)
    if not args.skip_semantic:
        semantic_table(args.quick)
    if not args.skip_faust:
        faust_table(args.quick)


if __name__ == "__main__":
    main()
