"""Versioned event schemas exchanged on Kafka, with upcasters for older versions."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, Literal, cast
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import to_json

from ecocirc_shared.flows import FlowSnapshot
from ecocirc_shared.synergies import SynergySnapshot


def _now() -> datetime:
    return datetime.now(UTC)


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID = Field(default_factory=uuid4)
    occurred_at: datetime = Field(default_factory=_now)
    schema_version: int = 1


class FlowDeclared(_Event):
    event_type: Literal["flow.declared"] = "flow.declared"
    flow: FlowSnapshot


class FlowRevised(_Event):
    event_type: Literal["flow.revised"] = "flow.revised"
    flow: FlowSnapshot


class FlowWithdrawn(_Event):
    event_type: Literal["flow.withdrawn"] = "flow.withdrawn"
    flow_id: UUID
    company_id: UUID
    version: int


class SynergyProposed(_Event):
    event_type: Literal["synergy.proposed"] = "synergy.proposed"
    synergy: SynergySnapshot


class SynergyRevised(_Event):
    event_type: Literal["synergy.revised"] = "synergy.revised"
    synergy: SynergySnapshot


class SynergyWithdrawn(_Event):
    event_type: Literal["synergy.withdrawn"] = "synergy.withdrawn"
    synergy_id: UUID
    revision: int
    reason: str


FlowEvent = FlowDeclared | FlowRevised | FlowWithdrawn
SynergyEvent = SynergyProposed | SynergyRevised | SynergyWithdrawn
AnyEvent = Annotated[FlowEvent | SynergyEvent, Field(discriminator="event_type")]

CURRENT_VERSIONS: dict[str, int] = {
    "flow.declared": 1,
    "flow.revised": 1,
    "flow.withdrawn": 1,
    "synergy.proposed": 1,
    "synergy.revised": 1,
    "synergy.withdrawn": 1,
}

# (event_type, from_version) -> function turning that version's dict into the next version's dict.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
UPCASTERS: dict[tuple[str, int], Upcaster] = {}

_adapter: TypeAdapter[FlowEvent | SynergyEvent] = TypeAdapter(AnyEvent)


class PoisonEvent(ValueError):
    """A message that cannot be turned into a known event: it goes to the dead-letter topic."""


def encode(event: FlowEvent | SynergyEvent) -> bytes:
    return event.model_dump_json().encode()


def encode_synergy_news(
    event_type: type[SynergyProposed | SynergyRevised], synergy_json: str
) -> tuple[UUID, bytes]:
    """A new event of this type carrying a snapshot already serialised: its id and what `encode` gives.

    The snapshot (most of the bytes) is not serialised a second time: the envelope's own fields
    (their defaults: a fresh id and time, the type) are, in the model's order, and the snapshot's
    JSON is their last member. (`model_construct` would do it too, at several times the cost.)
    """
    envelope = {name: factory() if factory else default for name, default, factory in _envelope(event_type)}
    head = to_json(envelope).decode()
    return envelope["event_id"], f'{head[:-1]},"synergy":{synergy_json}}}'.encode()


@cache
def _envelope(event_type: type[_Event]) -> tuple[tuple[str, Any, Callable[[], Any] | None], ...]:
    """An event type's fields but the snapshot, in order: (name, default, default factory)."""
    return tuple(
        (name, field.default, cast("Callable[[], Any] | None", field.default_factory))
        for name, field in event_type.model_fields.items()
        if name != "synergy"
    )


def decode(raw: bytes) -> FlowEvent | SynergyEvent:
    """Parse a message, upcasting older schema versions; raise PoisonEvent for anything else."""
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PoisonEvent(f"undecodable message: {exc}") from exc
    if not isinstance(doc, dict):
        raise PoisonEvent("message is not a JSON object")
    event_type = doc.get("event_type")
    if event_type not in CURRENT_VERSIONS:
        raise PoisonEvent(f"unknown event type {event_type!r}")
    version = doc.get("schema_version", 1)
    if not isinstance(version, int) or version < 1 or version > CURRENT_VERSIONS[event_type]:
        raise PoisonEvent(f"unknown schema version {version!r} for {event_type}")
    while version < CURRENT_VERSIONS[event_type]:
        doc = UPCASTERS[(event_type, version)](doc)
        version += 1
        doc["schema_version"] = version
    try:
        event = _adapter.validate_python(doc)
    except ValidationError as exc:
        raise PoisonEvent(f"invalid {event_type} v{version}: {exc.error_count()} errors") from exc
    return event
