"""Two companies in real browsers, on the whole platform as `make run` starts it (broker, PostgreSQL,
SMTP sink, intake, matcher, notifier): each signs in from an emailed link, one declares an offer and
the other a need with the form, the lead appears on both pages, one says yes on the lead's page and
the other from the link of its email, and the introduction emails are in the mailbox with both
contacts. Every page and email is photographed under var/screenshots/, on a laptop and a phone."""

from __future__ import annotations

import asyncio
import email
import re
import time
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.platform import ADMIN_TOKEN, Platform
from tests.e2e.web.conftest import LAPTOP, PHONE

pytestmark = pytest.mark.e2e

Shoot = Callable[[Page, str], Any]
SCIERIE = "scierie@saves.example.fr"
ELEVAGE = "elevage@lombez.example.fr"
ADVISOR = "c.dupuy@cci-gers.example.fr"


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    # A short hold: the proposal leaves half a second after the lead is found.
    monkeypatch.setenv("ECOCIRC_NOTIFY_HOLD_SECONDS", "0.5")
    running = Platform(tmp_path / "var")
    running.start()
    try:
        yield running
    finally:
        assert running.interrupt() == 0, running.log()


def mails(platform: Platform) -> list[EmailMessage]:
    found = []
    for path in platform.mails():
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


async def mail_to(platform: Platform, address: str, subject: str, timeout_s: float = 45.0) -> EmailMessage:
    """The first email to `address` whose subject has `subject`; it travels the outbox, the broker,
    the matcher (for leads) and the notifier."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for message in mails(platform):
            if str(message["To"]) == address and subject in str(message["Subject"]):
                return message
        await asyncio.sleep(0.2)
    seen = [(str(m["To"]), str(m["Subject"])) for m in mails(platform)]
    raise AssertionError(
        f"no email to {address} about {subject!r} within {timeout_s} s: {seen}\n{platform.log()}"
    )


def plain(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage, pattern: str) -> str:
    match = re.search(pattern, plain(message), re.M)
    assert match, plain(message)
    return match.group(1)


async def show_email(page: Page, message: EmailMessage, shoot: Shoot, name: str) -> None:
    """Photograph an email's HTML part in a page of its own (the site's CSP must not style it)."""
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    mail = await page.context.new_page()
    await mail.set_content(html.get_content())
    await shoot(mail, name)
    await mail.close()


async def declare(page: Page, direction: str, category: str, label: str, amount: str) -> None:
    await page.get_by_role("link", name="Déclarer un flux").click()
    await page.get_by_label("Sens").select_option(direction)
    await page.get_by_label("Catégorie").select_option(category)
    await page.get_by_label("Libellé").fill(label)
    await page.get_by_label("Code déchet").fill("03 01 05")
    await page.get_by_label("Quantité").fill(amount)
    await page.get_by_label("Unité").fill("t")
    await page.get_by_label("Période").select_option(label="par an")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("status")).to_contain_text("Le flux est enregistré.")


async def lead_on_home(page: Page, timeout_s: float = 45.0) -> None:
    """Reload the home page until the matcher's lead is in « Mes pistes »."""
    deadline = time.monotonic() + timeout_s
    leads = page.get_by_role("region", name="Mes pistes").get_by_role("listitem")
    while time.monotonic() < deadline:
        await page.goto(page.url.split("?")[0])
        if await leads.count():
            return
        await asyncio.sleep(0.5)
    raise AssertionError("no lead on the home page")


