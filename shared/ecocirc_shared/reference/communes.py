"""French communes: lookup by postcode, INSEE code or name, and resolution of an address to one commune."""

from __future__ import annotations

import difflib
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from ecocirc_shared.reference._loading import load_once, read_table
from ecocirc_shared.reference._text import name_key
from ecocirc_shared.reference.geo import great_circle_km

_POSTCODE = re.compile(r"^\d{5}$")

# "Paris 11e Arrondissement", "Marseille 1er Arrondissement": the table lists the municipal
# arrondissements of Paris, Lyon and Marseille (with their own postcodes) besides the three communes.
_ARRONDISSEMENT = re.compile(r"^(?P<city>.+?) \d+(?:er|e) Arrondissement$")

# A misspelt city is accepted only when it is this close to exactly one commune of the given postcode:
# high enough that two different communes never meet, low enough that "Fleurence" finds Fleurance.
FUZZY_CUTOFF = 0.85


class Commune(NamedTuple):
    """One commune: INSEE code, official name, department, postcodes and WGS84 centre.

    A NamedTuple rather than a dataclass: 35,000 of them are built at load time, three times faster.
    """

    insee: str
    name: str
    department: str
    postcodes: tuple[str, ...]
    lat: float
    lon: float

    @property
    def postcode(self) -> str:
        """The commune's (first) postcode."""
        return self.postcodes[0]


class CommuneLookupError(LookupError):
    """An address that does not resolve to exactly one commune; subclasses say why."""

    def __init__(
        self,
        message: str,
        *,
        postcode: str | None = None,
        city: str | None = None,
        candidates: tuple[Commune, ...] = (),
        elsewhere: tuple[Commune, ...] = (),
    ) -> None:
        super().__init__(message)
        self.postcode = postcode
        self.city = city
        # The communes the caller may have meant, to list in a message: the postcode's communes, or the
        # namesakes of an ambiguous city.
        self.candidates = candidates
        # For a city not found under the given postcode: communes of that name elsewhere in France.
        self.elsewhere = elsewhere


class InvalidPostcodeError(CommuneLookupError):
    """The postcode is not five digits."""


class UnknownPostcodeError(CommuneLookupError):
    """No commune has this postcode (and no city was given that could be found in its department)."""


class UnknownCityError(CommuneLookupError):
    """The city matches no commune of the postcode, or no commune at all when no postcode was given."""


class AmbiguousCommuneError(CommuneLookupError):
    """Several communes fit (a postcode shared by several communes, or a common name) and nothing decides."""


@dataclass(frozen=True, slots=True)
class _Index:
    all: tuple[Commune, ...]
    by_insee: dict[str, Commune]
    by_postcode: dict[str, tuple[Commune, ...]]


@load_once
def _index() -> _Index:
    columns = ("insee", "name", "department", "postcodes", "lat", "lon")
    communes = tuple(
        Commune(insee, name, department, tuple(postcodes.split(";")), float(lat), float(lon))
        for insee, name, department, postcodes, lat, lon in read_table("communes_fr.csv", columns)
    )
    by_postcode: defaultdict[str, list[Commune]] = defaultdict(list)
    for commune in communes:
        for postcode in commune.postcodes:
            by_postcode[postcode].append(commune)
    return _Index(
        all=communes,
        by_insee={commune.insee: commune for commune in communes},
        by_postcode={postcode: tuple(found) for postcode, found in by_postcode.items()},
    )


@load_once
def _by_name_key() -> dict[str, tuple[Commune, ...]]:
    # Built apart from _index, on the first search by name alone: folding 35,000 names costs as much as
    # loading the table, and lookups by postcode never need it.
    by_key: defaultdict[str, list[Commune]] = defaultdict(list)
    for commune in _index().all:
        by_key[name_key(commune.name)].append(commune)
    return {key: tuple(found) for key, found in by_key.items()}


def _keys(commune: Commune) -> tuple[str, ...]:
    """The name keys a commune answers to: its name, and for an arrondissement its city's name too."""
    key = name_key(commune.name)
    match = _ARRONDISSEMENT.match(commune.name)
    return (key, name_key(match["city"])) if match else (key,)


def normalise_postcode(raw: str) -> str | None:
    """Five-digit postcode with inner spaces removed ("32 600" -> "32600"), or None when malformed."""
    compact = re.sub(r"\s+", "", raw)
    return compact if _POSTCODE.match(compact) else None


def commune_by_insee(insee: str) -> Commune | None:
    """The commune with this INSEE code ("32160", "2A004"), or None."""
    return _index().by_insee.get(insee.strip().upper())


def communes_by_postcode(postcode: str) -> tuple[Commune, ...]:
    """The communes served by a postcode (several are common in rural areas); empty when unknown."""
    normalised = normalise_postcode(postcode)
    return () if normalised is None else _index().by_postcode.get(normalised, ())


def communes_by_name(name: str) -> tuple[Commune, ...]:
    """Communes whose name matches ignoring accents, case, hyphens, apostrophes, "St"/"Saint", "CEDEX"."""
    return _by_name_key().get(name_key(name), ())


