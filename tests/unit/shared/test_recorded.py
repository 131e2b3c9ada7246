"""Recorded leads: the same content gives the same id, whatever the order or spacing; never a matcher id."""

from __future__ import annotations

import uuid

from ecocirc_shared.recorded import is_stand_in, recorded_synergy_id, stand_in_flow_id
from ecocirc_shared.synergies import Role, SynergyKind

A, B, F = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def test_the_id_depends_on_the_content_not_its_order_case_or_spacing() -> None:
    first = recorded_synergy_id(
        SynergyKind.SUBSTITUTION, [(A, F, Role.SUPPLIER), (B, None, Role.RECEIVER)], "Drêches  pour l'élevage"
    )
    again = recorded_synergy_id(
        SynergyKind.SUBSTITUTION, [(B, None, Role.RECEIVER), (A, F, Role.SUPPLIER)], "drêches pour l'élevage "
    )
    other = recorded_synergy_id(
        SynergyKind.SUBSTITUTION, [(A, F, Role.SUPPLIER), (B, None, Role.RECEIVER)], "Drêches pour les porcs"
    )
    assert first == again and first != other


def test_a_participant_without_a_flow_has_a_recognisable_stand_in() -> None:
    synergy = uuid.uuid4()
    assert is_stand_in(synergy, A, stand_in_flow_id(synergy, A))
    assert not is_stand_in(synergy, A, F) and not is_stand_in(synergy, B, stand_in_flow_id(synergy, A))
