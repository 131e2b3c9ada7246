"""French wording of numbers, months, distances and activities."""

from __future__ import annotations

import pytest

from ecocirc_shared import french
from ecocirc_shared.sectors import sector_phrase

NNBSP = "\u202f"
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234.5, f"1{NNBSP}234,5"),
        (72, "72"),
        (3.0, "3"),
        (0.35, "0,35"),
        (12.04, "12"),
        (1_234_567.8, f"1{NNBSP}234{NNBSP}568"),
        (-0.001, "0"),
    ],
)
def test_numbers_use_french_separators(value: float, expected: str) -> None:
    assert french.number(value) == expected


def test_percent_rounds_and_never_shows_a_misleading_zero() -> None:
    assert french.percent(0.72) == f"72{NBSP}%"
    assert french.percent(1.0) == f"100{NBSP}%"
    assert french.percent(0.0) == f"0{NBSP}%"
    assert french.percent(0.001) == f"<{NBSP}1{NBSP}%"


def test_quantities_are_per_year_with_french_units() -> None:
    assert french.quantity_per_year(1234.5, "t") == f"1{NNBSP}234,5{NBSP}t/an"
    assert french.quantity_per_year(40, "m3") == f"40{NBSP}m³/an"
    assert french.quantity_per_year(1, "unit") == f"1{NBSP}unité/an"
    assert french.quantity_per_year(12, "unit") == f"12{NBSP}unités/an"


def test_masses_switch_to_tonnes_from_one_tonne() -> None:
    assert french.mass_kg(350) == f"350{NBSP}kg"
    assert french.mass_kg(48_800) == f"48,8{NBSP}t"


@pytest.mark.parametrize(
    ("km", "expected"),
    [(0.4, f"moins de 1{NBSP}km"), (4.7, f"5{NBSP}km"), (12.2, f"12{NBSP}km"), (23, f"25{NBSP}km")],
)
def test_distances_are_rounded(km: float, expected: str) -> None:
    assert french.distance(km) == expected


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        ((3, 4, 5, 6), "de mars à juin"),
        ((), "toute l'année"),
        (tuple(range(1, 13)), "toute l'année"),
        ((5,), "en mai"),
        ((4, 5), "d'avril à mai"),
        ((8, 9, 10), "d'août à octobre"),
        ((11, 12, 1, 2), "de novembre à février"),
        ((3, 4, 5, 9), "de mars à mai et en septembre"),
        ((1, 3, 5), "en janvier, en mars et en mai"),
        ((6, 5, 5, 4), "d'avril à juin"),
    ],
)
def test_months_read_as_french_periods(months: tuple[int, ...], expected: str) -> None:
    assert french.months(months) == expected


def test_score_parts_have_readable_labels_and_unknown_keys_never_show_raw() -> None:
    assert french.score_part("distance") == "proximité"
    assert french.score_part("resource") == "correspondance des ressources"
    assert french.score_part("season") == "calendrier"
    assert french.score_part("activity") == "usage connu dans le métier du preneur"
    assert french.score_part("text_confidence") == "clarté des déclarations"
    assert french.score_part("new_criterion") == "autre critère"


@pytest.mark.parametrize(
    ("km", "about", "at"),
    [
        (0.0, f"moins de 1{NBSP}km", f"à moins de 1{NBSP}km"),
        (0.4, f"moins de 1{NBSP}km", f"à moins de 1{NBSP}km"),
        (4.7, f"environ 5{NBSP}km", f"à environ 5{NBSP}km"),
    ],
)
def test_an_approximate_distance_reads_as_french(km: float, about: str, at: str) -> None:
    assert french.about_distance(km) == about
    assert french.at_distance(km) == at


def test_territories_phrase() -> None:
    assert french.territories(("Savès",)) == "le territoire Savès"
    assert french.territories(("A", "B", "C")) == "les territoires A, B et C"
    assert french.territories(("*",)) == "tous les territoires"


@pytest.mark.parametrize(
    ("naf", "expected"),
    [
        ("16.10A", "une entreprise de la filière bois"),
        ("11.01Z", "une entreprise de la filière boissons"),
        ("30.30Z", "une entreprise de l'aéronautique et du spatial"),
        ("01.11Z", "une exploitation agricole"),
        ("94.99Z", "une entreprise"),
        (None, "une entreprise"),
        ("xx", "une entreprise"),
    ],
)
def test_companies_are_described_by_broad_sector(naf: str | None, expected: str) -> None:
    assert sector_phrase(naf) == expected
