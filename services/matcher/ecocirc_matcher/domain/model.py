"""What the pure matcher produces: a proposal between flows, before ids and revisions are attached."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import cached_property

from ecocirc_shared.flows import Direction, FlowSnapshot
from ecocirc_shared.synergies import Impact, MatchedQuantity, Role, SynergyKind

# Fixed namespace: synergy ids derive from the flows they join, so every worker and every
# rebuild agrees on them without coordination.
SYNERGY_NAMESPACE = uuid.UUID("6f1d7a0e-2b7c-5d1e-9a54-ec0c12c0ffee")


def synergy_id(kind: SynergyKind, flow_ids: list[uuid.UUID]) -> uuid.UUID:
    return uuid.uuid5(SYNERGY_NAMESPACE, f"{kind.value}:" + ",".join(sorted(str(f) for f in flow_ids)))


@dataclass(frozen=True, order=True)
class GroupKey:
    """What a mutualisation group gathers: flows of one resource class, one direction, one area (a grid cell)."""

    resource_class: str
    direction: Direction
    area: str

    @property
    def synergy_id(self) -> uuid.UUID:
        return uuid.uuid5(
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
            members = ",".join(sorted(str(f.flow_id) for f in self.flows))
            return uuid.uuid5(self.group_key.synergy_id, members)
        if self.group_key is not None:
            return self.group_key.synergy_id
        return synergy_id(self.kind, [f.flow_id for f in self.flows])
