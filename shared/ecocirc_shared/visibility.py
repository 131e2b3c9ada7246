"""What a reader (an email's recipient, a caller of the API) may see of a synergy: confidentiality first.

Participants:
- A company sees itself in full.
- An advisor sees in full (name, city, contact, flow) the companies of the territories they follow.
- Anyone else (a counterpart company, an advisor of another territory) sees a company's name and city
  only if its flow is public and it consented to be named, its flow label only if the flow is public,
  and never its contact details: the next step goes through an advisor. Otherwise the company is
  described by its sector in words and a distance to 5 km (« une entreprise de la filière bois à
  environ 5 km »), never by its NAF code.
- Once every participant has said yes (`introduced`, set by the answer flow, ecocirc_shared.answers:
  saying yes is the consent to be named), whoever reads the
  synergy sees every participant in full: names, contacts, flows.

Figures (distance, quantity, coverage, months, impact, score), one `Disclosure` per reader:
- EXACT: a reader who sees in full every participant whose flow is `advisor_only` and is not a company
  before the introduction: the advisors of the territories, the admin; every participant once introduced.
- RANGES: a company before the introduction whose counterparts' flows are all public: quantities in
  1-2-5 bands, coverage in quarters, distance to 5 km, months rounded out to whole seasons, score to
  5 points, and of the score's parts only those that are not one of these figures in disguise.
- WITHHELD: a reader with an `advisor_only` counterpart they do not see in full: nothing derived from
  that flow (quantity, coverage, months, impact) beyond what its advisor chooses to tell; the distance
  to 5 km and the sector in words remain, so that the lead can be told at all.
Prices are commercial information: the euros estimated from them (`sees_prices`) are read by advisors
following every participant's territory, never by a company, even introduced (its counterpart's price
would follow from its own).
The matcher's sentence carries exact figures, NAF codes and trades: only EXACT readers read it; the
others read one worded from what they may see (`wording.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from uuid import UUID

from ecocirc_shared import french
from ecocirc_shared.bands import Band, rounded, rounded_distance, series_band, share_band, whole_seasons
from ecocirc_shared.directory import Directory, RecipientKind, Viewer, territory_of
from ecocirc_shared.flows import Confidentiality
from ecocirc_shared.sectors import sector_phrase
from ecocirc_shared.synergies import Participant, SynergyKind, SynergySnapshot

# Shorter strings are too common to mean a name (and replacing them would mangle any sentence).
_MIN_TERM_LENGTH = 3
# Score parts that restate a figure shown as a range (distance, coverage, months): exact, they would
# give it back (the distance part is 1 - distance / reach, the quantity part is the coverage).
_FIGURE_PARTS = frozenset(
    {"distance", "proximity", "quantity", "volume", "season", "timing", "months", "seasonality"}
)
_SCORE_STEP, _PART_STEP = 0.05, 0.25

Figure = float | Band


class Disclosure(StrEnum):
    """How much of a synergy's figures one reader may see."""

    EXACT = "exact"
    RANGES = "ranges"
    WITHHELD = "withheld"


@dataclass(frozen=True)
class PartyView:
    """One participant as one recipient may see it; `None` fields are not to be shown."""

    company_id: UUID
    role: str
    is_viewer: bool
    in_full: bool
    named: bool
    name: str | None
    description: str
    city: str | None
    territory: str | None
    flow_label: str | None
    contact_email: str | None


@dataclass(frozen=True)
class QuantityFacts:
    amount_per_year: Figure
    unit: str
    coverage: Figure


@dataclass(frozen=True)
class ImpactFacts:
    tonnes_diverted_per_year: Figure | None
    co2e_avoided_kg_per_year: Figure | None
    transport_co2e_kg_per_year: Figure | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Figures:
    """A synergy's figures as one reader may see them: exact, as ranges, or withheld (`None`)."""

    disclosure: Disclosure
    score: float
    score_parts: Mapping[str, float]
    distance_km: float | None
    # () is all year (no flow restricts it); None is withheld.
    months: tuple[int, ...] | None
    quantity: QuantityFacts | None
    impact: ImpactFacts | None


def disclosure(
    synergy: SynergySnapshot, directory: Directory, viewer: Viewer, *, introduced: bool = False
) -> Disclosure:
    """Which figures `viewer` reads. An advisor reads exactly what only public flows outside their
    territories derive from (they work leads across territories); the `viewer.kind` condition is what
    to drop to treat them there like companies."""
    if introduced:
        return Disclosure.EXACT
    unseen = [p for p in synergy.participants if not _in_full(p, directory, viewer, introduced=False)]
    if any(p.confidentiality is Confidentiality.ADVISOR_ONLY for p in unseen):
        return Disclosure.WITHHELD
    if unseen and viewer.kind is RecipientKind.COMPANY:
        return Disclosure.RANGES
    return Disclosure.EXACT


