"""Whole bodies: a good company or flow is normalised; a bad one reports every wrong field at once."""

from collections.abc import Callable, Mapping

import pytest

from ecocirc_intake.domain.errors import BodyValidationError
from ecocirc_intake.domain.validation import validate_company, validate_flow, validate_flow_update
from ecocirc_shared.flows import Category, Confidentiality, Direction, Period, Quantity, Unit


def _failed(validator: Callable[..., object], *bodies: Mapping[str, object]) -> BodyValidationError:
    with pytest.raises(BodyValidationError) as info:
        validator(*bodies)
    return info.value


COMPANY = {
    "name": "  Scierie du Savès ",
    "naf_code": "1610a",
    "contact_email": "Contact@Scierie-Saves.FR",
    "postcode": "32130",
    "city": "samatan",
    "siret": "552 100 554 00013",
    "territory": "32",
    "consent_to_be_named": True,  # a schema field this module does not own: ignored
}


def test_good_company_is_normalised() -> None:
    company = validate_company(COMPANY)
    assert company.name == "Scierie du Savès"
    assert company.naf_code == "16.10A"
    assert company.naf.section == "C"
    assert company.contact_email == "Contact@scierie-saves.fr"
    assert company.siret == "55210055400013"
    assert company.territory == "32"
    assert company.commune is not None and company.commune.insee == "32410"
    assert company.site.city == "Samatan"
    assert company.site.postcode == "32130"
    assert company.site.territory == "32"


def test_company_optional_fields() -> None:
    company = validate_company(
        {
            "name": "Ferme",
            "naf_code": "01.50Z",
            "contact_email": "f@g.fr",
            "lat": 43.62,
            "lon": 0.88,
            "siret": "",
        }
    )
    assert company.siret is None
    assert company.territory is None
    assert company.site.city == "Gimont"


def test_bad_company_reports_every_field() -> None:
    failed = _failed(
        validate_company,
        {
            "name": "",
            "naf_code": "10.13Z",
            "contact_email": "contact-at-gers.fr",
            "postcode": "32600",
            "siret": "12345678901234",
        },
    )
    assert failed.fields() == {"name", "naf_code", "contact_email", "siret", "city"}
    siret = next(error for error in failed.errors if error.field == "siret")
    assert (
        siret.message == "Le numéro SIRET 12345678901234 est invalide (clé de contrôle de Luhn incorrecte)."
    )
    assert all(error.message[0].isupper() and error.message.endswith(".") for error in failed.errors)
    assert failed.as_dicts()[0].keys() == {"field", "code", "message"}


def test_company_missing_everything() -> None:
    failed = _failed(validate_company, {})
    assert failed.fields() == {"name", "naf_code", "contact_email", "postcode"}


FLOW = {
    "direction": "offer",
    "category": "waste",
    "label": "Sciures et copeaux de chêne",
    "description": "Sciure sèche,\nbig-bags sur palettes.",
    "ewc_code": "030105",
    "quantity": {"amount": 120, "unit": "t", "period": "year"},
    "months": [11, 1, 2, 12],
    "hazardous": False,
    "max_distance_km": 50,
    "confidentiality": "public",
}


def test_good_flow_is_normalised() -> None:
    flow = validate_flow(FLOW)
    assert flow.direction is Direction.OFFER
    assert flow.category is Category.WASTE
    assert flow.ewc_code == "03 01 05"
    assert flow.quantity == Quantity(amount=120, unit=Unit.TONNE, period=Period.YEAR)
    assert flow.months == (1, 2, 11, 12)
    assert flow.hazardous is False
    assert flow.max_distance_km == 50.0
    assert flow.confidentiality is Confidentiality.PUBLIC


def test_vague_flow_is_fine() -> None:
    flow = validate_flow(
        {"direction": "need", "category": "material", "label": "des palettes, de temps en temps"}
    )
    assert flow.quantity is None and flow.ewc is None and flow.months == ()
    assert flow.hazardous is False and flow.hazardous_declared is None
    assert flow.confidentiality is Confidentiality.PUBLIC


def test_hazardous_ewc_code_makes_the_flow_hazardous_whatever_was_said() -> None:
    flow = validate_flow(
        {**FLOW, "ewc_code": "13 02 05*", "label": "Huiles moteur usagées", "hazardous": False}
    )
    assert flow.hazardous is True
    assert flow.hazardous_declared is False
    assert flow.declared()["hazardous"] is False


def test_bad_flow_reports_every_field() -> None:
    failed = _failed(
        validate_flow,
        {
            "direction": "sell",
            "category": "waste",
            "label": "x" * 201,
            "description": "ok",
            "ewc_code": "03 01",
            "quantity": {"amount": 0, "unit": "t"},
            "months": [3, 3],
            "hazardous": "no",
            "max_distance_km": 5000,
            "confidentiality": "secret",
        },
    )
    assert failed.fields() == {
        "direction", "label", "ewc_code", "quantity.amount", "months", "hazardous", "max_distance_km",
        "confidentiality",
    }  # fmt: skip


def test_flow_required_fields() -> None:
    failed = _failed(validate_flow, {"label": "  "})
    assert failed.fields() == {"direction", "category", "label"}


def test_declared_round_trips() -> None:
    flow = validate_flow(FLOW)
    assert validate_flow(flow.declared()) == flow


def test_update_merges_and_revalidates() -> None:
    declared = validate_flow(FLOW).declared()
    updated = validate_flow_update(declared, {"ewc_code": "16 01 04*", "months": None, "description": None})
    assert updated.ewc_code == "16 01 04"
    assert updated.hazardous is True
    assert updated.months == ()
    assert updated.description is None
    # Changing back to a non-hazardous code lifts the forcing, since the declaration said false.
    back = validate_flow_update(updated.declared(), {"ewc_code": "03 01 05"})
    assert back.hazardous is False


def test_update_cannot_clear_required_fields_and_reports_everything() -> None:
    declared = validate_flow(FLOW).declared()
    failed = _failed(validate_flow_update, declared, {"label": None, "months": [0]})
    assert failed.fields() == {"label", "months"}
    assert failed.errors[0].message == "Le libellé ne peut pas être effacé."


def test_a_price_is_checked_and_kept_as_declared() -> None:
    flow = validate_flow(
        {
            "direction": "offer",
            "category": "waste",
            "label": "Sciures",
            "price": {"eur_per_unit": "45,5", "unit": "T"},
        }
    )
    assert flow.price is not None and flow.price.eur_per_unit == 45.5 and flow.price.unit is Unit.TONNE
    assert flow.declared()["price"] == {"eur_per_unit": 45.5, "unit": "t"}
    failed = _failed(
        validate_flow,
        {
            "direction": "offer",
            "category": "waste",
            "label": "S",
            "price": {"eur_per_unit": -1, "unit": "lb", "x": 1},
        },
    )
    assert {"price.eur_per_unit", "price.unit", "price.x"} <= failed.fields()
