"""Site resolution: postcode, city and/or lat/lon turned into one located Site, or French errors."""

from __future__ import annotations

from dataclasses import dataclass

from ecocirc_intake.domain.errors import BodyValidationError, ErrorCollector, FieldError
from ecocirc_intake.domain.text import as_number, clean_optional_text, subject
from ecocirc_shared.flows import Site
from ecocirc_shared.reference import (
    AmbiguousCommuneError,
    Commune,
    CommuneLookupError,
    InvalidPostcodeError,
    UnknownCityError,
    UnknownPostcodeError,
    great_circle_km,
    nearest_commune,
    normalise_postcode,
    resolve_commune,
)

# How far declared coordinates may lie from the centre (chef-lieu) of the declared commune. Gers
# communes are 5-10 km across and even the largest metropolitan ones (Arles, Laruns) reach about
# 30 km from their centre, so beyond that the postcode or the coordinates are wrong (swapped lat/lon,
# a sign lost, a neighbouring department's postcode). French Guiana's communes are far larger
# (Maripasoula: 18,000 km²), hence its own allowance.
SITE_TOLERANCE_KM = 30.0
SITE_TOLERANCE_KM_BY_DEPARTMENT: dict[str, float] = {"973": 150.0}

# Candidate names listed in an error message before "et N autres".
_MAX_LISTED = 20


def tolerance_km(commune: Commune) -> float:
    """How far from this commune's centre a site in it may be."""
    return SITE_TOLERANCE_KM_BY_DEPARTMENT.get(commune.department, SITE_TOLERANCE_KM)


@dataclass(frozen=True, slots=True)
class ResolvedSite:
    """A located site, the commune it was placed in (None if none could be), and how it was placed.

    coordinates_declared: lat/lon come from the body (else they are the commune's centre).
    commune_from_coordinates: the commune was inferred as the one whose centre is nearest to the
    declared point (approximate near commune boundaries).
    """

    site: Site
    commune: Commune | None
    coordinates_declared: bool
    commune_from_coordinates: bool = False

    @property
    def department(self) -> str | None:
        return self.commune.department if self.commune else None


def _names(communes: tuple[Commune, ...], *, with_department: bool = False) -> str:
    labels = [f"{c.name} ({c.department})" if with_department else c.name for c in communes]
    listed = ", ".join(labels[:_MAX_LISTED])
    more = len(labels) - _MAX_LISTED
    return f"{listed} et {more} autres" if more > 0 else listed


