"""`python -m tests.faults.matcher_kb_variant`: the matcher with a knowledge whose version differs.

The matcher has no setting to load another knowledge, so this wrapper (test code, not service code)
adds one row to the lexicon before the worker starts: a made-up word that no declaration uses. The
knowledge hash, hence its version, changes while its meaning does not, so the matcher re-derives
every synergy at start and must end with the same synergies and send no email again.
"""

from __future__ import annotations

from ecocirc_matcher.domain import knowledge

VARIANT_ROW = b"\nfaults,zzvariantefautes\n"
_packaged = knowledge._read_packaged


def _read_variant() -> dict[str, bytes]:
    data = _packaged()
    data["lexicon.csv"] = data["lexicon.csv"].rstrip(b"\n") + VARIANT_ROW
    return data


def main() -> None:
    knowledge._read_packaged = _read_variant
    from ecocirc_matcher.entrypoints.worker import main as worker_main

    worker_main()


if __name__ == "__main__":
    main()
