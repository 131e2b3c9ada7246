"""Single rules: SIRET, e-mail, NAF, EWC, texts, months, distances, quantities, enumerations."""

from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ecocirc_intake.domain.errors import FieldError
from ecocirc_intake.domain.identifiers import luhn_valid, siret_valid
from ecocirc_intake.domain.validation import (
    check_category,
    check_company_name,
    check_confidentiality,
    check_description,
    check_direction,
    check_email,
    check_ewc_code,
    check_hazardous,
    check_label,
    check_max_distance_km,
    check_months,
    check_naf_code,
    check_quantity,
    check_siret,
    effective_hazardous,
)
from ecocirc_shared.flows import Category, Confidentiality, Direction, Period, Quantity, Unit


def _error(rule: Callable[..., object], *args: object) -> FieldError:
    with pytest.raises(FieldError) as info:
        rule(*args)
    return info.value


# --- SIRET ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("55210055400013", "55210055400013"),
        ("552 100 554 00013", "55210055400013"),
        ("552.100.554.00013", "55210055400013"),
        ("552\u00a0100\u00a0554\u00a000013", "55210055400013"),
        (44306184100047, "44306184100047"),
    ],
)
def test_valid_siret_is_normalised(raw: object, expected: str) -> None:
    assert check_siret(raw) == expected


def test_invalid_luhn_key_message() -> None:
    error = _error(check_siret, "12345678901234")
    assert error.field == "siret"
    assert error.code == "siret_checksum"
    assert (
        error.message == "Le numéro SIRET 12345678901234 est invalide (clé de contrôle de Luhn incorrecte)."
    )


def test_la_poste_exception() -> None:
    # La Poste establishments: the digit sum is a multiple of 5 instead of a Luhn key.
    assert not luhn_valid("35600000049837")
    assert check_siret("35600000049837") == "35600000049837"
    # Its head office has a Luhn key.
    assert check_siret("35600000000048") == "35600000000048"
    error = _error(check_siret, "35600000000002")
    assert error.code == "siret_checksum"
    assert "La Poste" in error.message


def test_siren_part_must_pass_luhn_too() -> None:
    # 14 digits with a valid SIRET key but whose first nine digits fail theirs.
    siret = next(
        f"12345678{n:05d}" + str(k)
        for n in range(1000)
        for k in range(10)
        if luhn_valid(f"12345678{n:05d}{k}")
    )
    assert not luhn_valid(siret[:9])
    assert _error(check_siret, siret).code == "siren_checksum"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("5521005540001", "siret_length"),
        ("552100554000130", "siret_length"),
        ("5521005540001A", "siret_format"),
        ("", "required"),
        (None, "type"),
        (True, "type"),
    ],
)
def test_malformed_siret(raw: object, code: str) -> None:
    error = _error(check_siret, raw)
    assert (error.field, error.code) == ("siret", code)


def _with_luhn_key(digits: str) -> str:
    return next(digits + str(key) for key in range(10) if luhn_valid(digits + str(key)))


valid_sirets = st.builds(
    lambda siren_body, nic_body: _with_luhn_key(_with_luhn_key(siren_body) + nic_body),
    st.text("0123456789", min_size=8, max_size=8),
    st.text("0123456789", min_size=4, max_size=4),
)


@given(valid_sirets, st.integers(0, 13), st.integers(1, 9))
def test_a_valid_siret_with_one_digit_changed_is_invalid(siret: str, position: int, shift: int) -> None:
    assume(siret[:9] != "356000000")
    assert check_siret(siret) == siret
    changed = siret[:position] + str((int(siret[position]) + shift) % 10) + siret[position + 1 :]
    # La Poste's digit-sum rule does not catch every single-digit change: keep to the Luhn rule.
    assume(changed[:9] != "356000000")
    assert not siret_valid(changed)
    assert _error(check_siret, changed).code in {"siret_checksum", "siren_checksum"}


