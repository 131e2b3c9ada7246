"""Site resolution from postcode, city and/or coordinates, with French errors naming the field."""

import pytest

from ecocirc_intake.domain.errors import BodyValidationError
from ecocirc_intake.domain.site import SITE_TOLERANCE_KM, resolve_site

# Town centres as in the communes table.
LECTOURE = (43.9405, 0.65076)
GIMONT = (43.62064, 0.88098)
PUJAUDRAN = (43.5897, 1.1502)


def _errors(
    postcode: object = None, city: object = None, lat: object = None, lon: object = None
) -> BodyValidationError:
    with pytest.raises(BodyValidationError) as info:
        resolve_site(postcode, city, lat, lon)
    return info.value


def test_postcode_of_a_single_commune_postcode() -> None:
    resolved = resolve_site(postcode="32000")
    assert resolved.site.city == "Auch"
    assert resolved.site.commune_insee == "32013"
    assert not resolved.coordinates_declared


def test_shared_postcode_without_city_lists_the_candidates() -> None:
    error = _errors(postcode="32200").errors[0]
    assert error.field == "city"
    assert error.code == "commune_ambiguous"
    assert error.message.startswith(
        "Le code postal 32200 est partagé par 11 communes : précisez la commune ("
    )
    assert "Gimont" in error.message and "Saint-Caprais" in error.message


def test_postcode_and_city() -> None:
    resolved = resolve_site(postcode="32 200", city="gimont", territory="32")
    site = resolved.site
    assert (site.postcode, site.city, site.commune_insee, site.territory) == (
        "32200",
        "Gimont",
        "32147",
        "32",
    )
    assert (site.lat, site.lon) == GIMONT
    assert resolved.department == "32"


def test_postcode_as_a_spreadsheet_number_gets_its_zero_back() -> None:
    assert resolve_site(postcode=1000, city="Bourg-en-Bresse").site.postcode == "01000"


def test_city_not_in_postcode() -> None:
    error = _errors(postcode="32600", city="Gimont").errors[0]
    assert (error.field, error.code) == ("city", "commune_postcode_mismatch")
    assert "La commune « Gimont » ne correspond pas au code postal 32600" in error.message
    assert "Gimont a pour code postal 32200" in error.message


def test_city_alone() -> None:
    assert resolve_site(city="Fleurance").site.commune_insee == "32132"
    error = _errors(city="Mauvezin").errors[0]
    assert error.code == "commune_ambiguous"
    assert "Mauvezin (31), Mauvezin (32), Mauvezin (65)" in error.message
    assert _errors(city="Gimontville").errors[0].code == "commune_unknown"


def test_coordinates_only_take_the_nearest_commune() -> None:
    resolved = resolve_site(lat=LECTOURE[0] + 0.002, lon=LECTOURE[1])
    assert resolved.site.city == "Lectoure"
    assert resolved.site.lat == LECTOURE[0] + 0.002
    assert resolved.coordinates_declared and resolved.commune_from_coordinates


def test_swapped_coordinates_are_caught() -> None:
    error = _errors(lat=GIMONT[1], lon=GIMONT[0]).errors[0]
    assert (error.field, error.code) == ("lat", "site_outside_france")
    assert "inversées" in error.message


def test_coordinates_settle_a_shared_postcode() -> None:
    resolved = resolve_site(postcode="32600", lat=PUJAUDRAN[0], lon=PUJAUDRAN[1])
    assert resolved.site.city == "Pujaudran"
    assert (resolved.site.lat, resolved.site.lon) == PUJAUDRAN


def test_coordinates_near_the_commune_are_kept() -> None:
    # A sawmill 8 km out of Samatan's centre, still in its commune or next door.
    resolved = resolve_site(postcode="32130", city="Samatan", lat=43.56, lon=0.93)
    assert resolved.site.city == "Samatan"
    assert resolved.site.lat == 43.56


def test_coordinates_far_from_the_commune_are_refused() -> None:
    # Lectoure's coordinates with Lombez's postcode: about 55 km apart.
    error = _errors(postcode="32220", city="Lombez", lat=LECTOURE[0], lon=LECTOURE[1]).errors[0]
    assert (error.field, error.code) == ("lat", "site_mismatch")
    assert "km du centre de Lombez (32220)" in error.message
    assert f"écart toléré : {SITE_TOLERANCE_KM:g} km" in error.message


def test_half_coordinates() -> None:
    error = _errors(postcode="32700", lat=43.9).errors[0]
    assert (error.field, error.code) == ("lon", "required")
    assert error.message == "La longitude est obligatoire quand la latitude est donnée."


def test_out_of_range_coordinates_are_all_reported() -> None:
    failed = _errors(lat=95, lon="est")
    assert failed.fields() == {"lat", "lon"}
    assert failed.errors[0].message == "La latitude doit être comprise entre -90 et 90 (95 reçu)."


def test_nothing_given() -> None:
    error = _errors().errors[0]
    assert (error.field, error.code) == ("postcode", "location_required")


@pytest.mark.parametrize(("postcode", "code"), [("3260", "postcode_format"), ("99999", "postcode_unknown")])
def test_bad_postcodes(postcode: str, code: str) -> None:
    error = _errors(postcode=postcode).errors[0]
    assert (error.field, error.code) == ("postcode", code)


def test_french_guiana_has_a_wider_tolerance() -> None:
    # 60 km inland from Maripasoula's centre is still Maripasoula (18,000 km²).
    maripasoula = resolve_site(city="Maripasoula").site
    resolved = resolve_site(city="Maripasoula", lat=maripasoula.lat - 0.55, lon=maripasoula.lon)
    assert resolved.site.city == "Maripasoula"
