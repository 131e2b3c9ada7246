"""Synergy ids are the name-based UUIDs (version 5) they always were: stored synergies keep their ids."""

from __future__ import annotations

import random
import uuid

from ecocirc_matcher.domain.model import SYNERGY_NAMESPACE, GroupKey, name_based_id, pair_id, synergy_id
from ecocirc_shared.flows import Direction
from ecocirc_shared.synergies import SynergyKind


def test_ids_are_uuid5_of_the_kind_and_the_sorted_flows() -> None:
    rng = random.Random(1)
    for _ in range(500):
        flows = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(rng.choice([2, 3, 7]))]
        kind = rng.choice(list(SynergyKind))
        expected = uuid.uuid5(SYNERGY_NAMESPACE, f"{kind.value}:" + ",".join(sorted(str(f) for f in flows)))
        assert synergy_id(kind, flows) == expected
        assert synergy_id(kind, flows[::-1]) == expected
        assert synergy_id(kind, flows).is_safe is expected.is_safe
        if len(flows) == 2:
            assert pair_id(kind, str(flows[0]), str(flows[1])) == expected
            assert pair_id(kind, str(flows[1]), str(flows[0])) == expected
        other = uuid.UUID(int=rng.getrandbits(128))
        assert name_based_id(other, "é,ü:x") == uuid.uuid5(other, "é,ü:x")


def test_a_group_keys_id_is_uuid5_of_what_it_gathers() -> None:
    key = GroupKey("wood", Direction.NEED, "44:3")
    assert key.synergy_id == uuid.uuid5(SYNERGY_NAMESPACE, "group:need:wood:44:3")
    assert key.synergy_id is key.synergy_id  # worked out once
