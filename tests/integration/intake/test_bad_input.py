"""Bad input: a 4xx naming the field and why, in French; nothing half-written; bodies and texts bounded."""

from __future__ import annotations

import pytest

from tests.integration.intake.conftest import GERS, Api

pytestmark = pytest.mark.integration


def errors_of(response_json: dict[str, object]) -> dict[str, str]:
    items = response_json["errors"]
    assert isinstance(items, list)
    return {item["field"]: item["message"] for item in items}


async def test_schema_errors_are_in_french_and_name_the_field(api: Api) -> None:
    company = await api.company()
    r = await api.call(
        "POST",
        f"/v1/companies/{company['id']}/flows",
        json={"direction": "sideways", "category": "waste", "months": [13], "colour": "blue"},
    )
    assert r.status_code == 422
    errors = errors_of(r.json())
    assert errors["direction"].startswith(
        "Le sens du flux (offre ou besoin) doit être l'une des valeurs « offer »"
    )
    assert errors["label"] == "Le libellé est obligatoire."
    assert errors["months.0"] == "La liste des mois doit valoir au plus 12."
    assert errors["colour"] == "Champ inconnu « colour » : retirez-le."
    assert r.json()["detail"] == "Requête invalide."


async def test_domain_errors_say_why(api: Api) -> None:
    r = await api.call(
        "POST",
        "/v1/companies",
        json={"name": "X", "naf_code": "10.13Z", "contact_email": "pas-une-adresse", **GERS},
    )
    assert r.status_code == 422
    errors = errors_of(r.json())
    assert "10.13A" in errors["naf_code"]
    assert "il manque le « @ »" in errors["contact_email"]


