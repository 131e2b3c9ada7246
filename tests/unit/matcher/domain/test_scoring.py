"""The substitution score worked out from its parts one by one is the score of the parts' dict, to the bit."""

from __future__ import annotations

import random

from ecocirc_matcher.domain.scoring import FEASIBILITY_WEIGHTS, substitution_score, substitution_score_of


def test_the_score_of_the_parts_is_the_score_of_their_dict() -> None:
    # substitution_score_of adds the weighted parts in this order, as `weighted` does.
    assert list(FEASIBILITY_WEIGHTS) == ["activity", "distance", "quantity", "season"]
    rng = random.Random(5)
    for _ in range(20_000):
        parts = {
            "resource": round(rng.random() * 1.2, rng.choice([3, 7])),
            "activity": rng.choice([0.5, 0.3, 1.0, round(rng.random(), 3)]),
            "distance": round(rng.random(), 3),
            "quantity": rng.choice([0.5, 0.0, 1.0, round(rng.random(), 3)]),
            "season": rng.choice([1.0, round(rng.random(), 3)]),
            "hazard": rng.choice([1.0, 0.9]),
        }
        expected = substitution_score(parts)
        assert substitution_score_of(**parts) == expected
