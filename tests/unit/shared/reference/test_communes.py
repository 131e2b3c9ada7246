"""Communes: postcode and name lookups on real Gers places, ambiguity, disambiguation, fallbacks."""

import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecocirc_shared.reference import (
    AmbiguousCommuneError,
    Commune,
    InvalidPostcodeError,
    UnknownCityError,
    UnknownPostcodeError,
    commune_by_insee,
    commune_entries,
    communes_by_name,
    communes_by_postcode,
    great_circle_km,
    nearest_commune,
    resolve_commune,
)

GERS_TOWNS = [
    ("32600", "L'Isle-Jourdain", "32160"),
    ("32200", "Gimont", "32147"),
    ("32130", "Samatan", "32410"),
    ("32700", "Lectoure", "32208"),
    ("32500", "Fleurance", "32132"),
    ("32120", "Mauvezin", "32249"),
    ("32220", "Lombez", "32213"),
]


@pytest.mark.parametrize(("postcode", "city", "insee"), GERS_TOWNS)
def test_gers_towns_resolve_by_postcode_and_city(postcode: str, city: str, insee: str) -> None:
    commune = resolve_commune(postcode, city)
    assert commune.insee == insee
    assert commune.name == city
    assert commune.department == "32"
    assert postcode in commune.postcodes
    # The Pays Portes de Gascogne lies between 43.4 and 44.0 N, 0.5 and 1.2 E.
    assert 43.4 < commune.lat < 44.0 and 0.5 < commune.lon < 1.2


@pytest.mark.parametrize(("postcode", "city", "insee"), GERS_TOWNS)
def test_gers_postcodes_are_shared_by_several_communes(postcode: str, city: str, insee: str) -> None:
    communes = communes_by_postcode(postcode)
    assert len(communes) >= 10
    assert insee in {commune.insee for commune in communes}


def test_postcode_alone_shared_by_several_communes_is_ambiguous() -> None:
    with pytest.raises(AmbiguousCommuneError) as info:
        resolve_commune("32600")
    names = {commune.name for commune in info.value.candidates}
    assert names == {
        "Auradé", "Beaupuy", "Clermont-Savès", "Endoufielle", "L'Isle-Jourdain",
        "Lias", "Monbrun", "Pujaudran", "Razengues", "Ségoufielle",
    }  # fmt: skip
    assert info.value.postcode == "32600"
    assert "L'Isle-Jourdain" in str(info.value)


@pytest.mark.parametrize(
    "city",
    [
        "L'Isle-Jourdain",
        "l'isle-jourdain",
        "L ISLE JOURDAIN",
        "Lisle-Jourdain",
        "L’Isle Jourdain",
        "Isle-Jourdain (L')",
        "L'Isle-Jourdain CEDEX",
        "l'isle jourdain cedex 2",
        "  L'Isle-Jourdain  ",
    ],
)
def test_city_disambiguates_a_shared_postcode_in_any_writing(city: str) -> None:
    assert resolve_commune("32600", city).insee == "32160"


@pytest.mark.parametrize(
    ("city", "insee"),
    [
        ("St Germier", "32379"),
        ("SAINT GERMIER", "32379"),
        ("Ste-Marie", None),
        ("Saint André", None),
        ("Escorneboeuf", "32123"),
        ("Escornebœuf", "32123"),
        ("GIMONT", "32147"),
    ],
)
def test_saint_abbreviations_and_ligatures_in_32200(city: str, insee: str | None) -> None:
    commune = resolve_commune("32200", city)
    assert commune.postcode == "32200"
    if insee:
        assert commune.insee == insee
    assert communes_by_name(city) and commune in communes_by_name(city)


def test_coordinates_settle_a_shared_postcode() -> None:
    pujaudran = resolve_commune("32600", "Pujaudran")
    assert resolve_commune("32600", near=(pujaudran.lat + 0.005, pujaudran.lon)) == pujaudran


def test_city_not_in_the_postcode_says_where_it_is() -> None:
    with pytest.raises(UnknownCityError) as info:
        resolve_commune("32600", "Gimont")
    assert {commune.postcode for commune in info.value.candidates} == {"32600"}
    assert [commune.postcode for commune in info.value.elsewhere] == ["32200"]


def test_one_clear_typo_is_forgiven() -> None:
    assert resolve_commune("32500", "Fleurence").name == "Fleurance"
    assert resolve_commune("32120", "Saint-Oren").name == "Saint-Orens"


def test_a_foreign_name_is_not_matched_fuzzily() -> None:
    with pytest.raises(UnknownCityError):
        resolve_commune("32500", "Toulouse")


