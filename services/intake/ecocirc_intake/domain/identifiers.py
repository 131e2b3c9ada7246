"""Identifier rules: SIRET (Luhn, La Poste exception) and e-mail address syntax."""

from __future__ import annotations

import re

from ecocirc_intake.domain.errors import FieldError
from ecocirc_intake.domain.text import subject

# La Poste registered its many establishments under one SIREN before the Luhn key was enforced on the
# NIC: their SIRETs instead have a digit sum that is a multiple of 5 (INSEE's documented exception).
LA_POSTE_SIREN = "356000000"

# Separators people copy from letterheads and registers: spaces (incl. non-breaking), dots, hyphens.
_SIRET_SEPARATORS = re.compile(r"[\s.\-\u00a0\u202f]")


def luhn_valid(digits: str) -> bool:
    """True when a string of digits passes the Luhn check (every second digit from the right doubled)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def siret_valid(siret: str) -> bool:
    """True for 14 digits that satisfy the SIRET key (Luhn, or La Poste's digit-sum rule)."""
    if len(siret) != 14 or not siret.isascii() or not siret.isdigit():
        return False
    if luhn_valid(siret):
        return luhn_valid(siret[:9])
    return siret[:9] == LA_POSTE_SIREN and sum(int(char) for char in siret) % 5 == 0


def check_siret(value: object, field: str = "siret") -> str:
    """The SIRET as 14 digits (separators removed), or a FieldError saying what is wrong."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise FieldError(field, f"{subject(field)} doit être une chaîne de 14 chiffres.", "type")
    siret = _SIRET_SEPARATORS.sub("", value)
    if not siret:
        raise FieldError(
            field, f"{subject(field)} est vide : indiquez ses 14 chiffres ou omettez-le.", "required"
        )
    if not (siret.isascii() and siret.isdigit()):
        raise FieldError(
            field,
            f"Le numéro SIRET « {value.strip()} » ne doit contenir que des chiffres (14, espaces tolérés).",
            "siret_format",
        )
    if len(siret) != 14:
        raise FieldError(
            field, f"Le numéro SIRET doit comporter 14 chiffres ({len(siret)} reçus).", "siret_length"
        )
    if siret[:9] == LA_POSTE_SIREN:
        if not siret_valid(siret):
            raise FieldError(
                field,
                f"Le numéro SIRET {siret} est invalide (établissement de La Poste : la somme des chiffres "
                "doit être un multiple de 5).",
                "siret_checksum",
            )
        return siret
    if not luhn_valid(siret):
        raise FieldError(
            field,
            f"Le numéro SIRET {siret} est invalide (clé de contrôle de Luhn incorrecte).",
            "siret_checksum",
        )
    if not luhn_valid(siret[:9]):
        raise FieldError(
            field,
            f"Le numéro SIRET {siret} est invalide : son SIREN {siret[:9]} (9 premiers chiffres) a une clé "
            "de contrôle de Luhn incorrecte.",
            "siren_checksum",
        )
    return siret


# Characters RFC 5322 allows unquoted in a local part (dot-atom), plus any non-ASCII letter (RFC 6531).
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-]+)*$")
_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$")


def _email_problem(address: str) -> str | None:
    """Why an address is not a plausible mailbox, in French, or None when it is."""
    if any(char.isspace() for char in address):
        return "elle ne doit pas contenir d'espace"
    if address.count("@") != 1:
        return "elle doit contenir un seul « @ »" if "@" in address else "il manque le « @ »"
    local, domain = address.split("@")
    if not local:
        return "il manque la partie avant le « @ »"
    if len(local) > 64:
        return "la partie avant le « @ » dépasse 64 caractères"
    if not (_LOCAL_PART.match(local) or (not local.isascii() and ".." not in local)):
        return "la partie avant le « @ » contient un caractère non autorisé ou un point mal placé"
    if not domain:
        return "il manque le domaine après le « @ »"
    try:
        # IDNA turns "café.fr" into "xn--caf-dma.fr": the form DNS knows, to check label by label.
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return f"le domaine « {domain} » n'est pas un nom de domaine valide"
    labels = ascii_domain.split(".")
    if len(labels) < 2:
        return f"le domaine « {domain} » doit comporter un point (ex. « entreprise.fr »)"
    if not all(_DOMAIN_LABEL.match(label) for label in labels):
        return f"le domaine « {domain} » n'est pas un nom de domaine valide"
    top = labels[-1]
    if not (top.isalpha() or top.startswith("xn--")) or len(top) < 2:
        return f"le domaine « {domain} » doit finir par une extension comme « .fr » ou « .com »"
    return None


def check_email(value: object, field: str = "contact_email") -> str:
    """A plausible e-mail address (trimmed, domain lower-cased), or a FieldError saying why not.

    Syntax only: whether the mailbox exists is learnt by writing to it. The local part keeps its case,
    which a mail server may treat as significant.
    """
    if not isinstance(value, str):
        raise FieldError(field, f"{subject(field)} doit être un texte.", "type")
    address = value.strip()
    if not address:
        raise FieldError(field, f"{subject(field)} est obligatoire et ne peut pas être vide.", "required")
    if len(address) > 254:
        raise FieldError(
            field, f"L'adresse e-mail doit faire au plus 254 caractères ({len(address)} reçus).", "too_long"
        )
    problem = _email_problem(address)
    if problem is not None:
        raise FieldError(field, f"L'adresse e-mail « {address} » est invalide : {problem}.", "email_syntax")
    local, domain = address.split("@")
    return f"{local}@{domain.lower()}"