def figures(
    synergy: SynergySnapshot, directory: Directory, viewer: Viewer, *, introduced: bool = False
) -> Figures:
    level = disclosure(synergy, directory, viewer, introduced=introduced)
    hidden = hidden_terms(synergy, directory, viewer, introduced=introduced)
    notes = tuple(n for n in synergy.impact.notes if not mentions_any(n, hidden))
    impact = synergy.impact
    quantity = synergy.quantity
    if level is Disclosure.EXACT:
        return Figures(
            disclosure=level,
            score=synergy.score,
            score_parts=dict(synergy.score_parts),
            distance_km=synergy.distance_km,
            months=synergy.months,
            quantity=None
            if quantity is None
            else QuantityFacts(quantity.amount_per_year, quantity.unit, quantity.coverage),
            impact=ImpactFacts(
                impact.tonnes_diverted_per_year,
                impact.co2e_avoided_kg_per_year,
                impact.transport_co2e_kg_per_year,
                notes,
            ),
        )
    coarse = Figures(
        disclosure=level,
        score=rounded(synergy.score, _SCORE_STEP),
        score_parts={
            key: rounded(value, _PART_STEP)
            for key, value in synergy.score_parts.items()
            if key not in _FIGURE_PARTS
        },
        distance_km=None if synergy.distance_km is None else rounded_distance(synergy.distance_km),
        months=None,
        quantity=None,
        impact=None,
    )
    if level is Disclosure.WITHHELD:
        return coarse
    return replace(
        coarse,
        months=whole_seasons(synergy.months),
        quantity=None
        if quantity is None
        else QuantityFacts(
            series_band(quantity.amount_per_year), quantity.unit, share_band(quantity.coverage)
        ),
        impact=ImpactFacts(
            _band(impact.tonnes_diverted_per_year),
            _band(impact.co2e_avoided_kg_per_year),
            _band(impact.transport_co2e_kg_per_year),
            notes,
        ),
    )


def party_views(
    synergy: SynergySnapshot, directory: Directory, viewer: Viewer, *, introduced: bool = False
) -> tuple[PartyView, ...]:
    level = disclosure(synergy, directory, viewer, introduced=introduced)
    return tuple(_view(p, synergy, directory, viewer, level, introduced) for p in synergy.participants)


def hidden_terms(
    synergy: SynergySnapshot, directory: Directory, viewer: Viewer, *, introduced: bool = False
) -> tuple[str, ...]:
    """Names and flow labels the viewer must not read anywhere, e.g. echoed in the matcher's sentence."""
    terms: set[str] = set()
    for view, participant in zip(
        party_views(synergy, directory, viewer, introduced=introduced), synergy.participants, strict=True
    ):
        entry = directory.companies.get(participant.company_id)
        if not view.named and entry is not None:
            terms.add(entry.name)
            if entry.contact_email:
                terms.add(entry.contact_email)
        if view.flow_label is None:
            terms.add(participant.flow_label)
    return tuple(sorted(t.strip() for t in terms if len(t.strip()) >= _MIN_TERM_LENGTH))


def mentions_any(text: str, terms: tuple[str, ...]) -> bool:
    folded = " ".join(text.split()).casefold()
    return any(" ".join(term.split()).casefold() in folded for term in terms)


def _in_full(participant: Participant, directory: Directory, viewer: Viewer, *, introduced: bool) -> bool:
    is_viewer = viewer.kind is RecipientKind.COMPANY and viewer.id == participant.company_id
    return introduced or is_viewer or viewer.follows(territory_of(participant, directory))


def _band(value: float | None) -> Band | None:
    return None if value is None else series_band(value)


def _view(
    participant: Participant,
    synergy: SynergySnapshot,
    directory: Directory,
    viewer: Viewer,
    level: Disclosure,
    introduced: bool,
) -> PartyView:
    entry = directory.companies.get(participant.company_id)
    territory = territory_of(participant, directory)
    is_viewer = viewer.kind is RecipientKind.COMPANY and viewer.id == participant.company_id
    in_full = _in_full(participant, directory, viewer, introduced=introduced)
    public = participant.confidentiality is Confidentiality.PUBLIC
    named = entry is not None and (in_full or (public and entry.consent_to_be_named))
    description = sector_phrase(entry.naf_code if entry else None)
    if synergy.kind is SynergyKind.SUBSTITUTION and synergy.distance_km is not None:
        km = synergy.distance_km if level is Disclosure.EXACT else rounded_distance(synergy.distance_km)
        description += f" {french.at_distance(km)}"
    return PartyView(
        company_id=participant.company_id,
        role=french.ROLES[participant.role],
        is_viewer=is_viewer,
        in_full=in_full,
        named=named,
        name=entry.name if named and entry else None,
        description=description,
        city=entry.city if named and entry else None,
        territory=territory if in_full else None,
        flow_label=participant.flow_label if in_full or public else None,
        contact_email=entry.contact_email if in_full and entry and not is_viewer else None,
    )


def sees_prices(synergy: SynergySnapshot, directory: Directory, viewer: Viewer) -> bool:
    """Whether the viewer may read what is derived from the participants' prices (euros saved)."""
    return all(viewer.follows(territory_of(p, directory)) for p in synergy.participants)
