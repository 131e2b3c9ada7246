"""Company and flow body rules, one small function each; the validators report every error at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from ecocirc_intake.domain.codes import check_ewc_code, check_naf_code, effective_hazardous
from ecocirc_intake.domain.errors import BodyValidationError, ErrorCollector, FieldError
from ecocirc_intake.domain.identifiers import check_email, check_siret
from ecocirc_intake.domain.site import ResolvedSite, resolve_site
from ecocirc_intake.domain.text import as_bool, as_number, clean_optional_text, clean_text, subject
from ecocirc_shared.flows import Category, Confidentiality, Direction, Period, Price, Quantity, Site, Unit
from ecocirc_shared.french import MONTH_NAMES_FR
from ecocirc_shared.reference import Commune, EwcEntry, NafEntry

__all__ = [
    "BodyValidationError",
    "CompanyInput",
    "ErrorCollector",
    "FieldError",
    "FlowInput",
    "ResolvedSite",
    "check_category",
    "check_company_name",
    "check_confidentiality",
    "check_description",
    "check_direction",
    "check_email",
    "check_ewc_code",
    "check_hazardous",
    "check_label",
    "check_max_distance_km",
    "check_months",
    "check_naf_code",
    "check_price",
    "check_quantity",
    "check_siret",
    "check_territory",
    "effective_hazardous",
    "resolve_site",
    "validate_company",
    "validate_flow",
    "validate_flow_update",
]

E = TypeVar("E", bound=StrEnum)

NAME_MAX_LENGTH = 200
LABEL_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000
TERRITORY_MAX_LENGTH = 100
MAX_DISTANCE_KM = 1000.0
# Quantity.amount's own bound (flows.py): beyond it a figure is a typo, not a flow.
MAX_AMOUNT = 1e12
# Price.eur_per_unit's own bound (flows.py).
MAX_PRICE = 1e6


# Ways of writing units that are unambiguous but not the API's canonical spelling.
_UNIT_ALIASES = {
    "m³": Unit.CUBIC_METRE,
    "units": Unit.UNIT,
    "unité": Unit.UNIT,
    "unités": Unit.UNIT,
}


def check_company_name(value: object) -> str:
    """Company name: 1 to 200 characters once trimmed, no control characters."""
    return clean_text(value, "name", min_length=1, max_length=NAME_MAX_LENGTH)


def check_label(value: object) -> str:
    """Flow label: 1 to 200 characters once trimmed, no control characters."""
    return clean_text(value, "label", min_length=1, max_length=LABEL_MAX_LENGTH)


def check_description(value: object) -> str | None:
    """Flow description: at most 2000 characters, line breaks allowed; blank is no description."""
    return clean_optional_text(value, "description", max_length=DESCRIPTION_MAX_LENGTH, multiline=True)


def check_territory(value: object) -> str | None:
    """Territory identifier chosen by the advisor: at most 100 characters; blank is none."""
    return clean_optional_text(value, "territory", max_length=TERRITORY_MAX_LENGTH)


def _check_enum(value: object, enum: type[E], field: str) -> E:
    allowed = ", ".join(f"« {member.value} »" for member in enum)
    if not isinstance(value, str):
        raise FieldError(field, f"{subject(field)} doit être l'une des valeurs {allowed}.", "type")
    try:
        return enum(value.strip().lower())
    except ValueError:
        raise FieldError(
            field, f"{subject(field)} « {value} » n'est pas reconnue : valeurs possibles {allowed}.", "choice"
        ) from None


def check_direction(value: object) -> Direction:
    """ "offer" or "need"."""
    return _check_enum(value, Direction, "direction")


def check_category(value: object) -> Category:
    """One of the eight flow categories."""
    return _check_enum(value, Category, "category")


def check_confidentiality(value: object) -> Confidentiality:
    """ "public" (the default when absent) or "advisor_only"."""
    return Confidentiality.PUBLIC if value is None else _check_enum(value, Confidentiality, "confidentiality")


def check_hazardous(value: object) -> bool | None:
    """What the company declared (None when it said nothing); see effective_hazardous for the law's say."""
    return None if value is None else as_bool(value, "hazardous")


