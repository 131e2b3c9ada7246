"""pydantic's English errors become French messages naming the field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ecocirc_intake.entrypoints.errors import translate
from ecocirc_intake.entrypoints.schemas import AdvisorCreate, FlowCreate


def messages(model: type, body: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as failed:
        model.model_validate(body)
    loc_errors = [{**e, "loc": ("body", *e["loc"])} for e in failed.value.errors()]
    return {e["field"]: e["message"] for e in translate(loc_errors)}


def test_flow_body_errors() -> None:
    got = messages(
        FlowCreate,
        {
            "direction": "up",
            "category": 3,
            "label": "",
            "quantity": {"amount": 0, "unit": "t"},
            "hazardous": "peut-être",
            "x": 1,
        },
    )
    assert got == {
        "direction": "Le sens du flux (offre ou besoin) doit être l'une des valeurs « offer », « need ».",
        "category": "La catégorie doit être l'une des valeurs « material », « waste », « energy », « water », "
        "« equipment », « logistics », « skills », « service ».",
        "label": "Le libellé est obligatoire et ne peut pas être vide.",
        "quantity.amount": "La quantité doit valoir plus de 0.",
        "hazardous": "L'indication « dangereux » doit valoir true ou false.",
        "x": "Champ inconnu « x » : retirez-le.",
    }


def test_lists_and_missing_fields() -> None:
    got = messages(AdvisorCreate, {"territories": []})
    assert got == {
        "name": "Le nom est obligatoire.",
        "email": "L'adresse e-mail est obligatoire.",
        "territories": "La liste des territoires doit contenir au moins 1 élément(s).",
    }


def test_unknown_kinds_still_name_the_field() -> None:
    [error] = translate([{"type": "something_new", "loc": ("query", "limit"), "msg": "?"}])
    assert error == {
        "field": "limit",
        "message": "La taille de page (limit) est invalide.",
        "type": "something_new",
    }
    [syntax] = translate([{"type": "json_invalid", "loc": ("body", 12), "msg": "JSON decode error"}])
    assert syntax["field"] == "body"
