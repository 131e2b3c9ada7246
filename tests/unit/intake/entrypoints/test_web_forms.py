"""The flow form's pure parts: what it sends to the use cases, and where their errors go back."""

from __future__ import annotations

from ecocirc_intake.entrypoints.web.forms import FlowForm, unit_code
from ecocirc_intake.entrypoints.web.present import months, number
from ecocirc_intake.service_layer.errors import Problem


def test_a_blank_form_sends_only_blanks_the_rules_will_name() -> None:
    body = FlowForm.from_submission([("libelle", ""), ("periode", "year")]).body()
    assert body == {
        "direction": None,
        "category": None,
        "label": "",
        "description": None,
        "ewc_code": None,
        "quantity": None,  # a period alone is not a quantity
        "months": [],
        "hazardous": None,
        "max_distance_km": None,
        "confidentiality": None,
    }


def test_typed_values_reach_the_api_fields() -> None:
    form = FlowForm.from_submission(
        [
            ("sens", "offer"),
            ("categorie", "waste"),
            ("libelle", "Sciures"),
            ("quantite", "12,5"),
            ("unite", " Tonnes "),
            ("periode", "month"),
            ("mois", "10"),
            ("mois", "3"),
            ("dangereux", "oui"),
            ("distance_max", " 40 "),
            ("inconnu", "ignoré"),
        ]
    )
    body = form.body()
    assert body["quantity"] == {"amount": "12,5", "unit": "t", "period": "month"}
    assert body["months"] == [3, 10] and body["hazardous"] is True and body["max_distance_km"] == "40"
    assert "inconnu" not in form.values


def test_a_unit_without_amount_still_reaches_the_rules() -> None:
    body = FlowForm.from_submission([("unite", "kg"), ("periode", "year")]).body()
    assert body["quantity"] == {"amount": None, "unit": "kg", "period": "year"}


def test_unit_names_become_symbols_and_anything_else_is_left_to_the_rules() -> None:
    assert [unit_code(u) for u in ("tonne", "Litres", "mètres cubes", "pièces", "MWh", "boisseaux")] == [
        "t",
        "L",
        "m3",
        "unit",
        "MWh",
        "boisseaux",
    ]


def test_errors_go_next_to_their_field_and_the_rest_on_top() -> None:
    form = FlowForm.from_submission([("libelle", "x")]).with_problems(
        [
            Problem("quantity.unit", "unité"),
            Problem("quantity", "forme"),
            Problem("ewc_code", "code"),
            Problem("body", "autre"),
        ]
    )
    assert form.errors == {"unite": ["unité"], "quantite": ["forme"], "code_dechet": ["code"]}
    assert form.other_errors == ["autre"] and form.value("libelle") == "x"


def test_a_stored_flow_fills_the_form_as_declared() -> None:
    form = FlowForm.from_declared(
        {
            "direction": "need",
            "category": "energy",
            "label": "Chaleur",
            "quantity": {"amount": 2.5, "unit": "MWh", "period": "week"},
            "months": [1, 2],
            "hazardous": None,
            "max_distance_km": 15.0,
            "confidentiality": "advisor_only",
        }
    )
    assert form.value("quantite") == "2,5" and form.value("distance_max") == "15"
    assert form.months == {"1", "2"} and form.value("dangereux") == ""
    assert form.body()["quantity"] == {"amount": "2,5", "unit": "MWh", "period": "week"}
    assert form.body()["months"] == [1, 2] and form.body()["confidentiality"] == "advisor_only"


def test_numbers_and_months_read_in_french() -> None:
    assert number(1234.5) == "1\u202f234,5" and number(120) == "120" and number(0.25) == "0,25"
    assert months([]) == "toute l'année" and months(list(range(1, 13))) == "toute l'année"
    assert months([10, 3]) == "mars, octobre"


def test_every_status_of_the_pipeline_reads_in_french_on_the_pages() -> None:
    from ecocirc_intake.entrypoints.web.present import _STATUS
    from ecocirc_shared.followup import SynergyStatus

    assert set(_STATUS) == {s.value for s in SynergyStatus}