def check_months(value: object) -> tuple[int, ...]:
    """Months 1-12, each once, as a sorted tuple; absent or empty means not said (all year)."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise FieldError(
            "months", "La liste des mois doit être une liste de nombres de 1 à 12, ex. [3, 4, 5].", "type"
        )
    seen: set[int] = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise FieldError(
                "months", f"Les mois doivent être des nombres entiers de 1 à 12 (« {item} » reçu).", "type"
            )
        if not 1 <= item <= 12:
            raise FieldError(
                "months",
                f"Le mois {item} n'existe pas : les mois vont de 1 (janvier) à 12 (décembre).",
                "out_of_range",
            )
        # A repeated month is refused rather than merged: it is most often a typo for another month.
        if item in seen:
            raise FieldError(
                "months",
                f"Le mois {item} ({MONTH_NAMES_FR[item - 1]}) est indiqué plusieurs fois.",
                "duplicate",
            )
        seen.add(item)
    return tuple(sorted(seen))


def check_max_distance_km(value: object) -> float | None:
    """Maximum distance the company accepts, in km: more than 0, at most 1000; absent is no limit."""
    if value is None:
        return None
    distance = as_number(value, "max_distance_km")
    if not 0 < distance <= MAX_DISTANCE_KM:
        raise FieldError(
            "max_distance_km",
            f"La distance maximale doit être supérieure à 0 et d'au plus {MAX_DISTANCE_KM:g} km "
            f"({distance:g} reçu).",
            "out_of_range",
        )
    return distance


def _check_unit(value: object, field: str = "quantity.unit") -> Unit:
    allowed = ", ".join(unit.value for unit in Unit)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise FieldError(
            "quantity.unit", f"L'unité est obligatoire quand une quantité est donnée ({allowed}).", "required"
        )
    if isinstance(value, str):
        text = value.strip()
        for unit in Unit:
            # Case-insensitive: no two units differ by case only, and "KWH" or "T" are clear enough.
            if text.lower() == unit.value.lower():
                return unit
        if text.lower() in _UNIT_ALIASES:
            return _UNIT_ALIASES[text.lower()]
    raise FieldError(field, f"L'unité « {value} » n'est pas reconnue : unités acceptées {allowed}.", "choice")


def _check_period(value: object) -> Period:
    if value is None:
        return Period.YEAR
    allowed = ", ".join(f"« {period.value} »" for period in Period)
    if isinstance(value, str):
        try:
            return Period(value.strip().lower())
        except ValueError:
            pass
    raise FieldError(
        "quantity.period",
        f"La période « {value} » n'est pas reconnue : périodes acceptées {allowed}.",
        "choice",
    )


def _check_amount(value: object) -> float:
    if value is None:
        raise FieldError(
            "quantity.amount", "La quantité (amount) est obligatoire quand une unité est donnée.", "required"
        )
    amount = as_number(value, "quantity.amount")
    if not 0 < amount <= MAX_AMOUNT:
        raise FieldError(
            "quantity.amount",
            f"La quantité doit être supérieure à 0 et d'au plus {MAX_AMOUNT:g} ({amount:g} reçu).",
            "out_of_range",
        )
    return amount


def check_quantity(value: object) -> Quantity | None:
    """{"amount": > 0, "unit": t|kg|m3|L|MWh|kWh|h|unit, "period": year|month|week|day|once}.

    The period defaults to year; a Quantity already parsed by the API schema is taken as is.
    """
    if value is None or isinstance(value, Quantity):
        return value
    if not isinstance(value, Mapping):
        raise FieldError(
            "quantity",
            'La quantité doit être un objet {"amount": 120, "unit": "t", "period": "year"}.',
            "type",
        )
    errors = ErrorCollector()
    for key in value:
        if key not in {"amount", "unit", "period"}:
            errors.add(
                FieldError(
                    f"quantity.{key}",
                    f"Champ inconnu « {key} » dans la quantité (amount, unit, period).",
                    "unknown",
                )
            )
    amount = errors.run(_check_amount, value.get("amount"))
    unit = errors.run(_check_unit, value.get("unit"))
    period = errors.run(_check_period, value.get("period"))
    errors.raise_if_any()
    # Narrowing for the type checker: raise_if_any has raised if any rule failed.
    assert amount is not None and unit is not None and period is not None
    return Quantity(amount=amount, unit=unit, period=period)


def _check_eur_per_unit(value: object) -> float:
    if value is None:
        raise FieldError("price.eur_per_unit", "Le prix (eur_per_unit) est obligatoire.", "required")
    price = as_number(value, "price.eur_per_unit")
    if not 0 <= price <= MAX_PRICE:
        raise FieldError(
            "price.eur_per_unit",
            f"Le prix doit être compris entre 0 et {MAX_PRICE:g} € par unité ({price:g} reçu).",
            "out_of_range",
        )
    return price


def check_price(value: object) -> Price | None:
    """{"eur_per_unit": >= 0, "unit": t|kg|m3|L|MWh|kWh|h|unit}: what one unit costs the company today
    (an offer's disposal cost, a need's purchase price). A Price already parsed is taken as is."""
    if value is None or isinstance(value, Price):
        return value
    if not isinstance(value, Mapping):
        raise FieldError("price", 'Le prix doit être un objet {"eur_per_unit": 45, "unit": "t"}.', "type")
    errors = ErrorCollector()
    for key in value:
        if key not in {"eur_per_unit", "unit"}:
            errors.add(
                FieldError(
                    f"price.{key}", f"Champ inconnu « {key} » dans le prix (eur_per_unit, unit).", "unknown"
                )
            )
    amount = errors.run(_check_eur_per_unit, value.get("eur_per_unit"))
    unit = errors.run(_check_unit, value.get("unit"), "price.unit")
    errors.raise_if_any()
    assert amount is not None and unit is not None
    return Price(eur_per_unit=amount, unit=unit)


@dataclass(frozen=True, slots=True)
class CompanyInput:
    """A company body that passed every rule, normalised (POST /v1/companies)."""

    name: str
    naf: NafEntry
    contact_email: str
    site: Site
    commune: Commune | None
    siret: str | None
    territory: str | None

    @property
    def naf_code(self) -> str:
        return self.naf.code


@dataclass(frozen=True, slots=True)
class FlowInput:
    """A flow body that passed every rule, normalised (POST /v1/companies/{id}/flows).

    hazardous is what the matcher must use (forced true by a hazardous EWC entry); hazardous_declared
    is what the company said, kept so a later change of EWC code can lift the forcing.
    """

    direction: Direction
    category: Category
    label: str
    description: str | None
    ewc: EwcEntry | None
    quantity: Quantity | None
    months: tuple[int, ...]
    hazardous: bool
    hazardous_declared: bool | None
    max_distance_km: float | None
    confidentiality: Confidentiality
    price: Price | None = None

    @property
    def ewc_code(self) -> str | None:
        return self.ewc.code if self.ewc else None

    def declared(self) -> dict[str, object]:
        """The body as declared, normalised and JSON-ready: what to store and merge a PATCH into."""
        return {
            "direction": self.direction.value,
            "category": self.category.value,
            "label": self.label,
            "description": self.description,
            "ewc_code": self.ewc_code,
            "quantity": self.quantity.model_dump(mode="json") if self.quantity else None,
            "months": list(self.months),
            "hazardous": self.hazardous_declared,
            "max_distance_km": self.max_distance_km,
            "confidentiality": self.confidentiality.value,
            "price": self.price.model_dump(mode="json") if self.price else None,
        }


def validate_company(body: Mapping[str, object]) -> CompanyInput:
    """Check a company body (keys as in the API; others are ignored) and return it normalised.

    Raises BodyValidationError listing every wrong field.
    """
    errors = ErrorCollector()
    name = errors.run(check_company_name, body.get("name"))
    naf = errors.run(check_naf_code, body.get("naf_code"))
    email = errors.run(check_email, body.get("contact_email"))
    siret = errors.run(check_siret, body["siret"]) if body.get("siret") not in (None, "") else None
    territory = errors.run(check_territory, body.get("territory"))
    resolved = errors.run(
        resolve_site,
        body.get("postcode"),
        body.get("city"),
        body.get("lat"),
        body.get("lon"),
        territory=territory,
    )
    errors.raise_if_any()
    # Narrowing for the type checker: raise_if_any has raised if any rule failed.
    assert name is not None and naf is not None and email is not None and resolved is not None
    return CompanyInput(
        name=name,
        naf=naf,
        contact_email=email,
        site=resolved.site,
        commune=resolved.commune,
        siret=siret,
        territory=territory,
    )


_REQUIRED_FLOW_FIELDS = ("direction", "category", "label")


def validate_flow(body: Mapping[str, object]) -> FlowInput:
    """Check a flow body (keys as in the API; others are ignored) and return it normalised.

    Raises BodyValidationError listing every wrong field.
    """
    errors = ErrorCollector()
    for field in _REQUIRED_FLOW_FIELDS:
        if body.get(field) is None:
            errors.add(FieldError(field, f"{subject(field)} est obligatoire.", "required"))
    direction = errors.run(check_direction, body["direction"]) if body.get("direction") is not None else None
    category = errors.run(check_category, body["category"]) if body.get("category") is not None else None
    label = errors.run(check_label, body["label"]) if body.get("label") is not None else None
    description = errors.run(check_description, body.get("description"))
    ewc = errors.run(check_ewc_code, body["ewc_code"]) if body.get("ewc_code") not in (None, "") else None
    quantity = errors.run(check_quantity, body.get("quantity"))
    months = errors.run(check_months, body.get("months"))
    hazardous_declared = errors.run(check_hazardous, body.get("hazardous"))
    max_distance_km = errors.run(check_max_distance_km, body.get("max_distance_km"))
    confidentiality = errors.run(check_confidentiality, body.get("confidentiality"))
    price = errors.run(check_price, body.get("price"))
    errors.raise_if_any()
    # Narrowing for the type checker: raise_if_any has raised if any rule failed.
    assert direction is not None and category is not None and label is not None
    assert months is not None and confidentiality is not None
    return FlowInput(
        direction=direction,
        category=category,
        label=label,
        description=description,
        ewc=ewc,
        quantity=quantity,
        months=months,
        hazardous=effective_hazardous(hazardous_declared, ewc),
        hazardous_declared=hazardous_declared,
        max_distance_km=max_distance_km,
        confidentiality=confidentiality,
        price=price,
    )


def validate_flow_update(declared: Mapping[str, object], changes: Mapping[str, object]) -> FlowInput:
    """Apply a PATCH to a flow and check the result as a whole.

    declared: the flow as declared (FlowInput.declared(), not the effective values, so that a hazardous
    flag forced by an old EWC code does not outlive it); changes: the fields sent, null clearing an
    optional one. Required fields cannot be cleared.
    """
    cleared = [field for field in _REQUIRED_FLOW_FIELDS if field in changes and changes[field] is None]
    merged = {**declared, **{key: value for key, value in changes.items() if key not in cleared}}
    try:
        flow = validate_flow(merged)
    except BodyValidationError as failed:
        errors = list(failed.errors)
    else:
        if not cleared:
            return flow
        errors = []
    raise BodyValidationError(
        [FieldError(field, f"{subject(field)} ne peut pas être effacé.", "required") for field in cleared]
        + errors
    )
