"""A synergy worded in French for one reader (an email, the API), within what that reader may see."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ecocirc_shared import french
from ecocirc_shared.bands import Band
from ecocirc_shared.directory import Directory, RecipientKind, Viewer, synergy_territories
from ecocirc_shared.money import euros
from ecocirc_shared.synergies import Role, SynergyKind, SynergySnapshot
from ecocirc_shared.visibility import (
    Disclosure,
    Figure,
    Figures,
    ImpactFacts,
    PartyView,
    figures,
    hidden_terms,
    mentions_any,
    party_views,
    sees_prices,
)

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
_VERBS = {Role.SUPPLIER: ("proposez", "propose"), Role.RECEIVER: ("recherchez", "recherche")}


@dataclass(frozen=True)
class SynergyView:
    """A synergy's essentials, every value already worded in French and safe for the recipient."""

    synergy_id: str
    reference: str
    kind: str
    resource: str
    own_flows: tuple[str, ...]
    others: tuple[PartyView, ...]
    parties: tuple[PartyView, ...]
    figures: Figures
    # What the reader is told instead of figures withheld (an advisor_only counterpart); None otherwise.
    withheld: str | None
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
    # Euros a year saved where prices are known, for a reader allowed to read them (else None).
    eur_saved: str | None = None
    eur_notes: tuple[str, ...] = ()


def reference(synergy: SynergySnapshot) -> str:
    """The short form people quote on the phone: the first 8 hex digits of the synergy id."""
    return synergy.synergy_id.hex[:8]


def synergy_view(
    synergy: SynergySnapshot, directory: Directory, viewer: Viewer, *, introduced: bool = False
) -> SynergyView:
    """`introduced`: every participant said yes (the answer flow): names and exact figures for all."""
    parties = party_views(synergy, directory, viewer, introduced=introduced)
    hidden = hidden_terms(synergy, directory, viewer, introduced=introduced)
    facts = figures(synergy, directory, viewer, introduced=introduced)
    own = tuple(dict.fromkeys(p.flow_label for p in parties if p.is_viewer and p.flow_label))
    visible_labels = tuple(p.flow_label for p in parties if p.flow_label)
    resource = synergy.resource_label
    if mentions_any(resource, hidden) or not resource.strip():
        # The matcher may have copied a confidential label: fall back to a label this viewer may read.
        resource = (own or visible_labels or ("ressource non précisée",))[0]
    saved = synergy.impact.eur_saved_per_year
    eur_saved = None
    if saved is not None and sees_prices(synergy, directory, viewer):
        eur_saved = f"{euros(saved)}/an"
    withheld = withheld_text(viewer.kind) if facts.disclosure is Disclosure.WITHHELD else None
    distance = None if facts.distance_km is None else french.distance(facts.distance_km)
    quantity = facts.quantity
    view = SynergyView(
        synergy_id=str(synergy.synergy_id),
        reference=reference(synergy),
        kind=french.KINDS[synergy.kind],
        resource=resource,
        own_flows=own,
        others=tuple(p for p in parties if not p.is_viewer),
        parties=parties,
        figures=facts,
        withheld=withheld,
        distance=distance,
        distance_text=_distance_text(synergy.kind, distance),
        quantity=None if quantity is None else _per_year(quantity.amount_per_year, quantity.unit),
        coverage=None if quantity is None else _percent(quantity.coverage),
        when=period(facts.disclosure, facts.months, viewer.kind),
        score=french.percent(facts.score),
        score_parts=tuple(
            (french.score_part(key), french.percent(value))
            for key, value in sorted(facts.score_parts.items(), key=lambda kv: -kv[1])
        ),
        explanation="",
        tonnes_diverted=withheld or _tonnes(facts.impact),
        co2e_avoided=withheld or _co2e(facts.impact),
        impact_notes=() if facts.impact is None else facts.impact.notes,
        territories=synergy_territories(synergy, directory) if viewer.kind is RecipientKind.ADVISOR else (),
        eur_saved=eur_saved,
        eur_notes=synergy.impact.eur_notes if eur_saved else (),
    )
    explanation = synergy.explanation
    # The matcher's sentence gives exact figures, NAF codes and trades: for exact readers only.
    if (
        facts.disclosure is not Disclosure.EXACT
        or mentions_any(explanation, hidden)
        or not explanation.strip()
    ):
        explanation = worded_explanation(synergy, view)
    return replace(view, explanation=explanation)


def worded_explanation(synergy: SynergySnapshot, view: SynergyView) -> str:
    """Why the lead, from what the reader may see: who offers and needs what, how far, how much, when."""
    sentences = []
    if synergy.kind is SynergyKind.MUTUALISATION:
        members = [_who(p) for p in sorted(view.parties, key=lambda p: not p.is_viewer)]
        have = "avez" if any(p.is_viewer for p in view.parties) else "ont"
        sentences.append(
            f"{_listing(members)} {have} en commun une même ressource ({view.resource}) : "
            "la mutualiser (achat groupé, collecte commune, partage) est à étudier"
        )
        if view.distance:
            sentences.append(f"Les sites sont {_spread(view.distance)}")
    else:
        pairs = sorted(
            zip(synergy.participants, view.parties, strict=True), key=lambda pair: not pair[1].is_viewer
        )
        for participant, party in pairs:  # the reader first: « une ressource de ce type » refers to it
            you, other = _VERBS.get(participant.role, ("participez", "participe"))
            what = (
                f"«{french.NBSP}{party.flow_label}{french.NBSP}»"
                if party.flow_label
                else "une ressource de ce type"
            )
            sentences.append(f"{_who(party)} {you if party.is_viewer else other} {what}")
        sentences.append(f"Ressource en jeu : {view.resource}")
    if view.withheld:
        sentences.append(f"Quantités, période et impact : {view.withheld}")
    else:
        if view.quantity:
            sentences.append(f"Quantité échangeable : {view.quantity}, soit {view.coverage} du besoin")
        if view.figures.months:
            sentences.append(f"Période commune : {view.when}")
    return ". ".join(s[0].upper() + s[1:] for s in sentences) + "."


