"""Where one matcher worker's time goes: the dense benchmark's events applied in-process under cProfile.

    python -m bench.matcher_profile [--events 3000] [--batch 200] [--top 40] [--relay]

No faust: the events are handed to `MatcherService.handle_batch` in batches the size faust gives a
busy worker, on a fresh PostgreSQL, so the profile shows the service (pair judgements, SQL,
serialisation, outbox) without faust. The time is then split by what each function belongs to.
With `--relay`, a broker (tansu) is started and the worker's outbox relay publishes the synergy
events alongside, as in the worker; the run ends when the outbox is empty.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

from bench.matcher_bench import random_flows

# The parts of the work, each as the functions whose cumulative time it is (file suffix, name).
PARTS = (
    ("pair judgements (substitutions)", (("domain/index.py", "substitutions_for"),)),
    ("mutualisation groups", (("domain/index.py", "groups"),)),
    (
        "synergy snapshots, JSON, fingerprints",
        (("snapshots.py", "first_revision"), ("snapshots.py", "at_revision")),
    ),
    ("synergy ids (uuid5)", (("domain/model.py", "synergy_id"),)),
    (
        "writing synergies (SQL + outbox)",
        (("store.py", "save_synergies"), ("store.py", "withdraw_synergies")),
    ),
    (
        "  of which outbox (event encoding + insert)",
        (("outbox.py", "enqueue_copied"), ("events.py", "encode_synergy_news_many")),
    ),
    ("saving flows (SQL)", (("store.py", "save_flows"),)),
    ("catch-up (others' writes)", (("matching.py", "_catch_up"),)),
    ("outbox relay (read, publish, mark), alongside", (("outbox.py", "_publish_batch"),)),
    (
        "reading state, locks (SQL)",
        (
            ("store.py", "flow_states"),
            ("store.py", "lock_classes"),
            ("store.py", "lock_for_event"),
            ("store.py", "synergies"),
            ("store.py", "active_synergies_of_flows"),
            ("store.py", "active_synergies_of_groups"),
        ),
    ),
)


async def run(events: int, batch: int, profiled: bool, relay: bool) -> tuple[float, cProfile.Profile]:
    from ecocirc_devstack.components import EmbeddedPostgres, free_port, start_broker
    from ecocirc_matcher.bootstrap import build
    from ecocirc_shared.events import FlowDeclared
    from ecocirc_shared.kafka import ensure_topics
    from ecocirc_shared.settings import Settings
    from ecocirc_shared.topics import all_topics

    flows = random_flows(events, seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "pg")
        broker = start_broker(port := free_port()) if relay else None
        try:
            settings = Settings(
                embedded=True, database_url=pg.url, kafka_bootstrap=f"127.0.0.1:{port if relay else 1}"
            )
            if relay:
                await ensure_topics(settings, all_topics(settings))
            matcher = await _build_without_broker(settings, build)
            todo = [FlowDeclared(flow=f) for f in flows]
            # CPU time, not the wall clock: on a shared machine, time spent waiting for a processor
            # would be charged to whatever function was running.
            profile = cProfile.Profile(time.process_time)
            pg_cpu = _cpu_of_processes_under(tmp)
            cpu = time.process_time()
            started = time.perf_counter()
            relaying = asyncio.ensure_future(matcher.relay.run()) if relay else None
            if profiled:
                profile.enable()
            for i in range(0, len(todo), batch):
                await matcher.service.handle_batch(todo[i : i + batch])
            # The relay says nothing when it is done: the outbox does.
            while relaying is not None and await matcher.pool.fetchval(  # noqa: ASYNC110
                "SELECT count(*) FROM outbox WHERE published_at IS NULL"
            ):
                await asyncio.sleep(0.05)
            profile.disable()
            if relaying is not None:
                relaying.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await relaying
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu
            pg_cpu = _cpu_of_processes_under(tmp) - pg_cpu
            counts = await matcher.pool.fetchrow(
                "SELECT (SELECT count(*) FROM synergies) AS synergies, (SELECT count(*) FROM outbox) AS events"
            )
            print(
                f"{len(todo)} flow events in batches of {batch}: {counts['synergies']} synergies,"
                f" {counts['events']} synergy events; {len(todo) / elapsed:.0f} events/s"
                + (" (profiler on: slower than without)" if profiled else "")
            )
            # The machine is shared: CPU seconds are steadier than the wall clock.
            print(
                f"CPU per event: worker {cpu / len(todo) * 1e3:.2f} ms, PostgreSQL {pg_cpu / len(todo) * 1e3:.2f} ms;"
                f" {len(todo) / cpu:.0f} events per worker CPU-second"
            )
            await matcher.pool.close()
            return len(todo) / elapsed, profile
        finally:
            if broker is not None:
                broker.terminate()
            pg.stop()


def _cpu_of_processes_under(folder: str) -> float:
    """CPU seconds used so far by the processes whose command line names `folder` (the PostgreSQL server)."""
    import psutil

    total = 0.0
    for proc in psutil.process_iter(["cmdline"]):
        if any(folder in part for part in proc.info["cmdline"] or ()):
            try:
                for p in (proc, *proc.children(recursive=True)):
                    t = p.cpu_times()
                    total += t.user + t.system
            except psutil.NoSuchProcess:
                continue
    return total


async def _build_without_broker(settings: object, build: object) -> object:
    """The matcher's composition root, minus waiting for a broker and creating topics."""
    from unittest import mock

    with (
        mock.patch("ecocirc_matcher.bootstrap.wait_for_broker"),
        mock.patch("ecocirc_matcher.bootstrap.ensure_topics"),
    ):
        return await build(settings)  # type: ignore[operator]


def report(profile: cProfile.Profile, top: int) -> None:
    """Cumulative time of each part of the work, as a share of the time spent applying batches."""
    stats = pstats.Stats(profile)
    entries = stats.stats  # type: ignore[attr-defined]

    def cumulative(file_suffix: str, name: str) -> float:
        # The largest of the functions so named: a property calling a function of the same name
        # (Proposal.synergy_id calls synergy_id) holds its time already.
        return max(
            (
                ct
                for (file, _, func), (_, _, _, ct, _) in entries.items()
                if file.endswith(file_suffix) and func == name
            ),
            default=0.0,
        )

    total = cumulative("matching.py", "_apply") + cumulative("outbox.py", "_publish_batch")
    print(f"time applying batches and relaying (profiled, CPU in this process): {total:.1f} s; by part:")
    for name, functions in PARTS:
        spent = sum(cumulative(f, n) for f, n in functions)
        print(f"  {name:<44} {spent:7.2f} s  {spent / total:6.1%}")
    print("(the rest: index upkeep, bookkeeping; PostgreSQL's own work runs in its processes)")
    stats.sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--no-profile", action="store_true", help="the rate alone, without the profiler")
    parser.add_argument("--log-level", default="WARNING", help="as the benchmark's workers run (WARNING)")
    parser.add_argument("--relay", action="store_true", help="publish the synergy events to a broker too")
    args = parser.parse_args()
    from ecocirc_shared.logging import configure_logging

    configure_logging("matcher", args.log_level, json=True)
    _, profile = asyncio.run(run(args.events, args.batch, not args.no_profile, args.relay))
    if not args.no_profile:
        report(profile, args.top)


if __name__ == "__main__":
    main()
