"""A company's flows from its pages: declared, revised and withdrawn through the API's use cases, with
the API's French messages next to the fields and nothing typed lost."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest

from ecocirc_notifier.bootstrap import build
from ecocirc_notifier.options import NotifierOptions
from ecocirc_shared.events import SynergyProposed
from tests.integration.intake.conftest import GERS_2, Api
from tests.integration.intake.web import Visitor, text_of, visitors
from tests.integration.notifier.conftest import synergy

pytestmark = pytest.mark.integration
__all__ = ["visitors"]

Visitors = Callable[..., Visitor]
FULL_OFFER = {
    "sens": "offer",
    "categorie": "waste",
    "libelle": "Sciures de chêne",
    "description": "Sèches, en big bags.\nEnlèvement le vendredi.",
    "code_dechet": "030105",
    "quantite": "12,5",
    "unite": "tonnes",
    "periode": "month",
    "mois": ["3", "4", "10"],
    "dangereux": "oui",
    "distance_max": "40",
    "confidentialite": "advisor_only",
}


async def signed_in_company(api: Api, visitors: Visitors) -> tuple[dict[str, str], Visitor]:
    company = await api.company(contact_email="contact@scierie.example.fr")
    browser = visitors()
    await browser.sign_in("contact@scierie.example.fr")
    return company, browser


async def test_declaring_a_flow_with_every_field(api: Api, visitors: Visitors) -> None:
    company, browser = await signed_in_company(api, visitors)
    form = await browser.get("/flux/nouveau")
    for label in (
        "Sens", "Catégorie", "Libellé", "Description", "Code déchet", "Quantité", "Unité", "Période",
        "Mois", "Dangereux", "Distance maximale (km)", "Confidentialité",
    ):  # fmt: skip
        assert f">{label}</label>" in form.text, label
    assert "Enregistrer</button>" in form.text

    saved = await browser.submit("/flux/nouveau", "/flux/nouveau", FULL_OFFER)
    assert saved.status_code == 303 and saved.headers["location"] == "/?fait=declare"
    flows = (await api.call("GET", f"/v1/companies/{company['id']}/flows")).json()["items"]
    [flow] = flows
    assert flow["direction"] == "offer" and flow["category"] == "waste"
    assert flow["label"] == "Sciures de chêne" and flow["description"] == FULL_OFFER["description"]
    assert flow["ewc_code"] == "03 01 05"
    assert flow["quantity"] == {"amount": 12.5, "unit": "t", "period": "month"}
    assert flow["months"] == [3, 4, 10] and flow["hazardous"] is True
    assert flow["max_distance_km"] == 40 and flow["confidentiality"] == "advisor_only"

    home = text_of(await browser.get("/?fait=declare"))
    assert "Le flux est enregistré." in home
    assert "Sciures de chêne" in home and "12,5 t par mois" in home and "mars, avril, octobre" in home
    assert "03 01 05 — sciure de bois" in home and "Réservé au conseiller" in home


async def test_a_vague_declaration_needs_only_direction_category_and_label(
    api: Api, visitors: Visitors
) -> None:
    company, browser = await signed_in_company(api, visitors)
    saved = await browser.submit(
        "/flux/nouveau",
        "/flux/nouveau",
        {"sens": "need", "categorie": "logistics", "libelle": "Camion vers Toulouse", "periode": "year"},
    )
    assert saved.status_code == 303
    [flow] = (await api.call("GET", f"/v1/companies/{company['id']}/flows")).json()["items"]
    assert flow["quantity"] is None and flow["months"] == [] and flow["hazardous"] is False
    assert flow["confidentiality"] == "public"


async def test_errors_are_said_next_to_their_field_and_nothing_typed_is_lost(
    api: Api, visitors: Visitors
) -> None:
    company, browser = await signed_in_company(api, visitors)
    typed = {
        **FULL_OFFER,
        "sens": "",
        "code_dechet": "99 99 99",
        "quantite": "beaucoup",
        "distance_max": "5000",
    }
    page = await browser.submit("/flux/nouveau", "/flux/nouveau", typed)
    assert page.status_code == 422
    text = text_of(page)
    # The API's message for the same code.
    api_answer = await api.call(
        "POST",
        f"/v1/companies/{company['id']}/flows",
        json={"direction": "offer", "category": "waste", "label": "x", "ewc_code": "99 99 99"},
    )
    [ewc_error] = [e for e in api_answer.json()["errors"] if e["field"] == "ewc_code"]
    assert ewc_error["message"] in text
    # The API's schema bounds a JSON number before the rules see it; the form's text meets the rule.
    assert "La distance maximale doit être supérieure à 0 et d'au plus 1000 km (5000 reçu)." in text
    assert "Le sens du flux (offre ou besoin) est obligatoire." in text
    assert "La quantité doit être un nombre (« beaucoup » reçu)." in text
    # Each message sits with its field, which says it is invalid and points at it.
    for name in ("sens", "code_dechet", "quantite", "distance_max"):
        assert f'id="{name}-erreur"' in page.text, name
        field = page.text.split(f'id="{name}"', 1)[1].split(">", 1)[0]
        assert 'aria-invalid="true"' in field and f"{name}-erreur" in field, name
    # What was typed comes back.
    for value in ("Sciures de chêne", "99 99 99", "beaucoup", "5000", "tonnes", "Enlèvement le vendredi."):
        assert value in page.text, value
    assert '<option value="3" selected>' in page.text and '<option value="10" selected>' in page.text
    assert 'id="dangereux" name="dangereux" type="checkbox" value="oui" checked' in page.text
    assert '<option value="advisor_only" selected>' in page.text
    assert (await api.call("GET", f"/v1/companies/{company['id']}/flows")).json()["total"] == 0


async def test_revising_and_withdrawing_a_flow(api: Api, visitors: Visitors) -> None:
    company, browser = await signed_in_company(api, visitors)
    await browser.submit("/flux/nouveau", "/flux/nouveau", FULL_OFFER)
    [flow] = (await api.call("GET", f"/v1/companies/{company['id']}/flows")).json()["items"]
    edit = f"/flux/{flow['id']}/modifier"
    form = await browser.get(edit)
    assert 'value="Sciures de chêne"' in form.text and 'value="12,5"' in form.text
    assert '<option value="month" selected>' in form.text

    changed = {**FULL_OFFER, "libelle": "Sciures de chêne sèches", "quantite": "", "unite": "", "mois": []}
    del changed["dangereux"]
    saved = await browser.submit(edit, edit, changed)
    assert saved.status_code == 303 and saved.headers["location"] == "/?fait=modifie"
    now = (await api.call("GET", f"/v1/flows/{flow['id']}")).json()
    assert now["version"] == 2 and now["label"] == "Sciures de chêne sèches"
    assert now["quantity"] is None and now["months"] == [] and now["hazardous"] is False

    # A required field cannot be emptied: the API's message, and the flow unchanged.
    refused = await browser.submit(edit, edit, {**changed, "libelle": "  "})
    assert refused.status_code == 422
    assert "Le libellé est obligatoire et ne peut pas être vide." in text_of(refused)
    assert (await api.call("GET", f"/v1/flows/{flow['id']}")).json()["version"] == 2

    withdraw = f"/flux/{flow['id']}/retirer"
    assert "Retirer le flux" in (await browser.get(withdraw)).text
    gone = await browser.submit(withdraw, withdraw, {})
    assert gone.status_code == 303 and gone.headers["location"] == "/?fait=retire"
    assert (await api.call("GET", f"/v1/flows/{flow['id']}")).json()["active"] is False
    assert "Sciures de chêne sèches" not in (await browser.get("/")).text


async def test_a_company_cannot_reach_another_companys_flow(api: Api, visitors: Visitors) -> None:
    _, browser = await signed_in_company(api, visitors)
    other = await api.company(contact_email="autre@example.fr", name="Élevage de Lombez", place=GERS_2)
    flow = await api.flow(other["id"])
    for path in (f"/flux/{flow['id']}/modifier", f"/flux/{flow['id']}/retirer", "/flux/pas-un-id/modifier"):
        page = await browser.get(path)
        assert page.status_code == 404 and "introuvable" in page.text, path
    stolen = await browser.submit("/", f"/flux/{flow['id']}/retirer", {})
    assert stolen.status_code == 404
    assert (await api.call("GET", f"/v1/flows/{flow['id']}")).json()["active"] is True


async def test_pages_need_a_session(visitors: Visitors) -> None:
    browser = visitors()
    for path in ("/flux/nouveau", "/flux/00000000-0000-4000-8000-000000000000/modifier"):
        page = await browser.get(path)
        assert page.status_code == 303 and page.headers["location"] == "/", path


async def test_waste_codes_are_suggested_by_code_or_by_words(visitors: Visitors) -> None:
    browser = visitors()
    by_code = (await browser.get("/reference/codes-dechet?q=03 01")).json()
    assert [s["value"] for s in by_code][:3] == ["03 01 01", "03 01 04", "03 01 05"]
    by_words = (await browser.get("/reference/codes-dechet?q=sciures bois")).json()
    assert {"value": "03 01 05", "hazardous": False} | {"label": by_words[1]["label"]} in by_words
    assert any(s["hazardous"] for s in by_words)
    assert (await browser.get("/reference/codes-dechet?q=s")).json() == []


async def test_leads_are_those_of_the_synergy_api_with_the_counterpart_unnamed(
    api: Api, visitors: Visitors
) -> None:
    company, browser = await signed_in_company(api, visitors)
    other = await api.company(contact_email="autre@example.fr", name="Élevage de Lombez", place=GERS_2)
    notifier = await build(api.settings, options=NotifierOptions(hold=timedelta(0)))
    snapshot = synergy(uuid.UUID(company["id"]), uuid.UUID(other["id"]), score=0.82)
    await notifier.recorder.handle(SynergyProposed(synergy=snapshot))
    await notifier.pool.close()

    home = await browser.get("/")
    leads = text_of(home).split("Mes pistes", 1)[1]
    # Before the introduction the company reads ranges and a sentence worded from them, not the
    # matcher's (exact figures, NAF codes): score 0.82 to 5 points, 5.2 km to 5 km.
    assert "Sciures de bois" in leads and "Une scierie à 5 km produit des sciures" not in leads
    assert "Vous proposez « Sciures ». Une entreprise" in leads
    assert "80 %" in leads and "environ 5 km" in leads and "Proposée" in leads
    assert "Vous (fournit) : Sciures" in leads
    assert "Une autre entreprise (reçoit)" in leads and "Élevage de Lombez" not in leads
    # The same synergy as the API gives the company, and nothing more.
    token = (await api.call("POST", f"/v1/companies/{company['id']}/tokens")).json()["token"]
    [item] = (await api.call("GET", "/v1/synergies", token=token)).json()["items"]
    assert item["id"] == str(snapshot.synergy_id) and item["participants"][1]["company_id"] is None
