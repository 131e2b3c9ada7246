"""A territory's report for its funders over a period: companies and flows declared, leads by status,
kind and abandonment reason, tonnes, CO2e and euros estimated against realised. Pure: the caller
reads the rows; every figure's meaning is in FIGURES, in French, for the exports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from ecocirc_shared.followup import (
    ABANDON_REASON_LABELS,
    OPEN,
    PIPELINE,
    STATUS_LABELS,
    AbandonReason,
    SynergyStatus,
)
from ecocirc_shared.outcomes import Estimate

# Every figure of the report, as the exports label it (French: funders read them).
FIGURES: dict[str, str] = {
    "companies": "Entreprises inscrites à la fin de la période",
    "companies_new": "Entreprises inscrites pendant la période",
    "companies_engaged": "Entreprises engagées (au moins une piste en contact ou au-delà)",
    "flows": "Flux déclarés en cours à la fin de la période",
    "flows_new": "Flux déclarés pendant la période",
    "flows_by_direction": "Flux en cours par sens",
    "leads": "Pistes à la fin de la période (hors retirées)",
    "leads_new": "Pistes apparues pendant la période",
    "leads_by_status": "Pistes par étape à la fin de la période",
    "leads_reached": "Pistes arrivées à chaque étape pendant la période",
    "leads_by_kind": "Pistes par nature (hors retirées et abandonnées)",
    "abandoned_by_reason": "Pistes abandonnées, par motif",
    "tonnes_estimated": "Tonnes détournées par an, estimées (pistes en cours ou réalisées)",
    "tonnes_realised": "Tonnes détournées par an, réalisées",
    "co2e_t_estimated": "Tonnes de CO2e évitées par an, estimées",
    "co2e_t_realised": "Tonnes de CO2e évitées par an, réalisées",
    "eur_estimated": "Euros économisés par an, estimés (là où les prix sont connus)",
    "eur_realised": "Euros économisés par an, réalisés",
    "jobs_realised": "Emplois (ETP), réalisés",
    "synergies_realised": "Synergies réalisées avec des résultats enregistrés",
}
PART_LABELS: dict[str, str] = {
    **{s.value: label for s, label in STATUS_LABELS.items()},
    **{r.value: label for r, label in ABANDON_REASON_LABELS.items()},
    "offer": "offre",
    "need": "besoin",
    "substitution": "substitution",
    "mutualisation": "mutualisation",
}


@dataclass(frozen=True)
class Period:
    """From `first` to `last`, both days included; `start` and `end` bound it in time."""

    first: date
    last: date
    start: datetime
    end: datetime  # exclusive: the day after `last`, at midnight

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class CompanyRow:
    id: UUID
    created_at: datetime


@dataclass(frozen=True)
class FlowRow:
    created_at: datetime
    withdrawn_at: datetime | None
    direction: str


@dataclass(frozen=True)
class LeadRow:
    """A lead touching the territory: what it was at the end of the period, and what people did."""

    id: UUID
    kind: str
    created_at: datetime
    status_at_end: SynergyStatus | None  # None: it did not exist yet
    abandon_reason_at_end: str | None
    reached: tuple[SynergyStatus, ...]  # statuses it moved to within the period
    companies: tuple[UUID, ...]
    estimate: Estimate
    prices_visible: bool  # the reader may read euros derived from prices (visibility.sees_prices)
    outcome: dict[str, Any] | None


@dataclass
class Report:
    territory: str
    period: Period
    figures: dict[str, Any] = field(default_factory=dict)


def _sum(values: Iterable[float | None]) -> float:
    return round(sum(v for v in values if v is not None), 3)


def report(
    territory: str,
    period: Period,
    companies: Sequence[CompanyRow],
    flows: Sequence[FlowRow],
    leads: Sequence[LeadRow],
) -> Report:
    territory_companies = {c.id for c in companies if c.created_at < period.end}
    live_flows = [
        f
        for f in flows
        if f.created_at < period.end and (f.withdrawn_at is None or f.withdrawn_at >= period.end)
    ]
    existing = [lead for lead in leads if lead.status_at_end is not None]
    counted = [lead for lead in existing if lead.status_at_end is not SynergyStatus.WITHDRAWN]
    by_status = Counter(lead.status_at_end.value for lead in existing if lead.status_at_end is not None)
    engaged_statuses = {s for s in PIPELINE if s not in (SynergyStatus.IDEA, SynergyStatus.PROPOSED)} - {
        SynergyStatus.ABANDONED
    }
    engaged = {
        company
        for lead in counted
        if lead.status_at_end in engaged_statuses
        for company in lead.companies
        if company in territory_companies
    }
    worked = [lead for lead in counted if lead.status_at_end in OPEN | {SynergyStatus.DONE}]
    done = [lead for lead in counted if lead.status_at_end is SynergyStatus.DONE and lead.outcome is not None]
    reached = Counter(status.value for lead in leads for status in set(lead.reached))
    figures: dict[str, Any] = {
        "companies": len(territory_companies),
        "companies_new": sum(1 for c in companies if period.holds(c.created_at)),
        "companies_engaged": len(engaged),
        "flows": len(live_flows),
        "flows_new": sum(1 for f in flows if period.holds(f.created_at)),
        "flows_by_direction": {d: sum(1 for f in live_flows if f.direction == d) for d in ("offer", "need")},
        "leads": len(counted),
        "leads_new": sum(1 for lead in existing if period.holds(lead.created_at)),
        "leads_by_status": {s.value: by_status.get(s.value, 0) for s in (*PIPELINE, SynergyStatus.WITHDRAWN)},
        "leads_reached": {s.value: reached.get(s.value, 0) for s in PIPELINE},
        "leads_by_kind": {
            k: sum(1 for lead in worked if lead.kind == k) for k in ("substitution", "mutualisation")
        },
        "abandoned_by_reason": {
            r.value: sum(
                1
                for lead in counted
                if lead.status_at_end is SynergyStatus.ABANDONED and lead.abandon_reason_at_end == r.value
            )
            for r in AbandonReason
        },
        "tonnes_estimated": _sum(lead.estimate.tonnes_per_year for lead in worked),
        "tonnes_realised": _sum(_figure(lead, "tonnes_per_year") for lead in done),
        "co2e_t_estimated": _sum(lead.estimate.co2e_t_per_year for lead in worked),
        "co2e_t_realised": _sum(_figure(lead, "co2e_t_per_year") for lead in done),
        "eur_estimated": _sum(lead.estimate.eur_per_year for lead in worked if lead.prices_visible),
        "eur_realised": _sum(_figure(lead, "eur_per_year") for lead in done),
        "jobs_realised": _sum(_figure(lead, "jobs") for lead in done),
        "synergies_realised": len(done),
    }
    return Report(territory, period, figures)


def _figure(lead: LeadRow, name: str) -> float | None:
    assert lead.outcome is not None
    value = lead.outcome.get(name)
    return None if value is None else float(value)


def rows(result: Report) -> list[tuple[str, str, Any]]:
    """The report as (key, label, value) rows: nested figures flattened as « key.part »."""
    out: list[tuple[str, str, Any]] = []
    for key, label in FIGURES.items():
        value = result.figures[key]
        if isinstance(value, dict):
            for part, count in value.items():
                out.append((f"{key}.{part}", f"{label} : {PART_LABELS.get(part, part)}", count))
        else:
            out.append((key, label, value))
    return out
