"""Quantities to yearly amounts in base units: factors, periods, one-offs, linearity."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecocirc_shared.flows import Period, Quantity, Unit
from ecocirc_shared.units import (
    WORKING_DAYS_PER_YEAR,
    AnnualQuantity,
    Dimension,
    comparable,
    dimension_of,
    to_annual,
)


@pytest.mark.parametrize(
    ("amount", "unit", "period", "expected", "base", "dimension"),
    [
        (120, Unit.TONNE, Period.YEAR, 120, Unit.TONNE, Dimension.MASS),
        (500, Unit.KILOGRAM, Period.MONTH, 6, Unit.TONNE, Dimension.MASS),
        (2, Unit.CUBIC_METRE, Period.WEEK, 104, Unit.CUBIC_METRE, Dimension.VOLUME),
        (1000, Unit.LITRE, Period.DAY, 250, Unit.CUBIC_METRE, Dimension.VOLUME),
        (3, Unit.MEGAWATT_HOUR, Period.MONTH, 36, Unit.MEGAWATT_HOUR, Dimension.ENERGY),
        (400, Unit.KILOWATT_HOUR, Period.DAY, 100, Unit.MEGAWATT_HOUR, Dimension.ENERGY),
        (7, Unit.HOUR, Period.WEEK, 364, Unit.HOUR, Dimension.TIME),
        (40, Unit.UNIT, Period.MONTH, 480, Unit.UNIT, Dimension.COUNT),
    ],
)
def test_to_annual(
    amount: float, unit: Unit, period: Period, expected: float, base: Unit, dimension: Dimension
) -> None:
    annual = to_annual(Quantity(amount=amount, unit=unit, period=period))
    assert annual.amount == pytest.approx(expected)
    assert annual.base_unit is base
    assert annual.dimension is dimension
    assert not annual.one_off


def test_period_defaults_to_year() -> None:
    assert to_annual(Quantity(amount=5, unit=Unit.TONNE)).amount == 5


def test_day_means_working_day_unless_told() -> None:
    daily = Quantity(amount=1, unit=Unit.TONNE, period=Period.DAY)
    assert WORKING_DAYS_PER_YEAR == 250
    assert to_annual(daily).amount == 250
    assert to_annual(daily, days_per_year=365).amount == 365


def test_once_is_a_one_off_lot_not_a_rate() -> None:
    annual = to_annual(Quantity(amount=800, unit=Unit.KILOGRAM, period=Period.ONCE))
    assert annual.amount == pytest.approx(0.8)
    assert (annual.base_unit, annual.dimension, annual.one_off) == (Unit.TONNE, Dimension.MASS, True)
    assert isinstance(annual, AnnualQuantity)


def test_comparable_means_same_dimension() -> None:
    tonnes = Quantity(amount=1, unit=Unit.TONNE)
    kilos = Quantity(amount=1, unit=Unit.KILOGRAM, period=Period.ONCE)
    cubic = Quantity(amount=1, unit=Unit.CUBIC_METRE)
    assert comparable(tonnes, kilos)
    assert comparable(to_annual(tonnes), kilos)
    assert not comparable(tonnes, cubic)
    assert not comparable(
        to_annual(Quantity(amount=1, unit=Unit.KILOWATT_HOUR)), Quantity(amount=1, unit=Unit.HOUR)
    )


def test_every_unit_has_a_dimension() -> None:
    assert {dimension_of(unit) for unit in Unit} == set(Dimension)


amounts = st.floats(min_value=1e-6, max_value=1e6)


@given(
    amounts,
    st.floats(min_value=1e-3, max_value=1e3),
    st.sampled_from(list(Unit)),
    st.sampled_from(list(Period)),
)
def test_to_annual_is_linear_in_amount(amount: float, factor: float, unit: Unit, period: Period) -> None:
    single = to_annual(Quantity(amount=amount, unit=unit, period=period))
    scaled = to_annual(Quantity(amount=amount * factor, unit=unit, period=period))
    assert scaled.amount == pytest.approx(single.amount * factor, rel=1e-9)
    assert (scaled.base_unit, scaled.dimension, scaled.one_off) == (
        single.base_unit,
        single.dimension,
        single.one_off,
    )


@given(amounts, st.sampled_from(list(Period)))
def test_kilograms_and_tonnes_agree(amount: float, period: Period) -> None:
    in_kg = to_annual(Quantity(amount=amount * 1000, unit=Unit.KILOGRAM, period=period))
    in_t = to_annual(Quantity(amount=amount, unit=Unit.TONNE, period=period))
    assert in_kg.amount == pytest.approx(in_t.amount, rel=1e-9)