async def test_two_companies_say_yes_and_are_introduced(
    platform: Platform, browser: Browser, shoot: Shoot
) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx.AsyncClient(base_url=platform.api, headers=headers, timeout=10) as api:
        advisor = await api.post(
            "/v1/advisors", json={"name": "Claire Dupuy", "email": ADVISOR, "territories": ["32"]}
        )
        assert advisor.status_code == 201, advisor.text
        for name, naf, contact, postcode, city in (
            ("Scierie du Savès", "16.10A", SCIERIE, "32130", "Samatan"),
            ("Élevage de Lombez", "01.47Z", ELEVAGE, "32220", "Lombez"),
        ):
            body = {
                "name": name,
                "naf_code": naf,
                "contact_email": contact,
                "postcode": postcode,
                "city": city,
            }
            assert (await api.post("/v1/companies", json=body)).status_code == 201

    # The scierie signs in from its welcome email, on a laptop.
    laptop = await browser.new_context(viewport=LAPTOP, locale="fr-FR")
    scierie = await laptop.new_page()
    welcome = await mail_to(platform, SCIERIE, "Bienvenue")
    assert "Claire Dupuy" in plain(welcome) and ADVISOR in plain(welcome)
    await show_email(scierie, welcome, shoot, "e-mail-de-bienvenue")
    await scierie.goto(link_in(welcome, r"^(http\S+/connexion/lien\?jeton=\S+?)\r?$"))
    await expect(scierie.get_by_role("heading", name="Mes flux")).to_be_visible()
    await declare(scierie, "offer", "waste", "Sciures de chêne", "120")
    await shoot(scierie, "scierie-accueil-offre")

    # The élevage asks for a link on the sign-in page, on a phone, and declares its need.
    phone = await browser.new_context(viewport=PHONE, locale="fr-FR", has_touch=True, is_mobile=True)
    elevage = await phone.new_page()
    await elevage.goto(platform.api)
    await elevage.get_by_label("Adresse e-mail").fill(ELEVAGE)
    await elevage.get_by_role("button", name="Recevoir un lien de connexion").click()
    await expect(elevage.get_by_role("heading", name="Vérifiez vos e-mails")).to_be_visible()
    requested = await mail_to(platform, ELEVAGE, "votre lien de connexion")
    await elevage.goto(link_in(requested, r"^(http\S+/connexion/lien\?jeton=\S+?)\r?$"))
    await expect(elevage.get_by_role("heading", name="Mes flux")).to_be_visible()
    await declare(elevage, "need", "material", "Litière pour volailles", "40")

    # The matcher finds the lead: on both pages.
    await lead_on_home(scierie)
    await lead_on_home(elevage)
    await shoot(scierie, "scierie-accueil-piste")
    await shoot(elevage, "elevage-telephone-accueil-piste")
    on_elevage_home = await elevage.get_by_role("region", name="Mes pistes").inner_text()
    assert "Scierie du Savès" not in on_elevage_home  # unnamed before consent

    # The scierie reads the lead and says yes on its page.
    await (
        scierie.get_by_role("region", name="Mes pistes")
        .get_by_role("link", name=re.compile("^Voir et répondre"))
        .click()
    )
    await expect(scierie.get_by_role("heading", name="Pourquoi cette piste")).to_be_visible()
    page_text = await scierie.locator("main").inner_text()
    for raw in ("season", "activity", "text confidence", "text_confidence", "environ moins", "environ 0"):
        assert raw not in page_text, raw
    assert "Élevage de Lombez" not in page_text and ELEVAGE not in page_text
    assert "Une exploitation agricole" in page_text  # described by its activity
    await shoot(scierie, "scierie-piste")
    await scierie.get_by_role("button", name="Ça m'intéresse").click()
    await expect(scierie.get_by_role("status")).to_contain_text(
        "«\u00a0Ça m'intéresse\u00a0» est enregistrée"
    )
    await shoot(scierie, "scierie-piste-oui")

    # The élevage answers from the link of its proposal email: a confirmation page, then the button.
    proposal = await mail_to(platform, ELEVAGE, "nouvelle piste")
    await show_email(elevage, proposal, shoot, "elevage-e-mail-de-piste")
    await phone.clear_cookies()  # the link needs no session
    await elevage.goto(link_in(proposal, r"^Ça m'intéresse : (\S+?)\r?$"))
    await expect(elevage.get_by_role("button", name="Ça m'intéresse")).to_be_focused()
    await expect(elevage.get_by_role("button", name="Pas pour nous")).to_be_visible()
    await shoot(elevage, "elevage-telephone-confirmation")
    await elevage.get_by_role("button", name="Ça m'intéresse").click()
    await expect(elevage.get_by_role("status")).to_contain_text("la mise en relation est faite")
    await expect(elevage.get_by_role("heading", name="Mise en relation faite")).to_be_visible()
    await expect(elevage.get_by_role("link", name=SCIERIE).first).to_be_visible()
    await shoot(elevage, "elevage-telephone-mise-en-relation")

    # One introduction email each, naming the other with its contact; the advisor is told.
    to_scierie = await mail_to(platform, SCIERIE, "mise en relation")
    to_elevage = await mail_to(platform, ELEVAGE, "mise en relation")
    assert "Élevage de Lombez" in plain(to_scierie) and ELEVAGE in plain(to_scierie)
    assert "Scierie du Savès" in plain(to_elevage) and SCIERIE in plain(to_elevage)
    told = await mail_to(platform, ADVISOR, "mise en relation")
    assert "Scierie du Savès" in plain(told) and "Élevage de Lombez" in plain(told)
    await show_email(scierie, to_scierie, shoot, "scierie-e-mail-de-mise-en-relation")
    await asyncio.sleep(1)  # anything else queued would have left by now
    for address in (SCIERIE, ELEVAGE):
        intros = [
            m for m in mails(platform) if str(m["To"]) == address and "mise en relation" in str(m["Subject"])
        ]
        assert len(intros) == 1, address

    # The scierie's page now names the élevage, in contact.
    await scierie.goto(scierie.url.split("?")[0])  # the page itself, without the notice of the answer
    await expect(scierie.get_by_role("heading", name="Mise en relation faite")).to_be_visible()
    await expect(scierie.get_by_role("link", name=ELEVAGE).first).to_be_visible()
    await expect(
        scierie.get_by_text("Mise en relation", exact=True)
    ).to_be_visible()  # the step, as the pipeline says it
    await shoot(scierie, "scierie-piste-mise-en-relation")
    await scierie.set_viewport_size(PHONE)
    await shoot(scierie, "scierie-telephone-piste-mise-en-relation")
    await laptop.close()
    await phone.close()