# --- e-mail --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("contact@scierie-saves.fr", "contact@scierie-saves.fr"),
        ("  Jean.Dupont@Distillerie-Gers.FR ", "Jean.Dupont@distillerie-gers.fr"),
        ("achats+eit@cci-gers.fr", "achats+eit@cci-gers.fr"),
        ("élodie@fromagerie-lomagne.fr", "élodie@fromagerie-lomagne.fr"),
        ("contact@café-gimont.fr", "contact@café-gimont.fr"),
    ],
)
def test_plausible_emails(raw: str, expected: str) -> None:
    assert check_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("contact.scierie.fr", "il manque le « @ »"),
        ("a@b@c.fr", "un seul « @ »"),
        ("@gers.fr", "avant le « @ »"),
        ("contact@", "domaine"),
        ("contact@localhost", "comporter un point"),
        ("contact@gers..fr", "domaine"),
        ("contact@-gers.fr", "domaine"),
        ("contact@gers.f", "extension"),
        ("contact@gers.123", "extension"),
        ("jean dupont@gers.fr", "espace"),
        ("jean..dupont@gers.fr", "point mal placé"),
        (".jean@gers.fr", "point mal placé"),
    ],
)
def test_implausible_emails(raw: str, fragment: str) -> None:
    error = _error(check_email, raw)
    assert error.field == "contact_email"
    assert error.code == "email_syntax"
    assert fragment in error.message
    assert error.message.startswith("L'adresse e-mail")


def test_email_required_and_typed() -> None:
    assert _error(check_email, "  ").code == "required"
    assert _error(check_email, 42).code == "type"
    assert _error(check_email, "a" * 250 + "@gers.fr").code == "too_long"


# --- NAF and EWC ---------------------------------------------------------------------------------


def test_naf_code() -> None:
    assert check_naf_code("1013a").code == "10.13A"
    error = _error(check_naf_code, "10.13Z")
    assert (error.field, error.code) == ("naf_code", "naf_unknown")
    assert "10.13A, 10.13B" in error.message
    assert _error(check_naf_code, "boulangerie").code == "naf_format"
    assert _error(check_naf_code, None).code == "type"


def test_ewc_code() -> None:
    assert check_ewc_code("030105").code == "03 01 05"
    assert check_ewc_code("16 01 04*").hazardous
    assert _error(check_ewc_code, "03 01 98").code == "ewc_unknown"
    assert _error(check_ewc_code, "sciure").code == "ewc_format"
    heading = _error(check_ewc_code, "03 01")
    assert heading.code == "ewc_not_a_waste"
    assert "six chiffres" in heading.message


def test_star_on_a_non_hazardous_entry_is_refused() -> None:
    error = _error(check_ewc_code, "03 01 05*")
    assert (error.field, error.code) == ("ewc_code", "ewc_not_hazardous")


@pytest.mark.parametrize(
    ("declared", "ewc", "expected"),
    [
        (False, "16 01 04", True),
        (None, "16 01 04", True),
        (True, "03 01 05", True),
        (False, "03 01 05", False),
        (None, None, False),
        (True, None, True),
    ],
)
def test_the_law_decides_hazardous(declared: bool | None, ewc: str | None, expected: bool) -> None:
    entry = check_ewc_code(ewc) if ewc else None
    assert effective_hazardous(declared, entry) is expected


# --- texts ---------------------------------------------------------------------------------------


def test_texts_are_trimmed_and_nfc_normalised() -> None:
    assert check_label("  Sciures et copeaux  ") == "Sciures et copeaux"
    # "é" typed as e + combining acute counts as one character.
    assert check_label("Dre\u0301che") == "Drêche".replace("ê", "é")
    assert check_company_name("Distillerie de Lectoure") == "Distillerie de Lectoure"


def test_text_lengths() -> None:
    assert check_label("x" * 200) == "x" * 200
    error = _error(check_label, "x" * 201)
    assert (error.field, error.code) == ("label", "too_long")
    assert error.message == "Le libellé doit faire au plus 200 caractères (201 reçus)."
    assert _error(check_label, "   ").code == "required"
    assert (
        _error(check_company_name, "").message
        == "Le nom de l'entreprise est obligatoire et ne peut pas être vide."
    )
    assert check_description("d" * 2000) == "d" * 2000
    assert _error(check_description, "d" * 2001).code == "too_long"
    assert check_description("   ") is None
    assert check_description(None) is None


