"""The `faults` marker, the undisturbed reference run, and the table printed at the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import Harness, running
from tests.faults.scenario import Outcome, run_scenario, table

OUTCOMES: list[Outcome] = []
REFERENCE: list[Outcome] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: drives the real platform under load and breaks it on purpose (make faults)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.faults)


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """The same input declared with no fault: what every faulted run must end with."""
    outcome = run_scenario(tmp_path_factory.mktemp("reference") / "var", None)
    REFERENCE.append(outcome)
    return outcome


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REFERENCE and OUTCOMES:
        terminalreporter.section("faults under load")
        terminalreporter.write_line(table(OUTCOMES, REFERENCE[0]))


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """One running platform for the bad-input and access tests of a module."""
    harness = Harness(tmp_path_factory.mktemp("platform") / "var")
    with running(harness):
        yield harness
