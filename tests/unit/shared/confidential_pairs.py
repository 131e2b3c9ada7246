"""A sawmill and a poultry farm matched as the matcher would: every figure derived from their flows.

Two pairs that differ only inside the bands a company may read (quantity, coverage, distance, NAF
class within its division, months within their season) must read the same to that company: if any
field or any email told them apart, the company could learn the exact figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ecocirc_shared.directory import AdvisorEntry, CompanyEntry, Directory, RecipientKind, Viewer
from ecocirc_shared.flows import Confidentiality
from ecocirc_shared.french import months as months_fr
from ecocirc_shared.french import number
from ecocirc_shared.synergies import Impact, MatchedQuantity, Participant, Role, SynergyKind, SynergySnapshot

SAWMILL_ID = UUID("00000000-0000-0000-0000-00000000000a")
FARM_ID = UUID("00000000-0000-0000-0000-00000000000b")
SYNERGY_ID = UUID("00000000-0000-0000-0000-0000000000cc")
SAWMILL_ADVISOR = AdvisorEntry(
    id=UUID("00000000-0000-0000-0000-0000000000d1"), name="X", email="x@cci82.example", territories=("82",)
)
FARM_ADVISOR = AdvisorEntry(
    id=UUID("00000000-0000-0000-0000-0000000000d2"), name="Y", email="y@cci47.example", territories=("47",)
)
REACH_KM = 50.0
TRANSPORT_KG_PER_TKM = 0.1


@dataclass(frozen=True)
class Side:
    """One company's flow as declared: tonnes a year, months, NAF code, confidentiality."""

    tonnes: float
    months: tuple[int, ...]
    naf_code: str
    confidentiality: Confidentiality = Confidentiality.PUBLIC


def pair(sawmill: Side, farm: Side, distance_km: float) -> tuple[SynergySnapshot, Directory]:
    """The synergy (sawmill supplies the farm) with what the matcher derives from the two flows."""
    amount = min(sawmill.tonnes, farm.tonnes)
    coverage = amount / farm.tonnes
    common = tuple(sorted(set(sawmill.months or range(1, 13)) & set(farm.months or range(1, 13))))
    distance_part = round(1 - distance_km / REACH_KM, 3)
    parts = {
        "resource": 0.9,
        "activity": 0.79,
        "distance": distance_part,
        "quantity": round(coverage, 3),
        "season": 1.0,
        "hazard": 1.0,
        "text_confidence": 0.81,
    }
    explanation = (
        f"Une entreprise (sciage et rabotage du bois, NAF {sawmill.naf_code}) propose « Sciures de peuplier ». "
        f"Une entreprise (élevage de volailles, NAF {farm.naf_code}), à environ {number(distance_km)} km, "
        f"recherche « Litière pour poulets ». La sciure sèche sert de litière. "
        f"Quantité échangeable : environ {number(amount)} t/an, soit {round(coverage * 100)} % du besoin. "
        f"Période commune : {months_fr(common)}."
    )
    snapshot = SynergySnapshot(
        synergy_id=SYNERGY_ID,
        revision=1,
        kind=SynergyKind.SUBSTITUTION,
        resource_class="wood_sawdust",
        resource_label="sciures et copeaux de bois",
        score=round(0.5 + 0.3 * distance_part, 3),
        score_parts=parts,
        participants=(
            Participant(
                company_id=SAWMILL_ID,
                flow_id=UUID("00000000-0000-0000-0000-0000000000f1"),
                role=Role.SUPPLIER,
                flow_label="Sciures de peuplier",
                confidentiality=sawmill.confidentiality,
                territory="82",
            ),
            Participant(
                company_id=FARM_ID,
                flow_id=UUID("00000000-0000-0000-0000-0000000000f2"),
                role=Role.RECEIVER,
                flow_label="Litière pour poulets",
                confidentiality=farm.confidentiality,
                territory="47",
            ),
        ),
        distance_km=round(distance_km, 1),
        months=common,
        quantity=MatchedQuantity(amount_per_year=amount, unit="t", coverage=coverage),
        impact=Impact(
            tonnes_diverted_per_year=amount,
            transport_co2e_kg_per_year=round(amount * distance_km * TRANSPORT_KG_PER_TKM, 1),
            notes=("Transport : 0.1 kg CO2e/t.km (Base Carbone).",),
        ),
        explanation=explanation,
        territories=("47", "82"),
        knowledge_version="test",
    )
    people = Directory(
        companies={
            SAWMILL_ID: CompanyEntry(
                id=SAWMILL_ID,
                name="Scierie Valentinoise",
                contact_email="scierie@example.org",
                naf_code=sawmill.naf_code,
                city="Valence",
                territory="82",
            ),
            FARM_ID: CompanyEntry(
                id=FARM_ID,
                name="Élevage Agenais",
                contact_email="elevage@example.org",
                naf_code=farm.naf_code,
                city="Agen",
                territory="47",
            ),
        },
        advisors=(SAWMILL_ADVISOR, FARM_ADVISOR),
    )
    return snapshot, people


def company(company_id: UUID, territory: str) -> Viewer:
    return Viewer(kind=RecipientKind.COMPANY, id=company_id, territories=(territory,))


def advisor(entry: AdvisorEntry) -> Viewer:
    return Viewer(kind=RecipientKind.ADVISOR, id=entry.id, territories=entry.territories)


SAWMILL = company(SAWMILL_ID, "82")
FARM = company(FARM_ID, "47")