def test_control_characters_are_refused() -> None:
    assert _error(check_label, "Palettes\x00").code == "control_character"
    assert _error(check_label, "Palettes\nbois").code == "control_character"
    assert _error(check_company_name, "Scierie \u202eevas").code == "control_character"
    assert check_description("Ligne 1\r\nLigne 2\tfin") == "Ligne 1\nLigne 2\tfin"
    assert _error(check_description, "bip\x07").message.endswith("(U+0007) : retirez-le.")


def test_texts_must_be_text() -> None:
    assert _error(check_label, 12).code == "type"


# --- months, distance, enumerations --------------------------------------------------------------


def test_months_are_sorted_and_unique() -> None:
    assert check_months([9, 3, 10]) == (3, 9, 10)
    assert check_months(None) == ()
    assert check_months([]) == ()
    assert _error(check_months, [3, 3]).message == "Le mois 3 (mars) est indiqué plusieurs fois."
    assert _error(check_months, [0]).code == "out_of_range"
    assert _error(check_months, [13]).code == "out_of_range"
    assert _error(check_months, ["mars"]).code == "type"
    assert _error(check_months, [True]).code == "type"
    assert _error(check_months, 3).code == "type"


@given(st.sets(st.integers(1, 12)).flatmap(lambda months: st.permutations(sorted(months))))
def test_months_order_does_not_matter(months: list[int]) -> None:
    assert check_months(months) == tuple(sorted(months))


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, None), (50, 50.0), (0.5, 0.5), (1000, 1000.0), ("12,5", 12.5)]
)
def test_max_distance(raw: object, expected: float | None) -> None:
    assert check_max_distance_km(raw) == expected


@pytest.mark.parametrize("raw", [0, -5, 1000.01, float("nan"), float("inf"), True, "loin"])
def test_max_distance_out_of_range(raw: object) -> None:
    assert _error(check_max_distance_km, raw).field == "max_distance_km"


def test_enumerations() -> None:
    assert check_direction("offer") is Direction.OFFER
    assert check_direction(" NEED ") is Direction.NEED
    assert check_category("waste") is Category.WASTE
    assert check_confidentiality(None) is Confidentiality.PUBLIC
    assert check_confidentiality("advisor_only") is Confidentiality.ADVISOR_ONLY
    error = _error(check_direction, "vente")
    assert error.code == "choice" and "« offer »" in error.message
    assert _error(check_category, 3).code == "type"
    assert check_hazardous(None) is None
    assert check_hazardous(True) is True
    assert _error(check_hazardous, "oui").code == "type"


# --- quantities ----------------------------------------------------------------------------------


def test_quantity_parsing() -> None:
    assert check_quantity({"amount": 120, "unit": "t", "period": "year"}) == Quantity(
        amount=120, unit=Unit.TONNE
    )
    assert check_quantity({"amount": "2,5", "unit": "m³"}) == Quantity(amount=2.5, unit=Unit.CUBIC_METRE)
    assert check_quantity({"amount": 10, "unit": "KWH", "period": "Month"}) == Quantity(
        amount=10, unit=Unit.KILOWATT_HOUR, period=Period.MONTH
    )
    assert check_quantity({"amount": 3, "unit": "l"}) == Quantity(amount=3, unit=Unit.LITRE)
    parsed = Quantity(amount=1, unit=Unit.UNIT, period=Period.ONCE)
    assert check_quantity(parsed) is parsed
    assert check_quantity(None) is None


def test_quantity_reports_every_wrong_part() -> None:
    from ecocirc_intake.domain.errors import BodyValidationError

    with pytest.raises(BodyValidationError) as info:
        check_quantity({"amount": -1, "unit": "tonnes", "period": "hour", "price": 3})
    assert info.value.fields() == {"quantity.amount", "quantity.unit", "quantity.period", "quantity.price"}
    unit_error = next(error for error in info.value.errors if error.field == "quantity.unit")
    assert (
        unit_error.message
        == "L'unité « tonnes » n'est pas reconnue : unités acceptées t, kg, m3, L, MWh, kWh, h, unit."
    )


def test_quantity_shape() -> None:
    assert _error(check_quantity, 120).field == "quantity"
