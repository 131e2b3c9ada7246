"""An advisor's record of what a synergy achieves, checked and merged with the platform's estimate:
a figure left out confirms the estimate, a figure given corrects it, null says nobody knows."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any
from uuid import UUID

from ecocirc_intake.domain.errors import BodyValidationError, FieldError
from ecocirc_shared.outcomes import ESTIMATED, CompanyShare, Estimate, Outcome, Source

# Euros are recorded to the euro: a split that misses its total by less is the same figure.
_EUR_TOLERANCE = 1.0
_EARLIEST = date(1990, 1, 1)


def merge(given: Mapping[str, Any], estimate: Estimate, participants: Collection[UUID]) -> Outcome:
    """The outcome to record from the fields the advisor sent (`given`: only those sent).

    Raises BodyValidationError for a split naming a company that does not take part, naming one twice,
    or not adding up to the total.
    """
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    sources: dict[str, Source] = {}
    for figure in ESTIMATED:
        proposed = getattr(estimate, figure)
        if figure in given:
            values[figure] = given[figure]
            if given[figure] is not None:
                same = proposed is not None and abs(given[figure] - proposed) < 1e-9
                sources[figure] = Source.ESTIMATE if same else Source.ADVISOR
        elif proposed is not None:
            values[figure] = proposed
            sources[figure] = Source.ESTIMATE
    shares = [CompanyShare.model_validate(s) for s in given.get("eur_by_company") or ()]
    named = [s.company_id for s in shares]
    for index, share in enumerate(shares):
        if share.company_id not in participants:
            errors.append(
                FieldError(
                    f"eur_by_company.{index}.company_id",
                    "Cette entreprise ne participe pas à la synergie.",
                    "not_a_participant",
                )
            )
    if len(set(named)) != len(named):
        errors.append(
            FieldError("eur_by_company", "Une entreprise figure deux fois dans la répartition.", "duplicate")
        )
    if shares:
        total = sum(s.eur_per_year for s in shares)
        if "eur_per_year" not in given:
            values["eur_per_year"], sources["eur_per_year"] = total, Source.ADVISOR
        elif values.get("eur_per_year") is not None and abs(values["eur_per_year"] - total) >= _EUR_TOLERANCE:
            errors.append(
                FieldError(
                    "eur_by_company",
                    f"La répartition par entreprise ({total:.0f} €) ne fait pas le total eur_per_year "
                    f"({values['eur_per_year']:.0f} €).",
                    "sum",
                )
            )
    started = given.get("started_on")
    if started is not None and started < _EARLIEST:
        errors.append(FieldError("started_on", "La date de démarrage semble erronée.", "out_of_range"))
    if errors:
        raise BodyValidationError(errors)
    return Outcome(
        **values,
        eur_by_company=tuple(shares),
        jobs=given.get("jobs"),
        started_on=started,
        comment=given.get("comment"),
        sources=sources,
    )