def _postcode_area(postcode: str) -> tuple[Commune, ...]:
    """Communes of the department a postcode belongs to (first two digits; three overseas).

    Used when a postcode is not in the table (CEDEX codes, secondary postcodes of big towns such as
    Toulouse 31000, which the table does not list) but the city can still be found nearby.
    """
    width = 3 if postcode.startswith("97") else 2
    prefix = postcode[:width]
    departments = {"2A", "2B"} if prefix == "20" else {prefix}
    return tuple(
        commune
        for commune in _index().all
        if commune.department in departments or any(code[:width] == prefix for code in commune.postcodes)
    )


def _match_name(city: str, candidates: Iterable[Commune], *, fuzzy: bool) -> tuple[Commune, ...]:
    """Candidates whose name matches city after folding; else, if fuzzy, the single close one."""
    wanted = name_key(city)
    keyed = [(commune, _keys(commune)) for commune in candidates]
    exact = tuple(commune for commune, keys in keyed if wanted in keys)
    if exact or not fuzzy or not wanted:
        return exact
    close = [
        commune
        for commune, keys in keyed
        if max(difflib.SequenceMatcher(None, wanted, key).ratio() for key in keys) >= FUZZY_CUTOFF
    ]
    # Two close names are not a typo we may settle for the user.
    return (close[0],) if len(close) == 1 else ()


def _pick(
    found: tuple[Commune, ...],
    near: tuple[float, float] | None,
    *,
    postcode: str | None,
    city: str | None,
) -> Commune:
    """The single commune in found; several are settled by the one nearest to near, else an error."""
    if len(found) == 1:
        return found[0]
    if near is not None:
        return min(found, key=lambda commune: great_circle_km(near[0], near[1], commune.lat, commune.lon))
    names = ", ".join(commune.name for commune in found)
    raise AmbiguousCommuneError(
        f"{len(found)} communes match postcode={postcode!r} city={city!r}: {names}",
        postcode=postcode,
        city=city,
        candidates=found,
    )


def resolve_commune(
    postcode: str | None = None,
    city: str | None = None,
    *,
    near: tuple[float, float] | None = None,
) -> Commune:
    """Resolve an address to exactly one commune, or raise a CommuneLookupError saying why.

    Rules:
    - postcode alone: the postcode's commune if it has only one; if several, the one nearest to `near`
      (lat, lon) when given, else AmbiguousCommuneError listing them. We do not guess: the commune
      decides the territory, hence which advisors see the company.
    - postcode + city: the postcode's commune whose name matches (accents, case, hyphens, apostrophes,
      "St"/"Saint", "CEDEX" ignored; a single unambiguous typo tolerated), else UnknownCityError
      (with the namesakes found under other postcodes). A postcode missing from the table (CEDEX, a
      big town's secondary postcode) falls back to the city searched in the postcode's department.
    - city alone: the commune of that name if unique in France (or nearest to `near`), else
      AmbiguousCommuneError listing the namesakes.
    """
    city = city.strip() if city and city.strip() else None
    if postcode is None:
        if city is None:
            raise ValueError("resolve_commune needs a postcode or a city")
        found = communes_by_name(city)
        if not found:
            raise UnknownCityError(f"no commune named {city!r}", city=city)
        return _pick(found, near, postcode=None, city=city)

    normalised = normalise_postcode(postcode)
    if normalised is None:
        raise InvalidPostcodeError(f"postcode {postcode!r} is not five digits", postcode=postcode, city=city)
    in_postcode = communes_by_postcode(normalised)
    if not in_postcode:
        found = _match_name(city, _postcode_area(normalised), fuzzy=False) if city else ()
        if not found:
            raise UnknownPostcodeError(
                f"no commune has postcode {normalised}", postcode=normalised, city=city
            )
        return _pick(found, near, postcode=normalised, city=city)
    if city is None:
        return _pick(in_postcode, near, postcode=normalised, city=None)
    found = _match_name(city, in_postcode, fuzzy=True)
    if not found:
        raise UnknownCityError(
            f"no commune named {city!r} has postcode {normalised}",
            postcode=normalised,
            city=city,
            candidates=in_postcode,
            elsewhere=communes_by_name(city),
        )
    return _pick(found, near, postcode=normalised, city=city)


def nearest_commune(lat: float, lon: float) -> tuple[Commune, float]:
    """The commune whose centre (not boundary) is nearest to a point, with the distance in km."""
    best = min(_index().all, key=lambda commune: _flat_distance2(lat, lon, commune))
    return best, great_circle_km(lat, lon, best.lat, best.lon)


def _flat_distance2(lat: float, lon: float, commune: Commune) -> float:
    # Equirectangular approximation, good enough to rank candidates; the winner gets the true distance.
    # Longitude differences wrap so that points either side of the antimeridian stay close.
    dlon = (commune.lon - lon + 180.0) % 360.0 - 180.0
    scale = math.cos(math.radians((lat + commune.lat) / 2))
    return (commune.lat - lat) ** 2 + (dlon * scale) ** 2


def commune_entries() -> tuple[Commune, ...]:
    """Every commune of the table (municipal arrondissements of Paris, Lyon, Marseille included)."""
    return _index().all
