"""How to describe a company by its activity without naming it, from its NAF code."""

from __future__ import annotations

# Wide "filières" on purpose: a finer activity in a rural territory could identify the company.
_BY_CLASS = {"30.30": "une entreprise de l'aéronautique et du spatial"}

_BY_DIVISION_RANGE: tuple[tuple[int, int, str], ...] = (
    (1, 1, "une exploitation agricole"),
    (2, 2, "une entreprise de la filière forêt"),
    (3, 3, "une entreprise de la pêche ou de l'aquaculture"),
    (5, 9, "une entreprise des industries extractives"),
    (10, 10, "une entreprise de l'agroalimentaire"),
    (11, 11, "une entreprise de la filière boissons"),
    (12, 15, "une entreprise du textile, de l'habillement ou du cuir"),
    (16, 16, "une entreprise de la filière bois"),
    (17, 18, "une entreprise de la filière papier-carton ou de l'imprimerie"),
    (19, 21, "une entreprise de la chimie"),
    (22, 22, "une entreprise de la plasturgie"),
    (23, 23, "une entreprise des matériaux minéraux (verre, béton, céramique)"),
    (24, 25, "une entreprise de la métallurgie"),
    (26, 28, "une entreprise de la fabrication d'équipements"),
    (29, 30, "une entreprise de la construction de matériels de transport"),
    (31, 33, "une entreprise manufacturière"),
    (35, 35, "une entreprise de l'énergie"),
    (36, 39, "une entreprise de l'eau ou des déchets"),
    (41, 43, "une entreprise du bâtiment et des travaux publics"),
    (45, 47, "une entreprise du commerce"),
    (49, 53, "une entreprise du transport et de la logistique"),
    (55, 56, "une entreprise de l'hôtellerie-restauration"),
)

UNKNOWN = "une entreprise"


def sector_phrase(naf_code: str | None) -> str:
    """« une entreprise de la filière bois » for 16.10A; « une entreprise » when the code says nothing."""
    if not naf_code:
        return UNKNOWN
    code = naf_code.strip()
    if code[:5] in _BY_CLASS:
        return _BY_CLASS[code[:5]]
    try:
        division = int(code[:2])
    except ValueError:
        return UNKNOWN
    for low, high, phrase in _BY_DIVISION_RANGE:
        if low <= division <= high:
            return phrase
    return UNKNOWN
