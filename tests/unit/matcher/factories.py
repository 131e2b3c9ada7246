"""Building flows for matcher tests: a site a given number of km north of a fixed point."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ecocirc_matcher.domain.scoring import DETOUR_FACTOR
from ecocirc_shared.flows import Category, Direction, FlowSnapshot, Period, Quantity, Site, Unit

ORIGIN = (43.6137, 1.0813)  # L'Isle-Jourdain
KM_PER_DEGREE_LAT = 6371.0088 * 3.141592653589793 / 180


def flow(
    direction: Direction,
    label: str,
    *,
    category: Category = Category.WASTE,
    road_km: float = 0.0,
    description: str | None = None,
    ewc: str | None = None,
    naf: str | None = None,
    quantity: tuple[float, Unit, Period] | None = None,
    months: tuple[int, ...] = (),
    hazardous: bool = False,
    max_distance_km: float | None = None,
    company: uuid.UUID | None = None,
) -> FlowSnapshot:
    """A flow whose site is `road_km` of estimated road distance north of ORIGIN."""
    lat = ORIGIN[0] + road_km / DETOUR_FACTOR / KM_PER_DEGREE_LAT
    return FlowSnapshot(
        flow_id=uuid.uuid4(),
        company_id=company or uuid.uuid4(),
        version=1,
        direction=direction,
        category=category,
        label=label,
        description=description,
        ewc_code=ewc,
        quantity=Quantity(amount=quantity[0], unit=quantity[1], period=quantity[2]) if quantity else None,
        months=months,
        hazardous=hazardous,
        max_distance_km=max_distance_km,
        naf_code=naf,
        site=Site(lat=lat, lon=ORIGIN[1]),
        declared_at=datetime(2024, 3, 1, tzinfo=UTC),
    )


def offer(label: str, **kwargs: object) -> FlowSnapshot:
    return flow(Direction.OFFER, label, **kwargs)  # type: ignore[arg-type]


def need(label: str, **kwargs: object) -> FlowSnapshot:
    return flow(Direction.NEED, label, **kwargs)  # type: ignore[arg-type]
