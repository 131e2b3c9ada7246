"""Where a company is: postcode, city and/or coordinates resolved offline to a commune and a point."""

from __future__ import annotations

from ecocirc_shared.flows import Site
from ecocirc_shared.reference.communes import (
    AmbiguousCommuneError,
    CommuneLookupError,
    nearest_commune,
    resolve_commune,
)

from ecocirc_intake.domain.errors import FieldError

# A declared point farther than this from its commune's centre is more likely a typo than a site.
MAX_KM_FROM_COMMUNE = 30.0


def resolve_site(postcode: str | None, city: str | None, lat: float | None, lon: float | None) -> Site:
    if (lat is None) != (lon is None):
        raise FieldError("lat" if lat is None else "lon", "Indiquez la latitude et la longitude ensemble.")
    near = (lat, lon) if lat is not None and lon is not None else None
    if postcode is None and city is None:
        if near is None:
            raise FieldError(
                "postcode", "Indiquez le code postal (et la commune) ou les coordonnées lat/lon."
            )
        commune, _km = nearest_commune(*near)
        return Site(
            lat=near[0],
            lon=near[1],
            postcode=commune.postcode,
            city=commune.name,
            commune_insee=commune.insee,
            territory=commune.department,
        )
    try:
        commune = resolve_commune(postcode, city, near=near)
    except AmbiguousCommuneError as exc:
        raise FieldError(
            "city", f"Le code postal {postcode} couvre plusieurs communes : précisez la commune ({exc})."
        ) from exc
    except CommuneLookupError as exc:
        field = "city" if postcode is None or "city" in type(exc).__name__.lower() else "postcode"
        raise FieldError(field, f"Adresse introuvable : {exc}.") from exc
    if near is not None:
        from ecocirc_shared.reference.geo import great_circle_km

        if great_circle_km(near[0], near[1], commune.lat, commune.lon) > MAX_KM_FROM_COMMUNE:
            raise FieldError(
                "lat", f"Les coordonnées sont à plus de {MAX_KM_FROM_COMMUNE:.0f} km de {commune.name}."
            )
    return Site(
        lat=near[0] if near else commune.lat,
        lon=near[1] if near else commune.lon,
        postcode=postcode or commune.postcode,
        city=commune.name,
        commune_insee=commune.insee,
        territory=commune.department,
    )
