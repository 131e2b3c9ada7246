"""What a synergy is worth where data allows: tonnes diverted, CO2e avoided net of transport, euros
saved where the flows give a price."""

from __future__ import annotations

from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.domain.scoring import QuantityMatch
from ecocirc_shared.flows import Price
from ecocirc_shared.money import savings
from ecocirc_shared.synergies import Impact
from ecocirc_shared.units import Dimension

TRANSPORT_FACTOR = "road_freight_40t_regional"
HEAT_FACTOR = "natural_gas_heat"
BOILER_EFFICIENCY = "gas_boiler_efficiency"

# What most proposals say of their impact (no comparable quantities): one immutable value for them all.
NOT_ESTIMATED = Impact(
    notes=("Quantités non déclarées, non comparables ou ponctuelles : impact non estimé.",)
)


def estimate(
    kb: Knowledge,
    resource_class: str,
    quantity: QuantityMatch | None,
    distance_km: float,
    *,
    need_known: bool = True,
    offer_price: Price | None = None,
    need_price: Price | None = None,
) -> Impact:
    """Impact of moving `quantity` of a class over `distance_km` by road, with the factors' sources, and
    the euros the supplier's disposal cost and the receiver's purchase price put on it."""
    if quantity is None or quantity.one_off:
        return NOT_ESTIMATED
    cls = kb.classes[resource_class]
    notes: list[str] = []
    if not need_known:
        notes.append("Besoin non chiffré : estimation sur toute la quantité offerte (maximum).")
    tonnes: float | None = None
    if quantity.dimension is Dimension.MASS:
        tonnes = quantity.amount
    elif quantity.dimension is Dimension.VOLUME and cls.density_t_per_m3:
        tonnes = quantity.amount * cls.density_t_per_m3
        notes.append(f"Masse estimée avec une densité de {cls.density_t_per_m3:g} t/m3.")
    transport: float | None = None
    if tonnes is not None:
        factor = kb.factors[TRANSPORT_FACTOR]
        transport = round(tonnes * distance_km * factor.value, 1)
        notes.append(f"Transport : {factor.value:g} {factor.unit} ({factor.source.split('(')[0].strip()}).")
    avoided: float | None = None
    heat = kb.factors[HEAT_FACTOR]
    if quantity.dimension is Dimension.ENERGY and resource_class in heat.applies_to:
        efficiency = kb.factors[BOILER_EFFICIENCY].value
        avoided = round(quantity.amount * 1000.0 * heat.value / efficiency, 1)
        notes.append(
            f"Chaleur supposée remplacer du gaz naturel : {heat.value:g} {heat.unit}, rendement {efficiency:g}."
        )
    elif tonnes is not None:
        notes.append("Pas de facteur d'émission évitée documenté pour cette ressource.")
    net = None if avoided is None else round(avoided - (transport or 0.0), 1)
    diverted = round(tonnes, 2) if tonnes is not None else None
    money = savings(quantity.amount, quantity.dimension, offer_price, need_price, cls.density_t_per_m3)
    return Impact(
        tonnes_diverted_per_year=diverted,
        co2e_avoided_kg_per_year=net,
        transport_co2e_kg_per_year=transport,
        notes=tuple(notes),
        eur_saved_per_year=money.eur_per_year,
        eur_notes=money.notes,
    )
