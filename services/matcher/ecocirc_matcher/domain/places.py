"""Places a transport flow names ("retour à vide vers Lyon", "livraisons sur Blagnac"), to match routes."""

from __future__ import annotations

import re
from functools import lru_cache

from unidecode import unidecode

from ecocirc_shared.reference import communes_by_name, great_circle_km

# A proper noun written as one: capitalised words, possibly joined by hyphens or spaces ("Saint-Étienne",
# "Le Mans", "Clermont-Ferrand"). French writes common nouns in lower case, so mid-sentence capitals are
# names; the first word of a sentence is not trusted ("Départ", "Camion").
_NAME = re.compile(
    r"(?<![\w-])([A-ZÀ-Ý][\w'’]*(?:[- ](?:(?:sur|sous|en|le|la|les|de|du|des|lès)[- ])?[A-ZÀ-Ý][\w'’]*)*)"
)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|[(\[«\"]\s*)$")
# Names of an area that stand for a city in a delivery ("livraisons Île-de-France", "navette IDF"): the
# Paris region is delivered as Paris and its suburbs (INSEE, Code officiel géographique: Paris is the
# chef-lieu of région 11). Larger regions are too wide to stand for one destination.
_AREA_CITIES = {"ile-de-france": "Paris", "ile de france": "Paris", "idf": "Paris"}
# Two places this close are the same destination for a delivery round (a city and its suburbs).
SAME_DESTINATION_KM = 30.0

Point = tuple[float, float]


@lru_cache(maxsize=20_000)
def places_named(text: str) -> frozenset[Point]:
    """The communes a text names mid-sentence, as (lat, lon) points; every namesake of a name counts."""
    found: set[Point] = set()
    for match in _NAME.finditer(text):
        words = match.group(1).split()
        if _SENTENCE_START.search(text[: match.start()]):
            words = words[1:]  # "Départ Sélestat 6h": the first word may just open the sentence
        # The longest run of words that names a commune: "Le Mans", else "Mans".
        for start in range(len(words)):
            name = " ".join(words[start:])
            communes = communes_by_name(_AREA_CITIES.get(unidecode(name).lower(), name))
            if communes:
                found.update((c.lat, c.lon) for c in communes)
                break
    return frozenset(found)


def routes_meet(first: frozenset[Point], second: frozenset[Point]) -> bool:
    """Whether two sets of places share a destination; true when either names none (nothing to compare)."""
    if not first or not second:
        return True
    return any(great_circle_km(a[0], a[1], b[0], b[1]) <= SAME_DESTINATION_KM for a in first for b in second)
