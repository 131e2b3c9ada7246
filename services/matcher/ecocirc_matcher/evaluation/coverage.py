"""How much of the nomenclatures' own wording the keywords read: EWC/LoW and NAF labels, read without their codes.

A source-side measure, not an evaluation set: every French and English label of the List of Waste is read
as a waste offered (label only, no code, no activity), as a company writes it, and compared with the
classes `ewc_map.csv` gives its code; every NAF sub-class label is read by the keywords (as an offer and
as a need) and compared with the activity profile `naf_activities.csv` gives its code. A label is

- *read* when the keywords name some resource class in it (not a use, not a vague word);
- *read right* when one of those is a class its code is given (EWC), or one of its activity's profile
  (NAF; only labels whose code has a profile count for this share).

Entries that name nothing by design ("déchets non spécifiés ailleurs", the `99` entries) are left out.

The trade's own vocabulary is checked the same way: every term of `glossary.csv` (each with its source)
is read by the keywords and compared with the class the glossary gives it; and every item of
`trade_wastes.csv` (the wastes of small businesses, in their trade guides' own words, and a few of their
needs) is read as an offered waste or a material need, without code or activity, against the class the
guide's item is (any of its `;`-separated classes), and, for an item the guide calls hazardous, whether
its words alone make the flow hazardous.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from ecocirc_matcher.domain.classify import VAGUE_FAMILIES
from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.domain.records import is_hazardous
from ecocirc_shared.flows import Category, Direction, FlowSnapshot, Site
from ecocirc_shared.reference import ewc_entries, naf_entries

_NAMESPACE = uuid.UUID("8d2b51c4-6a0e-4f7b-9c13-5e8a7d20b6f1")
_DECLARED = datetime(2024, 1, 1, tzinfo=UTC)
# The entries of the list that name no particular waste: "déchets non spécifiés ailleurs".
UNNAMED_SUFFIX = " 99"
# The wastes and needs of small businesses as their trade guides write them (knowledge/README.md).
TRADE_TABLE = "trade_wastes.csv"


@dataclass(frozen=True, slots=True)
class LabelReading:
    """One label as the keywords read it, and what its code is given."""

    source: str  # "ewc-fr", "ewc-en", "naf"
    code: str
    label: str
    read: frozenset[str]
    expected: frozenset[str]

    @property
    def right(self) -> bool:
        return not self.read.isdisjoint(self.expected)


@dataclass(frozen=True, slots=True)
class Coverage:
    """The readings of one nomenclature in one language."""

    source: str
    readings: tuple[LabelReading, ...]
    # What a reading is compared with, as the report says it.
    target: str = "the code's class"

    @property
    def total(self) -> int:
        return len(self.readings)

    @property
    def read_share(self) -> float:
        return sum(bool(r.read) for r in self.readings) / max(self.total, 1)

    @property
    def judged(self) -> tuple[LabelReading, ...]:
        """The readings whose code is given some class (all EWC entries; NAF codes with a profile)."""
        return tuple(r for r in self.readings if r.expected)

    @property
    def right_share(self) -> float:
        return sum(r.right for r in self.judged) / max(len(self.judged), 1)

    def unread(self) -> list[LabelReading]:
        return [r for r in self.readings if not r.read]

    def elsewhere(self) -> list[LabelReading]:
        """Labels read, but into no class their code is given."""
        return [r for r in self.judged if r.read and not r.right]


def _resources(kb: Knowledge, classes: Iterable[str]) -> frozenset[str]:
    return frozenset(
        c for c in classes if kb.classes[c].specific and kb.classes[c].family not in VAGUE_FAMILIES
    )


def _offer(label: str, direction: Direction = Direction.OFFER) -> FlowSnapshot:
    return FlowSnapshot(
        flow_id=uuid.uuid5(_NAMESPACE, f"{direction.value}:{label}"),
        company_id=uuid.uuid5(_NAMESPACE, "company"),
        version=1,
        direction=direction,
        category=Category.WASTE if direction is Direction.OFFER else Category.MATERIAL,
        label=label,
        site=Site(lat=43.6, lon=1.1),
        declared_at=_DECLARED,
    )


def ewc_coverage(kb: Knowledge, lang: str) -> Coverage:
    """Every waste entry's label (`lang` "fr" or "en") read as a waste offered without its code."""
    readings = []
    for entry in ewc_entries():
        if not entry.is_waste_entry or entry.code.endswith(UNNAMED_SUFFIX):
            continue
        label = entry.label_fr if lang == "fr" else entry.label_en
        read = _resources(kb, kb.classification(_offer(label)).confidence)
        expected = _resources(kb, kb.ewc_classes(entry.code))
        readings.append(LabelReading(f"ewc-{lang}", entry.code, label, read, expected))
    return Coverage(f"ewc-{lang}", tuple(readings))


def naf_coverage(kb: Knowledge) -> Coverage:
    """Every NAF sub-class label read by the keywords (as an offer and as a need), against its
    activity's profile (what it produces and uses)."""
    readings = []
    for naf in naf_entries():
        named = kb.named_classes(naf.label_fr, Direction.OFFER) | kb.named_classes(
            naf.label_fr, Direction.NEED
        )
        read = frozenset(c for c in named if kb.classes[c].specific)
        expected = frozenset(
            c for c in kb.naf_produces(naf.code) | kb.naf_uses(naf.code) if kb.classes[c].specific
        )
        readings.append(LabelReading("naf", naf.code, naf.label_fr, read, expected))
    return Coverage("naf", tuple(readings))


