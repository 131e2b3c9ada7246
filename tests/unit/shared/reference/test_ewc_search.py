"""Search-as-you-type over the list of wastes: by the start of a code, or by French words."""

from __future__ import annotations

from ecocirc_shared.reference import search_ewc


def codes(query: str, limit: int = 10) -> list[str]:
    return [entry.code for entry in search_ewc(query, limit)]


def test_by_the_start_of_a_code_in_any_writing() -> None:
    assert codes("03 01")[:3] == ["03 01 01", "03 01 04", "03 01 05"]
    assert codes("0301") == codes("03.01") == codes("03-01")
    assert codes("16 01 04*") == ["16 01 04"]
    assert all(code.startswith("15 01") for code in codes("1501"))


def test_by_words_accents_case_and_plurals_aside() -> None:
    assert codes("SCIURES bois") == ["03 01 04", "03 01 05"]
    assert codes("sciure autres") == ["03 01 05"]
    assert "15 01 03" in codes("emballages bois")


def test_only_waste_entries_and_nothing_for_nothing() -> None:
    assert all(entry.is_waste_entry for entry in search_ewc("déchets", 50))
    assert codes("") == [] and codes("   ") == [] and codes("zzzzqx") == []
    assert len(codes("déchets", 5)) == 5
