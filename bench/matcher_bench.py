"""Matcher cost per flow event at 1k, 10k and 100k active flows, against a naive scan of every flow;
the cost of the semantic fallback against the same events without it; the worker's events per second
against a bare faust agent on the same broker, dense (one territory) and spread (over France, events
keyed by zone); the index memory per worker with 1, 2 or 4 zones; the time to re-derive every synergy
after a knowledge change with 1 and 2 workers, with no synergy stored before and after a small change.

    python -m bench.matcher_bench [--quick] [--skip-core] [--skip-semantic] [--skip-faust]
                                  [--skip-memory] [--skip-rederive] [--before-tree DIR]
                                  [--runs dense:1,spread:4]

The machine may be shared: each worker configuration runs right after a bare agent on the same
input, and the ratio to that baseline is the figure to compare. Figures are written to
var/bench/matcher.json (`python -m bench.summary` adds the intake and notifier figures and the targets).
`--before-tree DIR` also runs, alternately, the matcher of another checkout (e.g. `git worktree add`
of an older commit) on the dense input, for a before/after in one command.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.results import load, save
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
# One department in each of eight regions, for the spread benchmark: Gers, Finistère, Nord,
# Bas-Rhin, Rhône, Bouches-du-Rhône, Loiret, Gironde.
SPREAD_DEPARTMENTS = ("32", "29", "59", "67", "69", "13", "45", "33")
# North of this latitude a commune is well beyond 300 km (the longest reach of any resource) of the Gers.
FAR_NORTH_LAT = 48.0


def random_flows(n: int, seed: int, where: str = "local", labels: list[str] = LABELS) -> list[FlowSnapshot]:
    """Flows over the communes around the Gers ("local"), far from it ("far"), over one department
    of each of eight regions ("spread") or over metropolitan France ("france"), half with an EWC code."""
    rng = random.Random(seed)
    if where == "local":
        communes = [c for c in commune_entries() if c.department in GERS_AND_NEIGHBOURS]
    elif where == "spread":
        communes = [c for c in commune_entries() if c.department in SPREAD_DEPARTMENTS]
    elif where == "france":
        communes = [c for c in commune_entries() if not c.department.startswith("97")]
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
    kb: Knowledge,
    background: list[FlowSnapshot],
    probes: list[FlowSnapshot],
    rounds: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[float, float]:
    """Microseconds (by `clock`) and pair evaluations per new flow, with `background` already indexed.

    With several rounds the probes are declared, then withdrawn, each time, and the fastest round
    counts (the machine may be shared: what others take only ever adds).
    """
    index = MatchIndex(kb)
    for f in background:
        index.put(f)
    measured = []
    for _ in range(rounds):
        before = index.evaluations
        started = clock()
        for f in probes:
            index.upsert(f)
        measured.append((clock() - started, index.evaluations - before))
        for f in probes:
            index.remove(f.flow_id)
    elapsed, evaluations = min(measured)
    return elapsed / len(probes) * 1e6, evaluations / len(probes)


def per_event_naive(kb: Knowledge, background: list[FlowSnapshot], probes: list[FlowSnapshot]) -> float:
    """CPU microseconds per new flow when every flow is judged against it (no index)."""
    started = time.process_time()
    for f in probes:
        for other in background:
            if other.direction is f.direction:
                evaluate_mutualisation(f, other, kb)
            elif f.direction is Direction.OFFER:
                evaluate_substitution(f, other, kb)
            else:
                evaluate_substitution(other, f, kb)
    return (time.process_time() - started) / len(probes) * 1e6


def core_table(quick: bool) -> dict[str, float]:
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
    per_event: dict[str, float] = {}
    for n in sizes:
        background = local + random_flows(n - len(local), seed=n, where="far")
        us, pairs = per_event_indexed(kb, background, probes, rounds=3, clock=time.process_time)
        base = base or us
        per_event[str(n)] = round(us, 1)
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
    print("µs are CPU time of this process; the indexed figure is the fastest of three rounds.")
    assert base is not None
    return {
        "index_us_per_event": per_event,
        "cost_ratio_100k_1k" if not quick else "cost_ratio_10k_1k": round(us / base, 3),
    }


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
        # As the worker applies a batch of events: the new wordings encoded first (each alone), then
        # each event.
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
N = int(os.environ["N"]); seen = 0; first = None; cpu = None
@app.agent(topic)
async def count(stream):
    global seen, first, cpu
    async for _ in stream:
        first = first or time.perf_counter(); cpu = cpu or time.process_time(); seen += 1
        if seen == N:
            rate, cpu_ms = N / (time.perf_counter() - first), (time.process_time() - cpu) / N * 1e3
            print(f"RESULT {rate:.0f} {cpu_ms:.4f}", flush=True); os._exit(0)
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


def faust_table(quick: bool, before_tree: Path | None, only: set[str] | None = None) -> dict[str, object]:
    """Events per second of the matcher, each configuration right after a bare faust agent on its input.

    `only`: the configurations to run, as "input:workers" ("dense:1"); all of them by default.
    """
    dense = random_flows(1_000 if quick else 3_000, seed=7)
    spread = random_flows(1_000 if quick else 4_000, seed=11, where="france")
    runs: list[tuple[str, list[FlowSnapshot], int, int, Path | None]] = [
        ("dense", dense, 2, 1, None),
        ("dense", dense, 2, 2, None),
        ("spread", spread, 4, 1, None),
        ("spread", spread, 4, 2, None),
        ("spread", spread, 4, 4, None),
    ]
    if before_tree is not None:
        runs[1:1] = [("dense-before", dense, 2, 1, before_tree)]
        runs[3:3] = [("dense-before", dense, 2, 2, before_tree)]
    if only is not None:
        runs = [r for r in runs if f"{r[0].removesuffix('-before')}:{r[3]}" in only]
    rates: dict[str, dict[str, float]] = {}
    bares: dict[str, dict[str, float]] = {}
    cpus: dict[str, dict[str, float]] = {}
    bare_cpus: dict[str, dict[str, float]] = {}
    waits: dict[str, dict[str, float]] = {}
    print(
        f"\nfaust on tansu: dense = {len(dense)} flow events around the Gers (2 partitions), several synergies"
        f" each; spread = {len(spread)} over metropolitan France (4 partitions, {_zone_shares(spread, 4)} of the"
        " events per zone). Events keyed by the zone of their flow, as intake keys them. Each line runs right"
        " after its own bare faust agent on the same input."
        " CPU: milliseconds per event of the agent's or the matcher workers' processes (steadier than"
        " rates on a shared machine). Waiting at locks: the share of the workers' time their transaction"
        " waits for a region lock another worker holds (pg_stat_activity, sampled every 50 ms)."
    )
    print(
        f"  {'input':<13} {'workers':>7} {'bare ev/s':>10} {'matcher ev/s':>13} {'/ bare':>7}"
        f" {'bare CPU ms':>12} {'matcher CPU ms':>15} {'bare / matcher CPU':>19} {'waiting at locks':>16}"
    )
    for name, flows, partitions, workers, tree in runs:
        bare, bare_cpu = _bare_faust_rate(flows, partitions)
        rate, cpu, waiting = _matcher_rate_with(flows, workers, partitions, tree)
        rates.setdefault(name, {})[str(workers)] = round(rate, 1)
        bares.setdefault(name, {})[str(workers)] = round(bare, 1)
        cpus.setdefault(name, {})[str(workers)] = round(cpu, 3)
        waits.setdefault(name, {})[str(workers)] = round(waiting, 3)
        bare_cpus.setdefault(name, {})[str(workers)] = round(bare_cpu, 4)
        print(
            f"  {name:<13} {workers:>7} {bare:>10.0f} {rate:>13.0f} {rate / bare:>7.3f}"
            f" {bare_cpu:>12.3f} {cpu:>15.2f} {bare_cpu / cpu:>19.3f} {waiting:>16.0%}"
        )
    figures: dict[str, object] = {
        "bare_events_per_s_by_run": bares,
        "bare_cpu_ms_per_event_by_run": bare_cpus,
    }
    if "dense" in bares:
        figures["bare_events_per_s"] = round(statistics.fmean(bares["dense"].values()), 1)
    for name in ("dense", "spread"):
        if name in rates:
            figures[f"{name}_events_per_s"] = rates[name]
            figures[f"{name}_cpu_ms_per_event"] = cpus[name]
            figures[f"{name}_lock_waiting_share"] = waits[name]
            for w in rates[name]:
                figures[f"{name}_{w}_vs_bare"] = round(rates[name][w] / bares[name][w], 4)
                if w != "1" and "1" in rates[name]:
                    figures[f"{name}_{w}_vs_1"] = round(rates[name][w] / rates[name]["1"], 3)
    if "dense-before" in rates:
        before = rates["dense-before"]
        figures["dense_before_events_per_s"] = before
        figures["dense_before_tree"] = str(before_tree)
        figures["dense_after_vs_before"] = {w: round(rates["dense"][w] / before[w], 2) for w in before}
        figures["dense_before_cpu_ms_per_event"] = cpus["dense-before"]
        print(
            "  after / before, dense: "
            + ", ".join(f"{w} worker(s) {rates['dense'][w] / before[w]:.2f}x" for w in before)
            + "; CPU per event before / after: "
            + ", ".join(f"{w} worker(s) {cpus['dense-before'][w] / cpus['dense'][w]:.2f}x" for w in before)
        )
    scaling = [
        f"{name}: {w} workers {figures[f'{name}_{w}_vs_1']:.2f}x one"
        for name in ("dense", "spread")
        for w in rates.get(name, {})
        if f"{name}_{w}_vs_1" in figures
    ]
    if scaling:
        print("  " + "; ".join(scaling))
    print(
        "  (CPU per event, spread, by workers: "
        + "/".join(f"{w}: {cpus['spread'][w]:.2f}" for w in cpus.get("spread", {}))
        + f" ms; this machine has {os.cpu_count()} cores for the workers, PostgreSQL and the broker)"
    )
    return figures


def _bare_faust_rate(flows: list[FlowSnapshot], partitions: int) -> tuple[float, float]:
    """Events per second of a bare faust agent, and its CPU milliseconds per event."""
    from ecocirc_devstack.components import free_port, start_broker
    from ecocirc_shared.kafka import ensure_topics
    from ecocirc_shared.settings import Settings
    from ecocirc_shared.topics import TopicSpec

    events, keys = _encoded(flows, partitions)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        broker = start_broker(port)
        try:
            boot = f"127.0.0.1:{port}"
            settings = Settings(embedded=True, kafka_bootstrap=boot)
            asyncio.run(ensure_topics(settings, [TopicSpec("bench.bare", partitions, 1)]))
            asyncio.run(produce(boot, "bench.bare", events, keys))
            env = {
                **os.environ,
                "BOOT": boot,
                "TOPIC": "bench.bare",
                "N": str(len(flows)),
                "PARTS": str(partitions),
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
            rate, cpu_ms = next(
                line.split("RESULT")[1].split()
                for line in (out.stdout + out.stderr).splitlines()
                if "RESULT" in line
            )
            return float(rate), float(cpu_ms)
        finally:
            broker.terminate()


def _encoded(flows: list[FlowSnapshot], partitions: int) -> tuple[list[bytes], list[bytes]]:
    """The events and their keys: the zone of each flow, as intake keys them."""
    from ecocirc_shared.events import FlowDeclared, encode
    from ecocirc_shared.partitioning import flow_event_key

    return [encode(FlowDeclared(flow=f)) for f in flows], [
        flow_event_key(f.site.lat, f.site.lon, partitions).encode() for f in flows
    ]


def _zone_shares(flows: list[FlowSnapshot], zones: int) -> str:
    from ecocirc_shared.partitioning import zone_of

    counts = [0] * zones
    for f in flows:
        counts[zone_of(f.site.lat, f.site.lon, zones)] += 1
    return "/".join(f"{c / len(flows):.0%}" for c in counts)


def _matcher_rate_with(
    flows: list[FlowSnapshot], workers: int, partitions: int, tree: Path | None = None
) -> tuple[float, float, float]:
    """Matcher workers on a fresh broker and database; the rate from the first applied event to the last,
    the workers' CPU milliseconds per event (all workers, from the events' arrival to the last applied),
    and the share of their time spent waiting for another worker's region locks.

    `tree`: run the matcher (and the shared package) of that checkout instead of this one.
    """
    from ecocirc_devstack.components import EmbeddedPostgres, free_port, start_broker
    from ecocirc_shared.kafka import ensure_topics
    from ecocirc_shared.settings import Settings
    from ecocirc_shared.topics import all_topics

    events, keys = _encoded(flows, partitions)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        broker = start_broker(port)
        pg = EmbeddedPostgres(Path(tmp) / "pg")
        procs: list[subprocess.Popen[bytes]] = []
        try:
            boot = f"127.0.0.1:{port}"
            settings = Settings(
                embedded=True, kafka_bootstrap=boot, database_url=pg.url, flow_partitions=partitions
            )
            asyncio.run(ensure_topics(settings, all_topics(settings)))
            env = {
                **os.environ,
                "ECOCIRC_EMBEDDED": "true",
                "ECOCIRC_KAFKA_BOOTSTRAP": boot,
                "ECOCIRC_DATABASE_URL": pg.url,
                "ECOCIRC_FLOW_PARTITIONS": str(partitions),
                "ECOCIRC_LOG_LEVEL": "WARNING",
                "ECOCIRC_KAFKA_FETCH_MAX_WAIT_MS": "100",
                "ECOCIRC_KAFKA_SESSION_TIMEOUT_MS": "3000",
                "ECOCIRC_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            }
            if tree is not None:
                env["PYTHONPATH"] = f"{tree / 'services' / 'matcher'}{os.pathsep}{tree / 'shared'}"
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
            # Let the workers start (knowledge loaded, index rebuilt) and the group settle before the
            # events arrive, so the rate is processing, not starting or joining.
            asyncio.run(_wait_for_start(pg.url))
            time.sleep(4 + 2 * workers)
            cpu = _cpu_seconds(procs)
            rate, waiting = asyncio.run(_produce_and_time(pg.url, boot, events, keys, workers))
            return rate, (_cpu_seconds(procs) - cpu) / len(flows) * 1e3, waiting
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(30)
            broker.terminate()
            pg.stop()


async def _wait_for_start(url: str, timeout_s: float = 180) -> None:
    """Until a worker has rebuilt its index (it then records the knowledge version it derived with)."""
    import asyncpg

    deadline = time.monotonic() + timeout_s
    conn = await asyncpg.connect(url)
    try:
        while time.monotonic() < deadline:
            try:
                if await conn.fetchval("SELECT value FROM matcher.state WHERE key = 'knowledge_version'"):
                    return
            except asyncpg.UndefinedTableError:
                pass
            await asyncio.sleep(0.2)
        raise TimeoutError("no matcher worker started in time")
    finally:
        await conn.close()


def _cpu_seconds(procs: list[subprocess.Popen[bytes]]) -> float:
    """User and system CPU seconds used so far by these processes."""
    import psutil

    total = 0.0
    for proc in procs:
        times = psutil.Process(proc.pid).cpu_times()
        total += times.user + times.system
    return total


async def _produce_and_time(
    url: str, bootstrap: str, events: list[bytes], keys: list[bytes], workers: int = 1
) -> tuple[float, float]:
    """Produce the events and poll the matcher's database until it has applied them all: events per
    second from the first sent to the last applied, and the share of the workers' time spent waiting
    for a region lock another worker holds (sampled at each poll from pg_stat_activity).

    (The rows' `updated_at` is each batch's transaction start, so their span would leave out the
    first batch and the last one's work.)
    """
    import asyncpg

    from ecocirc_shared.topics import FLOW_EVENTS

    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        await produce(bootstrap, FLOW_EVENTS, events, keys)
        deadline = time.monotonic() + 600
        waiting: list[int] = []
        while time.monotonic() < deadline:
            try:
                applied = await conn.fetchval("SELECT count(*) FROM matcher.flows")
            except asyncpg.UndefinedTableError:
                applied = 0
            if applied >= len(events):
                share = statistics.fmean(waiting) / workers if waiting else 0.0
                return len(events) / (time.perf_counter() - started), share
            waiting.append(
                await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'"
                )
            )
            await asyncio.sleep(0.05)
        raise TimeoutError("the matcher did not apply every event in time")
    finally:
        await conn.close()


MEMORY_FLOWS = 100_000
TARGET_FLOWS = 1_000_000


def memory_table(quick: bool) -> dict[str, object]:
    """Index memory per flow (tracemalloc: snapshots, index entries, the knowledge's per-flow caches) at
    100k flows over France, and the share of them each worker holds with 1, 2 or 4 zones; 1M extrapolated."""
    import gc
    import tracemalloc

    n = 20_000 if quick else MEMORY_FLOWS
    kb = load_knowledge()
    kb.classify(random_flows(1, seed=0, where="france")[0])  # the knowledge's own tables, before measuring
    gc.collect()
    tracemalloc.start()
    flows = random_flows(n, seed=17, where="france")
    index = MatchIndex(kb)
    for f in flows:
        index.put(f)
    gc.collect()
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    per_flow = used / n
    print(
        f"\nindex memory: {n:,} flows over metropolitan France take {used / 2**20:.0f} MB in one index,"
        f" {per_flow:,.0f} bytes per flow (tracemalloc: snapshots, index, the knowledge's caches of them)"
    )
    figures: dict[str, object] = {"index_bytes_per_flow": round(per_flow), "memory_measured_flows": n}
    declared = declared_mix(n // 5, seed=19)
    mix_index = MatchIndex(kb)
    for f in declared:
        mix_index.put(f)
    print(
        f"  share of the flows the busiest worker holds (its zones and every flow visible from them), with"
        f" these {n:,} flows (half with a random EWC code: many hazardous, 200-300 km wastes) and with"
        f" {len(declared):,} flows as companies declared them in the demo and tuning territories, each"
        " placed at a random commune"
    )
    print(
        f"  {'workers':>7} | {'share, random codes':>19} | {'MB at 1M':>8} | {'share, as declared':>18} | {'MB at 1M':>8}"
    )
    random_sees = [index.sees(f) for f in flows]
    declared_sees = [mix_index.sees(f) for f in declared]
    for workers in (1, 2, 4):
        share = _largest_share(random_sees, workers)
        declared_share = _largest_share(declared_sees, workers)
        mb_1m = share * TARGET_FLOWS * per_flow / 2**20
        declared_mb_1m = declared_share * TARGET_FLOWS * per_flow / 2**20
        figures[f"worker_memory_mb_1m_{workers}_workers"] = round(mb_1m)
        figures[f"worker_share_{workers}_workers"] = round(share, 3)
        figures[f"worker_memory_mb_1m_{workers}_workers_declared_mix"] = round(declared_mb_1m)
        figures[f"worker_share_{workers}_workers_declared_mix"] = round(declared_share, 3)
        print(
            f"  {workers:>7} | {share:>19.0%} | {mb_1m:>8,.0f} | {declared_share:>18.0%} | {declared_mb_1m:>8,.0f}"
        )
    print(
        "  an offer is visible as far as it travels, a need as far as what feeds it travels or its group's"
        " area spans; 1M extrapolated at the bytes per flow measured (the share held does not depend on the count)"
    )
    return figures


def _largest_share(sees: list[frozenset[int]], workers: int) -> float:
    from ecocirc_matcher.domain.regions import zone_regions

    held = [sum(1 for seen in sees if seen & zone_regions(zone, workers)) for zone in range(workers)]
    return max(held) / len(sees)


def declared_mix(n: int, seed: int) -> list[FlowSnapshot]:
    """Flows as companies declared them (demo and tuning territories), each at a random French commune."""
    from ecocirc_matcher.evaluation.demo import DEFAULT_TERRITORY, load_territory

    tuning = DEFAULT_TERRITORY.parents[2] / "services/matcher/ecocirc_matcher/evaluation/data/france_tuning"
    declared = [*load_territory().flows.values(), *load_territory(tuning / "territory.json").flows.values()]
    communes = [c for c in commune_entries() if not c.department.startswith("97")]
    rng = random.Random(seed)
    flows = []
    for _ in range(n):
        model, c = rng.choice(declared), rng.choice(communes)
        flows.append(
            model.model_copy(
                update={
                    "flow_id": uuid.UUID(int=rng.getrandbits(128)),
                    "company_id": uuid.UUID(int=rng.getrandbits(128)),
                    "site": Site(lat=c.lat, lon=c.lon, territory=c.department),
                }
            )
        )
    return flows


REDERIVE_WORKERS = 4

# The small knowledge change re-derived after the first derivation: one class's reach shortened.
SMALL_CHANGE = (b"\nsawdust_shavings,biomass,mass,80,", b"\nsawdust_shavings,biomass,mass,70,")


def changed_knowledge() -> Knowledge:
    """The packaged knowledge with sawdust and wood shavings travelling 70 km instead of 80."""
    from ecocirc_matcher.domain.knowledge import _read_packaged

    data = dict(_read_packaged())
    assert SMALL_CHANGE[0] in data["classes.csv"]
    data["classes.csv"] = data["classes.csv"].replace(*SMALL_CHANGE)
    return Knowledge(data)


REDERIVE_WORKER = """
import asyncio, sys, time
from bench.matcher_bench import changed_knowledge
from ecocirc_matcher.adapters.store import SCHEMA, MatcherStore
from ecocirc_matcher.bootstrap import tune_gc
from ecocirc_matcher.domain.knowledge import load_knowledge
from ecocirc_matcher.domain.regions import zone_regions
from ecocirc_matcher.service_layer.matching import MatcherService
from ecocirc_shared.db import create_pool
from ecocirc_shared.settings import Settings

async def main():
    url, zone, zones, change = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "changed"
    pool = await create_pool(Settings(embedded=True, database_url=url), SCHEMA)
    service = MatcherService(MatcherStore(pool), changed_knowledge() if change else load_knowledge())
    service.want(zone_regions(zone, zones))
    started = time.perf_counter()
    await service.rebuild(rederive=False)  # loads its zone, as a restarted worker does
    tune_gc()  # as the worker does once loaded
    print("READY", round(time.perf_counter() - started, 2), flush=True)
    sys.stdin.readline()
    started, cpu = time.perf_counter(), time.process_time()
    await service.rederive_pending()
    print("DONE", round(time.perf_counter() - started, 2), round(time.process_time() - cpu, 2), flush=True)

asyncio.run(main())
"""


def rederive_table(quick: bool) -> dict[str, object]:
    """Time to re-derive every synergy of n flows, by 1 and 2 worker processes (each given a zone,
    re-deriving its regions first, then any left), extrapolated to 1M on 4 workers: first with no
    synergy stored (every one is new: written and announced), then after a small knowledge change
    (each synergy is judged again; only those it changes are written and announced).

    The flows are stored as workers would have under the previous knowledge; each worker process
    loads its zone, then all start re-deriving at once. Regions re-derive under shared locks of
    the regions around them, so workers do not wait for each other.
    """
    n = 1_000 if quick else 8_000
    flows = random_flows(n, seed=13, where="spread")
    runs = {workers: _rederive_seconds(flows, workers) for workers in (1, 2)}
    (one, one_cpu, one_pg), synergies, load_one, regions, (changed_one, changed_cpu, changed_pg, news) = runs[
        1
    ]
    (two, _, _), _, _, _, (changed_two, _, _, _) = runs[2]
    figures: dict[str, object] = {
        "rederive_measured_flows": n,
        "rederive_measured_synergies": synergies,
        "rederive_regions": regions,
    }
    print(
        f"\nre-derivation: {n:,} flows over {len(SPREAD_DEPARTMENTS)} departments"
        f" ({n // len(SPREAD_DEPARTMENTS):,} each, {regions} regions), {synergies:,} synergies"
        f" (workers loaded in {load_one:.1f} s first)"
    )
    print(
        f"  {'':<46} | {'1 worker':>8} | {'ms/flow':>7} | {'CPU ms/flow (worker+PG)':>23}"
        f" | {'2 workers':>9} | {'2 vs 1':>6} | {'1M, 4 workers (by CPU)':>22}"
    )
    for label, key, seconds, cpu, pg, two_s in (
        ("every synergy new (none stored before)", "", one, one_cpu, one_pg, two),
        (
            f"small knowledge change ({news:,} synergy events)",
            "_small_change",
            changed_one,
            changed_cpu,
            changed_pg,
            changed_two,
        ),
    ):
        per_flow_ms, cpu_ms, pg_ms = (x / n * 1e3 for x in (seconds, cpu, pg))
        # 4 workers on 4 cores: each re-derives a quarter of the regions; the measured 2-worker
        # speed-up on this 2-core machine says whether they wait for each other. Beside it, from the
        # CPU alone (the wall clock of a shared machine counts others' work): each worker's CPU and
        # its share of PostgreSQL's, one after the other as a worker waits for its statements.
        minutes = per_flow_ms * TARGET_FLOWS / REDERIVE_WORKERS / 1e3 / 60
        cpu_minutes = (cpu_ms + pg_ms) * TARGET_FLOWS / REDERIVE_WORKERS / 1e3 / 60
        print(
            f"  {label:<46} | {seconds:>7.1f}s | {per_flow_ms:>7.2f} | {cpu_ms:>9.2f} + {pg_ms:.2f} = {cpu_ms + pg_ms:.2f}"
            f" | {two_s:>8.1f}s | {seconds / two_s:>5.2f}x | {minutes:>6.1f} min ({cpu_minutes:.1f} min)"
        )
        figures.update(
            {
                f"rederive_ms_per_flow{key}": round(per_flow_ms, 3),
                f"rederive_cpu_ms_per_flow{key}": round(cpu_ms, 3),
                f"rederive_pg_cpu_ms_per_flow{key}": round(pg_ms, 3),
                f"rederive_seconds_by_workers{key}": {"1": round(seconds, 1), "2": round(two_s, 1)},
                f"rederive_2_vs_1{key}": round(seconds / two_s, 2),
                f"rederive_1m_minutes_4_workers{key}": round(minutes, 1),
                f"rederive_1m_minutes_4_workers_by_cpu{key}": round(cpu_minutes, 1),
            }
        )
    figures["rederive_small_change_synergy_events"] = news
    print(
        "  1M flows at the cost per flow of 1 worker (wall clock; in brackets, from the CPU of the worker"
        " and PostgreSQL per flow, which others' work on a shared machine does not inflate),"
        f" on {REDERIVE_WORKERS} workers each re-deriving its zone's regions (1M flows at this density per"
        " department means more departments; a denser territory costs more per flow). The small change:"
        " sawdust and wood shavings travel 70 km instead of 80. Events keep being applied meanwhile:"
        " a region's re-derivation holds shared locks on the regions within the longest reach around"
        " it, so only events writing flows there wait, for that region only."
    )
    return figures


def _rederive_seconds(
    flows: list[FlowSnapshot], workers: int
) -> tuple[tuple[float, float, float], int, float, int, tuple[float, float, float, int]]:
    """`workers` processes re-derive every region, with no synergy stored, then after a small knowledge
    change: (seconds, CPU seconds of the first worker and of PostgreSQL), the synergies, the slowest
    load, the regions, and (seconds, CPU seconds of both, synergy events written) after the change."""
    from ecocirc_devstack.components import EmbeddedPostgres

    with tempfile.TemporaryDirectory() as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "pg")
        try:
            regions = asyncio.run(_stored_before_a_change(pg.url, flows))
            first, loads = _rederive_with(pg.url, tmp, workers, "packaged")
            synergies, events = asyncio.run(_counts(pg.url))
            after, _ = _rederive_with(pg.url, tmp, workers, "changed")
            news = asyncio.run(_counts(pg.url))[1] - events
            return first, synergies, max(loads), regions, (*after, news)
        finally:
            pg.stop()


def _rederive_with(
    url: str, folder: str, workers: int, knowledge: str
) -> tuple[tuple[float, float, float], list[float]]:
    """Start the worker processes, let each load its zone, then time them re-deriving every region:
    ((seconds, CPU seconds of the first worker, of PostgreSQL), each one's loading time)."""

    procs: list[subprocess.Popen[str]] = []
    try:
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", REDERIVE_WORKER, url, str(zone), str(workers), knowledge],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for zone in range(workers)
        ]
        loads = [float(_line_of(p, "READY")[0]) for p in procs]
        started, pg_started = time.perf_counter(), _postgres_cpu(folder)
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        done = [_line_of(p, "DONE") for p in procs]
        return (
            time.perf_counter() - started,
            float(done[0][1]),
            _postgres_cpu(folder) - pg_started,
        ), loads
    finally:
        for p in procs:
            p.kill()


def _postgres_cpu(folder: str) -> float:
    """CPU seconds used so far by the PostgreSQL server whose data is in `folder` and its processes
    (the workers name the folder too, in their database URL: a unix socket there)."""
    import psutil

    total = 0.0
    for proc in psutil.process_iter(["cmdline", "name"]):
        if proc.info["name"] == "postgres" and any(folder in part for part in proc.info["cmdline"] or ()):
            for p in (proc, *proc.children(recursive=True)):
                with contextlib.suppress(psutil.NoSuchProcess):
                    t = p.cpu_times()
                    total += t.user + t.system
    return total


async def _stored_before_a_change(url: str, flows: list[FlowSnapshot]) -> int:
    """Store the flows as workers of a previous knowledge would have; how many regions are to re-derive."""
    from ecocirc_matcher.adapters.store import SCHEMA, FlowWrite, MatcherStore
    from ecocirc_matcher.bootstrap import MIGRATIONS
    from ecocirc_matcher.domain.regions import region_of
    from ecocirc_shared.db import create_pool, migrate
    from ecocirc_shared.outbox import outbox_ddl
    from ecocirc_shared.settings import Settings

    kb = load_knowledge()
    index = MatchIndex(kb)
    pool = await create_pool(Settings(embedded=True, database_url=url), SCHEMA)
    try:
        await migrate(pool, SCHEMA, MIGRATIONS, extra_ddl=outbox_ddl(SCHEMA))
        async with MatcherStore(pool).transaction() as tx:
            for i in range(0, len(flows), 1_000):
                writes = []
                for f in flows[i : i + 1_000]:
                    home = region_of(f.site.lat, f.site.lon)
                    keys = kb.index_keys(f)
                    writes.append(
                        FlowWrite(f.flow_id, f.version, f, keys, home, frozenset({home}), index.sees(f))
                    )
                await tx.save_flows(writes, "kb-before-the-change")
            await tx.set_knowledge_version("kb-before-the-change")
            return len(await tx.regions_to_derive(kb.version))
    finally:
        await pool.close()


async def _counts(url: str) -> tuple[int, int]:
    """Active synergies, and synergy events written so far."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return (
            int(await conn.fetchval("SELECT count(*) FROM matcher.synergies WHERE active")),
            int(await conn.fetchval("SELECT count(*) FROM matcher.outbox")),
        )
    finally:
        await conn.close()


def _line_of(proc: subprocess.Popen[str], word: str) -> list[str]:
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(word):
            return line.split()[1:]
    raise RuntimeError(f"a re-derivation worker ended before {word}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--skip-faust", action="store_true", help="without the faust worker figures")
    parser.add_argument("--skip-core", action="store_true", help="without the pure index figures")
    parser.add_argument("--skip-semantic", action="store_true", help="without the semantic fallback's cost")
    parser.add_argument("--skip-rederive", action="store_true", help="no re-derivation figure")
    parser.add_argument("--skip-memory", action="store_true", help="no index memory figure")
    parser.add_argument(
        "--before-tree", type=Path, help="a checkout whose matcher to run alternately (dense)"
    )
    parser.add_argument(
        "--runs",
        help="worker configurations to run, as input:workers separated by commas (dense:1,dense:2,"
        "spread:1,spread:2,spread:4); all by default",
    )
    args = parser.parse_args()
    from ecocirc_shared.logging import configure_logging

    configure_logging("bench", "WARNING", json=False)
    figures: dict[str, object] = {"quick": args.quick}
    if not args.skip_core:
        figures.update(core_table(args.quick))
    if not args.skip_semantic:
        semantic_table(args.quick)
    if not args.skip_faust:
        only = set(args.runs.split(",")) if args.runs else None
        figures.update(faust_table(args.quick, args.before_tree, only))
    if not args.skip_memory:
        figures.update(memory_table(args.quick))
    if not args.skip_rederive:
        figures.update(rederive_table(args.quick))
    if args.skip_core or args.skip_faust or args.skip_rederive or args.skip_memory:
        # A partial run: the other figures of the last run stay (each key says what it measured).
        previous = load("matcher") or {}
        kept = {k: v for k, v in previous.items() if k not in ("measured_at", "command", "machine")}
        figures = {**kept, **figures}
    save("matcher", figures)


if __name__ == "__main__":
    main()
