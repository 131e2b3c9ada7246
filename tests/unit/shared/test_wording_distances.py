"""Distances as a company reads them in a lead: never « environ moins de 1 km » nor « environ 0 km »."""

from __future__ import annotations

import pytest

from ecocirc_shared.directory import RecipientKind, Viewer
from ecocirc_shared.synergies import Role, SynergyKind
from ecocirc_shared.wording import synergy_view
from tests.unit.notifier.factories import company, directory, participant, synergy

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("km", "kind", "distance_text", "described"),
    [
        (0.0, SynergyKind.SUBSTITUTION, f"moins de 1{NBSP}km", f"à moins de 1{NBSP}km"),
        (0.4, SynergyKind.SUBSTITUTION, f"moins de 1{NBSP}km", f"à moins de 1{NBSP}km"),
        (4.7, SynergyKind.SUBSTITUTION, f"environ 5{NBSP}km", f"à environ 5{NBSP}km"),
        (0.4, SynergyKind.MUTUALISATION, f"sites à moins de 1{NBSP}km les uns des autres", None),
        (12.2, SynergyKind.MUTUALISATION, f"sites dans un rayon d'environ 12{NBSP}km", None),
    ],
)
def test_a_lead_s_distance_reads_as_french(
    km: float, kind: SynergyKind, distance_text: str, described: str | None
) -> None:
    me, other = company("Haras"), company("Scierie")
    role = Role.MEMBER if kind is SynergyKind.MUTUALISATION else None
    s = synergy(
        participant(other, role or Role.SUPPLIER, "a"),
        participant(me, role or Role.RECEIVER, "b"),
        kind=kind,
        distance_km=km,
        explanation="",  # the generic sentence, worded here
    )
    # Introduced: the exact distance (before, a company reads it to 5 km: tests/unit/shared/test_visibility.py).
    view = synergy_view(
        s, directory(me, other), Viewer(kind=RecipientKind.COMPANY, id=me.id), introduced=True
    )
    assert view.distance_text == distance_text
    everything = " ".join([view.distance_text, view.explanation, *(p.description for p in view.others)])
    assert "environ moins" not in everything and f"environ 0{NBSP}km" not in everything
    if described is not None:
        [counterpart] = view.others
        assert counterpart.description.endswith(described)
