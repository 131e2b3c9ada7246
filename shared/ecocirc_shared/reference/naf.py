"""French activity codes NAF rév. 2: code parsing and lookup."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecocirc_shared.reference._loading import load_once, read_table

# "10.13A", "1013A", "10 13 a", "10.13.A": two digits, two digits, one letter, separators optional.
_CODE = re.compile(r"^\s*(\d\d)[\s.\-]*(\d\d)[\s.\-]*([A-Za-z])\s*$")
# A NACE class is the NAF code without its French fifth character ("10.13", or "1013" as in MAESTRI).
_CLASS = re.compile(r"^\s*(\d\d)[\s.\-]*(\d\d)\s*$")


@dataclass(frozen=True, slots=True)
class NafEntry:
    """One NAF rév. 2 sub-class with the levels above it (NACE class, group, division, section)."""

    code: str
    label_fr: str
    class_code: str
    group: str
    division: str
    division_label_fr: str
    section: str
    section_label_fr: str


def normalise_naf_code(raw: str) -> str | None:
    """Canonical "10.13A" form of a code written loosely, or None when it cannot be a NAF code."""
    match = _CODE.match(raw)
    if match is None:
        return None
    return f"{match[1]}.{match[2]}{match[3].upper()}"


@load_once
def _entries() -> dict[str, NafEntry]:
    columns = (
        "code",
        "label_fr",
        "class",
        "group",
        "division",
        "division_label_fr",
        "section",
        "section_label_fr",
    )
    return {row[0]: NafEntry(*row) for row in read_table("naf_rev2.csv", columns)}


def get_naf(raw: str) -> NafEntry | None:
    """The NAF entry for a code in any common writing ("10.13A", "1013a"), or None if it does not exist."""
    code = normalise_naf_code(raw)
    return None if code is None else _entries().get(code)


def naf_by_nace_class(raw: str) -> tuple[NafEntry, ...]:
    """The NAF sub-classes of a NACE Rev. 2 class ("10.13" or "1013"): usually one, a few for some."""
    match = _CLASS.match(raw)
    if match is None:
        return ()
    class_code = f"{match[1]}.{match[2]}"
    return tuple(entry for entry in _entries().values() if entry.class_code == class_code)


def naf_entries() -> tuple[NafEntry, ...]:
    """Every NAF rév. 2 sub-class, in code order."""
    return tuple(_entries().values())
