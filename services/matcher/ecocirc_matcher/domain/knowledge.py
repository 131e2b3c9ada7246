"""The matcher's knowledge: resource classes, which class feeds which, and how far each travels."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from ecocirc_shared.flows import Direction, FlowSnapshot

DEFAULT_REACH_KM = 50.0


def normalise_label(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(c for c in folded if c.isalnum() or c.isspace()).split())


@dataclass(frozen=True)
class Knowledge:
    """Minimal knowledge: an EWC code or the exact label is the resource class.

    This is the seam the full knowledge base (data files with sources) plugs into: the index
    only relies on `classify`, `partner_classes`, `reach_km` and `version`.
    """

    version: str = "minimal-1"
    reach: dict[str, float] = field(default_factory=dict)

    def classify(self, flow: FlowSnapshot) -> frozenset[str]:
        if flow.ewc_code:
            return frozenset({f"ewc:{flow.ewc_code}"})
        return frozenset({f"label:{normalise_label(flow.label)}"})

    def partner_classes(self, resource_class: str, direction: Direction) -> frozenset[str]:
        """Classes on the other side that a flow of `resource_class` in `direction` may pair with."""
        return frozenset({resource_class})

    def reach_km(self, resource_class: str) -> float:
        return self.reach.get(resource_class, DEFAULT_REACH_KM)

    def label(self, resource_class: str) -> str:
        return resource_class.split(":", 1)[1]
