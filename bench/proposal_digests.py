"""Digests of every proposal the pure matcher makes on fixed inputs: a change meant to make matching
faster must leave them all the same.

    python -m bench.proposal_digests [--only dense,territories,mixed] [--dump DIR]

Three inputs: the dense benchmark's 3,000 events (`bench.matcher_bench.random_flows`, seed 7), each
applied to the index in turn, with what it makes then; the four territories (demo/gers and the
evaluation's three), every proposal once all flows are in; and 2,000 steps of declarations, revisions
and withdrawals of flows worded as the territories' flows are, with random sites, quantities (every
unit and period), months, prices, hazard and distance limits. Each proposal counts as the JSON it
would be announced with (revision 1), so its explanation, quantities and impact count too. Only
public APIs present since the first pass are used, so the same file runs against an older checkout
(`PYTHONPATH=<checkout>/... python <this file>`) for a before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ecocirc_matcher.domain.index import MatchIndex
from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.model import Proposal
from ecocirc_matcher.evaluation.demo import DEFAULT_TERRITORY, load_territory
from ecocirc_matcher.service_layer.snapshots import first_revision
from ecocirc_shared.flows import Confidentiality, FlowSnapshot, Period, Price, Quantity, Site, Unit

TERRITORIES = (
    DEFAULT_TERRITORY,
    *(
        Path(__file__).resolve().parent.parent
        / "services/matcher/ecocirc_matcher/evaluation/data"
        / name
        / "territory.json"
        for name in ("france_tuning", "france_tuning_2", "france_independent")
    ),
)


class Digest:
    """A running digest of proposals, and the lines it read (for a dump to compare)."""

    def __init__(self, kb: Knowledge, keep: bool) -> None:
        self.kb = kb
        self.sha = hashlib.sha256()
        self.count = 0
        self.lines: list[str] | None = [] if keep else None

    def add(self, step: str, proposals: Iterable[Proposal]) -> None:
        for document in sorted(first_revision(p, self.kb.version)[0] for p in proposals):
            line = f"{step}\t{document}"
            self.sha.update(line.encode() + b"\n")
            self.count += 1
            if self.lines is not None:
                self.lines.append(line)


def dense(kb: Knowledge, digest: Digest) -> None:
    from bench.matcher_bench import random_flows

    index = MatchIndex(kb)
    for i, flow in enumerate(random_flows(3000, seed=7)):
        digest.add(f"dense {i}", index.upsert(flow))
    digest.add("dense all", index.all_proposals())


def territories(kb: Knowledge, digest: Digest) -> None:
    for path in TERRITORIES:
        flows = list(load_territory(path).flows.values())
        kb.prepare(flows)
        index = MatchIndex(kb)
        for flow in flows:
            index.put(flow)
        found: dict[uuid.UUID, Proposal] = {}
        for flow in flows:
            for proposal in index.proposals_for(flow):
                found.setdefault(proposal.synergy_id, proposal)
        digest.add(f"territory {path.parent.name}", found.values())
        digest.add(f"territory {path.parent.name} all", index.all_proposals())


def mixed(kb: Knowledge, digest: Digest, steps: int = 2000, seed: int = 11) -> None:
    """Flows worded as the territories' are, declared, revised and withdrawn around the Gers."""
    templates = [f for path in TERRITORIES for f in load_territory(path).flows.values()]
    rng = random.Random(seed)
    companies = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(300)]
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def fresh(flow_id: uuid.UUID | None = None, version: int = 1) -> FlowSnapshot:
        t = rng.choice(templates)
        unit = rng.choice(list(Unit))
        return t.model_copy(
            update={
                "flow_id": flow_id or uuid.UUID(int=rng.getrandbits(128)),
                "company_id": rng.choice(companies),
                "version": version,
                "quantity": rng.choice(
                    [
                        t.quantity,
                        None,
                        Quantity(
                            amount=round(rng.uniform(0.5, 900), 2), unit=unit, period=rng.choice(list(Period))
                        ),
                    ]
                ),
                "price": rng.choice(
                    [
                        None,
                        None,
                        Price(eur_per_unit=round(rng.uniform(0, 300), 1), unit=rng.choice(list(Unit))),
                    ]
                ),
                "months": rng.choice(
                    [t.months, (), tuple(sorted(rng.sample(range(1, 13), rng.randint(1, 8))))]
                ),
                "hazardous": t.hazardous if rng.random() < 0.9 else not t.hazardous,
                "max_distance_km": rng.choice([t.max_distance_km, None, None, 15.0, 60.0]),
                "confidentiality": rng.choice(list(Confidentiality)),
                "site": Site(
                    lat=43.6 + rng.uniform(-0.5, 0.5),
                    lon=0.6 + rng.uniform(-0.6, 0.6),
                    territory=rng.choice(["32", "31", "65", None]),
                ),
                "declared_at": start + timedelta(minutes=rng.randint(0, 100_000)),
            }
        )

    index = MatchIndex(kb)
    live: dict[uuid.UUID, FlowSnapshot] = {}
    for step in range(steps):
        roll = rng.random()
        if live and roll < 0.1:
            gone = live.pop(rng.choice(sorted(live)))
            index.remove(gone.flow_id)
            continue
        if live and roll < 0.3:
            old = live[rng.choice(sorted(live))]
            flow = fresh(old.flow_id, old.version + 1)
        else:
            flow = fresh()
        live[flow.flow_id] = flow
        kb.prepare([flow])
        digest.add(f"mixed {step}", index.upsert(flow))
    digest.add("mixed all", index.all_proposals())


RUNS = {"dense": dense, "territories": territories, "mixed": mixed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default=",".join(RUNS))
    parser.add_argument("--dump", type=Path, help="write each input's lines there, to diff two runs")
    args = parser.parse_args()
    kb = load_knowledge()
    result = {}
    for name in args.only.split(","):
        digest = Digest(kb, keep=args.dump is not None)
        RUNS[name](kb, digest)
        result[name] = {"proposals": digest.count, "sha256": digest.sha.hexdigest()}
        print(f"{name:<12} {digest.count:>8} proposals  {digest.sha.hexdigest()}", flush=True)
        if args.dump is not None and digest.lines is not None:
            args.dump.mkdir(parents=True, exist_ok=True)
            (args.dump / f"{name}.txt").write_text("\n".join(digest.lines) + "\n", encoding="utf-8")
    if args.dump is not None:
        (args.dump / "digests.json").write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
