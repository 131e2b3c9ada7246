"""Synergies advisors record by hand (found in a workshop, on a visit): their deterministic ids, so
that recording the same lead twice records it once, and the stand-in for a participant's missing flow."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from ecocirc_shared.synergies import Role, SynergyKind

# Apart from the matcher's namespace: a recorded lead never takes the id of a lead the matcher finds.
RECORDED_NAMESPACE = uuid.UUID("0b7e4c2a-6d1f-5a3e-8c9b-ec0c12c0ffee")
# The knowledge version of a recorded synergy: people found it, no knowledge scored it.
RECORDED_KNOWLEDGE = "recorded-by-advisor"
# Resource class of a recorded synergy (no class of the matcher's knowledge is claimed).
RECORDED_CLASS = "recorded"


def recorded_synergy_id(
    kind: SynergyKind, participants: Iterable[tuple[uuid.UUID, uuid.UUID | None, Role]], description: str
) -> uuid.UUID:
    """The same kind, participants (company, flow, role) and description give the same id, whatever
    their order, case or spacing."""
    parts = sorted(f"{company}:{flow or '-'}:{role.value}" for company, flow, role in participants)
    text = " ".join(description.split()).casefold()
    return uuid.uuid5(RECORDED_NAMESPACE, f"{kind.value}|{','.join(parts)}|{text}")


def stand_in_flow_id(synergy_id: uuid.UUID, company_id: uuid.UUID) -> uuid.UUID:
    """The flow id a recorded synergy carries for a participant named without a flow; the API shows
    it as no flow (`is_stand_in`)."""
    return uuid.uuid5(synergy_id, f"no-flow:{company_id}")


def is_stand_in(synergy_id: uuid.UUID, company_id: uuid.UUID, flow_id: uuid.UUID) -> bool:
    return flow_id == stand_in_flow_id(synergy_id, company_id)