def glossary_coverage(kb: Knowledge, data: Mapping[str, bytes]) -> Coverage:
    """Every term of the glossary read by the keywords (as an offer and as a need), against its class."""
    rows = csv.DictReader(io.StringIO(data["glossary.csv"].decode("utf-8-sig"), newline=""))
    readings = []
    for row in rows:
        term = row["term"]
        named = kb.named_classes(term, Direction.OFFER) | kb.named_classes(term, Direction.NEED)
        # Vague classes count here: "intrants", "matière première" are glossary entries of their own.
        readings.append(LabelReading("glossary", row["source"], term, named, frozenset({row["class_id"]})))
    return Coverage("glossary", tuple(readings), "its glossary class")


@dataclass(frozen=True, slots=True)
class HazardReading:
    """Whether a trade item's words alone make it hazardous, and whether its guide says it is."""

    label: str
    expected: bool
    read: bool


def trade_table() -> bytes:
    """`trade_wastes.csv`, packaged beside the knowledge but not part of it: a measure, not what the
    matcher reads (a change to it does not change `Knowledge.version`)."""
    return resources.files("ecocirc_matcher.knowledge").joinpath(TRADE_TABLE).read_bytes()


def trade_coverage(
    kb: Knowledge, table: bytes | None = None
) -> tuple[Coverage, Coverage, tuple[HazardReading, ...]]:
    """Every item of `trade_wastes.csv` read as its trade writes it: the wastes as offers, the needs as
    needs, against the class the item is; and the offers' hazard read from their words alone."""
    text = (trade_table() if table is None else table).decode("utf-8-sig")
    rows = csv.DictReader(io.StringIO(text, newline=""))
    offers: list[LabelReading] = []
    needs: list[LabelReading] = []
    hazards: list[HazardReading] = []
    for row in rows:
        direction = Direction.OFFER if row["direction"] == "offer" else Direction.NEED
        flow = _offer(row["wording"], direction)
        confidence = kb.classification(flow).confidence
        # A need may name only its use ("pour la fabrication de meubles"): uses count there.
        read = (
            _resources(kb, confidence)
            if direction is Direction.OFFER
            else frozenset(c for c in confidence if kb.classes[c].specific)
        )
        reading = LabelReading(
            f"trade-{row['direction']}s",
            row["trade"],
            row["wording"],
            read,
            frozenset(row["class_id"].split(";")),
        )
        (offers if direction is Direction.OFFER else needs).append(reading)
        if direction is Direction.OFFER:
            hazards.append(HazardReading(row["wording"], row["hazardous"] == "1", is_hazardous(kb, flow)))
    return (
        Coverage("trade-offers", tuple(offers), "the guide's class"),
        Coverage("trade-needs", tuple(needs), "the guide's class"),
        tuple(hazards),
    )


def format_hazard_report(hazards: Iterable[HazardReading], *, verbose: bool = False) -> str:
    """The share of hazardous trade items read as hazardous, and the ordinary ones read so."""
    hazards = tuple(hazards)
    expected = [h for h in hazards if h.expected]
    ordinary = [h for h in hazards if not h.expected]
    lines = [
        f"trade hazards: {len(expected)} hazardous items; read hazardous "
        f"{sum(h.read for h in expected) / max(len(expected), 1):.3f} "
        f"({sum(h.read for h in expected)}/{len(expected)}); ordinary items read hazardous "
        f"{sum(h.read for h in ordinary)}/{len(ordinary)}"
    ]
    if verbose:
        lines += [f"  missed    {h.label}" for h in expected if not h.read]
        lines += [f"  alarmed   {h.label}" for h in ordinary if h.read]
    return "\n".join(lines) + "\n"


def coverage(kb: Knowledge, data: Mapping[str, bytes]) -> tuple[Coverage, ...]:
    """The EWC labels in French and English, the NAF labels, the glossary's terms, and the trade items
    (offers, needs)."""
    offers, needs, _ = trade_coverage(kb)
    return (
        ewc_coverage(kb, "fr"),
        ewc_coverage(kb, "en"),
        naf_coverage(kb),
        glossary_coverage(kb, data),
        offers,
        needs,
    )


def format_coverage_report(reports: Iterable[Coverage], *, verbose: bool = False) -> str:
    lines = []
    for report in reports:
        lines.append(
            f"{report.source}: {report.total} labels; read {report.read_share:.3f} "
            f"({report.total - len(report.unread())}/{report.total}); read into {report.target} "
            f"{report.right_share:.3f} ({sum(r.right for r in report.judged)}/{len(report.judged)})"
        )
        if verbose:
            for r in report.unread():
                lines.append(f"  unread    {r.code}  {r.label}  [expected: {', '.join(sorted(r.expected))}]")
            for r in report.elsewhere():
                lines.append(
                    f"  elsewhere {r.code}  {r.label}  -> {', '.join(sorted(r.read))}"
                    f"  [expected: {', '.join(sorted(r.expected))}]"
                )
    return "\n".join(lines) + "\n"
