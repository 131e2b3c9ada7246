"""The advisor's pages per role: an advisor of the territory reads and steers it (dashboard, company
page, pipeline, follow-up, results, workshop leads, report and its files); an advisor of another
territory gets nothing of it (404 or 403, no name on any page); a company is refused every advisor page."""

from __future__ import annotations

import csv
import io
import re
import uuid
from typing import Any

import pytest

from ecocirc_shared.events import SynergyProposed
from ecocirc_shared.synergies import Impact
from tests.integration.intake.web import Visitor, text_of
from tests.integration.notifier.conftest import synergy
from tests.integration.web.conftest import Site

pytestmark = pytest.mark.integration

IMPACT = Impact(
    tonnes_diverted_per_year=40.0,
    co2e_avoided_kg_per_year=1200.0,
    transport_co2e_kg_per_year=35.0,
    notes=("Transport : 0,083 kgCO2e/t.km (Base Carbone).",),
    eur_saved_per_year=3400.0,
    eur_notes=("Achat évité : 3 400 €/an.",),
)
ADVISOR_PAGES = ("/", "/pistes", "/pistes/nouvelle", "/rapports", "/rapports/export?format=csv")


async def territory(site: Site) -> dict[str, Any]:
    """Two companies of the Gers with a flow each and a lead between them; an advisor of the Gers and one
    of the Hautes-Pyrénées, each able to sign in."""
    n, api = site.notifier, site.api
    _, _, gers = await api.advisor("Claire", ["32"])
    _, _, bigorre = await api.advisor("Bigorre", ["65"])
    scierie = await n.people.company("Scierie")
    elevage = await n.people.company("Elevage")
    r = await api.post(
        f"/v1/companies/{scierie}/flows",
        {
            "direction": "offer",
            "category": "waste",
            "label": "Sciures de chêne",
            "confidentiality": "advisor_only",
        },
    )
    assert r.status_code == 201, r.text
    lead = synergy(scierie, elevage).model_copy(update={"impact": IMPACT})
    await n.recorder.handle(SynergyProposed(synergy=lead))
    return {"gers": gers, "bigorre": bigorre, "scierie": scierie, "elevage": elevage, "lead": lead.synergy_id}


async def submit(visitor: Visitor, page: str, action: str, data: dict[str, Any]) -> Any:
    return await visitor.submit(page, action, data)


