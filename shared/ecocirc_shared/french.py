"""French words every service writes for people: numbers, quantities, distances, months, the synergy
vocabulary (month names: index 0 is January)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ecocirc_shared.synergies import Role, SynergyKind

# French typography: a narrow no-break space groups thousands, a no-break space precedes units and "%",
# so that "1 234,5 t" never breaks across lines.
THOUSANDS = "\u202f"
NBSP = "\u00a0"

MONTH_NAMES_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MONTHS = MONTH_NAMES_FR

UNITS = {"t": "t", "kg": "kg", "m3": "m³", "L": "L", "MWh": "MWh", "kWh": "kWh", "h": "h"}

ROLES = {Role.SUPPLIER: "fournisseur", Role.RECEIVER: "preneur", Role.MEMBER: "membre"}

KINDS = {
    SynergyKind.SUBSTITUTION: "substitution : ce que l'un produit alimente ce dont l'autre a besoin",
    SynergyKind.MUTUALISATION: "mutualisation : partager un besoin commun",
}

# The matcher's score parts, as people read them (every key the matcher writes: tests/unit/shared/
# test_french.py checks them against its scoring); an unknown part is never shown as a raw key.
SCORE_PARTS = {
    "resource": "correspondance des ressources",
    "resource_match": "correspondance des ressources",
    "similarity": "correspondance des ressources",
    "activity": "usage connu dans le métier du preneur",
    "distance": "proximité",
    "proximity": "proximité",
    "quantity": "quantités compatibles",
    "volume": "quantités compatibles",
    "season": "calendrier",
    "timing": "calendrier",
    "months": "calendrier",
    "seasonality": "calendrier",
    "quality": "qualité et contraintes",
    "constraints": "qualité et contraintes",
    "hazard": "risques (matières dangereuses)",
    "text_confidence": "clarté des déclarations",
    "group_size": "taille du groupe",
    "evidence": "précédents documentés",
    "precedent": "précédents documentés",
    "precedents": "précédents documentés",
    "completeness": "précision des informations",
    "data_quality": "précision des informations",
}
OTHER_SCORE_PART = "autre critère"


def number(value: float, max_decimals: int | None = None) -> str:
    """« 1 234,5 »: grouped thousands, decimal comma, no trailing zeros."""
    if max_decimals is None:
        magnitude = abs(value)
        max_decimals = 2 if magnitude < 10 else 1 if magnitude < 100_000 else 0
    text = f"{value:,.{max_decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in {"-0", "-0.0"}:
        text = "0"
    return text.replace(",", THOUSANDS).replace(".", ",")


def percent(fraction: float) -> str:
    """« 72 % » from 0.72; a small non-zero share reads « < 1 % » rather than a misleading 0."""
    value = round(fraction * 100)
    if value == 0 and fraction > 0:
        return f"<{NBSP}1{NBSP}%"
    return f"{value}{NBSP}%"


def unit(code: str, amount: float = 2.0) -> str:
    if code == "unit":
        return "unité" if abs(amount) < 2 else "unités"
    return UNITS.get(code, code)


def quantity_per_year(amount: float, unit_code: str) -> str:
    """« 1 234,5 t/an »."""
    return f"{number(amount)}{NBSP}{unit(unit_code, amount)}/an"


def mass_kg(kg: float) -> str:
    """A mass given in kg, in tonnes from one tonne up: « 12,5 t », « 350 kg »."""
    if abs(kg) >= 1000:
        return f"{number(kg / 1000)}{NBSP}t"
    return f"{number(kg)}{NBSP}kg"


def distance(km: float) -> str:
    """A rounded distance, « 5 km »: exact metres would suggest a precision the matcher does not have."""
    if km < 1:
        return f"moins de 1{NBSP}km"
    return f"{number(rounded_km(km), 0)}{NBSP}km"


def rounded_km(km: float) -> int:
    """The whole number of km a distance of 1 km or more is said as: to the km under 20, to 5 km beyond."""
    return round(km) if km < 20 else 5 * round(km / 5)


def about_distance(km: float) -> str:
    """« environ 5 km », « moins de 1 km » (never « environ moins de 1 km » nor « environ 0 km »)."""
    if km < 1:
        return distance(km)
    return f"environ {distance(km)}"


def at_distance(km: float) -> str:
    """« à environ 5 km », « à moins de 1 km »: where a site is, as a sentence says it."""
    return f"à {about_distance(km)}"


def months(values: Sequence[int]) -> str:
    """« de mars à juin », « en mai », « de novembre à février », « toute l'année »."""
    chosen = sorted(set(values))
    if not chosen or len(chosen) == 12:
        # No months means the flows did not restrict the period.
        return "toute l'année"
    runs: list[list[int]] = []
    for month in chosen:
        if runs and runs[-1][-1] == month - 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    if len(runs) > 1 and runs[0][0] == 1 and runs[-1][-1] == 12:
        runs[0] = runs.pop() + runs[0]  # December to January is one season
    runs.sort(key=lambda run: run[0])
    parts = [_run(run) for run in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


SEASON_NAMES = {12: "en hiver", 3: "au printemps", 6: "en été", 9: "en automne"}


def seasons(values: Sequence[int]) -> str:
    """« au printemps et en été » for months rounded out to whole seasons (each season from its first
    month: December for winter); « toute l'année » for none or all."""
    chosen = set(values)
    if not chosen or len(chosen) == 12:
        return "toute l'année"
    names = [name for first, name in SEASON_NAMES.items() if first in chosen]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]


def _run(run: list[int]) -> str:
    first, last = MONTHS[run[0] - 1], MONTHS[run[-1] - 1]
    if len(run) == 1:
        return f"en {first}"
    of = "d'" if first[0] in "aeiouy" else "de "
    return f"{of}{first} à {last}"


def score_part(key: str) -> str:
    return SCORE_PARTS.get(key, OTHER_SCORE_PART)


def plural(count: int, singular: str, plural_form: str) -> str:
    return singular if count < 2 else plural_form


def territories(names: Sequence[str]) -> str:
    """« le territoire Savès », « les territoires Savès et Lomagne Gersoise », « tous les territoires »."""
    if "*" in names:
        return "tous les territoires"
    if not names:
        return "vos territoires"
    if len(names) == 1:
        return f"le territoire {names[0]}"
    return "les territoires " + ", ".join(names[:-1]) + " et " + names[-1]


def day(value: date) -> str:
    """« 14 mars 2025 », « 1er avril 2025 »."""
    first = "1er" if value.day == 1 else str(value.day)
    return f"{first} {MONTHS[value.month - 1]} {value.year}"
