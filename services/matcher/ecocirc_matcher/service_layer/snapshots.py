"""Turning a pure proposal into the versioned synergy snapshot that leaves on the synergy topic.

`to_snapshot` builds the contract's model (ecocirc_shared.synergies.SynergySnapshot); the worker
writes thousands of snapshots a second, so `first_revision` serialises the same fields straight from
the proposal, without building and validating the model first. Both give the same bytes
(tests/unit/matcher/test_snapshots.py checks it on every proposal of a dense territory).
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic_core import to_json

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
    """What makes two revisions different news: everything but the revision number and the knowledge
    version. A knowledge change that leaves what is said of a synergy as it was is no news to anyone:
    the synergy is neither rewritten nor announced again, and keeps the version that last changed it."""
    return _digest(snapshot.model_copy(update={"revision": 1}).model_dump_json(exclude={"knowledge_version"}))


def first_revision(proposal: Proposal, knowledge_version: str) -> tuple[str, str]:
    """The proposal's snapshot at revision 1 as JSON (what `to_snapshot(...).model_dump_json()` gives)
    and its fingerprint (`fingerprint`: the knowledge version left out), serialised once.

    Most proposals are either new (revision 1: the JSON is the row's) or unchanged (the fingerprint
    is all that is needed), so one serialisation serves both. The fields are those of
    SynergySnapshot in its order; enums go as their values and the nested models (quantity, impact)
    as they are, through pydantic's own serialiser, so numbers are written exactly as the model
    writes them.
    """
    fields: dict[str, Any] = {
        "synergy_id": proposal.synergy_id,
        "revision": 1,
        "kind": proposal.kind.value,
        "resource_class": proposal.resource_class,
        "resource_label": proposal.resource_label,
        # float(): the model would write a whole number as a float (1.0, not 1).
        "score": round(float(proposal.score), 4),
        "score_parts": {k: round(float(v), 4) for k, v in proposal.score_parts.items()},
        "participants": [
            {
                "company_id": f.company_id,
                "flow_id": f.flow_id,
                "role": role.value,
                "flow_label": f.label,
                "confidentiality": f.confidentiality.value,
                "territory": f.site.territory,
            }
            for f, role in zip(proposal.flows, proposal.roles, strict=True)
        ],
        "distance_km": None if proposal.distance_km is None else float(proposal.distance_km),
        "months": proposal.months,
        "quantity": proposal.quantity,
        "impact": proposal.impact,
        "explanation": proposal.explanation,
        "territories": sorted({t for f in proposal.flows if (t := f.site.territory)}),
    }
    # The knowledge version is the last field: the fingerprint is the digest of the fields before it.
    body = to_json(fields)
    document = body[:-1] + b',"knowledge_version":' + to_json(knowledge_version) + b"}"
    return document.decode(), hashlib.sha256(body).hexdigest()


# A snapshot's JSON opens with its id (a UUID: no quote inside) then its revision.
_REVISION_1 = '"revision":1,'


def at_revision(document: str, revision: int) -> str:
    """A revision-1 snapshot's JSON renumbered."""
    if revision == 1:
        return document
    return document.replace(_REVISION_1, f'"revision":{revision},', 1)


def _digest(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()
