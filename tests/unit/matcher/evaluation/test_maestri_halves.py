"""The MAESTRI development set is cut once into a tuning half and a validation half."""

from __future__ import annotations

import dataclasses

from ecocirc_matcher.evaluation.__main__ import main
from ecocirc_matcher.evaluation.maestri import HALVES, half_of, load_cases, select


def test_halves_are_disjoint_cover_everything_and_are_balanced() -> None:
    cases = load_cases()
    tuning, validation = (select(cases, h) for h in HALVES)
    assert {c.row for c in tuning}.isdisjoint({c.row for c in validation})
    assert len(tuning) + len(validation) == len(cases) == len(select(cases, "all"))
    assert abs(len(tuning) - len(validation)) <= len(cases) // 5


def test_a_case_keeps_its_half() -> None:
    # The cut hashes the MAESTRI exchange id, not the row number: reordering the file moves nothing.
    first = load_cases()[0]
    assert first.exchange_id == "1,12,4" and half_of(first) == "validation"
    assert half_of(dataclasses.replace(first, row=999)) == "validation"


def test_command_prints_each_half(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["maestri", "--layout", "cases"]) == 0
    out = capsys.readouterr().out
    assert "tuning half" in out and "validation half" in out


def test_ranks_lists_the_tuning_half_only(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["maestri", "--layout", "cases", "--ranks"]) == 0
    out = capsys.readouterr().out
    tuning, validation = out.split("validation half")
    assert "Not first" in tuning and "Not first" not in validation


def test_ranks_refuses_the_validation_half() -> None:
    import pytest

    with pytest.raises(SystemExit):
        main(["maestri", "--half", "validation", "--ranks"])
