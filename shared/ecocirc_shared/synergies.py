"""The synergy vocabulary: what the matcher proposes and the notifier announces."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ecocirc_shared.flows import Confidentiality, Revision


class SynergyKind(StrEnum):
    SUBSTITUTION = "substitution"
    MUTUALISATION = "mutualisation"


class Role(StrEnum):
    SUPPLIER = "supplier"
    RECEIVER = "receiver"
    MEMBER = "member"


class Participant(BaseModel):
    """One company's part in a synergy, through one of its flows."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    company_id: UUID
    flow_id: UUID
    role: Role
    flow_label: str
    confidentiality: Confidentiality = Confidentiality.PUBLIC
    territory: str | None = None


class MatchedQuantity(BaseModel):
    """The quantity both sides can exchange, per year, in the resource's common unit."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    amount_per_year: float
    unit: str
    coverage: float = Field(ge=0, le=1, description="Share of the need (or of the smaller side) covered.")


class Impact(BaseModel):
    """What the synergy is worth where it can be estimated (None where it cannot)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    tonnes_diverted_per_year: float | None = None
    co2e_avoided_kg_per_year: float | None = None
    transport_co2e_kg_per_year: float | None = None
    notes: tuple[str, ...] = ()
    # Since synergy events v2: euros a year the participants save (disposal avoided, purchase avoided)
    # where flows give a price, and how. Derived from prices: advisors read them, companies do not.
    eur_saved_per_year: float | None = None
    eur_notes: tuple[str, ...] = ()


class SynergySnapshot(BaseModel):
    """A synergy's full state at one revision."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    synergy_id: UUID
    revision: Revision
    kind: SynergyKind
    resource_class: str
    resource_label: str
    score: float = Field(ge=0, le=1)
    score_parts: dict[str, float]
    participants: tuple[Participant, ...]
    distance_km: float | None
    months: tuple[int, ...] = ()
    quantity: MatchedQuantity | None = None
    impact: Impact = Impact()
    explanation: str
    territories: tuple[str, ...] = ()
    knowledge_version: str
