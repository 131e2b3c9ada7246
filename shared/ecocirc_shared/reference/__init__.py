"""Reference data every service shares: EWC waste codes, NAF activity codes, French communes, geodesy."""

from ecocirc_shared.reference.communes import (
    AmbiguousCommuneError,
    Commune,
    CommuneLookupError,
    InvalidPostcodeError,
    UnknownCityError,
    UnknownPostcodeError,
    commune_by_insee,
    commune_entries,
    communes_by_name,
    communes_by_postcode,
    nearest_commune,
    normalise_postcode,
    resolve_commune,
)
from ecocirc_shared.reference.ewc import (
    EwcCodeError,
    EwcEntry,
    ParsedEwcCode,
    ewc_entries,
    ewc_waste_entry,
    get_ewc,
    parse_ewc_code,
    search_ewc,
)
from ecocirc_shared.reference.geo import great_circle_km, is_valid_lat_lon
from ecocirc_shared.reference.naf import NafEntry, get_naf, naf_by_nace_class, naf_entries, normalise_naf_code


def preload() -> None:
    """Load every table now (about 0.1-0.3 s), e.g. at service start, so no request pays for it."""
    ewc_entries()
    naf_entries()
    communes_by_name("Gimont")  # builds the postcode index and the name index


__all__ = [
    "AmbiguousCommuneError",
    "Commune",
    "CommuneLookupError",
    "EwcCodeError",
    "EwcEntry",
    "InvalidPostcodeError",
    "NafEntry",
    "ParsedEwcCode",
    "UnknownCityError",
    "UnknownPostcodeError",
    "commune_by_insee",
    "commune_entries",
    "communes_by_name",
    "communes_by_postcode",
    "ewc_entries",
    "ewc_waste_entry",
    "get_ewc",
    "get_naf",
    "great_circle_km",
    "is_valid_lat_lon",
    "naf_by_nace_class",
    "naf_entries",
    "nearest_commune",
    "normalise_naf_code",
    "normalise_postcode",
    "parse_ewc_code",
    "preload",
    "resolve_commune",
    "search_ewc",
]
