"""An advisor of the Gers in a real browser: signs in from the emailed link, reads the Tableau de bord
and its figures, finds a lead in Pistes, moves it to « À l'étude » then « Réalisée » and records its
realised tonnes with the results form, records a lead found in a workshop, opens Rapports, downloads
the CSV and the XLSX, and finds the realised tonnes in them and on the page. Each page is photographed
under var/screenshots/advisor-*.png, on a laptop and on a phone."""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from playwright.async_api import Browser, Page, expect

from ecocirc_shared.events import SynergyProposed
from ecocirc_shared.synergies import Impact, MatchedQuantity, Participant, Role, SynergySnapshot
from tests.e2e.web.conftest import LAPTOP, PHONE, SCREENSHOTS, Site

pytestmark = pytest.mark.e2e

ADVISOR = f"c.dupuy-{uuid.uuid4().hex[:6]}@cci-gers.example.fr"


def read(path: Path) -> bytes:
    return path.read_bytes()


async def shoot(page: Page, name: str) -> None:
    """var/screenshots/<name>.png, the whole page, on the laptop and on the phone."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.set_viewport_size(LAPTOP)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    await page.set_viewport_size(PHONE)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
    await page.set_viewport_size(LAPTOP)


async def territory(site: Site) -> dict[str, Any]:
    """Three companies of the Gers with their flows, an advisor, and the lead the matcher found."""
    r = await site.api.post(
        "/v1/advisors", json={"name": "Claire Dupuy", "email": ADVISOR, "territories": ["32"]}
    )
    assert r.status_code == 201, r.text
    ids: dict[str, Any] = {}
    for key, name, naf, postcode, city in (
        ("scierie", "Scierie du Savès", "16.10A", "32130", "Samatan"),
        ("elevage", "Élevage de Lombez", "01.47Z", "32220", "Lombez"),
        ("brasserie", "Brasserie de Gimont", "11.05Z", "32200", "Gimont"),
    ):
        contact = f"{key}-{uuid.uuid4().hex[:6]}@example.fr"
        company = await site.company(
            name=name, naf_code=naf, contact_email=contact, postcode=postcode, city=city
        )
        ids[key] = uuid.UUID(company["id"])
    flows = {}
    for key, body in (
        ("scierie", {"direction": "offer", "category": "waste", "label": "Sciures de chêne", "ewc_code": "03 01 05",
                     "quantity": {"amount": 120, "unit": "t", "period": "year"}}),
        ("elevage", {"direction": "need", "category": "material", "label": "Litière pour volailles",
                     "quantity": {"amount": 40, "unit": "t", "period": "year"}}),
        ("brasserie", {"direction": "offer", "category": "waste", "label": "Drêches de brasserie",
                       "quantity": {"amount": 80, "unit": "t", "period": "year"}}),
    ):  # fmt: skip
        r = await site.api.post(f"/v1/companies/{ids[key]}/flows", json=body)
        assert r.status_code == 201, r.text
        flows[key] = uuid.UUID(r.json()["id"])
    lead = SynergySnapshot(
        synergy_id=uuid.uuid4(),
        revision=1,
        kind="substitution",
        resource_class="sawdust_shavings",
        resource_label="sciure et copeaux de bois",
        score=0.82,
        score_parts={"resource": 1.0, "distance": 0.85, "quantity": 0.9, "season": 1.0},
        participants=(
            Participant(company_id=ids["scierie"], flow_id=flows["scierie"], role=Role.SUPPLIER,
                        flow_label="Sciures de chêne", territory="32"),
            Participant(company_id=ids["elevage"], flow_id=flows["elevage"], role=Role.RECEIVER,
                        flow_label="Litière pour volailles", territory="32"),
        ),
        distance_km=7.4,
        quantity=MatchedQuantity(amount_per_year=40, unit="t", coverage=1.0),
        impact=Impact(
            tonnes_diverted_per_year=40.0,
            co2e_avoided_kg_per_year=1200.0,
            transport_co2e_kg_per_year=25.0,
            notes=("Transport : 0,083 kgCO2e/t.km (Base Carbone), 7,4 km.",
                   "Litière achetée évitée : 30 kgCO2e/t (ADEME)."),
        ),
        explanation="La scierie de Samatan a des sciures de chêne ; l'élevage de Lombez, à 7 km, cherche de la litière.",
        territories=("32",),
        knowledge_version="e2e",
    )  # fmt: skip
    await site.notifier.recorder.handle(SynergyProposed(synergy=lead))
    return {**ids, "lead": lead.synergy_id, "flows": flows}


async def sign_in(page: Page, site: Site) -> None:
    await page.goto(site.url)
    await page.get_by_label("Adresse e-mail").fill(ADVISOR)
    await page.get_by_role("button", name="Recevoir un lien de connexion").click()
    await expect(page.get_by_role("heading", name="Vérifiez vos e-mails")).to_be_visible()
    link, _ = await site.sign_in_link(ADVISOR)
    await page.goto(link)
    await expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()


async def test_an_advisor_steers_a_lead_to_done_and_reports_it(steered_site: Site, browser: Browser) -> None:
    site = steered_site
    await territory(site)
    context = await browser.new_context(viewport=LAPTOP, locale="fr-FR", accept_downloads=True)
    page = await context.new_page()
    await sign_in(page, site)

    # Tableau de bord: the figures of the territory, its companies and flows, the lead.
    nav = page.get_by_role("navigation", name="Espace conseiller")
    for name in ("Tableau de bord", "Carte", "Pistes", "Rapports"):
        await expect(nav.get_by_role("link", name=name)).to_be_visible()
    await expect(nav.get_by_role("link", name="Tableau de bord")).to_have_attribute("aria-current", "page")
    figures = page.get_by_role("region", name=re.compile("en chiffres"))
    await expect(figures).to_contain_text("3 entreprises")
    await expect(figures).to_contain_text("3 flux en cours (2 offres, 1 besoin)")
    await expect(figures.get_by_role("list", name="Pistes par étape")).to_contain_text("Proposée1")
    await expect(page.get_by_role("region", name=re.compile("^Entreprises"))).to_contain_text(
        "Brasserie de Gimont"
    )
    await expect(page.get_by_role("region", name=re.compile("^Flux du territoire"))).to_contain_text(
        "Drêches de brasserie"
    )
    await shoot(page, "advisor-dashboard")
    # The search narrows every list.
    await page.get_by_label("Entreprise", exact=True).fill("Lombez")
    await page.get_by_role("button", name="Filtrer").click()
    await expect(page.get_by_role("region", name=re.compile("^Pistes trouvées"))).to_contain_text(
        "Sciure et copeaux de bois"
    )
    await expect(page.get_by_role("region", name=re.compile("^Entreprises"))).not_to_contain_text("Brasserie")
    await shoot(page, "advisor-dashboard-search")

    # Pistes: the lead under « Proposée », opened from there.
    await nav.get_by_role("link", name="Pistes").click()
    await expect(page.get_by_role("heading", name="Pistes", level=1)).to_be_visible()
    proposed = page.get_by_role("region", name=re.compile("^Proposée"))
    await expect(proposed).to_contain_text("Scierie du Savès")
    await shoot(page, "advisor-pipeline")
    await proposed.get_by_role("link", name="Sciure et copeaux de bois").click()

    # The lead's page: to « À l'étude », with a next action and a note.
    await expect(page.get_by_role("heading", name="Suivi de la piste")).to_be_visible()
    await page.get_by_label("Étape").select_option(label="À l'étude")
    await page.get_by_label("Responsable").select_option(label="Claire Dupuy (vous)")
    await page.get_by_label("Prochaine action").fill("2030-03-14")
    await page.get_by_label("Note").fill("Visite des deux sites jeudi avec le gérant de la scierie.")
    await page.get_by_role("button", name="Enregistrer le suivi").click()
    await expect(page.get_by_role("status")).to_contain_text("Le suivi de la piste est enregistré.")
    history = page.get_by_role("region", name="Historique")
    await expect(history).to_contain_text("Étape : Proposée → À l'étude")
    await expect(history).to_contain_text("Visite des deux sites jeudi")
    await shoot(page, "advisor-lead")

    # Abandoning without a reason is refused next to the field.
    await page.get_by_label("Étape").select_option(label="Abandonnée")
    await page.get_by_role("button", name="Enregistrer le suivi").click()
    await expect(page.get_by_role("alert")).to_contain_text("Dites pourquoi la piste est abandonnée")
    await expect(page.get_by_label("Motif d'abandon")).to_have_attribute("aria-invalid", "true")
    await shoot(page, "advisor-lead-abandon-error")

    # « Réalisée »: the results form proposes the platform's estimate and its factors.
    await page.get_by_label("Étape").select_option(label="Réalisée")
    await page.get_by_role("button", name="Enregistrer le suivi").click()
    await expect(page.get_by_role("status")).to_contain_text("La piste est réalisée")
    results = page.get_by_role("region", name="Résultats de la synergie")
    await expect(results.get_by_label("Tonnes détournées par an")).to_have_value("40")
    await expect(results.get_by_label("CO2e évité par an (tonnes)")).to_have_value("1,2")
    await expect(results).to_contain_text("Litière achetée évitée : 30 kgCO2e/t (ADEME).")
    await results.get_by_label("Tonnes détournées par an").fill("37,5")
    await results.get_by_label("Emplois (ETP)").fill("0,5")
    await results.get_by_label("Date de démarrage").fill("2025-04-01")
    await results.get_by_role("button", name="Enregistrer les résultats").click()
    await expect(page.get_by_role("status")).to_contain_text("Les résultats de la synergie sont enregistrés.")
    await expect(results.get_by_label("Tonnes détournées par an")).to_have_value("37,5")
    await shoot(page, "advisor-lead-results")

    # A lead found in a workshop: recorded, then in the pipeline.
    await nav.get_by_role("link", name="Pistes").click()
    await page.get_by_role("link", name="Noter une piste d'atelier").click()
    first = page.get_by_role("group", name="Participant 1")
    await first.get_by_label("Entreprise").select_option(label="Brasserie de Gimont (Gimont)")
    await first.get_by_label("Rôle").select_option("supplier")
    await first.get_by_label("Flux (facultatif)").select_option(
        label="Offre — Drêches de brasserie (80 t par an)"
    )
    second = page.get_by_role("group", name="Participant 2")
    await second.get_by_label("Entreprise").select_option(label="Élevage de Lombez (Lombez)")
    await second.get_by_label("Rôle").select_option("receiver")
    await second.get_by_label("Ou, en quelques mots").fill("Complément pour les génisses")
    await page.get_by_label("Description").fill(
        "Atelier du 12 mars à Gimont : la brasserie donnerait ses drêches à l'élevage de Lombez."
    )
    await shoot(page, "advisor-workshop-form")
    await page.get_by_role("button", name="Enregistrer la piste").click()
    await expect(page.get_by_role("status")).to_contain_text("La piste d'atelier est notée")
    await expect(page.get_by_role("heading", name="Drêches de brasserie", level=1)).to_be_visible()
    await shoot(page, "advisor-lead-workshop")
    await nav.get_by_role("link", name="Pistes").click()
    await expect(page.get_by_role("region", name=re.compile("^Idée"))).to_contain_text("Drêches de brasserie")
    await expect(page.get_by_role("region", name=re.compile("^Réalisée"))).to_contain_text(
        "Sciure et copeaux de bois"
    )
    await shoot(page, "advisor-pipeline-after")

    # Rapports: the realised tonnes on the page, in the CSV and in the XLSX.
    await nav.get_by_role("link", name="Rapports").click()
    await expect(page.get_by_role("heading", name="Rapport — territoire 32")).to_be_visible()
    realised = page.get_by_role("table", name=re.compile("Impact estimé et réalisé"))
    await expect(realised.get_by_role("row", name=re.compile("^Tonnes détournées par an"))).to_contain_text(
        "37,5 t"
    )
    await expect(page.get_by_role("region", name=re.compile("^Synergies réalisées"))).to_contain_text(
        "37,5 t"
    )
    await shoot(page, "advisor-report")
    await page.emulate_media(media="print")
    await page.screenshot(path=str(SCREENSHOTS / "advisor-report-print.png"), full_page=True)
    await page.emulate_media(media="screen")

    async with page.expect_download() as csv_download:
        await page.get_by_role("link", name="Exporter (CSV)").click()
    downloaded = await csv_download.value
    assert downloaded.suggested_filename.startswith("rapport-32-") and downloaded.suggested_filename.endswith(
        ".csv"
    )
    text = read(await downloaded.path()).decode("utf-8-sig")
    rows = {row[0]: row[2] for row in csv.reader(io.StringIO(text), delimiter=";") if len(row) == 3}
    # Estimated: the done lead's 40 t and the workshop lead's 80 t (the brasserie's flow says so).
    assert float(rows["tonnes_realised"]) == 37.5 and float(rows["tonnes_estimated"]) == 120.0
    assert rows["synergies_realised"] == "1" and float(rows["jobs_realised"]) == 0.5

    async with page.expect_download() as xlsx_download:
        await page.get_by_role("link", name="Exporter (XLSX)").click()
    book = load_workbook(io.BytesIO(read(await (await xlsx_download.value).path())))
    figures = {row[0]: row[2] for row in book["Rapport"].iter_rows(values_only=True) if row and len(row) >= 3}
    assert figures["tonnes_realised"] == 37.5
    leads = list(book["Pistes"].iter_rows(values_only=True))
    assert any(row[6] == 37.5 and row[3] == "done" for row in leads if row and len(row) > 6)
    await context.close()
