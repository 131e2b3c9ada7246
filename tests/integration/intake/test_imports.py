"""Bulk import: the interview spreadsheet as CSV or XLSX, all or nothing, idempotent, errors by row."""

from __future__ import annotations

import io

import openpyxl  # type: ignore[import-untyped]
import pytest

from tests.integration.intake.conftest import Api

pytestmark = pytest.mark.integration

HEADER = ["Entreprise", "Code NAF", "E-mail", "SIRET", "Code postal", "Commune", "Sens", "Catégorie", "Libellé",
          "Quantité", "Unité", "Période", "Mois", "Dangereux", "Confidentialité"]  # fmt: skip
ROWS = [
    ["Scierie du Savès", "16.10A", "contact@scierie.example.fr", "732 829 320 00074", "32130", "Samatan",
     "offre", "déchet", "Sciures de chêne", "120", "t", "an", "mars-mai", "non", "public"],
    ["Scierie du Savès", "", "", "", "", "", "besoin", "énergie", "Chaleur pour séchoir", "", "", "", "", "", ""],
    ["Élevage de Lombez", "01.47Z", "b@elevage.example.fr", "", "32220", "Lombez",
     "besoin", "matière", "Litière", "40,5", "t", "par an", "", "", "conseiller"],
]  # fmt: skip


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    return "\n".join(";".join(cells) for cells in [header, *rows]).encode("cp1252")


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for cells in [HEADER, *rows]:
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def send(api: Api, content: bytes, name: str = "entretien.csv", **params: object) -> dict[str, object]:
    r = await api.call("POST", "/v1/imports", files={"file": (name, content)}, params=params)
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


async def counts(api: Api) -> tuple[int, int, int]:
    pool = api.app.state.store.pool
    return (
        await pool.fetchval("SELECT count(*) FROM companies"),
        await pool.fetchval("SELECT count(*) FROM flow_versions"),
        await pool.fetchval("SELECT count(*) FROM outbox"),
    )


async def test_csv_import_is_idempotent_and_revises_changed_rows(api: Api) -> None:
    report = await send(api, csv_bytes(ROWS))
    assert report["counts"] == {"rows": 3, "companies_created": 2, "flows_created": 3}
    companies = report["companies"]
    assert isinstance(companies, list) and all(c["token"] for c in companies)
    scierie = companies[0]
    flows = (await api.call("GET", f"/v1/companies/{scierie['id']}/flows", scierie["token"])).json()["items"]
    assert [(f["label"], f["months"], f["quantity"]) for f in flows] == [
        ("Sciures de chêne", [3, 4, 5], {"amount": 120.0, "unit": "t", "period": "year"}),
        ("Chaleur pour séchoir", [], None),
    ]
    before = await counts(api)

    again = await send(api, csv_bytes(ROWS))
    assert again["counts"] == {"rows": 3, "companies_existing": 2, "flows_unchanged": 3}
    assert all(c["token"] is None for c in again["companies"])  # type: ignore[union-attr]
    assert await counts(api) == before

    changed = [row[:] for row in ROWS]
    changed[0][9] = "150"
    third = await send(api, csv_bytes(changed))
    assert third["counts"] == {"rows": 3, "companies_existing": 2, "flows_revised": 1, "flows_unchanged": 2}
    assert [f["version"] for f in third["flows"]] == [2, 1, 1]  # type: ignore[union-attr]


async def test_xlsx_import_and_dry_run(api: Api) -> None:
    rows: list[list[object]] = [row[:] for row in ROWS]
    rows[0][4] = 32130  # a postcode typed as a number
    rows[0][9] = 120
    dry = await send(api, xlsx_bytes(rows), "entretien.xlsx", dry_run="true")
    assert dry["dry_run"] is True and dry["import_id"] is None
    assert dry["counts"] == {"rows": 3, "companies_created": 2, "flows_created": 3}
    assert await counts(api) == (0, 0, 0)
    done = await send(api, xlsx_bytes(rows), "entretien.xlsx")
    assert done["counts"] == {"rows": 3, "companies_created": 2, "flows_created": 3}
    # The same rows as CSV are the same import: nothing new.
    assert (await send(api, csv_bytes(ROWS)))["counts"]["flows_unchanged"] == 3  # type: ignore[index]


async def test_a_file_with_errors_writes_nothing_and_lists_every_error(api: Api) -> None:
    rows = [row[:] for row in ROWS]
    rows += [ROWS[2][:], ROWS[2][:]]  # the same flow twice: rows 5 and 6
    rows[0][1] = "16.10Z"  # wrong NAF letter
    rows[2][6] = "peut-être"  # direction
    rows[2][12] = "printemps"  # months
    r = await api.call("POST", "/v1/imports", files={"file": ("f.csv", csv_bytes(rows))})
    assert r.status_code == 422
    body = r.json()
    assert body["detail"].startswith("Le fichier contient des erreurs : rien n'a été enregistré.")
    located = {(e["row"], e["field"]) for e in body["errors"]}
    assert located == {(2, "naf_code"), (4, "direction"), (4, "months"), (6, "label")}
    naf = next(e for e in body["errors"] if e["field"] == "naf_code")
    assert naf["column"] == "Code NAF" and "16.10A" in naf["message"]
    # Row 3 names a company whose own row is invalid: it is reported there, not twice.
    assert await counts(api) == (0, 0, 0)


@pytest.mark.parametrize(
    ("content", "field", "message"),
    [
        (b"", "file", "Le fichier est vide."),
        (b"PK\x03\x04garbage", "file", "Le classeur XLSX est illisible"),
        (b"Entreprise;Couleur\nA;bleu\n", "Couleur", "Colonne « Couleur » inconnue"),
        ("Entreprise;Sens;Libellé\n".encode(), "file", "Le fichier ne contient que la ligne d'en-tête"),
    ],
)
async def test_unreadable_files(api: Api, content: bytes, field: str, message: str) -> None:
    r = await api.call("POST", "/v1/imports", files={"file": ("f.csv", content)})
    assert r.status_code == 422, r.text
    first = r.json()["errors"][0]
    assert first["field"] == field and first["message"].startswith(message)


async def test_import_outside_the_advisors_territories_is_refused(api: Api) -> None:
    advisor = await api.advisor(["31"])
    r = await api.call("POST", "/v1/imports", advisor["token"], files={"file": ("f.csv", csv_bytes(ROWS))})
    assert r.status_code == 422
    assert {(e["row"], e["field"]) for e in r.json()["errors"]} == {(2, "territory"), (4, "territory")}
    assert await counts(api) == (0, 0, 0)
