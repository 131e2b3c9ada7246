"""Event schemas: round trip, poison messages, and upcasting of older versions."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from ecocirc_shared import events
from ecocirc_shared.events import FlowDeclared, FlowWithdrawn, PoisonEvent, decode, encode
from ecocirc_shared.flows import FlowSnapshot, Price, Site
from ecocirc_shared.followup import AbandonReason
from ecocirc_shared.outcomes import Estimate, Outcome


def _flow() -> FlowSnapshot:
    return FlowSnapshot(
        flow_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        version=1,
        direction="offer",
        category="waste",
        label="Sciures",
        site=Site(lat=43.49, lon=0.93),
        declared_at=datetime.now(UTC),
    )


def test_round_trip_keeps_every_field() -> None:
    event = FlowDeclared(flow=_flow())
    assert decode(encode(event)) == event


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe", "undecodable"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"event_type": "flow.exploded"}', "unknown event type"),
        (b'{"event_type": "flow.withdrawn", "schema_version": 99}', "unknown schema version"),
        (
            b'{"event_type": "flow.withdrawn", "schema_version": 1, "flow_id": "nope"}',
            "invalid flow.withdrawn",
        ),
    ],
)
def test_poison_messages_are_named(raw: bytes, reason: str) -> None:
    with pytest.raises(PoisonEvent, match=reason):
        decode(raw)


def test_older_versions_are_upcast(monkeypatch: pytest.MonkeyPatch) -> None:
    """A v2 of flow.withdrawn that renamed `version` to `flow_version` still reads v1 messages."""
    monkeypatch.setitem(events.CURRENT_VERSIONS, "flow.withdrawn", 2)

    def v1_to_v2(doc: dict[str, object]) -> dict[str, object]:
        return {**doc, "version": doc["version"]}

    monkeypatch.setitem(events.UPCASTERS, ("flow.withdrawn", 1), v1_to_v2)
    v1 = json.dumps(
        {
            "event_type": "flow.withdrawn",
            "schema_version": 1,
            "flow_id": str(uuid.uuid4()),
            "company_id": str(uuid.uuid4()),
            "version": 3,
        }
    ).encode()
    event = decode(v1)
    assert isinstance(event, FlowWithdrawn)
    assert event.schema_version == 2 and event.version == 3


def test_a_tombstone_is_a_poison_message() -> None:
    with pytest.raises(PoisonEvent, match="tombstone"):
        decode(None)


def test_nesting_too_deep_to_parse_is_a_poison_message() -> None:
    with pytest.raises(PoisonEvent, match="nested too deeply"):
        decode(b'{"event_type": "flow.declared", "flow": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")


@pytest.mark.parametrize("revision", [0, -1, 2**31, 10**40])
def test_a_well_formed_event_with_an_absurd_revision_is_a_poison_message(revision: int) -> None:
    doc = {
        "event_type": "synergy.withdrawn",
        "schema_version": 1,
        "synergy_id": str(uuid.uuid4()),
        "revision": revision,
        "reason": "flow_withdrawn",
    }
    with pytest.raises(PoisonEvent, match=r"invalid synergy\.withdrawn"):
        decode(json.dumps(doc).encode())


def test_non_finite_numbers_are_a_poison_message() -> None:
    doc = json.loads(encode(FlowDeclared(flow=_flow())))
    doc["flow"]["max_distance_km"] = float("nan")
    with pytest.raises(PoisonEvent, match=r"invalid flow\.declared"):
        decode(json.dumps(doc).encode())


# ---- versions of issue 13: flows with a price, impacts with euros, the pipeline's statuses ----------
def test_a_v1_flow_event_reads_as_a_v2_flow_without_a_price() -> None:
    doc = json.loads(encode(FlowDeclared(flow=_flow())))
    doc["schema_version"] = 1
    del doc["flow"]["price"]
    event = decode(json.dumps(doc).encode())
    assert isinstance(event, FlowDeclared) and event.schema_version == 2 and event.flow.price is None


def test_a_flow_event_carries_its_price() -> None:
    flow = _flow().model_copy(update={"price": Price(eur_per_unit=45, unit="t")})
    event = decode(encode(events.FlowRevised(flow=flow)))
    assert isinstance(event, events.FlowRevised) and event.flow.price == Price(eur_per_unit=45, unit="t")


def test_a_v1_synergy_event_reads_without_euros() -> None:
    doc = {
        "event_type": "synergy.proposed",
        "schema_version": 1,
        "synergy": {
            "synergy_id": str(uuid.uuid4()),
            "revision": 1,
            "kind": "substitution",
            "resource_class": "wood",
            "resource_label": "sciures",
            "score": 0.8,
            "score_parts": {},
            "participants": [],
            "distance_km": 3.0,
            "impact": {"tonnes_diverted_per_year": 12.0, "notes": []},
            "explanation": "…",
            "knowledge_version": "k1",
        },
    }
    event = decode(json.dumps(doc).encode())
    assert isinstance(event, events.SynergyProposed) and event.schema_version == 2
    assert (
        event.synergy.impact.eur_saved_per_year is None
        and event.synergy.impact.tonnes_diverted_per_year == 12
    )


@pytest.mark.parametrize(
    ("v1", "v2", "reason"),
    [
        ("contacted", "in_contact", None),
        ("accepted", "study", None),
        ("under_review", "idea", None),
        ("refused", "abandoned", "other"),
        ("withdrawn", "abandoned", "other"),
        ("done", "done", None),
    ],
)
def test_a_v1_status_change_is_upcast_to_the_pipeline(v1: str, v2: str, reason: str | None) -> None:
    doc = {
        "event_type": "synergy.status_changed",
        "schema_version": 1,
        "synergy_id": str(uuid.uuid4()),
        "status": v1,
        "note": "Appel",
        "advisor_id": str(uuid.uuid4()),
    }
    event = decode(json.dumps(doc).encode())
    assert isinstance(event, events.SynergyStatusChanged) and event.schema_version == 2
    assert event.status.value == v2 and event.abandon_reason == (
        None if reason is None else AbandonReason(reason)
    )


def test_a_v1_status_change_with_an_unknown_status_is_a_poison_message() -> None:
    doc = {"event_type": "synergy.status_changed", "schema_version": 1, "synergy_id": str(uuid.uuid4()),
           "status": "exploded", "advisor_id": str(uuid.uuid4())}  # fmt: skip
    with pytest.raises(PoisonEvent, match=r"invalid synergy\.status_changed"):
        decode(json.dumps(doc).encode())


def test_decisions_about_a_synergy_are_keyed_by_it() -> None:
    synergy_id, advisor = uuid.uuid4(), uuid.uuid4()
    change = events.FollowUpChanged(synergy_id=synergy_id, advisor_id=advisor, owner_id=advisor)
    outcome = events.OutcomeRecorded(
        synergy_id=synergy_id, advisor_id=advisor, outcome=Outcome(tonnes_per_year=3), estimate=Estimate()
    )
    assert events.decision_key(change) == events.decision_key(outcome) == str(synergy_id)
    for event in (change, outcome):
        assert decode(encode(event)) == event
