"""What a synergy achieves once done, as an advisor records it, next to what the platform estimated:
the figures funders are told (tonnes, euros, CO2e a year, jobs) and where each comes from."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ecocirc_shared.directory import Directory, Viewer
from ecocirc_shared.synergies import SynergySnapshot
from ecocirc_shared.visibility import Disclosure, disclosure, sees_prices

# The figures the platform can estimate, which an advisor confirms or corrects.
ESTIMATED = ("tonnes_per_year", "eur_per_year", "co2e_t_per_year")

Tonnes = Annotated[float, Field(ge=0, le=1e9)]
Euros = Annotated[float, Field(ge=-1e10, le=1e10)]
# CO2e may be negative: a synergy whose transport emits more than it avoids.
Co2e = Annotated[float, Field(ge=-1e9, le=1e9)]


class Source(StrEnum):
    ESTIMATE = "estimate"  # the platform's estimate, confirmed by the advisor
    ADVISOR = "advisor"  # entered or corrected by the advisor


class CompanyShare(BaseModel):
    """The euros a year one participant saves or earns."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    company_id: UUID
    eur_per_year: Euros


class Estimate(BaseModel):
    """What the platform estimates a synergy achieves per year, with the factors and prices behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    tonnes_per_year: Tonnes | None = None
    eur_per_year: Euros | None = None
    co2e_t_per_year: Co2e | None = None
    factors: tuple[str, ...] = ()


class Outcome(BaseModel):
    """What a done synergy achieves per year; None where nobody knows."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    tonnes_per_year: Tonnes | None = None
    eur_per_year: Euros | None = None
    eur_by_company: tuple[CompanyShare, ...] = ()
    co2e_t_per_year: Co2e | None = None
    jobs: float | None = Field(None, ge=0, le=1e5, description="Full-time equivalents.")
    started_on: date | None = None
    comment: str | None = Field(None, max_length=2000)
    # For each estimated figure, whether it is the platform's estimate confirmed or the advisor's own.
    sources: dict[str, Source] = Field(default_factory=dict)


def estimate_of(synergy: SynergySnapshot) -> Estimate:
    """The platform's estimate from a synergy's impact: tonnes diverted, euros saved, CO2e avoided net
    of transport (the matcher's figure), with the notes that say which factors and prices it used."""
    impact = synergy.impact
    co2e = impact.co2e_avoided_kg_per_year
    return Estimate(
        tonnes_per_year=impact.tonnes_diverted_per_year,
        eur_per_year=impact.eur_saved_per_year,
        co2e_t_per_year=None if co2e is None else round(co2e / 1000.0, 3),
        factors=(*impact.notes, *impact.eur_notes),
    )


def estimate_for(synergy: SynergySnapshot, directory: Directory, viewer: Viewer) -> Estimate:
    """The estimate as `viewer` may read it (visibility.py): nothing derived from a flow the viewer does
    not see in full and that is `advisor_only` (tonnes, CO2e and their factors withheld), no euros for
    whoever may not read prices."""
    estimate = estimate_of(synergy)
    if disclosure(synergy, directory, viewer) is not Disclosure.EXACT:
        return Estimate(eur_per_year=None)
    if not sees_prices(synergy, directory, viewer):
        return estimate.model_copy(update={"eur_per_year": None, "factors": tuple(synergy.impact.notes)})
    return estimate
