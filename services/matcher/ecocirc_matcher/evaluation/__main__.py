"""Command line: `python -m ecocirc_matcher.evaluation maestri [--verbose]`."""

from __future__ import annotations

import argparse
import sys

from ecocirc_matcher.domain.knowledge import load_knowledge
from ecocirc_matcher.evaluation.maestri import LAYOUTS, evaluate, format_report, load_cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecocirc_matcher.evaluation")
    parser.add_argument("dataset", choices=["maestri"])
    parser.add_argument("--verbose", action="store_true", help="list the exchanges whose need ranks below 10")
    parser.add_argument(
        "--layout",
        choices=[*LAYOUTS, "both"],
        default="both",
        help="cases: one site cluster per MAESTRI case; single: every flow at one point (knowledge only)",
    )
    args = parser.parse_args(argv)
    cases, kb = load_cases(), load_knowledge()
    for layout in LAYOUTS if args.layout == "both" else (args.layout,):
        sys.stdout.write(format_report(evaluate(cases, kb, layout=layout), verbose=args.verbose))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
