"""Standard-code rules: the NAF activity code of a company, the EWC waste code of a flow."""

from __future__ import annotations

from ecocirc_intake.domain.errors import FieldError
from ecocirc_intake.domain.text import subject
from ecocirc_shared.reference import (
    EwcCodeError,
    EwcEntry,
    NafEntry,
    get_naf,
    naf_by_nace_class,
    normalise_naf_code,
    parse_ewc_code,
)
from ecocirc_shared.reference import ewc_waste_entry as _ewc_waste_entry


def check_naf_code(value: object, field: str = "naf_code") -> NafEntry:
    """The NAF rév. 2 entry for "10.13A" (or "1013A", "10.13a"), or a FieldError."""
    if not isinstance(value, str):
        raise FieldError(field, f"{subject(field)} doit être un texte, ex. « 10.13A ».", "type")
    code = normalise_naf_code(value)
    if code is None:
        raise FieldError(
            field,
            f"Le code NAF « {value.strip()} » n'a pas la forme attendue : deux chiffres, un point, deux "
            "chiffres et une lettre (ex. « 10.13A »).",
            "naf_format",
        )
    entry = get_naf(code)
    if entry is None:
        # A wrong fifth letter is the usual slip ("10.13Z" for "10.13A"): name the codes of the class.
        siblings = naf_by_nace_class(code[:5])
        hint = (
            f" Codes existants pour la classe {code[:5]} : {', '.join(s.code for s in siblings)}."
            if siblings
            else ""
        )
        raise FieldError(
            field, f"Le code NAF {code} n'existe pas dans la nomenclature NAF rév. 2.{hint}", "naf_unknown"
        )
    return entry


def check_ewc_code(value: object, field: str = "ewc_code") -> EwcEntry:
    """The six-digit entry of the European List of Waste for "03 01 05" (any common writing).

    A "*" is accepted on hazardous entries; on a non-hazardous one it is refused, since the writer
    believed the waste hazardous and has most likely picked the wrong entry (often the "mirror" one).
    """
    if not isinstance(value, str):
        raise FieldError(field, f"{subject(field)} doit être un texte, ex. « 03 01 05 ».", "type")
    try:
        entry = _ewc_waste_entry(value)
    except EwcCodeError as error:
        raise _ewc_error(field, value, error) from None
    if parse_ewc_code(value).starred and not entry.hazardous:
        raise FieldError(
            field,
            f"Le code déchet {entry.code} (« {entry.label_fr} ») n'est pas classé dangereux dans la liste "
            "européenne : retirez l'astérisque ou vérifiez le code.",
            "ewc_not_hazardous",
        )
    return entry


def _ewc_error(field: str, value: str, error: EwcCodeError) -> FieldError:
    if error.reason == "syntax":
        return FieldError(
            field,
            f"Le code déchet « {value.strip()} » n'a pas la forme attendue : six chiffres par paires, "
            "ex. « 03 01 05 » (suivi de « * » pour un déchet dangereux).",
            "ewc_format",
        )
    if error.reason == "not_a_waste_entry" and error.entry is not None:
        kind = "un chapitre" if error.entry.level == 1 else "une sous-rubrique"
        return FieldError(
            field,
            f"Le code {error.entry.code} est {kind} de la liste européenne des déchets "
            f"(« {error.entry.label_fr} ») : indiquez le code à six chiffres du déchet.",
            "ewc_not_a_waste",
        )
    code = parse_ewc_code(value).code
    return FieldError(
        field, f"Le code déchet {code} n'existe pas dans la liste européenne des déchets.", "ewc_unknown"
    )


def effective_hazardous(declared: bool | None, ewc: EwcEntry | None) -> bool:
    """Whether a flow is hazardous: the law's classification of its EWC entry prevails over the company's.

    A hazardous ("*") entry makes the flow hazardous whatever was declared; otherwise the declaration
    stands (a company may know of a contamination the code does not say).
    """
    if ewc is not None and ewc.hazardous:
        return True
    return bool(declared)
