"""What a reader (an email's recipient, a caller of the API) may see of each participant: confidentiality first.

- A company sees itself in full.
- An advisor sees in full (name, city, contact, flow) the companies of the territories they follow.
- Anyone else (a counterpart company, an advisor of another territory) sees a company's name and city
  only if its flow is public and it consented to be named, its flow label only if the flow is public,
  and never its contact details: the next step goes through an advisor. Otherwise the company is
  described by activity and distance (« une entreprise de la filière bois à environ 5 km »).
- Once every participant company said yes to the lead (`introduced`, ecocirc_shared.answers), each
  reads every participant in full: names, contacts, flows. Saying yes is the consent to be named.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ecocirc_shared import french
from ecocirc_shared.directory import Directory, RecipientKind, Viewer, territory_of
from ecocirc_shared.flows import Confidentiality
from ecocirc_shared.sectors import sector_phrase
from ecocirc_shared.synergies import Participant, SynergyKind, SynergySnapshot

# Shorter strings are too common to mean a name (and replacing them would mangle any sentence).
_MIN_TERM_LENGTH = 3


@dataclass(frozen=True)
class PartyView:
    """One participant as one recipient may see it; `None` fields are not to be shown."""

    company_id: UUID
    role: str
    is_viewer: bool
    named: bool
    name: str | None
    description: str
    city: str | None
    territory: str | None
    flow_label: str | None
    contact_email: str | None


def party_views(
    synergy: SynergySnapshot, directory: Directory, viewer: Viewer, *, introduced: bool = False
) -> tuple[PartyView, ...]:
    return tuple(_view(p, synergy, directory, viewer, introduced) for p in synergy.participants)


def hidden_terms(
    synergy: SynergySnapshot, directory: Directory, viewer: Viewer, *, introduced: bool = False
) -> tuple[str, ...]:
    """Names and flow labels the viewer must not read anywhere, e.g. echoed in the matcher's sentence."""
    terms: set[str] = set()
    for participant in synergy.participants:
        view = _view(participant, synergy, directory, viewer, introduced)
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


def _view(
    participant: Participant,
    synergy: SynergySnapshot,
    directory: Directory,
    viewer: Viewer,
    introduced: bool,
) -> PartyView:
    entry = directory.companies.get(participant.company_id)
    territory = territory_of(participant, directory)
    is_viewer = viewer.kind is RecipientKind.COMPANY and viewer.id == participant.company_id
    in_full = introduced or is_viewer or viewer.follows(territory)
    public = participant.confidentiality is Confidentiality.PUBLIC
    named = entry is not None and (in_full or (public and entry.consent_to_be_named))
    description = sector_phrase(entry.naf_code if entry else None)
    if synergy.kind is SynergyKind.SUBSTITUTION and synergy.distance_km is not None:
        description += f" {french.at_distance(synergy.distance_km)}"
    return PartyView(
        company_id=participant.company_id,
        role=french.ROLES[participant.role],
        is_viewer=is_viewer,
        named=named,
        name=entry.name if named and entry else None,
        description=description,
        city=entry.city if named and entry else None,
        territory=territory if in_full else None,
        flow_label=participant.flow_label if in_full or public else None,
        contact_email=entry.contact_email if in_full and entry and not is_viewer else None,
    )
