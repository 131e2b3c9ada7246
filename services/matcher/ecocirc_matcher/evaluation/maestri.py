"""MAESTRI exchanges as offer/need pairs, ranked by the pure pairing functions: recall@k and MRR."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.domain.pairing import evaluate_substitution
from ecocirc_shared.flows import Category, Direction, FlowSnapshot, Site
from ecocirc_shared.reference import naf_by_nace_class

_NAMESPACE = uuid.UUID("0b5c43c2-6a39-4c1e-9d8e-4d6a3e2f7a10")
# Layouts: "cases" puts each MAESTRI case (one industrial park) at its own site cluster, clusters far
# apart as real territories are, so a need competes with the needs of its own park; "single" puts every
# flow at one point, so that only the knowledge (never distance) can tell the true receiver apart.
LAYOUTS = ("cases", "single")
_ORIGIN = (43.6137, 1.0813)
# 12 degrees of longitude apart: far beyond any class's reach.
_CLUSTER_SPACING_DEG = 12.0
_DECLARED = datetime(2024, 1, 1, tzinfo=UTC)
_ENERGY_WORDS = re.compile(r"\b(fuel|heat|energy)\b", re.IGNORECASE)

Pairing = Callable[[FlowSnapshot, FlowSnapshot, Knowledge], float | None]


@dataclass(frozen=True, slots=True)
class Case:
    """One documented exchange: what the provider gives, what the receiver does with it."""

    row: int
    case_id: str
    provider_nace: str
    provider_industry: str
    receiver_nace: str
    receiver_industry: str
    waste: str
    waste_detail: str
    ewc: str
    final_use: str
    exchange_id: str = ""


@dataclass(frozen=True, slots=True)
class Ranked:
    case: Case
    rank_expected: float
    rank_pessimistic: float
    top: tuple[str, ...]
    true_score: float | None = None


@dataclass(frozen=True, slots=True)
class Report:
    layout: str
    cases: int
    needs: int
    ranked: tuple[Ranked, ...]
    half: str = "all"

    def recall(self, k: int, *, pessimistic: bool = False) -> float:
        ranks = [r.rank_pessimistic if pessimistic else r.rank_expected for r in self.ranked]
        return sum(rank <= k for rank in ranks) / len(ranks)

    def mrr(self, *, pessimistic: bool = False) -> float:
        ranks = [r.rank_pessimistic if pessimistic else r.rank_expected for r in self.ranked]
        return sum(1.0 / rank for rank in ranks) / len(ranks)


def load_cases() -> list[Case]:
    """The packaged development set (see evaluation/README.md for its source)."""
    data = (
        resources.files("ecocirc_matcher.evaluation.data").joinpath("maestri_exchanges_dev.csv").read_bytes()
    )
    with io.StringIO(data.decode("utf-8-sig"), newline="") as text:
        return [
            Case(
                row=i,
                case_id=r["case"],
                provider_nace=r["provider_nace"],
                provider_industry=r["provider_industry"],
                receiver_nace=r["receiver_nace"],
                receiver_industry=r["receiver_industry"],
                waste=r["waste"],
                waste_detail=r["waste_detail"],
                ewc=r["ewc"],
                final_use=r["final_use"],
                exchange_id=r["exchange_id"],
            )
            for i, r in enumerate(csv.DictReader(text), start=1)
        ]


# The development set is cut in two, once and for all, by a hash of each exchange's id: the knowledge
# may be tuned while looking at the "tuning" half; the "validation" half is only ever measured, so its
# figures say how the knowledge does on exchanges it was not adjusted to.
HALVES = ("tuning", "validation")


def half_of(case: Case) -> str:
    """Which half of the development set an exchange belongs to (stable: a hash of its MAESTRI id)."""
    digest = hashlib.sha256(f"maestri:{case.exchange_id or case.row}".encode()).digest()
    return HALVES[digest[0] % 2]


def select(cases: Sequence[Case], half: str) -> list[Case]:
    """The cases of one half ("tuning" or "validation"), or all of them ("all")."""
    return list(cases) if half == "all" else [c for c in cases if half_of(c) == half]


def naf_code(nace: str) -> str | None:
    """A NAF code for a MAESTRI NACE field ("2351" -> "23.51Z", "171" -> "17.1", "4120*" -> "41.20A")."""
    digits = re.sub(r"\D", "", nace.split(";")[0])
    if len(digits) >= 4:
        found = naf_by_nace_class(digits[:4])
        return found[0].code if found else f"{digits[:2]}.{digits[2:4]}"
    if len(digits) == 3:
        return f"{digits[:2]}.{digits[2]}"
    return digits or None


def site_of(case: Case, layout: str) -> Site:
    """Where an exchange's flows sit: its park's cluster, or the single common point."""
    if layout == "single":
        return Site(lat=_ORIGIN[0], lon=_ORIGIN[1])
    index = int(re.sub(r"\D", "", case.case_id) or 0)
    # Longitudes wrap every 30 clusters; the clusters stay thousands of km apart.
    lon = (_ORIGIN[1] + _CLUSTER_SPACING_DEG * index + 180.0) % 360.0 - 180.0
    lat = _ORIGIN[0] - 30.0 * ((_CLUSTER_SPACING_DEG * index) // 360)
    return Site(lat=lat, lon=lon)


def offer_of(case: Case, layout: str = "cases") -> FlowSnapshot:
    label = case.waste if not case.waste_detail else f"{case.waste} — {case.waste_detail}"
    return FlowSnapshot(
        flow_id=uuid.uuid5(_NAMESPACE, f"offer:{case.row}"),
        company_id=uuid.uuid5(_NAMESPACE, f"provider:{case.row}"),
        version=1,
        direction=Direction.OFFER,
        category=Category.WASTE,
        label=label,
        ewc_code=case.ewc or None,
        naf_code=naf_code(case.provider_nace),
        site=site_of(case, layout),
        declared_at=_DECLARED,
    )


def need_of(case: Case, layout: str = "cases") -> FlowSnapshot:
    """The receiver's need, worded from its industry and the final use, never from the waste label.

    Receivers are industrial sites that took the waste, so they are taken to accept hazardous wastes;
    saying so for all of them leaks nothing about which one is the true receiver.
    """
    return FlowSnapshot(
        flow_id=uuid.uuid5(_NAMESPACE, f"need:{case.row}"),
        company_id=uuid.uuid5(_NAMESPACE, f"receiver:{case.row}"),
        version=1,
        direction=Direction.NEED,
        category=Category.ENERGY if _ENERGY_WORDS.search(case.final_use) else Category.MATERIAL,
        label=case.final_use,
        description=case.receiver_industry,
        naf_code=naf_code(case.receiver_nace),
        hazardous=True,
        site=site_of(case, layout),
        declared_at=_DECLARED,
    )


NeedKey = tuple[str, str, str, float, float]


def _need_key(need: FlowSnapshot) -> NeedKey:
    # Two receivers declaring the very same need at the same place are indistinguishable: one candidate.
    return (
        need.label.strip().lower(),
        (need.description or "").strip().lower(),
        need.naf_code or "",
        need.site.lat,
        need.site.lon,
    )


def _score(offer: FlowSnapshot, need: FlowSnapshot, kb: Knowledge) -> float | None:
    proposal = evaluate_substitution(offer, need, kb)
    return None if proposal is None else proposal.score


def evaluate(
    cases: Sequence[Case],
    kb: Knowledge,
    pairing: Pairing = _score,
    layout: str = "cases",
    half: str = "all",
) -> Report:
    """Rank every distinct need for each exchange's offer; where does the true need land?"""
    needs: dict[NeedKey, FlowSnapshot] = {}
    truth: list[NeedKey] = []
    for case in cases:
        need = need_of(case, layout)
        key = _need_key(need)
        needs.setdefault(key, need)
        truth.append(key)
    keys = list(needs)
    kb.prepare([*needs.values(), *(offer_of(case, layout) for case in cases)])
    ranked: list[Ranked] = []
    for case, true_key in zip(cases, truth, strict=True):
        offer = offer_of(case, layout)
        scores = {key: pairing(offer, needs[key], kb) for key in keys}
        true_score = scores[true_key]
        top = tuple(
            f"{s:.3f} {k[1]} / {k[0]}{'   <- true receiver' if k == true_key else ''}"
            for k, s in sorted(((k, s) for k, s in scores.items() if s is not None), key=lambda x: -x[1])[:5]
        )
        if true_score is None:
            ranked.append(Ranked(case, float("inf"), float("inf"), top))
            continue
        higher = sum(1 for s in scores.values() if s is not None and s > true_score)
        ties = sum(1 for s in scores.values() if s is not None and s == true_score) - 1
        ranked.append(Ranked(case, 1 + higher + ties / 2, 1 + higher + ties, top, true_score))
    return Report(layout=layout, cases=len(cases), needs=len(keys), ranked=tuple(ranked), half=half)


