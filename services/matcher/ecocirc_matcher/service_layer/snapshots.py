"""Turning a pure proposal into the versioned synergy snapshot that leaves on the synergy topic."""

from __future__ import annotations

import hashlib

from ecocirc_matcher.domain.model import Proposal
from ecocirc_shared.synergies import Participant, SynergySnapshot


def to_snapshot(proposal: Proposal, revision: int, knowledge_version: str) -> SynergySnapshot:
    participants = tuple(
        Participant(
            company_id=f.company_id,
            flow_id=f.flow_id,
            role=role,
            flow_label=f.label,
            confidentiality=f.confidentiality,
            territory=f.site.territory,
        )
        for f, role in zip(proposal.flows, proposal.roles, strict=True)
    )
    return SynergySnapshot(
        synergy_id=proposal.synergy_id,
        revision=revision,
        kind=proposal.kind,
        resource_class=proposal.resource_class,
        resource_label=proposal.resource_label,
        score=round(proposal.score, 4),
        score_parts={k: round(v, 4) for k, v in proposal.score_parts.items()},
        participants=participants,
        distance_km=proposal.distance_km,
        months=proposal.months,
        quantity=proposal.quantity,
        impact=proposal.impact,
        explanation=proposal.explanation,
        territories=tuple(sorted({t for p in participants if (t := p.territory)})),
        knowledge_version=knowledge_version,
    )


def fingerprint(snapshot: SynergySnapshot) -> str:
    """What makes two revisions different news: everything but the revision number itself."""
    doc = snapshot.model_copy(update={"revision": 1}).model_dump_json()
    return hashlib.sha256(doc.encode()).hexdigest()
