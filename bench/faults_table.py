"""`python -m bench.faults_table [FAULT ...]`: break the platform under load and print what it cost.

Runs the undisturbed reference, then each fault of tests/faults/scenario.py (or those named), each on
its own platform under a temporary directory, and prints one line per fault: declarations accepted,
lost (not stored or never matched), synergies missing/extra against the reference, people who must
hear of a synergy and were not told / were told but should not be, duplicated emails, and seconds from
the repair until everything accepted before it was matched and every email due before it was sent.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.faults.scenario import FAULTS, run_scenario, table


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("faults", nargs="*", choices=[[], *FAULTS], metavar="FAULT", help=", ".join(FAULTS))
    args = parser.parse_args()
    names = args.faults or list(FAULTS)
    with tempfile.TemporaryDirectory(prefix="ecocirc-faults-") as tmp:
        reference = run_scenario(Path(tmp) / "reference" / "var", None)
        print(
            f"reference: {reference.declarations} declarations, {len(reference.synergies)} synergies",
            flush=True,
        )
        outcomes = []
        for i, name in enumerate(names):
            outcomes.append(run_scenario(Path(tmp) / f"fault{i}" / "var", name))
            print(f"done: {name}", flush=True)
    print(table(outcomes, reference))
    bad = [o for o in outcomes if o.not_in_db or o.not_matched or o.duplicated_emails or o.recovery_s is None]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