def withheld_text(reader: RecipientKind) -> str:
    """What a reader is told in place of what an advisor_only counterpart's flow would give away."""
    whom = "votre conseiller" if reader is RecipientKind.COMPANY else "le conseiller de son territoire"
    return f"confidentiel, à voir avec {whom}"


def period(disclosure: Disclosure, months: Sequence[int] | None, reader: RecipientKind) -> str:
    """When, as far as the reader may know it: « d'avril à mai », « au printemps », or withheld."""
    if disclosure is Disclosure.WITHHELD or months is None:
        return withheld_text(reader)
    if disclosure is Disclosure.RANGES:
        return french.seasons(months)
    return french.months(months)


def withdrawal_reason(
    reason: str | None,
    synergy: SynergySnapshot,
    directory: Directory,
    viewer: Viewer,
    *,
    introduced: bool = False,
) -> str:
    text = " ".join((reason or "").split())
    text = WITHDRAWAL_REASONS.get(text, text).rstrip(" .")
    if not text or mentions_any(text, hidden_terms(synergy, directory, viewer, introduced=introduced)):
        return _GENERIC_REASON
    return text


def _who(party: PartyView) -> str:
    if party.is_viewer:
        return "vous"
    return party.name if party.named and party.name else party.description


def _listing(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def _between(value: Figure, word: Callable[[float], str]) -> str:
    """A figure, or the range it lies in, each bound worded by `word`."""
    if not isinstance(value, Band):
        return word(value)
    if value.low == value.high:
        return word(value.low)
    if value.low == 0:
        return f"moins de {word(value.high)}"
    low, high = word(value.low), word(value.high)
    unit = high.rpartition(french.NBSP)[2]
    if french.NBSP in high and low.endswith(french.NBSP + unit):
        low = low.removesuffix(french.NBSP + unit)  # « entre 50 et 100 t », not « entre 50 t et 100 t »
    return f"entre {low} et {high}"


def _per_year(value: Figure, unit: str) -> str:
    """« 1 234,5 t/an », « entre 20 et 50 t/an »."""
    amount = value.high if isinstance(value, Band) else value
    return f"{_between(value, french.number)}{french.NBSP}{french.unit(unit, amount)}/an"


def _percent(value: Figure) -> str:
    if isinstance(value, Band) and value.low != value.high:
        return _between(value, lambda v: str(round(v * 100))) + f"{french.NBSP}%"
    return french.percent(value.low if isinstance(value, Band) else value)


def _spread(distance: str) -> str:
    """How far apart a group's sites are: « dans un rayon d'environ 12 km », « à moins de 1 km les uns
    des autres » (never « environ moins de 1 km »)."""
    if distance.startswith("moins"):
        return f"à {distance} les uns des autres"
    return f"dans un rayon d'environ {distance}"


def _distance_text(kind: SynergyKind, distance: str | None) -> str:
    if distance is None:
        return "non connue"
    if kind is SynergyKind.MUTUALISATION:
        # One figure for several sites: the matcher gives the widest spread.
        return f"sites {_spread(distance)}"
    # "moins de 1 km" is already an approximation: never "environ moins de 1 km".
    return distance if distance.startswith("moins") else f"environ {distance}"


def _tonnes(impact: ImpactFacts | None) -> str:
    if impact is None or impact.tonnes_diverted_per_year is None:
        return NOT_ESTIMATED
    return _per_year(impact.tonnes_diverted_per_year, "t")


def _co2e(impact: ImpactFacts | None) -> str:
    """CO2e avoided net of transport: the matcher gives the net saving, and the transport it deducted apart
    (`ecocirc_matcher.domain.impact`), so nothing is deducted here."""
    if impact is None or impact.co2e_avoided_kg_per_year is None:
        return NOT_ESTIMATED
    avoided, transport = impact.co2e_avoided_kg_per_year, impact.transport_co2e_kg_per_year
    if isinstance(avoided, Band) or isinstance(transport, Band):
        # Ranges cannot be subtracted: each is told as it is.
        if isinstance(avoided, Band) and avoided.high <= 0:
            return "aucun gain net : le transport émet autant que ce qui est évité"
        text = f"{_between(avoided, french.mass_kg)} CO2e/an"
        if transport is None:
            return f"{text} (transport non compté)"
        return f"{text}, transport : {_between(transport, french.mass_kg)} CO2e/an"
    net = avoided
    if net <= 0:
        return "aucun gain net : le transport émet autant que ce qui est évité"
    text = f"{french.mass_kg(net)} CO2e/an"
    if transport is None:
        return f"{text} (transport non compté)"
    return f"{text}, transport déduit ({french.mass_kg(transport)} CO2e/an)"
