"""Event schemas: round trip, poison messages, and upcasting of older versions."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from ecocirc_shared import events
from ecocirc_shared.events import FlowDeclared, FlowWithdrawn, PoisonEvent, decode, encode
from ecocirc_shared.flows import FlowSnapshot, Site


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
