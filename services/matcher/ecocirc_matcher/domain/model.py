"""What the pure matcher produces: a proposal between flows, before ids and revisions are attached."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from functools import cached_property

from ecocirc_shared.flows import Direction, FlowSnapshot
from ecocirc_shared.synergies import Impact, MatchedQuantity, Role, SynergyKind

# Fixed namespace: synergy ids derive from the flows they join, so every worker and every
# rebuild agrees on them without coordination.
SYNERGY_NAMESPACE = uuid.UUID("6f1d7a0e-2b7c-5d1e-9a54-ec0c12c0ffee")
_NAMESPACE_BYTES = SYNERGY_NAMESPACE.bytes


def synergy_id(kind: SynergyKind, flow_ids: list[uuid.UUID]) -> uuid.UUID:
    return name_based_id(SYNERGY_NAMESPACE, f"{kind.value}:" + ",".join(sorted([str(f) for f in flow_ids])))


def pair_id(kind: SynergyKind, first: str, second: str) -> uuid.UUID:
    """`synergy_id` of two flows given their ids as text."""
    # (The kind's text through `_value_`: an enum member's `value` is a Python-level descriptor.)
    if second < first:
        first, second = second, first
    return name_based_id(SYNERGY_NAMESPACE, f"{kind._value_}:{first},{second}")


def name_based_id(namespace: uuid.UUID, name: str) -> uuid.UUID:
    """uuid.uuid5(namespace, name), without its import and namespace conversion at each call (a worker
    makes thousands of ids a second; tests/unit/matcher/domain/test_model.py checks they are the same)."""
    digest = hashlib.sha1(
        (_NAMESPACE_BYTES if namespace is SYNERGY_NAMESPACE else namespace.bytes) + name.encode(),
        usedforsecurity=False,
    ).digest()
    # What UUID(bytes=..., version=5) does, without its checks: clear the variant and version bits,
    # set RFC 4122's variant and version 5 (the two fields do not overlap).
    found = _new_uuid(uuid.UUID)
    _set(found, "int", int.from_bytes(digest[:16]) & _VERSION_MASK | _VERSION_5)
    _set(found, "is_safe", uuid.SafeUUID.unknown)
    return found


_new_uuid = object.__new__
_set = object.__setattr__
_VERSION_MASK = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)
_VERSION_5 = (0x8000 << 48) | (5 << 76)


@dataclass(frozen=True, order=True)
class GroupKey:
    """What a mutualisation group gathers: flows of one resource class, one direction, one area (a grid cell)."""

    resource_class: str
    direction: Direction
    area: str

    @cached_property
    def synergy_id(self) -> uuid.UUID:
        return name_based_id(
            SYNERGY_NAMESPACE, f"group:{self.direction.value}:{self.resource_class}:{self.area}"
        )


@dataclass(frozen=True)
class Proposal:
    """A synergy the knowledge supports between some flows, scored and explained."""

    kind: SynergyKind
    flows: tuple[FlowSnapshot, ...]
    roles: tuple[Role, ...]
    resource_class: str
    resource_label: str
    score: float
    score_parts: dict[str, float]
    distance_km: float | None
    explanation: str
    months: tuple[int, ...] = ()
    quantity: MatchedQuantity | None = None
    impact: Impact = field(default_factory=Impact)
    group_key: GroupKey | None = None
    # A group whose identity is its members (e.g. a set of companies with complementary seasons).
    group_members_in_id: bool = False

    @cached_property
    def synergy_id(self) -> uuid.UUID:
        if self.group_key is not None and self.group_members_in_id:
            members = ",".join(sorted([str(f.flow_id) for f in self.flows]))
            return name_based_id(self.group_key.synergy_id, members)
        if self.group_key is not None:
            return self.group_key.synergy_id
        return synergy_id(self.kind, [f.flow_id for f in self.flows])