_HALF_NAMES = {
    "all": "both halves",
    "tuning": "tuning half",
    "validation": "validation half (never tuned on)",
}


def format_report(report: Report, *, verbose: bool = False, ranks: bool = False) -> str:
    lines = [
        f"MAESTRI development set, {_HALF_NAMES[report.half]}, layout {report.layout!r}: {report.cases} exchanges, "
        f"{report.needs} distinct needs",
        f"recall@5  = {report.recall(5):.3f}   (ties pessimistic: {report.recall(5, pessimistic=True):.3f})",
        f"recall@10 = {report.recall(10):.3f}   (ties pessimistic: {report.recall(10, pessimistic=True):.3f})",
        f"MRR       = {report.mrr():.3f}   (ties pessimistic: {report.mrr(pessimistic=True):.3f})",
    ]
    if verbose:
        lines.append("")
        lines.append("Misses (expected rank > 10):")
        for r in report.ranked:
            if r.rank_expected > 10:
                c = r.case
                rank = "rejected" if r.rank_expected == float("inf") else f"rank {r.rank_expected:g}"
                lines.append(
                    f"- #{c.row} {c.waste!r} [{c.ewc}] {c.provider_industry} -> "
                    f"{c.receiver_industry} / {c.final_use!r}: {rank}"
                )
                lines.extend(f"      {t}" for t in r.top)
    if ranks:
        # Only ever asked of the tuning half (the command refuses the others): the validation half's
        # cases are measured, never read.
        lines.append("")
        lines.append("Not first (expected rank > 1), with the five best-scored needs:")
        for r in sorted(report.ranked, key=lambda r: (r.rank_expected, r.case.row)):
            if 1 < r.rank_expected <= 10:
                c = r.case
                lines.append(
                    f"- #{c.row} rank {r.rank_expected:g} (pessimistic {r.rank_pessimistic:g}, score "
                    f"{r.true_score:.3f}) {c.waste!r} [{c.ewc}] {c.provider_industry} [{c.provider_nace}] -> "
                    f"{c.receiver_industry} [{c.receiver_nace}] / {c.final_use!r}"
                )
                lines.extend(f"      {t}" for t in r.top)
    return "\n".join(lines) + "\n"
