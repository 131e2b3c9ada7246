"""Faults while flows are declared at a steady rate; after recovery, nothing lost, nothing twice.

Each row starts its own platform, declares the Gers demo territory (95 flows) at 6 per second,
breaks one piece 4 s in, repairs it, waits until the platform settles and compares with an
undisturbed run of the same input: every accepted declaration stored and matched, the same
synergies, everyone who must hear of a synergy told once, no (recipient, Message-ID) twice.
"""

from __future__ import annotations

import pytest

from tests.faults.conftest import OUTCOMES
from tests.faults.scenario import FAULTS, Outcome, run_scenario

pytestmark = pytest.mark.timeout(400)


def test_reference_run_is_complete(reference: Outcome) -> None:
    assert reference.declarations == 95
    assert reference.not_in_db == reference.not_matched == 0
    assert reference.synergies, "the territory gives synergies"
    assert reference.duplicated_emails == 0
    assert reference.read_model_mismatch == 0
    assert reference.told(), "companies and advisors are told"


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault(fault: str, reference: Outcome, tmp_path_factory: pytest.TempPathFactory) -> None:
    outcome = run_scenario(tmp_path_factory.mktemp("fault") / "var", fault)
    OUTCOMES.append(outcome)
    missing, extra = outcome.synergy_diff(reference)
    assert outcome.declarations == reference.declarations
    assert outcome.not_in_db == 0, "an accepted declaration is missing from the database"
    assert outcome.not_matched == 0, "an accepted declaration never reached the matcher"
    assert outcome.client_side_duplicates == 0, "a retried declaration was stored twice"
    assert (missing, extra) == (0, 0), "synergies differ from the undisturbed run"
    assert outcome.read_model_mismatch == 0, "the notifier's read model lags the matcher"
    assert outcome.duplicated_emails == 0, "someone got the same email twice"
    lost = sorted(reference.told() - outcome.told())
    assert not lost, f"someone who must hear of a synergy was not told: {lost}"
    extra = sorted(outcome.told() - reference.told())
    assert not extra, f"told of a synergy the undisturbed run told no one: {extra}"
    assert outcome.pending_emails == 0, "emails still waiting or failed after recovery"
    assert outcome.recovery_s is not None, "the platform did not catch up"
    assert not outcome.notes, outcome.notes