@pytest.mark.parametrize(
    ("path", "content", "field", "message"),
    [
        ("/v1/companies", b'{"name": ', "body", "Le corps de la requête n'est pas du JSON valide."),
        ("/v1/companies", b"[1, 2]", "body", "Le corps de la requête doit être un objet JSON."),
        (
            "/v1/companies/not-a-uuid/flows",
            b"{}",
            "company_id",
            "L'identifiant d'entreprise doit être un identifiant",
        ),
    ],
)
async def test_malformed_requests(api: Api, path: str, content: bytes, field: str, message: str) -> None:
    r = await api.call("POST", path, content=content, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert errors_of(r.json())[field].startswith(message)


async def test_query_parameters_are_checked(api: Api) -> None:
    company = await api.company()
    r = await api.call("GET", f"/v1/companies/{company['id']}/flows", params={"limit": 0, "direction": "up"})
    assert r.status_code == 422
    errors = errors_of(r.json())
    assert errors["limit"] == "La taille de page (limit) doit valoir au moins 1."
    assert "« offer », « need »" in errors["direction"]


async def test_unknown_routes_and_methods_answer_in_french(api: Api) -> None:
    assert (await api.call("GET", "/v1/nowhere")).json()["detail"] == "Ressource introuvable."
    assert (await api.call("PUT", "/v1/companies")).json()[
        "detail"
    ] == "Méthode non autorisée pour cette adresse."


async def test_bodies_over_the_limit_are_refused(api: Api) -> None:
    company = await api.company()
    huge = {"direction": "offer", "category": "waste", "label": "x", "description": "é" * 600_000}
    r = await api.call("POST", f"/v1/companies/{company['id']}/flows", json=huge)
    assert r.status_code == 413
    assert "trop volumineuse" in r.json()["detail"]

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b" " * 100_000

    r = await api.call(
        "POST",
        f"/v1/companies/{company['id']}/flows",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413


async def test_texts_are_bounded(api: Api) -> None:
    company = await api.company()
    r = await api.call(
        "POST",
        f"/v1/companies/{company['id']}/flows",
        json={"direction": "offer", "category": "waste", "label": "x" * 201, "description": "y" * 2001},
    )
    assert r.status_code == 422
    assert set(errors_of(r.json())) == {"label", "description"}


async def test_nothing_half_written(api: Api) -> None:
    await api.company(siret="73282932000074")
    pool = api.app.state.store.pool
    before = await pool.fetchval("SELECT count(*) FROM companies") + await pool.fetchval(
        "SELECT count(*) FROM tokens"
    )
    r = await api.call(
        "POST",
        "/v1/companies",
        json={
            "name": "Doublon",
            "naf_code": "16.10A",
            "contact_email": "d@x.example.fr",
            "siret": "732 829 320 00074",
            **GERS,
        },
    )
    assert r.status_code == 409
    assert errors_of(r.json()) == {"siret": "SIRET déjà enregistré."}
    after = await pool.fetchval("SELECT count(*) FROM companies") + await pool.fetchval(
        "SELECT count(*) FROM tokens"
    )
    assert after == before


async def test_control_characters_in_advisor_fields_are_refused(api: Api) -> None:
    r = await api.call(
        "POST",
        "/v1/advisors",
        json={"name": "A\u0000", "email": "a@b.example.fr", "territories": ["3\u00002"]},
    )
    assert r.status_code == 422
    assert set(errors_of(r.json())) == {"name", "territories.0"}


async def test_company_update(api: Api) -> None:
    company = await api.company()
    r = await api.call(
        "PATCH",
        f"/v1/companies/{company['id']}",
        company["token"],
        json={"contact_email": " Nouveau@Scierie.Example.FR ", "email_opt_out": True},
    )
    assert r.status_code == 200, r.text
    assert r.json()["contact_email"] == "Nouveau@scierie.example.fr" and r.json()["email_opt_out"] is True
    bad = await api.call(
        "PATCH", f"/v1/companies/{company['id']}", json={"contact_email": None, "name": "Autre"}
    )
    assert bad.status_code == 422 and set(errors_of(bad.json())) == {"name"}
    cleared = await api.call("PATCH", f"/v1/companies/{company['id']}", json={"contact_email": None})
    assert cleared.status_code == 422 and "contact_email" in errors_of(cleared.json())


async def test_flow_filters_pagination_and_versions(api: Api) -> None:
    company = await api.company()
    cid = company["id"]
    offer = await api.flow(cid)
    await api.flow(cid, direction="need", category="energy", label="Chaleur")
    withdrawn = await api.flow(cid, label="Palettes", category="material")
    assert (await api.call("DELETE", f"/v1/flows/{withdrawn['id']}")).status_code == 204

    async def labels(**params: object) -> list[str]:
        r = await api.call("GET", f"/v1/companies/{cid}/flows", params=params)
        assert r.status_code == 200, r.text
        return [f["label"] for f in r.json()["items"]]

    assert await labels() == ["Sciures de chêne", "Chaleur"]
    assert await labels(direction="need") == ["Chaleur"]
    assert await labels(category="waste") == ["Sciures de chêne"]
    assert await labels(active="false") == ["Palettes"]
    assert await labels(include_withdrawn="true") == ["Sciures de chêne", "Chaleur", "Palettes"]
    page = (await api.call("GET", f"/v1/companies/{cid}/flows", params={"limit": 1, "offset": 1})).json()
    assert page["total"] == 2 and [f["label"] for f in page["items"]] == ["Chaleur"]
    assert (await api.call("DELETE", f"/v1/flows/{withdrawn['id']}")).status_code == 409
    r = await api.call("PATCH", f"/v1/flows/{offer['id']}", json={"quantity": {"amount": 5, "unit": "t"}})
    assert r.json()["version"] == 2
    history = (await api.call("GET", f"/v1/flows/{offer['id']}/history")).json()
    assert [(v["version"], v["change"]) for v in history] == [(1, "declared"), (2, "revised")]
    assert history[0]["flow"]["quantity"] is None and history[1]["flow"]["quantity"]["amount"] == 5
