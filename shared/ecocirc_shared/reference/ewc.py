"""The European List of Waste (EWC / LoW): code parsing and lookup."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecocirc_shared.reference._loading import load_once, read_table
from ecocirc_shared.reference._text import fold_words

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


_SEPARATORS = re.compile(r"[\s.\-*]")


@load_once
def _searchable() -> tuple[tuple[EwcEntry, str, tuple[str, ...]], ...]:
    """Waste entries with their code's digits and their French label's folded words."""
    return tuple(
        (entry, entry.code.replace(" ", ""), tuple(fold_words(entry.label_fr)))
        for entry in _entries().values()
        if entry.is_waste_entry
    )


def _stem(word: str) -> str:
    # "sciures" finds "sciure", "copeaux" finds "copeau": the French plural marks, nothing cleverer.
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def search_ewc(query: str, limit: int = 10) -> tuple[EwcEntry, ...]:
    """Waste entries for what a person types: the start of a code ("03 01", "0301") or French words.

    Words match the start of a label's words, accents and case aside, all of them; entries whose
    label says them earlier come first (the list's wording puts the main noun first).
    """
    digits = _SEPARATORS.sub("", query)
    if digits.isdigit():
        return tuple(entry for entry, code, _ in _searchable() if code.startswith(digits))[:limit]
    wanted = [_stem(word) for word in fold_words(query)]
    if not wanted:
        return ()
    ranked: list[tuple[int, int, EwcEntry]] = []
    for order, (entry, _, words) in enumerate(_searchable()):
        positions = [next((i for i, w in enumerate(words) if w.startswith(stem)), -1) for stem in wanted]
        if -1 not in positions:
            ranked.append((sum(positions), order, entry))
    return tuple(entry for _, _, entry in sorted(ranked)[:limit])
