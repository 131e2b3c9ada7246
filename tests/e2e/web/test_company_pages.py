"""A company contact in a real browser: signs in from the emailed link, declares an offer with the form
by its labels, sees it in "Mes flux", gets an error next to its field with what was typed kept, reads
the pages on a phone, and signs out. Every page is photographed under var/screenshots/."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.web.conftest import LAPTOP, PHONE, Site

pytestmark = pytest.mark.e2e

Shoot = Callable[[Page, str], Any]


def new_contact() -> str:
    """An address of its own for each test: the mail sink is shared by the whole session."""
    return f"contact-{uuid.uuid4().hex[:8]}@scierie-saves.example.fr"


async def sign_in(page: Page, site: Site, shoot: Shoot, contact: str) -> None:
    await page.goto(site.url)
    await expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    await shoot(page, "connexion")
    # The first Tab reaches the skip link, which leads to the page's content.
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    await page.get_by_label("Adresse e-mail").fill(contact)
    await page.get_by_role("button", name="Recevoir un lien de connexion").click()
    await expect(page.get_by_role("heading", name="Vérifiez vos e-mails")).to_be_visible()
    await shoot(page, "lien-envoye")

    link, message = await site.sign_in_link(contact)
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    mail = await page.context.new_page()  # a page of its own: the site's CSP must not style the email
    await mail.set_content(html.get_content())
    await shoot(mail, "e-mail-de-connexion")
    await mail.close()

    await page.goto(link)  # the confirmation page submits itself: the link lands on the home page
    await expect(page.get_by_role("heading", name="Mes flux")).to_be_visible()


async def test_a_company_signs_in_and_declares_an_offer(site: Site, browser: Browser, shoot: Shoot) -> None:
    contact = new_contact()
    await site.company(
        name="Scierie du Savès", naf_code="16.10A", contact_email=contact, postcode="32130", city="Samatan"
    )
    context = await browser.new_context(viewport=LAPTOP, locale="fr-FR")
    page = await context.new_page()
    await sign_in(page, site, shoot, contact)
    await expect(page.get_by_role("heading", name="Mes pistes")).to_be_visible()
    await expect(page.get_by_role("heading", name="Scierie du Savès", level=1)).to_be_visible()
    await shoot(page, "accueil-sans-flux")

    await page.get_by_role("link", name="Déclarer un flux").click()
    await expect(page.get_by_role("heading", name="Déclarer un flux")).to_be_visible()
    await shoot(page, "formulaire-vide")
    await page.get_by_label("Sens").select_option("offer")
    await page.get_by_label("Catégorie").select_option(label="Déchet")
    await page.get_by_label("Libellé").fill("Sciures de chêne")
    await page.get_by_label("Description").fill("Sèches, en big bags ; enlèvement le vendredi.")
    # Search-as-you-type by French words, chosen with the keyboard.
    waste = page.get_by_label("Code déchet")
    await waste.press_sequentially("sciure autres")
    suggestion = page.get_by_role("option", name=re.compile(r"^03 01 05"))
    await expect(suggestion).to_be_visible()
    await shoot(page, "suggestions-code-dechet")
    await waste.press("ArrowDown")
    await expect(suggestion).to_have_attribute("aria-selected", "true")
    await waste.press("Enter")
    await expect(waste).to_have_value("03 01 05")
    await page.get_by_label("Quantité").fill("120")
    unit = page.get_by_label("Unité")
    await unit.press_sequentially("tonn")
    await page.get_by_role("option", name=re.compile("tonnes")).click()
    await expect(unit).to_have_value("t")
    await page.get_by_label("Période").select_option(label="par an")
    await page.get_by_label("Mois").select_option(["3", "4", "5"])
    await page.get_by_label("Distance maximale (km)").fill("50")
    await page.get_by_label("Confidentialité").select_option("public")
    await shoot(page, "formulaire-rempli")
    await page.get_by_role("button", name="Enregistrer").click()

    await expect(page.get_by_role("status")).to_contain_text("Le flux est enregistré.")
    flows = page.get_by_role("region", name="Mes flux")
    offer = flows.get_by_role("listitem").filter(has_text="Sciures de chêne")
    await expect(offer).to_contain_text("120 t par an")
    await expect(offer).to_contain_text("mars, avril, mai")
    await expect(offer).to_contain_text("03 01 05")
    await shoot(page, "accueil-avec-flux")

    # A wrong waste code and a quantity without unit: said next to the fields, nothing typed lost.
    await page.get_by_role("link", name="Déclarer un flux").click()
    await page.get_by_label("Sens").select_option("offer")
    await page.get_by_label("Catégorie").select_option("material")
    await page.get_by_label("Libellé").fill("Palettes usagées")
    await page.get_by_label("Code déchet").fill("99 99 99")
    await page.get_by_label("Quantité").fill("12")
    await page.get_by_label("Mois").select_option(["6"])
    await page.get_by_role("button", name="Enregistrer").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_be_focused()
    await expect(page.locator("#code_dechet-erreur")).to_contain_text("99 99 99")
    await expect(page.locator("#unite-erreur")).to_contain_text("L'unité est obligatoire")
    await expect(page.get_by_label("Code déchet")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Code déchet")).to_have_value("99 99 99")
    await expect(page.get_by_label("Libellé")).to_have_value("Palettes usagées")
    await expect(page.get_by_label("Quantité")).to_have_value("12")
    await expect(page.get_by_label("Mois")).to_have_values(["6"])
    await shoot(page, "formulaire-erreurs")
    # The summary's link takes the focus to the field.
    await summary.get_by_role("link", name=re.compile("99 99 99")).click()
    await expect(page.get_by_label("Code déchet")).to_be_focused()

    # The same pages on a phone.
    await page.set_viewport_size(PHONE)
    await shoot(page, "telephone-formulaire-erreurs")
    await page.goto(site.url)
    await shoot(page, "telephone-accueil")

    await page.set_viewport_size(LAPTOP)
    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté.")
    await expect(page.get_by_label("Adresse e-mail")).to_be_visible()
    await shoot(page, "deconnecte")
    await context.close()


async def test_an_edited_flow_and_a_withdrawn_one(site: Site, browser: Browser, shoot: Shoot) -> None:
    contact = new_contact()
    company = await site.company(
        name="Scierie du Savès", naf_code="16.10A", contact_email=contact, postcode="32130", city="Samatan"
    )
    r = await site.api.post(
        f"/v1/companies/{company['id']}/flows",
        json={"direction": "need", "category": "energy", "label": "Chaleur pour le séchage"},
    )
    assert r.status_code == 201
    # On a phone, this time.
    context = await browser.new_context(viewport=PHONE, locale="fr-FR", has_touch=True, is_mobile=True)
    page = await context.new_page()
    await sign_in(page, site, shoot, contact)

    await page.get_by_role("link", name=re.compile("^Modifier")).click()
    await expect(page.get_by_label("Libellé")).to_have_value("Chaleur pour le séchage")
    await page.get_by_label("Quantité").fill("300")
    await page.get_by_label("Unité").fill("MWh")
    await shoot(page, "modifier")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("status")).to_contain_text("modifications du flux sont enregistrées")
    await expect(page.get_by_role("region", name="Mes flux")).to_contain_text("300 MWh par an")
    await shoot(page, "accueil-modifie")

    await page.get_by_role("link", name=re.compile("^Retirer")).click()
    await shoot(page, "retirer-confirmation")
    await page.get_by_role("button", name="Retirer le flux").click()
    await expect(page.get_by_role("status")).to_contain_text("Le flux est retiré")
    await expect(page.get_by_role("region", name="Mes flux")).to_contain_text("Aucun flux déclaré")
    await shoot(page, "accueil-flux-retire")
    await context.close()
