"""A synergy serialised once gives the same row, fingerprint and event as serialising it each time."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import load_knowledge
from ecocirc_matcher.domain.model import Proposal
from ecocirc_matcher.domain.pairing import evaluate_substitution
from ecocirc_matcher.service_layer.snapshots import at_revision, fingerprint, first_revision, to_snapshot
from ecocirc_shared.events import SynergyProposed, SynergyRevised, decode, encode, encode_synergy_news
from ecocirc_shared.flows import Period, Unit
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


@pytest.mark.parametrize("revision", [1, 2, 7])
def test_the_first_revisions_json_serves_any_revision(revision: int) -> None:
    p, version = proposal()
    first, document, fp = first_revision(p, version)
    snapshot, row = at_revision(first, document, revision)
    assert snapshot == to_snapshot(p, revision, version)
    assert row == snapshot.model_dump_json()
    assert fp == fingerprint(snapshot)


@pytest.mark.parametrize("event_type", [SynergyProposed, SynergyRevised])
def test_an_event_around_a_serialised_snapshot_is_what_encode_gives(
    event_type: type[SynergyProposed | SynergyRevised],
) -> None:
    p, version = proposal()
    snapshot, document, _ = first_revision(p, version)
    event_id, raw = encode_synergy_news(event_type, document)
    event = decode(raw)
    assert isinstance(event, event_type) and event.event_id == event_id and event.synergy == snapshot
    assert raw == encode(event)
