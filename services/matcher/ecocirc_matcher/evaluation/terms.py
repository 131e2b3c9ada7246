"""Held-out keyword terms: the knowledge's own phrases taken out in turn, then read as flows.

What the semantic fallback adds for words the knowledge lacks, measured on phrases nobody wrote for an
evaluation: the keyword terms themselves (nomenclature labels, trade words). The terms are cut into
folds; for each fold the knowledge is rebuilt without them and each removed term is read as a flow of
its class (an offer in the class's main category; a need for a use). Either other keywords still read
it (rightly or not), or no keyword does and the fallback places it right, wrong, or nowhere.
"""

from __future__ import annotations

import csv
import io
import random
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.domain.semantic import PhraseEncoder
from ecocirc_shared.flows import Category, Direction, FlowSnapshot, Site

FOLDS = 5
_SEED = 7
_NAMESPACE = uuid.UUID("5f0e9a61-2b7c-4d38-9e1f-7c3a2d4b6e85")
# A class's main category, for an offer (what is given away) and for a need.
_OFFER_ORDER = ("waste", "material", "energy", "water", "equipment", "logistics", "skills", "service")
_NEED_ORDER = ("material", "waste", "energy", "water", "equipment", "logistics", "skills", "service")
OUTCOMES = ("keyword_right", "keyword_wrong", "placed_right", "placed_wrong", "unplaced")


@dataclass(frozen=True, slots=True)
class TermsReport:
    """How many held-out terms ended in each outcome."""

    outcomes: Counter[str]
    encoder: str

    @property
    def unread(self) -> int:
        return self.outcomes["placed_right"] + self.outcomes["placed_wrong"] + self.outcomes["unplaced"]

    @property
    def placement_precision(self) -> float:
        placed = self.outcomes["placed_right"] + self.outcomes["placed_wrong"]
        return self.outcomes["placed_right"] / placed if placed else 1.0


def _without(data: Mapping[str, bytes], held: set[tuple[int, str]]) -> dict[str, bytes]:
    rows = list(csv.DictReader(io.StringIO(data["keywords.csv"].decode("utf-8-sig"), newline="")))
    for i, row in enumerate(rows):
        row["terms"] = "|".join(
            t for t in row["terms"].split("|") if t.strip() and (i, t.strip()) not in held
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return {**data, "keywords.csv": out.getvalue().encode()}


def _flow(kb: Knowledge, class_id: str, direction_hint: str, term: str) -> FlowSnapshot:
    cls = kb.classes[class_id]
    direction = Direction.NEED if cls.family == "use" or direction_hint == "need" else Direction.OFFER
    order = _NEED_ORDER if direction is Direction.NEED else _OFFER_ORDER
    category = next(c for c in order if c in cls.categories)
    return FlowSnapshot(
        flow_id=uuid.uuid5(_NAMESPACE, f"{class_id}:{term}"),
        company_id=uuid.uuid5(_NAMESPACE, "company"),
        version=1,
        direction=direction,
        category=Category(category),
        label=term,
        site=Site(lat=43.6, lon=1.1),
        declared_at=datetime(2024, 1, 1, tzinfo=UTC),
    )


def evaluate_terms(
    data: Mapping[str, bytes], encoder: PhraseEncoder | None, folds: int = FOLDS
) -> TermsReport:
    """Each keyword term of a specific class, held out once, read by the knowledge without it."""
    full = Knowledge(data)
    rows = list(csv.DictReader(io.StringIO(data["keywords.csv"].decode("utf-8-sig"), newline="")))
    items = sorted(
        {(i, t.strip()) for i, row in enumerate(rows) for t in row["terms"].split("|") if t.strip()}
    )
    items = [(i, t) for i, t in items if full.classes[rows[i]["class_id"]].specific]
    random.Random(_SEED).shuffle(items)
    outcomes: Counter[str] = Counter()
    for k in range(folds):
        held = items[k::folds]
        kb = Knowledge(_without(data, set(held)), encoder)
        flows = [
            (rows[i]["class_id"], _flow(full, rows[i]["class_id"], rows[i]["direction"], t)) for i, t in held
        ]
        kb.prepare(f for _, f in flows)
        for class_id, flow in flows:
            outcomes[_outcome(kb, class_id, flow)] += 1
    return TermsReport(outcomes, encoder.name if encoder else "off")


def _outcome(kb: Knowledge, class_id: str, flow: FlowSnapshot) -> str:
    classification = kb.classification(flow)
    if classification.guessed:
        return "placed_right" if class_id in classification.guessed else "placed_wrong"
    read = {c for c in classification.confidence if kb.classes[c].specific}
    if not read:
        return "unplaced"
    return "keyword_right" if class_id in read else "keyword_wrong"


def format_terms_report(report: TermsReport) -> str:
    o = report.outcomes
    total = sum(o.values())
    return (
        "\n".join(
            [
                f"Held-out keyword terms ({total}, {FOLDS} folds), semantic fallback: {report.encoder}",
                f"still read by other keywords: right {o['keyword_right']}, wrong {o['keyword_wrong']}",
                f"read by no keyword: {report.unread}; the fallback places {o['placed_right']} right, "
                f"{o['placed_wrong']} wrong, {o['unplaced']} nowhere "
                f"(precision {report.placement_precision:.2f}, recovered {o['placed_right'] / max(report.unread, 1):.2f})",
            ]
        )
        + "\n"
    )
