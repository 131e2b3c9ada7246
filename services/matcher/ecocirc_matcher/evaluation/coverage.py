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
`trade_wastes.csv` (the wastes and needs of small businesses, each in its trade guide's own words) is read
as an offer or a need, without code or activity, against the class the table gives it and, for the wastes
the guide calls hazardous, whether its words alone make it hazardous.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ecocirc_matcher.domain.classify import VAGUE_FAMILIES
from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.domain.records import is_hazardous
from ecocirc_shared.flows import Category, Direction, FlowSnapshot, Site
from ecocirc_shared.reference import ewc_entries, naf_entries

_NAMESPACE = uuid.UUID("8d2b51c4-6a0e-4f7b-9c13-5e8a7d20b6f1")
_DECLARED = datetime(2024, 1, 1, tzinfo=UTC)
# The entries of the list that name no particular waste: "déchets non spécifiés ailleurs".
UNNAMED_SUFFIX = " 99"


@dataclass(frozen=True, slots=True)
class LabelReading:
    """One label as the keywords read it, and what its code is given."""

    source: str  # "ewc-fr", "ewc-en", "naf"
    code: str
    label: str
    read: frozenset[str]
    expected: frozenset[str]
    # What the source says of its hazard (a trade guide: True or False; None when it says nothing),
    # and whether the words were read as hazardous.
    hazardous: bool | None = None
    read_hazardous: bool = False

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

    def hazard_missed(self) -> list[LabelReading]:
        """Items their source calls hazardous that the words leave ordinary."""
        return [r for r in self.readings if r.hazardous and not r.read_hazardous]

    def hazard_raised(self) -> list[LabelReading]:
        """Items their source calls ordinary that the words make hazardous."""
        return [r for r in self.readings if r.hazardous is False and r.read_hazardous]

    def elsewhere(self) -> list[LabelReading]:
        """Labels read, but into no class their code is given."""
        return [r for r in self.judged if r.read and not r.right]


def _resources(kb: Knowledge, classes: Iterable[str]) -> frozenset[str]:
    return frozenset(
        c for c in classes if kb.classes[c].specific and kb.classes[c].family not in VAGUE_FAMILIES
    )


def _offer(label: str) -> FlowSnapshot:
    return FlowSnapshot(
        flow_id=uuid.uuid5(_NAMESPACE, label),
        company_id=uuid.uuid5(_NAMESPACE, "company"),
        version=1,
        direction=Direction.OFFER,
        category=Category.WASTE,
        label=label,
        site=Site(lat=43.6, lon=1.1),
        declared_at=_DECLARED,
    )


def _need(label: str) -> FlowSnapshot:
    return _offer(label).model_copy(
        update={
            "flow_id": uuid.uuid5(_NAMESPACE, f"need {label}"),
            "direction": Direction.NEED,
            "category": Category.MATERIAL,
        }
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


def trade_coverage(kb: Knowledge, data: Mapping[str, bytes], direction: Direction) -> Coverage:
    """Every item of the trades' guides (`trade_wastes.csv`) of one direction, read as a small business
    writes it (words only: no code, no activity), against the classes the table gives it."""
    rows = csv.DictReader(io.StringIO(data["trade_wastes.csv"].decode("utf-8-sig"), newline=""))
    readings = []
    for row in rows:
        if row["direction"] != direction.value:
            continue
        flow = _offer(row["wording"]) if direction is Direction.OFFER else _need(row["wording"])
        read = _resources(kb, kb.classification(flow).confidence)
        expected = frozenset(c for c in row["class_id"].split(";") if c)
        hazardous = {"1": True, "0": False}.get(row["hazardous"])
        readings.append(
            LabelReading(
                f"trades-{direction.value}",
                row["trade"],
                row["wording"],
                read,
                expected,
                hazardous,
                is_hazardous(kb, flow),
            )
        )
    return Coverage(f"trades-{direction.value}", tuple(readings), "its class")


def coverage(kb: Knowledge, data: Mapping[str, bytes]) -> tuple[Coverage, ...]:
    """The EWC labels in French and English, the NAF labels, the glossary's terms, and the trades' wastes
    and needs."""
    return (
        ewc_coverage(kb, "fr"),
        ewc_coverage(kb, "en"),
        naf_coverage(kb),
        glossary_coverage(kb, data),
        trade_coverage(kb, data, Direction.OFFER),
        trade_coverage(kb, data, Direction.NEED),
    )


def format_coverage_report(reports: Iterable[Coverage], *, verbose: bool = False) -> str:
    lines = []
    for report in reports:
        lines.append(
            f"{report.source}: {report.total} labels; read {report.read_share:.3f} "
            f"({report.total - len(report.unread())}/{report.total}); read into {report.target} "
            f"{report.right_share:.3f} ({sum(r.right for r in report.judged)}/{len(report.judged)})"
            + _hazard_summary(report)
        )
        if verbose:
            for r in report.unread():
                lines.append(f"  unread    {r.code}  {r.label}  [expected: {', '.join(sorted(r.expected))}]")
            for r in report.elsewhere():
                lines.append(
                    f"  elsewhere {r.code}  {r.label}  -> {', '.join(sorted(r.read))}"
                    f"  [expected: {', '.join(sorted(r.expected))}]"
                )
            lines += [f"  not hazardous {r.code}  {r.label}" for r in report.hazard_missed()]
            lines += [f"  hazardous {r.code}  {r.label}" for r in report.hazard_raised()]
    return "\n".join(lines) + "\n"


def _hazard_summary(report: Coverage) -> str:
    hazardous = [r for r in report.readings if r.hazardous]
    ordinary = [r for r in report.readings if r.hazardous is False]
    if not hazardous and not ordinary:
        return ""
    return (
        f"; hazardous read hazardous {len(hazardous) - len(report.hazard_missed())}/{len(hazardous)}"
        f"; ordinary read hazardous {len(report.hazard_raised())}/{len(ordinary)}"
    )
