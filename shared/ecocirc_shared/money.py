"""Euros a synergy saves, from the prices its flows give: one rule for the matcher's estimates and
for the leads advisors record by hand."""

from __future__ import annotations

from dataclasses import dataclass

from ecocirc_shared import french
from ecocirc_shared.flows import Price
from ecocirc_shared.units import BASE_UNITS, Dimension, base_factor, dimension_of


@dataclass(frozen=True)
class Savings:
    """Euros a year (None when no side gives a usable price) and how they were reached, in French."""

    eur_per_year: float | None
    notes: tuple[str, ...] = ()


def euros(amount: float) -> str:
    """« 1 234 € »: whole euros, French grouping."""
    return f"{french.number(round(amount), 0)}{french.NBSP}€"


def price_per_base_unit(price: Price, dimension: Dimension, density: float | None = None) -> float | None:
    """The price per base unit of `dimension` (€/t, €/m3, €/MWh...), crossing mass and volume with a
    density when one is known; None when the price's unit measures something else."""
    own = dimension_of(price.unit)
    per_base = price.eur_per_unit / base_factor(price.unit)
    if own is dimension:
        return per_base
    if density and own is Dimension.VOLUME and dimension is Dimension.MASS:
        return per_base / density  # a tonne is 1/density m3
    if density and own is Dimension.MASS and dimension is Dimension.VOLUME:
        return per_base * density  # a m3 weighs `density` tonnes
    return None


def savings(
    amount_per_year: float,
    dimension: Dimension,
    offer_price: Price | None,
    need_price: Price | None,
    density: float | None = None,
) -> Savings:
    """What exchanging `amount_per_year` (in the base unit of `dimension`) saves each year: the
    supplier's disposal cost and the receiver's purchase price on that amount, where each is given and
    comparable. Transport and whatever price they agree between them are left out: the advisor
    corrects the figure when recording what the synergy achieved."""
    base = BASE_UNITS[dimension].value
    total: float | None = None
    notes: list[str] = []
    for price, what in ((offer_price, "élimination évitée"), (need_price, "achat évité")):
        if price is None:
            continue
        per = price_per_base_unit(price, dimension, density)
        if per is None:
            notes.append(
                f"Prix en €/{french.unit(price.unit.value, 1)} non comparable à la quantité échangée "
                f"({french.unit(base)}) : {what} non chiffré."
            )
            continue
        saved = amount_per_year * per
        total = (total or 0.0) + saved
        notes.append(
            f"{what[0].upper()}{what[1:]} : {euros(saved)}/an "
            f"({french.number(per)}{french.NBSP}€/{french.unit(base, 1)} × "
            f"{french.quantity_per_year(amount_per_year, base)})."
        )
    if total is None:
        return Savings(None, tuple(notes))
    notes.append("Hors transport et hors prix de cession convenu entre les entreprises.")
    return Savings(round(total, 0), tuple(notes))
