"""A synergy an advisor records by hand, as the snapshot every service reads: who takes part (with
or without a flow), how far apart, how much, and what it may be worth where the flows say so."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from ecocirc_intake.domain.errors import FieldError
from ecocirc_shared.flows import Confidentiality, Direction, FlowSnapshot, Site
from ecocirc_shared.money import savings
from ecocirc_shared.recorded import RECORDED_CLASS, RECORDED_KNOWLEDGE, stand_in_flow_id
from ecocirc_shared.reference.geo import road_km
from ecocirc_shared.synergies import Impact, MatchedQuantity, Participant, Role, SynergyKind, SynergySnapshot
from ecocirc_shared.units import Dimension, to_annual

# A lead people found together is not scored by the matcher: it ranks with the best.
RECORDED_SCORE = 1.0
NO_ESTIMATE = "Piste enregistrée par un conseiller : tonnes et CO2e à renseigner à la réalisation."
_RESOURCE_MAX = 80


@dataclass(frozen=True)
class Party:
    """One participant as the advisor named it: a company, its role, and its flow if one was given."""

    company_id: UUID
    role: Role
    site: Site
    territory: str
    flow: FlowSnapshot | None = None
    label: str | None = None


def check_roles(kind: SynergyKind, parties: Sequence[Party]) -> list[FieldError]:
    """A substitution has suppliers and receivers (an offer feeding a need); a mutualisation members."""
    errors: list[FieldError] = []
    companies = [p.company_id for p in parties]
    if len(set(companies)) != len(companies):
        errors.append(
            FieldError("participants", "Une entreprise figure deux fois parmi les participants.", "duplicate")
        )
    roles = {p.role for p in parties}
    if kind is SynergyKind.SUBSTITUTION and roles != {Role.SUPPLIER, Role.RECEIVER}:
        errors.append(
            FieldError(
                "participants",
                "Une substitution réunit au moins un fournisseur (supplier) et un preneur (receiver).",
                "roles",
            )
        )
    if kind is SynergyKind.MUTUALISATION and roles != {Role.MEMBER}:
        errors.append(
            FieldError(
                "participants", "Les participants d'une mutualisation sont tous membres (member).", "roles"
            )
        )
    for index, party in enumerate(parties):
        wanted = {Role.SUPPLIER: Direction.OFFER, Role.RECEIVER: Direction.NEED}.get(party.role)
        if party.flow is not None and wanted is not None and party.flow.direction is not wanted:
            what = "une offre" if wanted is Direction.OFFER else "un besoin"
            errors.append(
                FieldError(
                    f"participants.{index}.flow_id",
                    f"Le flux d'un {'fournisseur' if party.role is Role.SUPPLIER else 'preneur'} doit être {what}.",
                    "direction",
                )
            )
    return errors


def resource_of(parties: Sequence[Party], description: str, resource: str | None) -> str:
    """What the lead is about: as the advisor said, else the first flow's label, else the description."""
    if resource:
        return resource
    for party in parties:
        if party.flow is not None:
            return party.flow.label
        if party.label:
            return party.label
    text = " ".join(description.split())
    if len(text) <= _RESOURCE_MAX:
        return text
    return text[: _RESOURCE_MAX - 1].rsplit(" ", 1)[0] + "…"


def _distance(kind: SynergyKind, parties: Sequence[Party]) -> float | None:
    """A substitution's supplier-to-receiver distance (the longest), a group's widest spread."""
    if kind is SynergyKind.SUBSTITUTION:
        pairs = [
            (a, b) for a in parties if a.role is Role.SUPPLIER for b in parties if b.role is Role.RECEIVER
        ]
    else:
        pairs = list(itertools.combinations(parties, 2))
    if not pairs:
        return None
    return round(max(road_km(a.site.lat, a.site.lon, b.site.lat, b.site.lon) for a, b in pairs), 1)


def _exchange(parties: Sequence[Party]) -> tuple[MatchedQuantity | None, Impact]:
    """One supplier's offer with a recurring quantity (and at most one receiver's need, in the same
    dimension): the matched amount, tonnes diverted and euros saved where prices are given. A need
    without a flow or a quantity takes all that is offered (a maximum, as the matcher says)."""
    offers = [p.flow for p in parties if p.role is Role.SUPPLIER and p.flow is not None]
    needs = [p.flow for p in parties if p.role is Role.RECEIVER and p.flow is not None]
    if len(offers) != 1 or len(needs) > 1 or offers[0].quantity is None:
        return None, Impact(notes=(NO_ESTIMATE,))
    offer, need = offers[0], (needs[0] if needs else None)
    offered = to_annual(offers[0].quantity)
    if offered.one_off:
        return None, Impact(notes=(NO_ESTIMATE,))
    amount, quantity, notes = offered.amount, None, [NO_ESTIMATE]
    if need is not None and need.quantity is not None:
        wanted = to_annual(need.quantity)
        if wanted.one_off or wanted.dimension is not offered.dimension:
            return None, Impact(notes=(NO_ESTIMATE,))
        amount = min(offered.amount, wanted.amount)
        quantity = MatchedQuantity(
            amount_per_year=round(amount, 3),
            unit=wanted.base_unit.value,
            coverage=min(1.0, amount / wanted.amount),
        )
    else:
        notes.append("Besoin non chiffré : estimation sur toute la quantité offerte (maximum).")
    money = savings(amount, offered.dimension, offer.price, need.price if need else None)
    return quantity, Impact(
        tonnes_diverted_per_year=round(amount, 2) if offered.dimension is Dimension.MASS else None,
        notes=tuple(notes),
        eur_saved_per_year=money.eur_per_year,
        eur_notes=money.notes,
    )


def recorded_snapshot(
    synergy_id: UUID,
    kind: SynergyKind,
    parties: Sequence[Party],
    description: str,
    resource: str | None,
) -> SynergySnapshot:
    label = resource_of(parties, description, resource)
    participants = tuple(
        Participant(
            company_id=p.company_id,
            flow_id=p.flow.flow_id if p.flow else stand_in_flow_id(synergy_id, p.company_id),
            role=p.role,
            flow_label=p.label or (p.flow.label if p.flow else label),
            confidentiality=p.flow.confidentiality if p.flow else Confidentiality.PUBLIC,
            territory=p.territory,
        )
        for p in parties
    )
    months = [set(p.flow.months) for p in parties if p.flow is not None and p.flow.months]
    quantity, impact = (
        _exchange(parties) if kind is SynergyKind.SUBSTITUTION else (None, Impact(notes=(NO_ESTIMATE,)))
    )
    return SynergySnapshot(
        synergy_id=synergy_id,
        revision=1,
        kind=kind,
        resource_class=RECORDED_CLASS,
        resource_label=label,
        score=RECORDED_SCORE,
        score_parts={},
        participants=participants,
        distance_km=_distance(kind, parties),
        months=tuple(sorted(set.intersection(*months))) if months else (),
        quantity=quantity,
        impact=impact,
        explanation=description,
        territories=tuple(sorted({p.territory for p in parties})),
        knowledge_version=RECORDED_KNOWLEDGE,
    )
