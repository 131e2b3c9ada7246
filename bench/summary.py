"""The benchmarks' figures side by side with the targets of issue 14, merged into var/bench/matcher.json.

    python -m bench.summary

Reads what `bench.matcher_bench`, `bench.intake_bench` and `bench.notifier_bench` last wrote under
var/bench/, copies the intake ratio and the end-to-end p99 into matcher.json (so one file holds
every figure the issue names) and prints each figure next to its target.
"""

from __future__ import annotations

import json
from typing import Any

from bench.results import RESULTS_DIR, load

# (key, what it is, target, True when higher is better)
TARGETS: tuple[tuple[str, str, float, bool], ...] = (
    ("dense_1_vs_bare", "dense, 1 worker / bare faust agent", 0.15, True),
    ("dense_events_per_s.1", "dense, 1 worker, events/s", 1000, True),
    ("spread_2_vs_1", "spread, 2 workers / 1 worker", 1.7, True),
    ("spread_4_vs_1", "spread, 4 workers / 1 worker", 3.0, True),
    ("cost_ratio_100k_1k", "index cost per event, 100k / 1k flows", 1.2, False),
    # A worker's share of the flows in memory, against its share of the zones (a quarter).
    ("worker_share_4_workers", "flows held by the busiest of 4 workers, share", 0.25, False),
    ("rederive_1m_minutes_4_workers", "re-derive 1M flows on 4 workers, minutes", 10, False),
    (
        "rederive_1m_minutes_4_workers_small_change",
        "  the same after a small knowledge change",
        10,
        False,
    ),
    ("intake_ratio", "intake POST flow / bare FastAPI + asyncpg", 0.8, True),
    ("e2e_p99_ms", "flow POST to email p99 (hold 0), ms", 300, False),
)


def lookup(doc: dict[str, Any], dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def main() -> None:
    matcher = load("matcher") or {}
    intake = load("intake") or {}
    notifier = load("notifier") or {}
    matcher["intake_ratio"] = intake.get("intake_ratio")
    matcher["e2e_p99_ms"] = notifier.get("e2e_p99_ms")
    matcher["merged_from"] = {
        name: doc.get("measured_at") for name, doc in (("intake", intake), ("notifier", notifier)) if doc
    }
    if matcher:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / "matcher.json").write_text(json.dumps(matcher, indent=2) + "\n")
    print(f"{'figure':<48} {'measured':>10} {'target':>8}  met")
    for key, label, target, higher in TARGETS:
        value = lookup(matcher, key)
        if value is None:
            print(f"{label:<48} {'not run':>10} {target:>8g}")
            continue
        met = value >= target if higher else value <= target
        print(f"{label:<48} {value:>10.4g} {target:>8g}  {'yes' if met else 'NO'}")
    print(f"(from {RESULTS_DIR}/; each ratio is against a baseline measured in the same run)")


if __name__ == "__main__":
    main()
