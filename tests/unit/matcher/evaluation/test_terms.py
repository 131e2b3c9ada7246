"""Held-out keyword terms: each counted once, placed only when an encoder is given."""

from __future__ import annotations

from ecocirc_matcher.domain.knowledge import _read_packaged
from ecocirc_matcher.evaluation.terms import evaluate_terms
from tests.unit.matcher.fake_encoder import FakeEncoder

DATA = _read_packaged()


def test_held_out_terms_are_counted_once_each_and_placed_only_with_an_encoder() -> None:
    off = evaluate_terms(DATA, None, folds=2)
    assert off.outcomes["placed_right"] == off.outcomes["placed_wrong"] == 0
    assert off.unread == off.outcomes["unplaced"] > 0
    # A fake that places every text near straw: right only for straw's own terms.
    on = evaluate_terms(DATA, FakeEncoder({}, default={"straw": 0.9}), folds=2)
    assert sum(on.outcomes.values()) == sum(off.outcomes.values())
    assert on.unread == off.unread
    assert on.outcomes["placed_wrong"] > on.outcomes["placed_right"] > 0
    assert on.outcomes["keyword_right"] == off.outcomes["keyword_right"]
