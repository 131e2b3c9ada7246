"""The flow vocabulary every service agrees on: directions, categories, quantities, sites."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class Direction(StrEnum):
    OFFER = "offer"
    NEED = "need"


class Category(StrEnum):
    MATERIAL = "material"
    WASTE = "waste"
    ENERGY = "energy"
    WATER = "water"
    EQUIPMENT = "equipment"
    LOGISTICS = "logistics"
    SKILLS = "skills"
    SERVICE = "service"


class Unit(StrEnum):
    TONNE = "t"
    KILOGRAM = "kg"
    CUBIC_METRE = "m3"
    LITRE = "L"
    MEGAWATT_HOUR = "MWh"
    KILOWATT_HOUR = "kWh"
    HOUR = "h"
    UNIT = "unit"


class Period(StrEnum):
    YEAR = "year"
    MONTH = "month"
    WEEK = "week"
    DAY = "day"
    ONCE = "once"


class Confidentiality(StrEnum):
    PUBLIC = "public"
    ADVISOR_ONLY = "advisor_only"


Month = Annotated[int, Field(ge=1, le=12)]
# Versions and revisions are PostgreSQL integers: a larger one is not an event to store.
Revision = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Quantity(BaseModel):
    """An amount as the company declared it."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    amount: float = Field(gt=0, le=1e12)
    unit: Unit
    period: Period = Period.YEAR


class Price(BaseModel):
    """What one unit of a flow costs its company today, in euros: for an offer, what it pays to have it
    taken away (0 when it goes for free); for a need, what it pays to buy it. Either is what a
    synergy can save, so money can be estimated before it is realised."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    eur_per_unit: float = Field(ge=0, le=1e6)
    unit: Unit


class Site(BaseModel):
    """Where a flow is: the company's site, resolved to coordinates."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    postcode: str | None = None
    city: str | None = None
    commune_insee: str | None = None
    territory: str | None = None


class FlowSnapshot(BaseModel):
    """A flow's full state at one version, as carried by flow events."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    flow_id: UUID
    company_id: UUID
    version: Revision
    direction: Direction
    category: Category
    label: str
    description: str | None = None
    ewc_code: str | None = None
    quantity: Quantity | None = None
    months: tuple[Month, ...] = ()
    hazardous: bool = False
    max_distance_km: float | None = None
    confidentiality: Confidentiality = Confidentiality.PUBLIC
    # Since flow events v2: commercial information, read by the company and its advisors only.
    price: Price | None = None
    naf_code: str | None = None
    site: Site
    declared_at: datetime