def test_city_alone_resolves_when_unique() -> None:
    assert resolve_commune(city="Samatan").insee == "32410"
    assert resolve_commune(city="lectoure").insee == "32208"


def test_city_alone_with_namesakes_is_ambiguous_unless_near_given() -> None:
    with pytest.raises(AmbiguousCommuneError) as info:
        resolve_commune(city="Mauvezin")
    assert {commune.department for commune in info.value.candidates} == {"31", "32", "65"}
    gimont = resolve_commune("32200", "Gimont")
    assert resolve_commune(city="Mauvezin", near=(gimont.lat, gimont.lon)).insee == "32249"


def test_unknown_city_alone() -> None:
    with pytest.raises(UnknownCityError):
        resolve_commune(city="Gimontville")


@pytest.mark.parametrize("postcode", ["3260", "326000", "32A00", "", "  "])
def test_malformed_postcodes(postcode: str) -> None:
    with pytest.raises(InvalidPostcodeError):
        resolve_commune(postcode)
    assert communes_by_postcode(postcode) == ()


def test_unknown_postcode() -> None:
    with pytest.raises(UnknownPostcodeError):
        resolve_commune("99999")
    with pytest.raises(UnknownPostcodeError):
        resolve_commune("32999", "Nowhere")


def test_unknown_postcode_falls_back_to_the_city_in_its_department() -> None:
    # The table lists Toulouse under 31300 only; 31000 is its best-known postcode.
    assert resolve_commune("31000", "Toulouse").insee == "31555"
    # A CEDEX postcode of Auch.
    assert resolve_commune("32020", "AUCH CEDEX 9").insee == "32013"
    # Corsica: postcodes 20xxx, departments 2A and 2B.
    assert resolve_commune("20090", "Ajaccio").insee == "2A004"


def test_postcode_with_inner_space() -> None:
    assert communes_by_postcode("32 600") == communes_by_postcode("32600")


def test_arrondissements_of_paris_lyon_marseille() -> None:
    assert resolve_commune("75011", "Paris").insee == "75111"
    assert resolve_commune("69003", "Lyon").insee == "69383"
    assert resolve_commune("13001").insee == "13201"
    assert resolve_commune("75000", "Paris").insee == "75056"
    assert resolve_commune(city="Paris").insee == "75056"


def test_overseas_commune() -> None:
    saint_denis = resolve_commune("97417", "Saint-Denis")
    assert saint_denis.department == "974"
    assert saint_denis.lat < 0


def test_lookup_by_insee() -> None:
    commune = commune_by_insee("32160")
    assert commune is not None and commune.name == "L'Isle-Jourdain"
    assert commune_by_insee("2a004") is not None
    assert commune_by_insee("00000") is None


def test_nearest_commune() -> None:
    lombez = resolve_commune("32220", "Lombez")
    commune, distance = nearest_commune(lombez.lat + 0.001, lombez.lon)
    assert commune == lombez
    assert distance == pytest.approx(0.11, abs=0.01)


def test_table_is_complete_and_sane() -> None:
    communes = commune_entries()
    assert len(communes) == 35_000
    assert len([commune for commune in communes if commune.department == "32"]) == 461
    assert all(-90 <= commune.lat <= 90 and -180 <= commune.lon <= 180 for commune in communes)


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


GERS = [commune for commune in commune_entries() if commune.department == "32"]
WRITINGS: list[Callable[[str], str]] = [
    str.upper,
    str.lower,
    _strip_accents,
    lambda name: name.replace("-", " "),
    lambda name: name.replace("Saint-", "St-").replace("Sainte-", "Ste "),
    lambda name: f"{name} CEDEX",
]


@settings(max_examples=200)
@given(st.sampled_from(GERS), st.lists(st.sampled_from(WRITINGS), max_size=3, unique=True))
def test_any_gers_commune_is_found_from_its_postcode_and_a_loose_writing(
    commune: Commune, writings: list[Callable[[str], str]]
) -> None:
    name = commune.name
    for writing in writings:
        name = writing(name)
    assert resolve_commune(commune.postcode, name) == commune


@settings(max_examples=50)
@given(st.sampled_from(GERS))
def test_every_gers_commune_is_its_own_nearest(commune: Commune) -> None:
    found, distance = nearest_commune(commune.lat, commune.lon)
    assert distance == pytest.approx(0, abs=1e-6)
    assert great_circle_km(found.lat, found.lon, commune.lat, commune.lon) == pytest.approx(0, abs=1e-6)
