"""Free-text and number rules, and the French names of fields used in error messages."""

from __future__ import annotations

import math
import unicodedata

from ecocirc_intake.domain.errors import FieldError

# How each body field is named to a person, article included ("Le libellé doit...").
FIELD_NAMES_FR: dict[str, str] = {
    "name": "le nom de l'entreprise",
    "naf_code": "le code NAF",
    "contact_email": "l'adresse e-mail de contact",
    "siret": "le numéro SIRET",
    "territory": "le territoire",
    "postcode": "le code postal",
    "city": "la commune",
    "lat": "la latitude",
    "lon": "la longitude",
    "direction": "le sens du flux (offre ou besoin)",
    "category": "la catégorie",
    "label": "le libellé",
    "description": "la description",
    "ewc_code": "le code déchet (nomenclature européenne)",
    "quantity": "la quantité",
    "quantity.amount": "la quantité",
    "quantity.unit": "l'unité",
    "quantity.period": "la période",
    "months": "la liste des mois",
    "hazardous": "l'indication « dangereux »",
    "max_distance_km": "la distance maximale",
    "confidentiality": "la confidentialité",
    "price": "le prix",
    "price.eur_per_unit": "le prix par unité",
    "price.unit": "l'unité du prix",
    "note": "la note",
    "resource": "la ressource",
    "abandon_reason": "le motif d'abandon",
    "abandon_comment": "le commentaire d'abandon",
    "owner_id": "le conseiller responsable",
    "next_action_on": "la date de la prochaine action",
    "participants": "la liste des participants",
    "answer": "la réponse",
    "reason": "la raison",
    "comment": "le commentaire",
}

# Bidirectional overrides and isolates can make a label display as something else than it is
# (a classic spoofing trick), so they are refused like control characters.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def subject(field: str) -> str:
    """The field's French name, capitalised to start a sentence."""
    name = FIELD_NAMES_FR.get(field, f"le champ « {field} »")
    return name[0].upper() + name[1:]


def _forbidden_character(text: str, *, multiline: bool) -> str | None:
    for char in text:
        if multiline and char in "\n\t":
            continue
        # Cc: C0/C1 controls (NUL, ESC, BEL...); Zl/Zp: Unicode line and paragraph separators.
        if unicodedata.category(char) in {"Cc", "Zl", "Zp"} or char in _BIDI_CONTROLS:
            return char
    return None


def clean_text(
    value: object, field: str, *, min_length: int, max_length: int, multiline: bool = False
) -> str:
    """Trimmed, NFC-normalised text within length limits, without control characters.

    NFC first so that "é" typed as e + combining accent counts as one character and compares equal.
    multiline allows line breaks and tabs (descriptions); Windows line breaks become "\\n".
    """
    if not isinstance(value, str):
        raise FieldError(field, f"{subject(field)} doit être un texte.", "type")
    text = unicodedata.normalize("NFC", value).strip()
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    forbidden = _forbidden_character(text, multiline=multiline)
    if forbidden is not None:
        raise FieldError(
            field,
            f"{subject(field)} contient un caractère de contrôle interdit (U+{ord(forbidden):04X}) : "
            "retirez-le.",
            "control_character",
        )
    if len(text) < min_length:
        raise FieldError(field, f"{subject(field)} est obligatoire et ne peut pas être vide.", "required")
    if len(text) > max_length:
        raise FieldError(
            field,
            f"{subject(field)} doit faire au plus {max_length} caractères ({len(text)} reçus).",
            "too_long",
        )
    return text


def clean_optional_text(value: object, field: str, *, max_length: int, multiline: bool = False) -> str | None:
    """Like clean_text, but absent or blank text is None rather than an error."""
    if value is None:
        return None
    text = clean_text(value, field, min_length=0, max_length=max_length, multiline=multiline)
    return text or None


def as_number(value: object, field: str) -> float:
    """A finite number; numeric text is accepted, with a decimal comma as written in French."""
    # bool is an int subclass in Python, but true is not a number a person meant.
    if isinstance(value, bool):
        raise FieldError(field, f"{subject(field)} doit être un nombre.", "type")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an int beyond float range
            raise FieldError(field, f"{subject(field)} est beaucoup trop grand.", "out_of_range") from None
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", ".").replace("\u202f", "").replace(" ", ""))
        except ValueError:
            raise FieldError(
                field, f"{subject(field)} doit être un nombre (« {value} » reçu).", "type"
            ) from None
    else:
        raise FieldError(field, f"{subject(field)} doit être un nombre.", "type")
    if not math.isfinite(number):
        raise FieldError(field, f"{subject(field)} doit être un nombre fini.", "type")
    return number


def as_bool(value: object, field: str) -> bool:
    """A JSON boolean (true/false)."""
    if not isinstance(value, bool):
        raise FieldError(field, f"{subject(field)} doit valoir true ou false.", "type")
    return value
