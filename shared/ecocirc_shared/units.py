"""Normalising declared quantities to a yearly amount in one base unit per physical dimension."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ecocirc_shared.flows import Period, Quantity, Unit

# "Per day" is read as per working day: the companies of the programme (agri-food, wood, building,
# subcontracting) mostly count daily flows on the days they work, 5 days x 52 weeks minus about 10
# public holidays. A process running every day of the year (a boiler, a distillery in season, a
# farm) should be declared per week, per month or per year; callers that know better may pass
# days_per_year=365.
WORKING_DAYS_PER_YEAR = 250.0

PERIODS_PER_YEAR: dict[Period, float] = {
    Period.YEAR: 1.0,
    Period.MONTH: 12.0,
    Period.WEEK: 52.0,
    Period.DAY: WORKING_DAYS_PER_YEAR,
}


class Dimension(StrEnum):
    MASS = "mass"
    VOLUME = "volume"
    ENERGY = "energy"
    TIME = "time"
    COUNT = "count"


# unit -> (dimension, factor to the dimension's base unit)
_UNITS: dict[Unit, tuple[Dimension, float]] = {
    Unit.TONNE: (Dimension.MASS, 1.0),
    Unit.KILOGRAM: (Dimension.MASS, 1e-3),
    Unit.CUBIC_METRE: (Dimension.VOLUME, 1.0),
    Unit.LITRE: (Dimension.VOLUME, 1e-3),
    Unit.MEGAWATT_HOUR: (Dimension.ENERGY, 1.0),
    Unit.KILOWATT_HOUR: (Dimension.ENERGY, 1e-3),
    Unit.HOUR: (Dimension.TIME, 1.0),
    Unit.UNIT: (Dimension.COUNT, 1.0),
}

BASE_UNITS: dict[Dimension, Unit] = {
    Dimension.MASS: Unit.TONNE,
    Dimension.VOLUME: Unit.CUBIC_METRE,
    Dimension.ENERGY: Unit.MEGAWATT_HOUR,
    Dimension.TIME: Unit.HOUR,
    Dimension.COUNT: Unit.UNIT,
}


@dataclass(frozen=True, slots=True)
class AnnualQuantity:
    """An amount per year in its dimension's base unit (t, m3, MWh, h, unit).

    one_off is True for a quantity declared "once": amount is then the whole lot, available a single
    time, not a yearly rate; callers must not add it to or rank it against recurring rates blindly.
    """

    amount: float
    base_unit: Unit
    dimension: Dimension
    one_off: bool = False


def dimension_of(unit: Unit) -> Dimension:
    """The physical dimension a unit measures."""
    return _UNITS[unit][0]


def base_factor(unit: Unit) -> float:
    """How many of its dimension's base unit one `unit` is (kg: 0.001 t)."""
    return _UNITS[unit][1]


def to_annual(quantity: Quantity, *, days_per_year: float = WORKING_DAYS_PER_YEAR) -> AnnualQuantity:
    """The declared quantity as a yearly amount in base unit (or the one-off lot in base unit)."""
    dimension, factor = _UNITS[quantity.unit]
    one_off = quantity.period is Period.ONCE
    if one_off:
        per_year = 1.0
    elif quantity.period is Period.DAY:
        per_year = days_per_year
    else:
        per_year = PERIODS_PER_YEAR[quantity.period]
    return AnnualQuantity(
        amount=quantity.amount * factor * per_year,
        base_unit=BASE_UNITS[dimension],
        dimension=dimension,
        one_off=one_off,
    )


def comparable(a: Quantity | AnnualQuantity, b: Quantity | AnnualQuantity) -> bool:
    """True when both measure the same dimension (tonnes and kg are; tonnes and m3 are not).

    It says nothing about one-off against recurring: check AnnualQuantity.one_off for that.
    """
    return _dimension(a) is _dimension(b)


def _dimension(q: Quantity | AnnualQuantity) -> Dimension:
    return q.dimension if isinstance(q, AnnualQuantity) else dimension_of(q.unit)
