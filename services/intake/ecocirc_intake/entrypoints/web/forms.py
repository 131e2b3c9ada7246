"""The flow form: fields as a person fills them, turned into the API's fields, and errors put back by field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ecocirc_intake.service_layer.errors import Problem

# (value, what a person reads), in the order the form offers them.
DIRECTIONS = (
    ("offer", "Offre (ce que le site a en trop)"),
    ("need", "Besoin (ce que le site cherche)"),
)
CATEGORIES = (
    ("material", "Matière"),
    ("waste", "Déchet"),
    ("energy", "Énergie"),
    ("water", "Eau"),
    ("equipment", "Équipement"),
    ("logistics", "Logistique"),
    ("skills", "Compétences"),
    ("service", "Service"),
)
UNITS = (
    ("t", "tonnes"),
    ("kg", "kilogrammes"),
    ("m3", "mètres cubes"),
    ("L", "litres"),
    ("MWh", "mégawattheures"),
    ("kWh", "kilowattheures"),
    ("h", "heures"),
    ("unit", "unités (pièces)"),
)
PERIODS = (
    ("year", "par an"),
    ("month", "par mois"),
    ("week", "par semaine"),
    ("day", "par jour"),
    ("once", "une seule fois"),
)
CONFIDENTIALITY = (
    ("public", "Publique"),
    ("advisor_only", "Réservée au conseiller"),
)

# Form field -> the API field its value goes to. Names are those of the HTML form.
API_FIELDS = {
    "sens": "direction",
    "categorie": "category",
    "libelle": "label",
    "description": "description",
    "code_dechet": "ewc_code",
    "quantite": "quantity.amount",
    "unite": "quantity.unit",
    "periode": "quantity.period",
    "mois": "months",
    "dangereux": "hazardous",
    "distance_max": "max_distance_km",
    "confidentialite": "confidentiality",
}
# Where an API error is shown: "quantity" as a whole goes next to the amount.
_FORM_FIELD = {api: form for form, api in API_FIELDS.items()} | {"quantity": "quantite"}

# What people type for a unit besides its symbol (singular and plural, accents as written).
_UNIT_WORDS = {
    "tonne": "t",
    "kilo": "kg",
    "kilogramme": "kg",
    "metre cube": "m3",
    "mètre cube": "m3",
    "litre": "L",
    "mégawattheure": "MWh",
    "megawattheure": "MWh",
    "kilowattheure": "kWh",
    "heure": "h",
    "pièce": "unit",
    "piece": "unit",
}


def unit_code(typed: str) -> str:
    """The unit's symbol for a French name ("tonnes", "litre"), else what was typed, for the rules to judge."""
    text = " ".join(typed.split()).lower()
    singular = " ".join(word.removesuffix("s") for word in text.split())
    return _UNIT_WORDS.get(singular, typed.strip())


@dataclass
class FlowForm:
    """What the form shows: the values as typed (kept when the form comes back with errors)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    other_errors: list[str] = field(default_factory=list)

    def value(self, name: str) -> str:
        value = self.values.get(name)
        return value if isinstance(value, str) else ""

    @property
    def months(self) -> set[str]:
        chosen = self.values.get("mois")
        return set(chosen) if isinstance(chosen, list) else set()

    @classmethod
    def blank(cls) -> FlowForm:
        return cls({"periode": "year", "confidentialite": "public"})

    @classmethod
    def from_submission(cls, fields: Iterable[tuple[str, str]]) -> FlowForm:
        values: dict[str, Any] = {"mois": []}
        for name, value in fields:
            if name == "mois":
                values["mois"].append(value)
            elif name in API_FIELDS:
                values[name] = value
        return cls(values)

    @classmethod
    def from_declared(cls, declared: Mapping[str, Any]) -> FlowForm:
        """The form of a stored flow, from its body as declared (hazardous as the company said it)."""
        quantity = declared.get("quantity") or {}
        distance = declared.get("max_distance_km")
        return cls(
            {
                "sens": declared.get("direction") or "",
                "categorie": declared.get("category") or "",
                "libelle": declared.get("label") or "",
                "description": declared.get("description") or "",
                "code_dechet": declared.get("ewc_code") or "",
                "quantite": _number(quantity.get("amount")),
                "unite": quantity.get("unit") or "",
                "periode": quantity.get("period") or "year",
                "mois": [str(m) for m in declared.get("months") or ()],
                "dangereux": "oui" if declared.get("hazardous") else "",
                "distance_max": _number(distance),
                "confidentialite": declared.get("confidentiality") or "public",
            }
        )

    def body(self) -> dict[str, object]:
        """Every API field of the flow, None where the form was left blank (a revision clears it)."""
        amount, unit = self.value("quantite").strip(), self.value("unite").strip()
        quantity = None
        if amount or unit:
            quantity = {
                "amount": amount or None,
                "unit": unit_code(unit) if unit else None,
                "period": self.value("periode") or None,
            }
        return {
            "direction": self.value("sens") or None,
            "category": self.value("categorie") or None,
            "label": self.value("libelle"),
            "description": self.value("description").strip() or None,
            "ewc_code": self.value("code_dechet").strip() or None,
            "quantity": quantity,
            "months": [int(m) if m.isdigit() else m for m in sorted(self.months, key=_month_order)],
            "hazardous": True if self.value("dangereux") else None,
            "max_distance_km": self.value("distance_max").strip() or None,
            "confidentiality": self.value("confidentialite") or None,
        }

    def with_problems(self, problems: Iterable[Problem]) -> FlowForm:
        errors: dict[str, list[str]] = {}
        other: list[str] = []
        for problem in problems:
            name = _FORM_FIELD.get(problem.field)
            if name is None:
                other.append(problem.message)
            else:
                errors.setdefault(name, []).append(problem.message)
        return FlowForm(self.values, errors, other)


def _number(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")


def _month_order(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (99, value)
