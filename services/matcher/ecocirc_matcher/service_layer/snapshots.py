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
    return _digest(snapshot.model_copy(update={"revision": 1}).model_dump_json())


def first_revision(proposal: Proposal, knowledge_version: str) -> tuple[SynergySnapshot, str, str]:
    """The proposal as revision 1, that snapshot's JSON and its fingerprint, serialised once.

    Most proposals are either new (revision 1: the JSON is the row's) or unchanged (the fingerprint
    is all that is needed), so one serialisation serves both.
    """
    snapshot = to_snapshot(proposal, 1, knowledge_version)
    document = snapshot.model_dump_json()
    return snapshot, document, _digest(document)


def at_revision(snapshot: SynergySnapshot, document: str, revision: int) -> tuple[SynergySnapshot, str]:
    """A revision-1 snapshot and its JSON renumbered."""
    if revision == 1:
        return snapshot, document
    renumbered = snapshot.model_copy(update={"revision": revision})
    return renumbered, renumbered.model_dump_json()


def _digest(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()
