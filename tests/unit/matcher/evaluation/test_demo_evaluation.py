"""The Gers demo territory through the matcher's index: hard rules hold, figures are printed and floored."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecocirc_matcher.domain.knowledge import load_knowledge
from ecocirc_matcher.evaluation.__main__ import main
from ecocirc_matcher.evaluation.demo import (
    DEFAULT_TERRITORY,
    HARD_RULE_TRAPS,
    DemoReport,
    evaluate_demo,
    format_demo_report,
)
from ecocirc_shared.synergies import SynergyKind

# The repository's copy (never a shared or installed one).
REPO_TERRITORY = Path(__file__).resolve().parents[4] / "demo" / "gers" / "territory.json"


@pytest.fixture(scope="module")
def report() -> DemoReport:
    return evaluate_demo(load_knowledge(), REPO_TERRITORY)


def test_reads_the_repository_copy() -> None:
    assert DEFAULT_TERRITORY.resolve() == REPO_TERRITORY


def test_no_hard_rule_trap_is_proposed(report: DemoReport) -> None:
    broken = [t for t in report.proposed_traps if t.type in HARD_RULE_TRAPS]
    assert not broken, broken


def test_figures(report: DemoReport, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print("\n" + format_demo_report(report, load_knowledge()))
    t = report.territory
    assert len(t.flows) == 95
    assert len(t.expected_substitutions) == 44
    # Floors a little under the figures measured when this test was written, to catch regressions.
    assert report.substitution.precision >= 0.9
    assert report.substitution.recall >= 0.9
    assert report.mutualisation.recall >= 0.8
    assert report.overall.recall >= 0.9


def test_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "substitution" in out and "False negatives" in out


def test_emailed_figures_count_only_what_reaches_the_threshold(report: DemoReport) -> None:
    emailed = report.emailed()
    assert emailed.predicted <= report.overall.predicted
    assert emailed.expected == report.overall.expected
    for kind in SynergyKind:
        sent = report.emailed(kind).predicted
        for pair in report.emailed(kind).expected | sent:
            proposal = report.evidence.get((kind, pair))
            assert (pair in sent) == (proposal is not None and proposal.score >= report.threshold)
    # Floors a little under the figures measured when calibration was written.
    assert emailed.precision >= 0.9
    assert report.emailed_traps == ()


def test_a_higher_threshold_emails_less() -> None:
    strict = evaluate_demo(load_knowledge(), REPO_TERRITORY, threshold=0.8)
    assert strict.emailed().predicted < strict.overall.predicted
    assert "emailed only (score >= 0.80)" in format_demo_report(strict, load_knowledge())
