"""A lead recorded by hand: roles checked, distance and estimates from the flows, nothing invented."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ecocirc_intake.domain.recorded import NO_ESTIMATE, Party, check_roles, recorded_snapshot
from ecocirc_shared.flows import Direction, FlowSnapshot, Price, Quantity, Site, Unit
from ecocirc_shared.recorded import is_stand_in
from ecocirc_shared.synergies import Role, SynergyKind

GIMONT = Site(lat=43.6267, lon=0.8744, territory="32")
SAMATAN = Site(lat=43.4936, lon=0.9297, territory="32")


def _flow(
    company: uuid.UUID, direction: Direction, amount: float, price: float | None = None
) -> FlowSnapshot:
    return FlowSnapshot(
        flow_id=uuid.uuid4(),
        company_id=company,
        version=1,
        direction=direction,
        category="waste",
        label="Drêches" if direction is Direction.OFFER else "Aliment pour bovins",
        quantity=Quantity(amount=amount, unit=Unit.TONNE),
        price=None if price is None else Price(eur_per_unit=price, unit=Unit.TONNE),
        site=GIMONT,
        declared_at=datetime.now(UTC),
    )


def test_a_substitution_with_flows_has_distance_quantity_and_euros() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    parties = [
        Party(a, Role.SUPPLIER, GIMONT, "32", _flow(a, Direction.OFFER, 100, price=20)),
        Party(b, Role.RECEIVER, SAMATAN, "32", _flow(b, Direction.NEED, 60, price=50)),
    ]
    assert check_roles(SynergyKind.SUBSTITUTION, parties) == []
    snapshot = recorded_snapshot(uuid.uuid4(), SynergyKind.SUBSTITUTION, parties, "Atelier de Gimont", None)
    assert snapshot.resource_label == "Drêches" and snapshot.territories == ("32",)
    assert snapshot.distance_km is not None and 19 < snapshot.distance_km < 22  # ~15 km as the crow flies
    assert snapshot.quantity is not None and snapshot.quantity.amount_per_year == 60
    assert snapshot.impact.tonnes_diverted_per_year == 60
    assert snapshot.impact.eur_saved_per_year == 60 * 20 + 60 * 50
    assert snapshot.impact.co2e_avoided_kg_per_year is None and NO_ESTIMATE in snapshot.impact.notes


def test_participants_without_flows_get_a_stand_in_and_the_advisor_s_words() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    parties = [Party(x, Role.MEMBER, GIMONT, "32", label="Achat groupé de palettes") for x in (a, b)]
    parties.append(Party(c, Role.MEMBER, SAMATAN, "31"))
    synergy_id = uuid.uuid4()
    snapshot = recorded_snapshot(
        synergy_id, SynergyKind.MUTUALISATION, parties, "Commande commune", "Palettes"
    )
    assert all(is_stand_in(synergy_id, p.company_id, p.flow_id) for p in snapshot.participants)
    assert [p.flow_label for p in snapshot.participants] == ["Achat groupé de palettes"] * 2 + ["Palettes"]
    assert snapshot.territories == ("31", "32") and snapshot.impact.eur_saved_per_year is None
    assert snapshot.explanation == "Commande commune" and snapshot.score == 1.0


def test_roles_must_fit_the_kind_and_flows_their_role() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    wrong_way = [
        Party(a, Role.SUPPLIER, GIMONT, "32", _flow(a, Direction.NEED, 10)),
        Party(b, Role.RECEIVER, SAMATAN, "32"),
    ]
    assert [e.field for e in check_roles(SynergyKind.SUBSTITUTION, wrong_way)] == ["participants.0.flow_id"]
    members = [Party(a, Role.MEMBER, GIMONT, "32"), Party(a, Role.SUPPLIER, SAMATAN, "32")]
    fields = [e.field for e in check_roles(SynergyKind.MUTUALISATION, members)]
    assert fields == ["participants", "participants"]  # twice the same company; a supplier in a group