async def test_an_advisor_of_the_territory_reads_it_whole(site: Site) -> None:
    t = await territory(site)
    claire = await site.signed_in(t["gers"])

    home = await claire.get("/")
    assert home.status_code == 200
    text = text_of(home)
    for expected in (
        "Tableau de bord",
        "Carte",
        "Pistes",
        "Rapports",
        "Sciures de chêne",
        "Scierie",
        "Elevage",
    ):
        assert expected in text, expected
    # The figures: 2 companies, 1 current flow (an offer), 1 lead, proposed.
    assert re.search(r"2 entreprises", text) and re.search(r"1 flux en cours \(1 offre, 0 besoin\)", text)
    assert re.search(r"Proposée 1", text)
    assert 'aria-current="page"' in home.text and 'href="/carte"' in home.text

    # Filters: the lead by status, by company name; none at a score above its own.
    assert "Sciures de bois" in text_of(await claire.get("/?etape=proposed"))
    assert "Aucune piste ne correspond" in text_of(await claire.get("/?score=90"))
    narrowed = text_of(await claire.get("/?entreprise=elev"))
    assert "Sciures de bois" in narrowed and "Pistes trouvées (1)" in narrowed
    assert "Entreprises (1)" in narrowed

    company = await claire.get(f"/entreprises/{t['scierie']}")
    assert company.status_code == 200
    assert "Sciures de chêne" in text_of(company) and "Réservé au conseiller" in text_of(company)

    pipeline = await claire.get("/pistes")
    assert pipeline.status_code == 200 and f"/pistes/{t['lead']}" in pipeline.text
    assert "Proposée (1)" in text_of(pipeline)
    lead = await claire.get(f"/pistes/{t['lead']}")
    assert lead.status_code == 200 and "Suivi de la piste" in text_of(lead) and "Historique" in text_of(lead)

    report = await claire.get("/rapports")
    assert report.status_code == 200 and "Exporter (CSV)" in report.text and "<svg" in report.text
    exported = await claire.get("/rapports/export?territoire=32&format=csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert [
        "tonnes_estimated",
        "Tonnes détournées par an, estimées (pistes en cours ou réalisées)",
        "40.0",
    ] in rows
    xlsx = await claire.get("/rapports/export?territoire=32&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


async def test_an_advisor_of_another_territory_gets_nothing_of_it(site: Site) -> None:
    t = await territory(site)
    bigorre = await site.signed_in(t["bigorre"])
    for path in ("/", "/pistes", "/rapports"):
        page = await bigorre.get(path)
        assert page.status_code == 200, path
        for name in ("Scierie", "Elevage", "Sciures"):
            assert name not in page.text, (path, name)
    for path, status in (
        (f"/entreprises/{t['scierie']}", 404),
        (f"/pistes/{t['lead']}", 404),
        ("/rapports?territoire=32", 403),
        ("/rapports/export?territoire=32&format=csv", 403),
        ("/?territoire=32", 200),  # not theirs: ignored, their own territory shown
    ):
        page = await bigorre.get(path)
        assert page.status_code == status, (path, page.status_code)
        for name in ("Scierie", "Elevage", "Sciures"):
            assert name not in page.text, (path, name)
    # Nor may they steer it, record its results, or name its companies in a workshop lead.
    csrf_page = "/pistes"
    for action, data in (
        (f"/pistes/{t['lead']}/suivi", {"etape": "study"}),
        (f"/pistes/{t['lead']}/resultats", {"tonnes": "1"}),
    ):
        r = await bigorre.submit(csrf_page, action, data)
        assert r.status_code == 404 and "Scierie" not in r.text, action
    r = await bigorre.submit(
        "/pistes/nouvelle",
        "/pistes/nouvelle",
        {"nature": "substitution", "p1_entreprise": str(t["scierie"]), "p1_role": "supplier",
         "p2_entreprise": str(t["elevage"]), "p2_role": "receiver", "description": "Essai"},
    )  # fmt: skip
    assert r.status_code == 422 and "Entreprise introuvable dans vos territoires" in text_of(r)
    assert "Scierie" not in r.text


async def test_a_company_is_refused_the_advisor_pages(site: Site) -> None:
    t = await territory(site)
    address = await site.notifier.pool.fetchval(
        "SELECT contact_email FROM intake.companies WHERE id = $1", t["scierie"]
    )
    company = await site.signed_in(address)
    assert "Mes flux" in text_of(await company.get("/"))
    for path in (*ADVISOR_PAGES[1:], f"/entreprises/{t['scierie']}", f"/entreprises/{t['elevage']}"):
        page = await company.get(path)
        assert page.status_code == 403, path
        assert "Elevage" not in page.text and "réservée aux conseillers" in text_of(page), path
    for action in (f"/pistes/{t['lead']}/suivi", f"/pistes/{t['lead']}/resultats", "/pistes/nouvelle"):
        r = await company.submit("/", action, {"etape": "study", "tonnes": "3", "description": "x"})
        assert r.status_code == 403, action
    # Its own lead's page stays its page, without the advisor's follow-up.
    lead = await company.get(f"/pistes/{t['lead']}")
    assert lead.status_code == 200 and "Suivi de la piste" not in text_of(lead)


async def test_nobody_signed_in_is_sent_to_the_sign_in_page(site: Site) -> None:
    visitor = site.visitor()
    for path in (*ADVISOR_PAGES[1:], f"/entreprises/{uuid.uuid4()}"):
        page = await visitor.get(path)
        assert page.status_code == 303 and page.headers["location"] == "/", path


async def test_an_advisor_moves_a_lead_to_done_and_records_its_results(site: Site) -> None:
    t = await territory(site)
    claire = await site.signed_in(t["gers"])
    lead = f"/pistes/{t['lead']}"
    claire_id = (await site.api.get("/v1/advisors"))["items"][1]["id"]

    moved = await claire.submit(
        lead,
        f"{lead}/suivi",
        {
            "etape": "study",
            "responsable": claire_id,
            "prochaine_action": "2030-03-14",
            "note": "Visite jeudi",
        },
    )
    assert moved.status_code == 303 and moved.headers["location"] == f"{lead}?fait=suivi"
    follow = await site.api.get(f"/v1/synergies/{t['lead']}/followup")
    assert (follow["status"], follow["owner_id"], follow["next_action_on"]) == (
        "study",
        claire_id,
        "2030-03-14",
    )
    page = text_of(await claire.get(f"{lead}?fait=suivi"))
    assert "Le suivi de la piste est enregistré" in page and "Visite jeudi" in page
    assert "Étape : Proposée → À l'étude" in page and "14 mars 2030" in page
    # The same form again changes nothing: no line is added to the history.
    again = await claire.submit(
        lead, f"{lead}/suivi", {"etape": "study", "responsable": claire_id, "prochaine_action": "2030-03-14"}
    )
    assert again.headers["location"] == f"{lead}?fait=inchange"
    assert len((await site.api.get(f"/v1/synergies/{t['lead']}/followup"))["history"]) == len(
        follow["history"]
    )

    # Abandoning asks for a reason: said next to the field, nothing recorded.
    refused = await claire.submit(lead, f"{lead}/suivi", {"etape": "abandoned", "responsable": claire_id})
    assert refused.status_code == 422
    assert 'id="motif-erreur"' in refused.text and "Dites pourquoi la piste est abandonnée" in text_of(
        refused
    )
    assert (await site.api.get(f"/v1/synergies/{t['lead']}/followup"))["status"] == "study"

    done = await claire.submit(
        lead, f"{lead}/suivi", {"etape": "done", "responsable": claire_id, "prochaine_action": "2030-03-14"}
    )
    assert done.headers["location"] == f"{lead}?fait=realisee#resultats-titre"
    page = await claire.get(f"{lead}?fait=realisee")
    # The form proposes the platform's estimate and shows its factors.
    assert re.search(r'id="tonnes" name="tonnes" value="40"', page.text), page.text
    assert (
        'id="co2e" name="co2e" value="1,2"' in page.text
        and 'id="euros" name="euros" value="3400"' in page.text
    )
    assert "Transport : 0,083 kgCO2e/t.km (Base Carbone)." in text_of(page)

    wrong = await claire.submit(
        lead, f"{lead}/resultats", {"tonnes": "beaucoup", "co2e": "1,2", "euros": "3400"}
    )
    assert wrong.status_code == 422 and 'id="tonnes-erreur"' in wrong.text
    assert 'value="beaucoup"' in wrong.text
    recorded = await claire.submit(
        lead,
        f"{lead}/resultats",
        {"tonnes": "35,5", "co2e": "1,2", "euros": "", f"euros_{t['scierie']}": "1000",
         f"euros_{t['elevage']}": "2 000", "emplois": "0,5", "demarrage": "2025-04-01"},
    )  # fmt: skip
    assert recorded.headers["location"] == f"{lead}?fait=resultats#resultats-titre"
    outcome = (await site.api.get(f"/v1/synergies/{t['lead']}/outcome"))["outcome"]
    assert (outcome["tonnes_per_year"], outcome["co2e_t_per_year"], outcome["eur_per_year"]) == (
        35.5,
        1.2,
        3000,
    )
    assert outcome["sources"] == {
        "tonnes_per_year": "advisor",
        "co2e_t_per_year": "estimate",
        "eur_per_year": "advisor",
    }
    assert (outcome["jobs"], outcome["started_on"]) == (0.5, "2025-04-01")

    report = text_of(await claire.get("/rapports"))
    assert "35,5 t" in report and "Synergies réalisées (1)" in report
    exported = (await claire.get("/rapports/export?format=csv")).content.decode("utf-8-sig")
    assert "tonnes_realised;Tonnes détournées par an, réalisées;35.5" in exported


async def test_a_workshop_lead_is_recorded_and_joins_the_pipeline(site: Site) -> None:
    t = await territory(site)
    claire = await site.signed_in(t["gers"])
    flow = (await site.api.get(f"/v1/companies/{t['scierie']}/flows"))["items"][0]["id"]
    form = await claire.get("/pistes/nouvelle")
    assert form.status_code == 200 and "Sciures de chêne" in form.text

    lonely = await claire.submit(
        "/pistes/nouvelle",
        "/pistes/nouvelle",
        {
            "nature": "substitution",
            "p1_entreprise": str(t["scierie"]),
            "p1_role": "supplier",
            "description": "Seule",
        },
    )
    assert lonely.status_code == 422 and "au moins deux entreprises" in text_of(lonely)
    assert 'value="Seule"' not in lonely.text and ">Seule</textarea>" in lonely.text

    body = {
        "nature": "substitution",
        "p1_entreprise": str(t["scierie"]),
        "p1_role": "supplier",
        "p1_flux": flow,
        "p2_entreprise": str(t["elevage"]),
        "p2_role": "receiver",
        "p2_libelle": "Litière pour les veaux",
        "description": "Atelier du 12 mars à Gimont : la scierie donnerait ses sciures à l'élevage.",
        "etape": "in_contact",
    }
    recorded = await claire.submit("/pistes/nouvelle", "/pistes/nouvelle", body)
    assert recorded.status_code == 303, text_of(recorded)
    path = recorded.headers["location"].split("?")[0]
    assert recorded.headers["location"].endswith("?fait=notee")
    page = text_of(await claire.get(path))
    assert "Atelier du 12 mars" in page and "notée par un conseiller" in page
    pipeline = text_of(await claire.get("/pistes?etape=in_contact"))
    assert "Sciures de chêne" in pipeline and "notée en atelier" in pipeline
    again = await claire.submit("/pistes/nouvelle", "/pistes/nouvelle", body)
    assert again.headers["location"] == f"{path}?fait=deja"
