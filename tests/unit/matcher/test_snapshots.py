"""A synergy serialised straight from its proposal gives the bytes of the contract's model: the same
row, fingerprint and event as building and serialising a SynergySnapshot each time."""

from __future__ import annotations

import dataclasses
import itertools
import random
import uuid

import pytest

from ecocirc_matcher.domain.groups import build_groups, group_keys
from ecocirc_matcher.domain.knowledge import load_knowledge
from ecocirc_matcher.domain.model import GroupKey, Proposal
from ecocirc_matcher.domain.pairing import evaluate_mutualisation, evaluate_substitution
from ecocirc_matcher.service_layer.snapshots import at_revision, fingerprint, first_revision, to_snapshot
from ecocirc_shared.events import (
    SynergyProposed,
    SynergyRevised,
    decode,
    encode,
    encode_synergy_news,
    encode_synergy_news_many,
)
from ecocirc_shared.flows import Confidentiality, Direction, FlowSnapshot, Period, Unit
from ecocirc_shared.synergies import SynergyKind, SynergySnapshot
from tests.unit.matcher.domain.test_bulk_equivalence import random_flow
from tests.unit.matcher.factories import need, offer


def proposal() -> tuple[Proposal, str]:
    kb = load_knowledge()
    found = evaluate_substitution(
        offer("Sciures de chêne", ewc="03 01 05", quantity=(120, Unit.TONNE, Period.YEAR), naf="16.10A"),
        need("Litière pour volailles", road_km=12, months=(1, 2, 3), naf="01.47Z"),
        kb,
    )
    assert found is not None
    return found, kb.version


def many_proposals() -> list[Proposal]:
    """Substitutions, pairs and groups among random flows: quantities or none, months, hazards,
    complementary seasons, confidential flows, territories or none."""
    kb = load_knowledge()
    rng = random.Random(3)
    companies = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(30)]
    flows = [random_flow(rng, companies) for _ in range(160)]
    flows += [
        f.model_copy(
            update={
                "flow_id": uuid.UUID(int=rng.getrandbits(128)),
                "confidentiality": Confidentiality.ADVISOR_ONLY,
                "site": f.site.model_copy(update={"territory": None}),
            }
        )
        for f in flows[:40]
    ]
    found: list[Proposal] = []
    offers = [f for f in flows if f.direction is Direction.OFFER]
    needs = [f for f in flows if f.direction is Direction.NEED]
    found += [p for o, n in itertools.product(offers, needs) if (p := evaluate_substitution(o, n, kb))]
    found += [p for a, b in itertools.combinations(flows, 2) if (p := evaluate_mutualisation(a, b, kb))]
    members: dict[GroupKey, list[FlowSnapshot]] = {}
    for f in flows:
        for key in group_keys(f, kb):
            members.setdefault(key, []).append(f)
    found += [
        p for key, group in members.items() if len(group) > 1 for p in build_groups(key, group[:12], kb)
    ]
    return found


def test_a_proposal_serialised_directly_is_the_contracts_snapshot_to_the_byte() -> None:
    proposals = many_proposals()
    kinds = {(p.kind, p.group_key is not None, p.quantity is not None) for p in proposals}
    assert len(proposals) > 1000 and len(kinds) >= 4, "the proposals should be of every sort"
    for p in proposals:
        document, fp = first_revision(p, "kb-test")
        snapshot = to_snapshot(p, 1, "kb-test")
        assert document == snapshot.model_dump_json()
        assert SynergySnapshot.model_validate_json(document) == snapshot
        assert fp == fingerprint(snapshot)
    assert {p.kind for p in proposals} == set(SynergyKind)


@pytest.mark.parametrize("revision", [1, 2, 7, 2**31 - 1])
def test_the_first_revisions_json_serves_any_revision(revision: int) -> None:
    p, version = proposal()
    document, fp = first_revision(p, version)
    snapshot = to_snapshot(p, revision, version)
    assert at_revision(document, revision) == snapshot.model_dump_json()
    assert fp == fingerprint(snapshot)


def test_a_new_knowledge_version_alone_is_no_news() -> None:
    """The fingerprint leaves the knowledge version out (a knowledge change that says the same of a
    synergy rewrites and announces nothing), and only that: any other field changes it."""
    p, version = proposal()
    document, fp = first_revision(p, version)
    next_document, next_fp = first_revision(p, "kb-next")
    assert next_fp == fp and next_document != document
    assert SynergySnapshot.model_validate_json(next_document).knowledge_version == "kb-next"
    assert first_revision(dataclasses.replace(p, score=p.score / 2), version)[1] != fp
    assert first_revision(dataclasses.replace(p, explanation=p.explanation + "."), version)[1] != fp


@pytest.mark.parametrize("event_type", [SynergyProposed, SynergyRevised])
def test_an_event_around_a_serialised_snapshot_is_what_encode_gives(
    event_type: type[SynergyProposed | SynergyRevised],
) -> None:
    p, version = proposal()
    document, _ = first_revision(p, version)
    event_id, raw = encode_synergy_news(event_type, document)
    event = decode(raw)
    assert isinstance(event, event_type) and event.event_id == event_id
    assert event.synergy == to_snapshot(p, 1, version)
    assert raw == encode(event)


def test_events_encoded_together_are_what_encode_gives_with_fresh_version_4_ids() -> None:
    p, version = proposal()
    document, _ = first_revision(p, version)
    news = [(SynergyProposed, document.encode()), (SynergyRevised, document.encode())] * 500
    encoded = encode_synergy_news_many(news)
    ids = [uuid.UUID(event_id) for event_id, _ in encoded]
    assert len(set(ids)) == len(news)
    assert all(
        i.version == 4 and i.variant == uuid.RFC_4122 and str(i) == t
        for i, (t, _) in zip(ids, encoded, strict=True)
    )
    for (event_type, _), event_id, (_, raw) in zip(news, ids, encoded, strict=True):
        event = decode(raw)
        assert isinstance(event, event_type) and event.event_id == event_id
        assert event.synergy == to_snapshot(p, 1, version)
        assert raw == encode(event)
    assert len({decode(raw).occurred_at for _, raw in encoded}) == 1  # one batch, one time
    assert encode_synergy_news_many([]) == []


def test_odd_texts_and_numbers_are_written_as_the_model_writes_them() -> None:
    """Quotes, backslashes, control characters, characters beyond the BMP or the line separator in a
    label or an explanation, and numbers far from the usual, give the model's bytes too."""
    p, version = proposal()
    odd = 'Sciures "chêne" \\ \n\t\x01 🌲 \u2028 fin'
    flows = tuple(f.model_copy(update={"label": odd + f.label, "flow_id": uuid.uuid4()}) for f in p.flows)
    for score, distance in [(0.0, 0.0), (1.0, 1e-7), (0.12345678, 123456789.123), (1e-9, None)]:
        changed = dataclasses.replace(
            p,
            flows=flows,
            explanation=odd,
            resource_label=odd,
            score=score,
            distance_km=distance,
            score_parts={"resource": score, "distance": 1e-5, "season": 1},
        )
        document, fp = first_revision(changed, version)
        snapshot = to_snapshot(changed, 1, version)
        assert document == snapshot.model_dump_json()
        assert fp == fingerprint(snapshot)
