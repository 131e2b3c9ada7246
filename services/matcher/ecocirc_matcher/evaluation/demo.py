"""The Gers demo territory as an answer key: precision and recall of what the matcher's index proposes.

Every flow of `demo/gers/territory.json` is placed at its commune's centre and put in one
`MatchIndex`; each flow's proposals are collected (deduplicated by synergy id), exactly as the
service does. Results are counted in pairs of flows:

- substitution: predicted (offer, need) pairs against the expected ones;
- mutualisation: every pair of flows of two different companies inside a predicted group against every
  pair inside an expected group (a pairwise proposal is a group of two);
- overall: both sets together.

Traps are pairs of flows that look like a synergy but are not; a trap is "proposed" when its pair is
among the predicted pairs of either kind.

The same figures are given again counting only what is emailed to companies: the pairs whose proposal
scores at or above the notification threshold (ECOCIRC_NOTIFY_THRESHOLD, its default unless told).
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ecocirc_matcher.domain.index import MatchIndex
from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.domain.model import Proposal
from ecocirc_matcher.domain.pairing import evaluate_mutualisation, evaluate_substitution
from ecocirc_matcher.domain.scoring import road_km
from ecocirc_shared.flows import (
    Category,
    Confidentiality,
    Direction,
    FlowSnapshot,
    Period,
    Quantity,
    Site,
    Unit,
)
from ecocirc_shared.reference.communes import resolve_commune
from ecocirc_shared.settings import Settings
from ecocirc_shared.synergies import Role, SynergyKind

# services/matcher/ecocirc_matcher/evaluation/demo.py -> the repository root is four levels up.
REPO_ROOT = Path(__file__).resolve().parents[4]
DEFAULT_TERRITORY = REPO_ROOT / "demo" / "gers" / "territory.json"

_NAMESPACE = uuid.UUID("3c9e8f52-7d41-4b0a-a6f3-1e2d5c7b9a04")
_DECLARED = datetime(2024, 3, 1, tzinfo=UTC)
# Trap types a matcher must never propose whatever its knowledge: they break a rule, not a judgement.
HARD_RULE_TRAPS = frozenset({"hazardous", "same_company", "regulatory"})

# A pair of flow references: (offer, need) for a substitution, sorted for a mutualisation.
Pair = tuple[str, str]

# What the notifier emails companies by default: proposals scoring at least this.
NOTIFY_THRESHOLD = float(Settings.model_fields["notify_threshold"].default)


def flow_uuid(ref: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"flow:{ref}")


@dataclass(frozen=True, slots=True)
class Trap:
    type: str
    flows: tuple[str, str]
    why: str


@dataclass(frozen=True, slots=True)
class Territory:
    """The flows of the demo file, by reference ("company-key/flow-key"), with the answer key."""

    flows: dict[str, FlowSnapshot]
    expected_substitutions: frozenset[Pair]
    expected_groups: tuple[tuple[str, ...], ...]
    traps: tuple[Trap, ...]
    name: str = "territory"

    @property
    def expected_mutualisations(self) -> frozenset[Pair]:
        return frozenset(pair for group in self.expected_groups for pair in _pairs_in(group))


def _pairs_in(group: Iterable[str]) -> Iterator[Pair]:
    yield from itertools.combinations(sorted(set(group)), 2)


def _quantity(raw: Mapping[str, Any] | None) -> Quantity | None:
    if not raw:
        return None
    return Quantity(amount=raw["amount"], unit=Unit(raw["unit"]), period=Period(raw.get("period", "year")))


def load_territory(path: Path = DEFAULT_TERRITORY) -> Territory:
    """Read a territory file (format in demo/gers/README.md) into flow snapshots and the answer key."""
    data = json.loads(path.read_text(encoding="utf-8"))
    flows: dict[str, FlowSnapshot] = {}
    for company in data["companies"]:
        commune = resolve_commune(company["postcode"], company["city"])
        site = Site(
            lat=commune.lat,
            lon=commune.lon,
            postcode=company["postcode"],
            city=company["city"],
            commune_insee=commune.insee,
            territory=company.get("territory") or commune.department,
        )
        company_id = uuid.uuid5(_NAMESPACE, f"company:{company['key']}")
        for raw in company["flows"]:
            ref = f"{company['key']}/{raw['key']}"
            flows[ref] = FlowSnapshot(
                flow_id=flow_uuid(ref),
                company_id=company_id,
                version=1,
                direction=Direction(raw["direction"]),
                category=Category(raw["category"]),
                label=raw["label"],
                description=raw.get("description") or None,
                ewc_code=raw.get("ewc_code") or None,
                quantity=_quantity(raw.get("quantity")),
                months=tuple(raw.get("months") or ()),
                hazardous=bool(raw.get("hazardous", False)),
                max_distance_km=raw.get("max_distance_km"),
                confidentiality=Confidentiality(raw.get("confidentiality") or "public"),
                naf_code=company.get("naf_code"),
                site=site,
                declared_at=_DECLARED,
            )
    substitutions: set[Pair] = set()
    groups: list[tuple[str, ...]] = []
    for entry in data["expected"]:
        refs = tuple(entry["flows"])
        if entry["kind"] == SynergyKind.SUBSTITUTION.value:
            substitutions.add((refs[0], refs[1]))
        else:
            groups.append(refs)
    traps = tuple(Trap(t["type"], (t["flows"][0], t["flows"][1]), t.get("why", "")) for t in data["traps"])
    return Territory(
        flows, frozenset(substitutions), tuple(groups), traps, name=data.get("territory", path.stem)
    )


@dataclass(frozen=True, slots=True)
class Scores:
    """Precision and recall over sets of pairs."""

    predicted: frozenset[Pair]
    expected: frozenset[Pair]

    @property
    def true_positives(self) -> frozenset[Pair]:
        return self.predicted & self.expected

    @property
    def precision(self) -> float:
        return len(self.true_positives) / len(self.predicted) if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return len(self.true_positives) / len(self.expected) if self.expected else 1.0

    def line(self, name: str) -> str:
        tp = len(self.true_positives)
        return (
            f"{name:<14} precision = {self.precision:.3f} ({tp}/{len(self.predicted)})   "
            f"recall = {self.recall:.3f} ({tp}/{len(self.expected)})"
        )


@dataclass(frozen=True)
class DemoReport:
    territory: Territory
    proposals: tuple[Proposal, ...]
    substitution: Scores
    mutualisation: Scores
    # The proposal behind each predicted pair (the best scored one when several share a pair).
    evidence: dict[tuple[SynergyKind, Pair], Proposal] = field(default_factory=dict)
    threshold: float = NOTIFY_THRESHOLD

    @property
    def overall(self) -> Scores:
        return _union(self.substitution, self.mutualisation)

    @property
    def proposed_traps(self) -> tuple[Trap, ...]:
        return self._traps_among(self.substitution.predicted | self.mutualisation.predicted)

    def emailed(self, kind: SynergyKind | None = None) -> Scores:
        """Scores over the pairs whose proposal is emailed (score >= threshold); both kinds if None."""
        if kind is None:
            return _union(self.emailed(SynergyKind.SUBSTITUTION), self.emailed(SynergyKind.MUTUALISATION))
        scores = self.substitution if kind is SynergyKind.SUBSTITUTION else self.mutualisation
        sent = frozenset(p for p in scores.predicted if self.evidence[(kind, p)].score >= self.threshold)
        return Scores(sent, scores.expected)

    @property
    def emailed_traps(self) -> tuple[Trap, ...]:
        return self._traps_among(self.emailed().predicted)

    def _traps_among(self, pairs: frozenset[Pair]) -> tuple[Trap, ...]:
        predicted = {frozenset(p) for p in pairs}
        return tuple(t for t in self.territory.traps if frozenset(t.flows) in predicted)


def _union(a: Scores, b: Scores) -> Scores:
    return Scores(a.predicted | b.predicted, a.expected | b.expected)


def run_index(flows: Sequence[FlowSnapshot], kb: Knowledge) -> list[Proposal]:
    """Every proposal the index makes once all flows are in it, deduplicated by synergy id."""
    kb.prepare(flows)
    index = MatchIndex(kb)
    for flow in flows:
        index.put(flow)
    found: dict[uuid.UUID, Proposal] = {}
    for flow in flows:
        for proposal in index.proposals_for(flow):
            found.setdefault(proposal.synergy_id, proposal)
    return list(found.values())


def evaluate_demo(
    kb: Knowledge, path: Path = DEFAULT_TERRITORY, threshold: float = NOTIFY_THRESHOLD
) -> DemoReport:
    territory = load_territory(path)
    ref_of = {f.flow_id: ref for ref, f in territory.flows.items()}
    proposals = run_index(list(territory.flows.values()), kb)
    substitutions: set[Pair] = set()
    mutualisations: set[Pair] = set()
    evidence: dict[tuple[SynergyKind, Pair], Proposal] = {}
    for proposal in proposals:
        refs = [ref_of[f.flow_id] for f in proposal.flows]
        if proposal.kind is SynergyKind.SUBSTITUTION:
            role = dict(zip(proposal.roles, refs, strict=True))
            pairs: list[Pair] = [(role[Role.SUPPLIER], role[Role.RECEIVER])]
            substitutions.update(pairs)
        else:
            # Two flows of one company in a group are not a lead between companies: not counted.
            company = {ref: territory.flows[ref].company_id for ref in refs}
            pairs = [(a, b) for a, b in _pairs_in(refs) if company[a] != company[b]]
            mutualisations.update(pairs)
        for pair in pairs:
            key = (proposal.kind, pair)
            if key not in evidence or proposal.score > evidence[key].score:
                evidence[key] = proposal
    return DemoReport(
        territory=territory,
        proposals=tuple(proposals),
        substitution=Scores(frozenset(substitutions), territory.expected_substitutions),
        mutualisation=Scores(frozenset(mutualisations), territory.expected_mutualisations),
        evidence=evidence,
        threshold=threshold,
    )


def _why_missed(kind: SynergyKind, pair: Pair, territory: Territory, kb: Knowledge) -> str:
    """What the pure pairing says of a missed pair: its classes, distance, and whether it accepts it."""
    a, b = territory.flows[pair[0]], territory.flows[pair[1]]
    judge = evaluate_substitution if kind is SynergyKind.SUBSTITUTION else evaluate_mutualisation
    proposal = judge(a, b, kb)
    classes = " | ".join(
        ", ".join(f"{c} {conf:.2f}" for c, conf in sorted(kb.classification(f).confidence.items()))
        for f in (a, b)
    )
    verdict = (
        f"pairing accepts it (score {proposal.score:.3f}) but the index did not propose it"
        if proposal is not None
        else "pairing rejects it"
    )
    return f"{verdict}; {road_km(a, b):.1f} km road; classes: {classes}"


def _parts(p: Proposal) -> str:
    return " ".join(f"{k}={v:g}" for k, v in p.score_parts.items())


def format_demo_report(report: DemoReport, kb: Knowledge, *, verbose: bool = False) -> str:
    t = report.territory
    lines = [
        f"{t.name}: {len(t.flows)} flows, {len(t.expected_substitutions)} expected substitution "
        f"pairs, {len(t.expected_groups)} expected mutualisation groups "
        f"({len(t.expected_mutualisations)} pairs), {len(t.traps)} traps; "
        f"{len(report.proposals)} proposals",
        report.substitution.line("substitution"),
        report.mutualisation.line("mutualisation"),
        report.overall.line("overall"),
    ]
    traps = report.proposed_traps
    lines.append(f"traps proposed: {len(traps)}/{len(t.traps)}")
    by_type: dict[str, list[Trap]] = {}
    for trap in traps:
        by_type.setdefault(trap.type, []).append(trap)
    for trap_type in sorted(by_type):
        lines.append(f"  {trap_type}: {len(by_type[trap_type])}")
        lines.extend(f"    - {trap.flows[0]} + {trap.flows[1]}: {trap.why}" for trap in by_type[trap_type])
    lines.append(f"emailed only (score >= {report.threshold:.2f}):")
    lines.append(report.emailed(SynergyKind.SUBSTITUTION).line("  substitution"))
    lines.append(report.emailed(SynergyKind.MUTUALISATION).line("  mutualisation"))
    lines.append(report.emailed().line("  overall"))
    lines.append(f"  traps emailed: {len(report.emailed_traps)}/{len(t.traps)}")
    if verbose:
        for kind, scores in (
            (SynergyKind.SUBSTITUTION, report.substitution),
            (SynergyKind.MUTUALISATION, report.mutualisation),
        ):
            lines.append("")
            lines.append(f"False positives ({kind.value}):")
            for pair in sorted(scores.predicted - scores.expected):
                p = report.evidence[(kind, pair)]
                lines.append(
                    f"- {pair[0]} -> {pair[1]}  score {p.score:.3f} [{p.resource_class}] {_parts(p)}"
                )
                lines.append(f"      {p.explanation}")
            lines.append(f"Expected but not emailed ({kind.value}, proposed under {report.threshold:.2f}):")
            for pair in sorted(scores.true_positives - report.emailed(kind).predicted):
                p = report.evidence[(kind, pair)]
                lines.append(f"- {pair[0]} -> {pair[1]}  score {p.score:.3f} {_parts(p)}")
            lines.append(f"False negatives ({kind.value}):")
            for pair in sorted(scores.expected - scores.predicted):
                lines.append(f"- {pair[0]} -> {pair[1]}")
                lines.append(f"      {_why_missed(kind, pair, t, kb)}")
    return "\n".join(lines) + "\n"
