"""A synergy worded in French for one reader (an email, the API), within what that reader may see."""

from __future__ import annotations

from dataclasses import dataclass

from ecocirc_shared import french
from ecocirc_shared.directory import Directory, RecipientKind, Viewer, synergy_territories
from ecocirc_shared.synergies import Impact, SynergyKind, SynergySnapshot
from ecocirc_shared.visibility import PartyView, hidden_terms, mentions_any, party_views

NOT_ESTIMATED = "non estimé"

# Reasons the matcher may give as codes; free text passes through as written.
WITHDRAWAL_REASONS = {
    "flow_withdrawn": "l'un des flux concernés a été retiré",
    "flow_revised": "les flux concernés ont changé et ne se correspondent plus",
    "no_longer_compatible": "les flux concernés ont changé et ne se correspondent plus",
    "below_threshold": "la piste n'est plus jugée assez solide",
    "score_below_threshold": "la piste n'est plus jugée assez solide",
    "superseded": "elle est remplacée par une autre piste",
    "company_removed": "l'une des entreprises ne participe plus au programme",
}
_GENERIC_REASON = "les informations déclarées ont changé"


@dataclass(frozen=True)
class SynergyView:
    """A synergy's essentials, every value already worded in French and safe for the recipient."""

    synergy_id: str
    reference: str
    kind: str
    resource: str
    own_flows: tuple[str, ...]
    others: tuple[PartyView, ...]
    distance: str | None
    distance_text: str
    quantity: str | None
    coverage: str | None
    when: str
    score: str
    score_parts: tuple[tuple[str, str], ...]
    explanation: str
    tonnes_diverted: str
    co2e_avoided: str
    impact_notes: tuple[str, ...]
    territories: tuple[str, ...]


def reference(synergy: SynergySnapshot) -> str:
    """The short form people quote on the phone: the first 8 hex digits of the synergy id."""
    return synergy.synergy_id.hex[:8]


def synergy_view(
    synergy: SynergySnapshot, directory: Directory, viewer: Viewer, *, introduced: bool = False
) -> SynergyView:
    """`introduced`: every participant company said yes: each is named, with its contact."""
    parties = party_views(synergy, directory, viewer, introduced=introduced)
    hidden = hidden_terms(synergy, directory, viewer, introduced=introduced)
    own = tuple(dict.fromkeys(p.flow_label for p in parties if p.is_viewer and p.flow_label))
    visible_labels = tuple(p.flow_label for p in parties if p.flow_label)
    resource = synergy.resource_label
    if mentions_any(resource, hidden) or not resource.strip():
        # The matcher may have copied a confidential label: fall back to a label this viewer may read.
        resource = (own or visible_labels or ("ressource non précisée",))[0]
    explanation = synergy.explanation
    if mentions_any(explanation, hidden) or not explanation.strip():
        explanation = _generic_explanation(synergy, resource)
    quantity = synergy.quantity
    amount = None if quantity is None else french.quantity_per_year(quantity.amount_per_year, quantity.unit)
    return SynergyView(
        synergy_id=str(synergy.synergy_id),
        reference=reference(synergy),
        kind=french.KINDS[synergy.kind],
        resource=resource,
        own_flows=own,
        others=tuple(p for p in parties if not p.is_viewer),
        distance=None if synergy.distance_km is None else french.distance(synergy.distance_km),
        distance_text=_distance_text(synergy),
        quantity=amount,
        coverage=None if quantity is None else french.percent(quantity.coverage),
        when=french.months(synergy.months),
        score=french.percent(synergy.score),
        score_parts=tuple(
            (french.score_part(key), french.percent(value))
            for key, value in sorted(synergy.score_parts.items(), key=lambda kv: -kv[1])
        ),
        explanation=explanation,
        tonnes_diverted=_tonnes(synergy.impact),
        co2e_avoided=_co2e(synergy.impact),
        impact_notes=tuple(n for n in synergy.impact.notes if not mentions_any(n, hidden)),
        territories=synergy_territories(synergy, directory) if viewer.kind is RecipientKind.ADVISOR else (),
    )


def withdrawal_reason(
    reason: str | None, synergy: SynergySnapshot, directory: Directory, viewer: Viewer
) -> str:
    text = " ".join((reason or "").split())
    text = WITHDRAWAL_REASONS.get(text, text).rstrip(" .")
    if not text or mentions_any(text, hidden_terms(synergy, directory, viewer)):
        return _GENERIC_REASON
    return text


def _generic_explanation(synergy: SynergySnapshot, resource: str) -> str:
    where = "" if synergy.distance_km is None else f", {french.at_distance(synergy.distance_km)}"
    return (
        f"Les flux déclarés portent sur une même ressource ({resource}){where}, "
        f"sur une période commune ({french.months(synergy.months)})."
    )


def _distance_text(synergy: SynergySnapshot) -> str:
    if synergy.distance_km is None:
        return "non connue"
    if synergy.kind is SynergyKind.MUTUALISATION:
        # One figure for several sites: the matcher gives the widest spread.
        if synergy.distance_km < 1:
            return f"sites à {french.distance(synergy.distance_km)} les uns des autres"
        return f"sites dans un rayon d'environ {french.distance(synergy.distance_km)}"
    return french.about_distance(synergy.distance_km)


def _tonnes(impact: Impact) -> str:
    if impact.tonnes_diverted_per_year is None:
        return NOT_ESTIMATED
    return f"{french.number(impact.tonnes_diverted_per_year)}{french.NBSP}t/an"


def _co2e(impact: Impact) -> str:
    """CO2e avoided net of transport: the matcher gives the gross saving and the transport emissions apart."""
    if impact.co2e_avoided_kg_per_year is None:
        return NOT_ESTIMATED
    transport = impact.transport_co2e_kg_per_year
    net = impact.co2e_avoided_kg_per_year - (transport or 0.0)
    if net <= 0:
        return "aucun gain net : le transport émet autant que ce qui est évité"
    text = f"{french.mass_kg(net)} CO2e/an"
    if transport is None:
        return f"{text} (transport non compté)"
    return f"{text}, transport déduit ({french.mass_kg(transport)} CO2e/an)"
