"""Request and response bodies of the HTTP API, split by purpose (create, update, public)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ecocirc_shared.flows import Category, Confidentiality, Direction, Month, Price, Quantity, Site

T = TypeVar("T")

PRICE = (
    "What one unit costs the company today, in euros: for an offer its disposal cost (0: taken for free), "
    "for a need its purchase price. Lets the platform estimate what a synergy saves; read by the company "
    "and its advisors only."
)

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text2000 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AdvisorCreate(_Body):
    name: Text200 = Field(examples=["Claire Dupuy"])
    email: Email = Field(examples=["c.dupuy@gers.cci.fr"])
    territories: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        min_length=1,
        max_length=200,
        description='Territories the advisor follows (a company\'s territory is by default its department); "*" for all.',
        examples=[["32"], ["*"]],
    )


class AdvisorUpdate(_Body):
    """Fields to change; absent fields keep their value."""

    email: Email | None = Field(None, examples=["c.dupuy@gers.cci.fr"])
    territories: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] | None = Field(
        None, min_length=1, max_length=200, description='Replaces the territories followed; "*" for all.'
    )
    active: bool | None = Field(
        None, description="false: no more access (every token revoked) and no more emails, at once."
    )


class AdvisorPublic(BaseModel):
    id: UUID
    name: str
    email: str | None = Field(description="null for the admin without ECOCIRC_ADMIN_EMAIL: it gets no email")
    territories: list[str]
    is_admin: bool
    active: bool = Field(description="false: deactivated, no more access and no more emails")
    created_at: datetime


class Me(BaseModel):
    """Who the token belongs to."""

    role: Literal["admin", "advisor", "company"]
    id: UUID
    name: str | None = None
    territories: list[str] | None = None


class CompanyCreate(_Body):
    name: Text200 = Field(examples=["Scierie du Savès"])
    naf_code: Annotated[str, StringConstraints(max_length=10)] = Field(examples=["16.10A"])
    contact_email: Email = Field(examples=["contact@scierie-saves.fr"])
    postcode: Annotated[str, StringConstraints(max_length=10)] | None = Field(None, examples=["32130"])
    city: Text200 | None = Field(None, examples=["Samatan"])
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    siret: Annotated[str, StringConstraints(max_length=20)] | None = None
    territory: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        None, description="Defaults to the department of the commune (e.g. 32)."
    )
    consent_to_be_named: bool = Field(
        False, description="Whether other companies may see the company's name in a synergy."
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Scierie du Savès",
                    "naf_code": "16.10A",
                    "contact_email": "contact@scierie-saves.fr",
                    "postcode": "32130",
                    "city": "Samatan",
                    "siret": "73282932000074",
                }
            ]
        },
    )


class CompanyUpdate(_Body):
    """Fields to change; absent fields keep their value."""

    contact_email: Email | None = Field(None, examples=["nouveau.contact@scierie-saves.fr"])
    consent_to_be_named: bool | None = None
    email_opt_out: bool | None = Field(None, description="true: the company receives no more synergy emails.")


class Credentials(BaseModel):
    id: UUID
    token: str = Field(description="Bearer token, shown once: keep it.")


class CompanyPublic(BaseModel):
    id: UUID
    name: str
    naf_code: str
    contact_email: str
    siret: str | None
    site: Site
    territory: str
    consent_to_be_named: bool
    email_opt_out: bool
    created_at: datetime
    updated_at: datetime


class FlowCreate(_Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "direction": "offer",
                    "category": "waste",
                    "label": "Sciures et copeaux de chêne",
                    "ewc_code": "03 01 05",
                    "quantity": {"amount": 120, "unit": "t", "period": "year"},
                    "months": [3, 4, 5],
                    "confidentiality": "public",
                    "price": {"eur_per_unit": 45, "unit": "t"},
                },
                {
                    "direction": "need",
                    "category": "logistics",
                    "label": "Camion vers Toulouse, de temps en temps",
                },
            ]
        },
    )

    direction: Direction
    category: Category
    label: Text200 = Field(examples=["Sciures et copeaux de bois"])
    description: Text2000 | None = None
    ewc_code: Annotated[str, StringConstraints(max_length=12)] | None = Field(None, examples=["03 01 05"])
    quantity: Quantity | None = None
    months: list[Month] | None = Field(None, max_length=12)
    hazardous: bool = False
    max_distance_km: float | None = Field(None, gt=0, le=1000)
    confidentiality: Confidentiality = Confidentiality.PUBLIC
    price: Price | None = Field(None, description=PRICE)


class FlowUpdate(_Body):
    """Fields to change; absent fields keep their value, null clears an optional one."""

    direction: Direction | None = None
    category: Category | None = None
    label: Text200 | None = None
    description: Text2000 | None = None
    ewc_code: Annotated[str, StringConstraints(max_length=12)] | None = None
    quantity: Quantity | None = None
    months: list[Month] | None = Field(None, max_length=12)
    hazardous: bool | None = None
    max_distance_km: float | None = Field(None, gt=0, le=1000)
    confidentiality: Confidentiality | None = None
    price: Price | None = Field(None, description=PRICE)


class FlowPublic(BaseModel):
    id: UUID
    company_id: UUID
    version: int
    active: bool
    direction: Direction
    category: Category
    label: str
    description: str | None
    ewc_code: str | None
    quantity: Quantity | None
    months: list[int]
    hazardous: bool
    max_distance_km: float | None
    confidentiality: Confidentiality
    price: Price | None
    declared_at: datetime


class ParticipantPublic(BaseModel):
    company_id: UUID | None = Field(
        description="null when the rules do not yet allow naming this counterpart"
    )
    flow_id: UUID | None
    role: str
    label: str | None


class RangePublic(BaseModel):
    """Where a figure lies, for a reader who may not see it exactly: `min <= value < max`."""

    min: float
    max: float = Field(description="excluded; equal to min when the range is one value")


Figure = float | RangePublic


class QuantityPublic(BaseModel):
    amount_per_year: Figure
    unit: str
    coverage: Figure = Field(description="share of the need (or of the smaller side) covered, 0-1")


class ImpactPublic(BaseModel):
    tonnes_diverted_per_year: Figure | None
    co2e_avoided_kg_per_year: Figure | None
    transport_co2e_kg_per_year: Figure | None
    notes: list[str]
    eur_saved_per_year: float | None = Field(
        None,
        description="Euros a year the flows' prices say it saves; null for a company, or an advisor not "
        "following every participant's territory (prices are commercial information)",
    )
    eur_notes: list[str] = Field(default_factory=list, description="How the euros were reached.")


class SynergyPublic(BaseModel):
    id: UUID
    kind: str
    disclosure: str = Field(
        description="exact; ranges (a company before every participant said yes: quantities, coverage "
        "and impact as ranges, distance to 5 km, months rounded out to whole seasons, score to 5 points); "
        "withheld (a counterpart's flow is advisor_only: quantity, months and impact are not shown)"
    )
    score: float
    score_parts: dict[str, float]
    participants: list[ParticipantPublic]
    distance_km: float | None
    explanation: str
    status: str
    resource: str
    months: list[int] = Field(description="empty: all year, or withheld")
    quantity: QuantityPublic | None
    impact: ImpactPublic | None = Field(description="null when withheld")
    revision: int
    updated_at: datetime


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Items matching the filters, all pages together.")
    limit: int
    offset: int


class FlowVersion(BaseModel):
    version: int
    change: Literal["declared", "revised", "withdrawn"]
    recorded_at: datetime
    flow: dict[str, Any] | None = Field(description="The flow as it stood at this version.")


class ErrorItem(BaseModel):
    field: str = Field(description="The field (dotted when nested), column or parameter in error.")
    message: str = Field(description="Why, in French.")
    row: int | None = Field(None, description="Spreadsheet row (imports only; 1 is the header).")
    column: str | None = Field(None, description="The column as written in the file (imports only).")
    type: str | None = Field(None, description="Machine-readable reason, when known.")


class ErrorBody(BaseModel):
    detail: str = Field(description="What went wrong, in French.")
    errors: list[ErrorItem] = []


class ImportedCompanyPublic(BaseModel):
    row: int
    id: UUID
    name: str
    status: Literal["created", "existing"]
    token: str | None = Field(description="Bearer token of a company created by this import, shown once.")


class ImportedFlowPublic(BaseModel):
    row: int
    id: UUID
    company_id: UUID
    status: Literal["created", "revised", "unchanged"]
    version: int


class ImportReportPublic(BaseModel):
    import_id: UUID | None = Field(description="null for a dry run, which writes nothing.")
    dry_run: bool
    rows: int
    counts: dict[str, int]
    companies: list[ImportedCompanyPublic]
    flows: list[ImportedFlowPublic]
