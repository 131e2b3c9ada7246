"""The MAESTRI evaluation runs on packaged data and stays above its floor."""

from __future__ import annotations

from ecocirc_matcher.domain.knowledge import load_knowledge
from ecocirc_matcher.evaluation.__main__ import main
from ecocirc_matcher.evaluation.maestri import evaluate, load_cases, need_of


def test_needs_are_worded_without_the_waste() -> None:
    for case in load_cases():
        need = need_of(case)
        assert need.label == case.final_use
        assert need.ewc_code is None


def test_recall_floor() -> None:
    kb = load_knowledge()
    cases = load_cases()
    assert len(cases) == 138
    assert evaluate(cases, kb, layout="cases").recall(10) >= 0.85
    assert evaluate(cases, kb, layout="single").recall(10) >= 0.5


def test_command_prints_figures(capsys: object) -> None:
    assert main(["maestri", "--layout", "cases"]) == 0