def _postcode_text(value: object) -> str | None:
    """The postcode as text; a JSON number (from a spreadsheet) gets back its lost leading zero."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 99999:
        return f"{value:05d}"
    if not isinstance(value, str):
        raise FieldError(
            "postcode", "Le code postal doit être un texte de 5 chiffres, ex. « 32600 ».", "type"
        )
    return value.strip() or None


def _coordinate(value: object, field: str, limit: float) -> float | None:
    if value is None:
        return None
    number = as_number(value, field)
    if not -limit <= number <= limit:
        raise FieldError(
            field,
            f"{subject(field)} doit être comprise entre -{limit:g} et {limit:g} ({number:g} reçu).",
            "out_of_range",
        )
    return number


def _lookup_error(error: CommuneLookupError) -> FieldError:
    """French message for a commune that could not be resolved, naming the field to correct."""
    if isinstance(error, InvalidPostcodeError):
        return FieldError(
            "postcode",
            f"Le code postal « {error.postcode} » doit comporter 5 chiffres, ex. « 32600 ».",
            "postcode_format",
        )
    if isinstance(error, UnknownPostcodeError):
        also = (
            f" et aucune commune « {error.city} » n'a été trouvée dans ce département" if error.city else ""
        )
        return FieldError(
            "postcode",
            f"Le code postal {error.postcode} ne correspond à aucune commune{also}.",
            "postcode_unknown",
        )
    if isinstance(error, AmbiguousCommuneError) and error.city is None:
        return FieldError(
            "city",
            f"Le code postal {error.postcode} est partagé par {len(error.candidates)} communes : précisez "
            f"la commune ({_names(error.candidates)}).",
            "commune_ambiguous",
        )
    if isinstance(error, AmbiguousCommuneError):
        namesakes = _names(error.candidates, with_department=True)
        return FieldError(
            "city",
            f"Plusieurs communes s'appellent « {error.city} » ({namesakes}) : indiquez le code postal.",
            "commune_ambiguous",
        )
    if isinstance(error, UnknownCityError) and error.postcode is not None:
        elsewhere = ""
        if error.elsewhere:
            postcodes = ", ".join(sorted({c.postcode for c in error.elsewhere}))
            elsewhere = f" La commune {error.elsewhere[0].name} a pour code postal {postcodes}."
        return FieldError(
            "city",
            f"La commune « {error.city} » ne correspond pas au code postal {error.postcode} (communes de ce "
            f"code postal : {_names(error.candidates)}).{elsewhere}",
            "commune_postcode_mismatch",
        )
    return FieldError(
        "city",
        f"Aucune commune ne s'appelle « {error.city} » : vérifiez l'orthographe ou indiquez le code postal.",
        "commune_unknown",
    )


def _far_error(lat: float, lon: float, commune: Commune, distance: float) -> FieldError:
    return FieldError(
        "lat",
        f"Les coordonnées (lat {lat:g}, lon {lon:g}) sont à {distance:.0f} km du centre de {commune.name} "
        f"({commune.postcode}) : vérifiez les coordonnées ou le code postal (écart toléré : "
        f"{tolerance_km(commune):g} km).",
        "site_mismatch",
    )


def _outside_france_error(lat: float, lon: float, commune: Commune, distance: float) -> FieldError:
    return FieldError(
        "lat",
        f"Les coordonnées (lat {lat:g}, lon {lon:g}) sont à {distance:.0f} km de la commune française la "
        f"plus proche ({commune.name}) : vérifiez-les (latitude et longitude inversées ?).",
        "site_outside_france",
    )


def resolve_site(
    postcode: object = None,
    city: object = None,
    lat: object = None,
    lon: object = None,
    *,
    territory: str | None = None,
) -> ResolvedSite:
    """Place a site from any of: postcode, postcode + city, city, lat + lon, or all of them.

    - Address only: the commune resolved by ecocirc_shared.reference.resolve_commune; the site is at
      the commune's centre. A postcode shared by several communes needs the city (error listing them).
    - Coordinates only: kept as declared; the commune is the one with the nearest centre, which must
      be within the tolerance (else the point is not in France, or lat/lon are swapped).
    - Both: the coordinates also settle a shared postcode (nearest of its communes); they must lie
      within the tolerance of the commune's centre (SITE_TOLERANCE_KM, 150 km in French Guiana).
    Raises BodyValidationError with every error found.
    """
    errors = ErrorCollector()
    postcode_text = errors.run(_postcode_text, postcode)
    city_text = errors.run(clean_optional_text, city, "city", max_length=200)
    lat_value = errors.run(_coordinate, lat, "lat", 90.0)
    lon_value = errors.run(_coordinate, lon, "lon", 180.0)
    errors.raise_if_any()

    if (lat_value is None) != (lon_value is None):
        missing = "lon" if lon_value is None else "lat"
        given = "lat" if missing == "lon" else "lon"
        raise BodyValidationError(
            [
                FieldError(
                    missing,
                    f"{subject(missing)} est obligatoire quand {subject(given).lower()} est donnée.",
                    "required",
                )
            ]
        )
    point = (lat_value, lon_value) if lat_value is not None and lon_value is not None else None
    if point is None and postcode_text is None and city_text is None:
        raise BodyValidationError(
            [
                FieldError(
                    "postcode",
                    "Indiquez où se trouve le site : un code postal (et la commune si le code postal en "
                    "couvre plusieurs) ou des coordonnées lat et lon.",
                    "location_required",
                )
            ]
        )

    if point is not None and postcode_text is None and city_text is None:
        commune, distance = nearest_commune(*point)
        if distance > tolerance_km(commune):
            raise BodyValidationError([_outside_france_error(point[0], point[1], commune, distance)])
        site = Site(
            lat=point[0],
            lon=point[1],
            postcode=commune.postcode,
            city=commune.name,
            commune_insee=commune.insee,
            territory=territory,
        )
        return ResolvedSite(site, commune, coordinates_declared=True, commune_from_coordinates=True)

    try:
        commune = resolve_commune(postcode_text, city_text, near=point)
    except CommuneLookupError as error:
        raise BodyValidationError([_lookup_error(error)]) from None
    if point is not None:
        distance = great_circle_km(point[0], point[1], commune.lat, commune.lon)
        if distance > tolerance_km(commune):
            raise BodyValidationError([_far_error(point[0], point[1], commune, distance)])
    lat_site, lon_site = point if point is not None else (commune.lat, commune.lon)
    # The declared postcode is kept when valid (it may be a CEDEX or secondary one that routes mail).
    site = Site(
        lat=lat_site,
        lon=lon_site,
        postcode=normalise_postcode(postcode_text) if postcode_text is not None else commune.postcode,
        city=commune.name,
        commune_insee=commune.insee,
        territory=territory,
    )
    return ResolvedSite(site, commune, coordinates_declared=point is not None)
