"""EWC lookup: any common writing of a code finds the canonical entry; only six-digit entries are wastes."""

import pytest

from ecocirc_shared.reference import EwcCodeError, ewc_entries, ewc_waste_entry, get_ewc, parse_ewc_code


@pytest.mark.parametrize("raw", ["03 01 05", "030105", "03.01.05", "03-01-05", " 03 01 05 ", "03 0105"])
def test_writings_of_a_code_find_the_canonical_entry(raw: str) -> None:
    entry = ewc_waste_entry(raw)
    assert entry.code == "03 01 05"
    assert entry.level == 3
    assert not entry.hazardous
    assert entry.label_fr.startswith("sciure de bois")
    assert entry.label_en.startswith("sawdust")
    assert entry.chapter == "03"
    assert entry.section == "03 01"


@pytest.mark.parametrize("raw", ["16 01 04*", "160104*", "16.01.04 *", "16 01 04"])
def test_hazardous_entries_with_or_without_the_star(raw: str) -> None:
    entry = ewc_waste_entry(raw)
    assert entry.code == "16 01 04"
    assert entry.hazardous


def test_star_is_reported_by_the_parser() -> None:
    assert parse_ewc_code("16 01 04*").starred
    assert not parse_ewc_code("16 01 04").starred


def test_chapter_and_section_are_entries_but_not_wastes() -> None:
    chapter = get_ewc("03")
    section = get_ewc("0301")
    assert chapter is not None and chapter.level == 1 and chapter.section is None
    assert section is not None and section.level == 2 and section.chapter == "03"
    with pytest.raises(EwcCodeError) as info:
        ewc_waste_entry("03 01")
    assert info.value.reason == "not_a_waste_entry"
    assert info.value.entry == section


@pytest.mark.parametrize(
    ("raw", "reason"), [("03 01 98", "unknown"), ("3 1 5", "syntax"), ("0301051", "syntax"), ("", "syntax")]
)
def test_malformed_or_unknown_codes(raw: str, reason: str) -> None:
    assert get_ewc(raw) is None
    with pytest.raises(EwcCodeError) as info:
        ewc_waste_entry(raw)
    assert info.value.reason == reason


def test_table_counts_match_the_published_list() -> None:
    entries = ewc_entries()
    wastes = [entry for entry in entries if entry.is_waste_entry]
    assert len(entries) == 973
    assert len(wastes) == 842
    # Hazardous marks belong to six-digit entries only.
    assert all(entry.is_waste_entry for entry in entries if entry.hazardous)


def test_every_waste_entry_is_found_in_every_writing() -> None:
    for entry in ewc_entries():
        if not entry.is_waste_entry:
            continue
        digits = entry.code.replace(" ", "")
        star = "*" if entry.hazardous else ""
        for raw in (entry.code, digits, entry.code.replace(" ", "."), digits + star):
            assert ewc_waste_entry(raw) is entry
