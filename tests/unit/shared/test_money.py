"""Euros a synergy saves from its flows' prices: units converted, one side or both, nothing invented."""

from __future__ import annotations

import pytest

from ecocirc_shared.flows import Price, Unit
from ecocirc_shared.money import price_per_base_unit, savings
from ecocirc_shared.units import Dimension


def test_both_sides_add_up_disposal_avoided_and_purchase_avoided() -> None:
    saved = savings(
        100, Dimension.MASS, Price(eur_per_unit=60, unit=Unit.TONNE), Price(eur_per_unit=30, unit=Unit.TONNE)
    )
    assert saved.eur_per_year == 9000
    assert any("Élimination évitée" in n for n in saved.notes) and any(
        "Achat évité" in n for n in saved.notes
    )


def test_one_side_is_enough() -> None:
    saved = savings(100, Dimension.MASS, None, Price(eur_per_unit=0.05, unit=Unit.KILOGRAM))
    assert saved.eur_per_year == 5000  # 0.05 €/kg is 50 €/t


def test_no_price_no_euros() -> None:
    assert savings(100, Dimension.MASS, None, None).eur_per_year is None


def test_a_price_in_another_dimension_needs_a_density() -> None:
    per_m3 = Price(eur_per_unit=20, unit=Unit.CUBIC_METRE)
    assert price_per_base_unit(per_m3, Dimension.MASS) is None
    assert price_per_base_unit(per_m3, Dimension.MASS, density=0.5) == pytest.approx(40)  # 2 m3 a tonne
    unusable = savings(10, Dimension.MASS, per_m3, None)
    assert unusable.eur_per_year is None and "non comparable" in unusable.notes[0]


def test_energy_prices_per_kwh_are_per_mwh_times_a_thousand() -> None:
    assert price_per_base_unit(
        Price(eur_per_unit=0.08, unit=Unit.KILOWATT_HOUR), Dimension.ENERGY
    ) == pytest.approx(80)
