"""Turning a pure proposal into the versioned synergy snapshot that leaves on the synergy topic.

`to_snapshot` builds the contract's model (ecocirc_shared.synergies.SynergySnapshot); the worker
writes thousands of snapshots a second, so `first_revision` serialises the same fields straight from
the proposal, without building and validating the model first. Both give the same bytes
(tests/unit/matcher/test_snapshots.py checks it on every proposal of a dense territory).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from pydantic_core import to_json

from ecocirc_matcher.domain.model import Proposal
from ecocirc_shared.flows import FlowSnapshot
from ecocirc_shared.synergies import Participant, Role, SynergySnapshot


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
    SynergySnapshot in its order, each value written by pydantic's own serialiser (`to_json`), so
    strings and numbers are written exactly as the model writes them; what recurs from proposal to
    proposal (a flow's participant entry, the impact most proposals share, class labels) is written
    once and kept while it is met again.
    """
    flows, roles = proposal.flows, proposal.roles
    distance = proposal.distance_km
    # Three runs of plain fields, each serialised in one call, around the participants and the impact.
    head = to_json(
        {
            "synergy_id": proposal.synergy_id,
            "revision": 1,
            "kind": proposal.kind._value_,  # (an enum is serialised by a slow path; its text is not)
            "resource_class": proposal.resource_class,
            "resource_label": proposal.resource_label,
            "score": _round4(proposal.score),
            "score_parts": {
                k: r if (r := _ROUNDED.get(v)) is not None else _round4(v)
                for k, v in proposal.score_parts.items()
            },
        }
    ).decode()
    middle = to_json(
        {
            "distance_km": None if distance is None else float(distance),
            "months": proposal.months,
            "quantity": proposal.quantity,
        }
    ).decode()
    tail = to_json(
        {
            "explanation": proposal.explanation,
            "territories": _territories(flows),
        }
    ).decode()
    if len(flows) == 2:
        participants = (
            f"{_PARTICIPANTS[roles[0]._value_](flows[0])},{_PARTICIPANTS[roles[1]._value_](flows[1])}"
        )
    else:
        participants = ",".join(
            [_PARTICIPANTS[role._value_](flow) for flow, role in zip(flows, roles, strict=True)]
        )
    body = (
        f'{head[:-1]},"participants":[{participants}],{middle[1:-1]},"impact":{_IMPACTS(proposal.impact)},'
        f"{tail[1:]}"
    )
    # The knowledge version is the last field: the fingerprint is the digest of the fields before it.
    document = f'{body[:-1]},"knowledge_version":{_json(knowledge_version)}}}'
    return document, _digest(body)


def _json(value: object) -> str:
    return to_json(value).decode()


def _territories(flows: tuple[FlowSnapshot, ...]) -> list[str]:
    """The participants' territories, each once, sorted (a pair's without a set to build)."""
    if len(flows) == 2:
        a, b = flows[0].site.territory, flows[1].site.territory
        if not a or not b:
            return [t] if (t := a or b) else []
        return [a] if a == b else [a, b] if a < b else [b, a]
    return sorted({t for f in flows if (t := f.site.territory)})


# round(float(x), 4) of the numbers met (score parts take a few thousand values, rounded already).
_ROUNDED: dict[float, float] = {}


def _round4(value: float) -> float:
    """round(float(value), 4), as the model rounds a score: float() because the model would write a whole
    number as a float (1.0, not 1). Kept per value, but for zero, whose sign the model writes."""
    found = _ROUNDED.get(value)
    if found is None:
        found = round(float(value), 4)
        if value != 0:
            if len(_ROUNDED) >= 100_000:
                _ROUNDED.clear()
            _ROUNDED[value] = found
    return found


class _ByIdentity:
    """JSON of immutable objects met again and again (a flow in each of its proposals), kept by the
    object's identity: an entry holds its object, so the identity cannot be another's while kept."""

    def __init__(self, serialise: Callable[[Any], str], size: int = 50_000) -> None:
        self._serialise = serialise
        self._size = size
        self._kept: dict[int, tuple[object, str]] = {}

    def __call__(self, value: object) -> str:
        found = self._kept.get(id(value))
        if found is not None and found[0] is value:
            return found[1]
        if len(self._kept) >= self._size:
            self._kept.clear()
        text = self._serialise(value)
        self._kept[id(value)] = (value, text)
        return text


def _participant(role: Role) -> Callable[[FlowSnapshot], str]:
    def serialise(f: FlowSnapshot) -> str:
        return _json(
            {
                "company_id": f.company_id,
                "flow_id": f.flow_id,
                "role": role.value,
                "flow_label": f.label,
                "confidentiality": f.confidentiality.value,
                "territory": f.site.territory,
            }
        )

    return _ByIdentity(serialise)


_PARTICIPANTS = {role.value: _participant(role) for role in Role}
_IMPACTS = _ByIdentity(_json, size=1_000)


# A snapshot's JSON opens with its id (a UUID: no quote inside) then its revision.
_REVISION_1 = '"revision":1,'


def at_revision(document: str, revision: int) -> str:
    """A revision-1 snapshot's JSON renumbered."""
    if revision == 1:
        return document
    return document.replace(_REVISION_1, f'"revision":{revision},', 1)


def _digest(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()
