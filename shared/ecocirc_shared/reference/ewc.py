"""The European List of Waste (EWC / LoW): code parsing and lookup."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecocirc_shared.reference._loading import load_once, read_table

# Two, four or six digits, in pairs separated by nothing, spaces, dots or hyphens, optionally followed by
# the "*" the law uses to mark hazardous entries (people also type it with a space before it).
_CODE = re.compile(r"^\s*(\d\d)(?:[\s.\-]*(\d\d))?(?:[\s.\-]*(\d\d))?\s*(\*)?\s*$")


class EwcCodeError(ValueError):
    """An EWC code that is malformed, unknown or not a six-digit waste entry."""

    def __init__(self, raw: str, reason: str, entry: EwcEntry | None = None) -> None:
        super().__init__(f"EWC code {raw!r}: {reason}")
        self.raw = raw
        # "syntax" | "unknown" | "not_a_waste_entry"
        self.reason = reason
        self.entry = entry


@dataclass(frozen=True, slots=True)
class EwcEntry:
    """One line of the list: a chapter (level 1), a section (2) or a waste entry (3)."""

    code: str
    level: int
    hazardous: bool
    label_fr: str
    label_en: str

    @property
    def chapter(self) -> str:
        """Chapter code, e.g. "03"."""
        return self.code[:2]

    @property
    def section(self) -> str | None:
        """Section code, e.g. "03 01"; None for a chapter."""
        return self.code[:5] if self.level >= 2 else None

    @property
    def is_waste_entry(self) -> bool:
        """Only six-digit entries name a waste; chapters and sections are headings."""
        return self.level == 3


@dataclass(frozen=True, slots=True)
class ParsedEwcCode:
    """A code as written: canonical digits, and whether the writer added the hazardous "*"."""

    code: str
    starred: bool


def parse_ewc_code(raw: str) -> ParsedEwcCode:
    """Read "03 01 05", "030105", "03.01.05", "16 01 04*" ... into the canonical "03 01 05" form."""
    match = _CODE.match(raw)
    if match is None:
        raise EwcCodeError(raw, "syntax")
    pairs = [part for part in match.groups()[:3] if part is not None]
    return ParsedEwcCode(code=" ".join(pairs), starred=match.group(4) is not None)


@load_once
def _entries() -> dict[str, EwcEntry]:
    columns = ("code", "level", "hazardous", "label_fr", "label_en")
    return {
        code: EwcEntry(code, int(level), hazardous == "1", label_fr, label_en)
        for code, level, hazardous, label_fr, label_en in read_table("ewc_list_of_waste.csv", columns)
    }


def get_ewc(raw: str) -> EwcEntry | None:
    """The entry (chapter, section or waste) for a code in any common writing, or None."""
    try:
        parsed = parse_ewc_code(raw)
    except EwcCodeError:
        return None
    return _entries().get(parsed.code)


def ewc_waste_entry(raw: str) -> EwcEntry:
    """The six-digit entry a flow may carry; raises EwcCodeError when malformed, unknown or a heading."""
    parsed = parse_ewc_code(raw)
    entry = _entries().get(parsed.code)
    if entry is None:
        raise EwcCodeError(raw, "unknown")
    if not entry.is_waste_entry:
        raise EwcCodeError(raw, "not_a_waste_entry", entry)
    return entry


def ewc_entries() -> tuple[EwcEntry, ...]:
    """Every entry in the order of the list (chapters, sections, wastes)."""
    return tuple(_entries().values())
