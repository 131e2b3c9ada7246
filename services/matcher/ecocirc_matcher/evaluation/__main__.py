"""Command line: `python -m ecocirc_matcher.evaluation maestri|demo|terms|coverage [--verbose]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ecocirc_matcher.domain.knowledge import _read_packaged, load_knowledge
from ecocirc_matcher.evaluation.coverage import (
    coverage,
    format_coverage_report,
    format_hazard_report,
    trade_coverage,
)
from ecocirc_matcher.evaluation.demo import (
    DEFAULT_TERRITORY,
    NOTIFY_THRESHOLD,
    evaluate_demo,
    format_demo_report,
)
from ecocirc_matcher.evaluation.maestri import HALVES, LAYOUTS, evaluate, format_report, load_cases, select
from ecocirc_matcher.evaluation.terms import evaluate_terms, format_terms_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecocirc_matcher.evaluation")
    parser.add_argument("dataset", choices=["maestri", "demo", "terms", "coverage"])
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="maestri: the exchanges whose need ranks below 10; demo: every false positive and negative;"
        " coverage: every label read into no class or into another class than its code's",
    )
    parser.add_argument(
        "--ranks",
        action="store_true",
        help="maestri, tuning half only: every exchange whose true need is ranked 2nd to 10th, with the"
        " needs scored above it (the validation half is measured, never read)",
    )
    parser.add_argument(
        "--layout",
        choices=[*LAYOUTS, "both"],
        default="both",
        help="maestri only. cases: one site cluster per MAESTRI case; single: every flow at one point",
    )
    parser.add_argument(
        "--half",
        choices=[*HALVES, "all", "each"],
        default="each",
        help="maestri only: the tuning half, the validation half (never tuned on), all, or each half in turn",
    )
    parser.add_argument(
        "--file",
        type=Path,
        default=DEFAULT_TERRITORY,
        help="demo only: the territory file (default: the repository's demo/gers/territory.json)",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=NOTIFY_THRESHOLD,
        help=f"demo only: the score from which a proposal is emailed (default {NOTIFY_THRESHOLD:g}, as the notifier)",
    )
    parser.add_argument(
        "--semantic",
        choices=["on", "off"],
        default="off",
        help="place words the keywords do not know near the classes they resemble (a sentence encoder;"
        " off, as the matcher runs by default)",
    )
    parser.add_argument("--encoder", default="use-m3", help="with --semantic on: use-m3 or e5-small")
    args = parser.parse_args(argv)
    if args.semantic == "on":
        from ecocirc_matcher.adapters.encoder import SentenceEncoder  # numpy and the model: only when on

        kb = load_knowledge(SentenceEncoder(args.encoder))
    else:
        kb = load_knowledge()
    if args.dataset == "terms":
        sys.stdout.write(
            format_terms_report(
                evaluate_terms(_read_packaged(), kb.semantic.encoder if kb.semantic else None)
            )
        )
        return 0
    if args.dataset == "coverage":
        data = _read_packaged()
        sys.stdout.write(format_coverage_report(coverage(kb, data), verbose=args.verbose))
        sys.stdout.write(format_hazard_report(trade_coverage(kb)[2], verbose=args.verbose))
        return 0
    if args.dataset == "demo":
        if not args.file.is_file():
            parser.error(f"territory file not found: {args.file}")
        demo = evaluate_demo(kb, args.file, args.threshold)
        sys.stdout.write(format_demo_report(demo, kb, verbose=args.verbose))
        return 0
    if args.ranks and args.half not in ("tuning", "each"):
        parser.error("--ranks lists the tuning half's cases only (the validation half is never read)")
    cases = load_cases()
    for half in HALVES if args.half == "each" else (args.half,):
        for layout in LAYOUTS if args.layout == "both" else (args.layout,):
            report = evaluate(select(cases, half), kb, layout=layout, half=half)
            sys.stdout.write(
                format_report(report, verbose=args.verbose, ranks=args.ranks and half == "tuning")
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
