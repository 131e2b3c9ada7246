"""Builders of synergies, directories and settings for the notifier's unit tests."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from ecocirc_notifier.domain import (
    AdvisorEntry,
    CompanyEntry,
    DeliveryMode,
    Directory,
    EmailSettings,
    Recipient,
    RecipientKind,
    UnsubscribeSettings,
)
from ecocirc_shared.flows import Confidentiality
from ecocirc_shared.synergies import (
    Impact,
    MatchedQuantity,
    Participant,
    Role,
    SynergyKind,
    SynergySnapshot,
)

SAVES = "Savès"
LOMAGNE = "Lomagne Gersoise"


def company(
    name: str = "Scierie Dupont",
    *,
    territory: str | None = SAVES,
    naf_code: str | None = "16.10A",
    city: str | None = "Samatan",
    consent: bool = False,
    opted_out: bool = False,
    email: str | None = None,
) -> CompanyEntry:
    company_id = uuid4()
    return CompanyEntry(
        id=company_id,
        name=name,
        contact_email=email if email is not None else f"contact-{company_id.hex[:6]}@example.fr",
        naf_code=naf_code,
        city=city,
        territory=territory,
        consent_to_be_named=consent,
        opted_out=opted_out,
    )


def advisor(
    name: str = "Marie Conseil",
    territories: tuple[str, ...] = (SAVES,),
    *,
    delivery: DeliveryMode = DeliveryMode.IMMEDIATE,
    opted_out: bool = False,
) -> AdvisorEntry:
    advisor_id = uuid4()
    return AdvisorEntry(
        id=advisor_id,
        name=name,
        email=f"conseil-{advisor_id.hex[:6]}@cci.example.fr",
        territories=territories,
        delivery=delivery,
        opted_out=opted_out,
    )


def participant(
    entry: CompanyEntry,
    role: Role,
    label: str,
    confidentiality: Confidentiality = Confidentiality.PUBLIC,
) -> Participant:
    return Participant(
        company_id=entry.id,
        flow_id=uuid4(),
        role=role,
        flow_label=label,
        confidentiality=confidentiality,
        territory=entry.territory,
    )


def synergy(*participants: Participant, **overrides: Any) -> SynergySnapshot:
    fields: dict[str, Any] = {
        "synergy_id": uuid4(),
        "revision": 1,
        "kind": SynergyKind.SUBSTITUTION,
        "resource_class": "wood_sawdust",
        "resource_label": "sciures de bois",
        "score": 0.72,
        "score_parts": {"resource": 0.9, "distance": 0.8, "timing": 0.5},
        "participants": participants,
        "distance_km": 4.7,
        "months": (3, 4, 5, 6),
        "quantity": MatchedQuantity(amount_per_year=1234.5, unit="t", coverage=0.72),
        "impact": Impact(
            tonnes_diverted_per_year=1234.5,
            co2e_avoided_kg_per_year=50_000,
            transport_co2e_kg_per_year=1_200,
        ),
        "explanation": "Des sciures de bois peuvent servir de litière à moins de 5 km.",
        "territories": tuple(sorted({p.territory for p in participants if p.territory})),
        "knowledge_version": "test",
    }
    fields.update(overrides)
    return SynergySnapshot(**fields)


def directory(*entries: CompanyEntry | AdvisorEntry) -> Directory:
    return Directory(
        companies={e.id: e for e in entries if isinstance(e, CompanyEntry)},
        advisors=tuple(e for e in entries if isinstance(e, AdvisorEntry)),
    )


def as_recipient(entry: CompanyEntry | AdvisorEntry) -> Recipient:
    if isinstance(entry, CompanyEntry):
        assert entry.contact_email is not None
        return Recipient(
            kind=RecipientKind.COMPANY,
            id=entry.id,
            email=entry.contact_email,
            name=entry.name,
            territories=(entry.territory,) if entry.territory else (),
        )
    return Recipient(
        kind=RecipientKind.ADVISOR,
        id=entry.id,
        email=entry.email,
        name=entry.name,
        delivery=entry.delivery,
        territories=entry.territories,
    )


def settings(**unsubscribe: Any) -> EmailSettings:
    options: dict[str, Any] = {
        "mailto": "desinscription@cci.example.fr",
        "url_base": "https://ecocirc.example.fr/v1/unsubscribe",
        "secret": "s3cret-for-unit-tests-only",
    }
    options.update(unsubscribe)
    return EmailSettings(programme_email="eit@cci.example.fr", unsubscribe=UnsubscribeSettings(**options))


FIXED = UUID("12345678-1234-5678-1234-567812345678")
