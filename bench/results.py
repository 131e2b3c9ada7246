"""Where the benchmarks keep their figures: one JSON file each under var/bench/, comparable run to run."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path("var") / "bench"


def save(name: str, figures: dict[str, Any]) -> Path:
    """Write `figures` to var/bench/<name>.json with when, where and how they were measured."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    doc = {
        **figures,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m", f"bench.{Path(sys.argv[0]).stem}", *sys.argv[1:]]),
        "machine": {
            "cpus": os.cpu_count(),
            # Others may be using the machine: the load says how much the absolute figures mean.
            "load_average_1min": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        },
    }
    path.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n")
    print(f"figures written to {path}")
    return path


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS_DIR / f"{name}.json"
    if not path.exists():
        return None
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc
