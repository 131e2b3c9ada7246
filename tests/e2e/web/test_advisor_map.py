"""An advisor of the Gers on the map (« Carte ») in a real browser: the departments' outline drawn with
no tile server, the companies as circles, the leads as lines and a group's badge coloured by step, a
popup whose « Ouvrir la piste » opens the lead's page, the filters, the list under the map and its
« Voir sur la carte »; the page on a phone; an advisor of the Hautes-Pyrénées sees nothing of the
Gers, and a company is refused. No CSP violation or script error on the way. Photographed under
var/screenshots/<test>/advisor-map-*.png."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from ecocirc_notifier.bootstrap import build
from ecocirc_notifier.options import NotifierOptions
from ecocirc_shared.events import FollowUpChanged, OutcomeRecorded, SynergyProposed
from ecocirc_shared.followup import AbandonReason, SynergyStatus
from ecocirc_shared.outcomes import Estimate, Outcome
from ecocirc_shared.synergies import Impact, Participant, Role, SynergyKind, SynergySnapshot
from tests.e2e.web.conftest import LAPTOP, PHONE, Site

pytestmark = pytest.mark.e2e

Shoot = Callable[[Page, str], Any]
GERS_ADVISOR = "c.dupuy@cci-gers.example.fr"
BIGORRE_ADVISOR = "p.lacoste@cci-bigorre.example.fr"
SAWMILL_CONTACT = "contact@scierie-saves.example.fr"


def unique(address: str, suffix: str) -> str:
    """An address of its own for each test: the mail sink is shared by the whole session."""
    local, domain = address.split("@")
    return f"{local}-{suffix}@{domain}"


# Companies of the Gers, then one of the Hautes-Pyrénées: (key, name, NAF, postcode, commune, contact).
COMPANIES = [
    ("sawmill", "Scierie du Savès", "16.10A", "32130", "Samatan", SAWMILL_CONTACT),
    ("farm", "Élevage de Lombez", "01.47Z", "32220", "Lombez", "elevage@lombez.example.fr"),
    ("cannery", "Conserverie de Gimont", "10.13A", "32200", "Gimont", "conserverie@gimont.example.fr"),
    ("digester", "Méthaniseur d'Auch", "35.21Z", "32000", "Auch", "methanisation@auch.example.fr"),
    ("printer", "Imprimerie de Fleurance", "18.12Z", "32500", "Fleurance", "imprimerie@fleurance.example.fr"),
    ("stud", "Haras de Tarbes", "01.43Z", "65000", "Tarbes", "haras@tarbes.example.fr"),
    ("spa", "Thermes de Bigorre", "96.04Z", "65200", "Bagnères-de-Bigorre", "thermes@bigorre.example.fr"),
]  # fmt: skip


def exchange(
    supplier: uuid.UUID, receiver: uuid.UUID, resource: str, territories: tuple[str, ...] = ("32",)
) -> SynergySnapshot:
    return SynergySnapshot(
        synergy_id=uuid.uuid4(),
        revision=1,
        kind="substitution",
        resource_class="wood",
        resource_label=resource,
        score=0.82,
        score_parts={"resource": 1.0, "distance": 0.8},
        participants=(
            Participant(company_id=supplier, flow_id=uuid.uuid4(), role=Role.SUPPLIER, flow_label=resource,
                        territory=territories[0]),
            Participant(company_id=receiver, flow_id=uuid.uuid4(), role=Role.RECEIVER, flow_label=resource,
                        territory=territories[-1]),
        ),
        distance_km=12.0,
        explanation=f"L'une a des {resource}, l'autre en cherche.",
        territories=territories,
        knowledge_version="test",
        impact=Impact(tonnes_diverted_per_year=40.0),
    )  # fmt: skip


@dataclass
class Territory:
    """The Gers with five companies and five leads at five steps; the Hautes-Pyrénées with two
    companies and a lead of their own."""

    ids: dict[str, uuid.UUID] = field(default_factory=dict)
    leads: dict[str, SynergySnapshot] = field(default_factory=dict)
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def address(self, address: str) -> str:
        return unique(address, self.suffix)


@pytest.fixture
async def territory(site: Site) -> AsyncIterator[Territory]:
    built = Territory()
    for name, email, code in (("Claire Dupuy", GERS_ADVISOR, "32"), ("Paul Lacoste", BIGORRE_ADVISOR, "65")):
        body = {"name": name, "email": built.address(email), "territories": [code]}
        r = await site.api.post("/v1/advisors", json=body)
        assert r.status_code == 201, r.text
        built.ids[code] = uuid.UUID(r.json()["id"])
    for key, name, naf, postcode, city, contact in COMPANIES:
        created = await site.company(
            name=name, naf_code=naf, contact_email=built.address(contact), postcode=postcode, city=city
        )
        built.ids[key] = uuid.UUID(created["id"])
    flow = {"direction": "offer", "category": "waste", "label": "Sciures de chêne"}
    assert (await site.api.post(f"/v1/companies/{built.ids['sawmill']}/flows", json=flow)).status_code == 201
    i = built.ids
    built.leads = {
        "sawdust": exchange(i["sawmill"], i["farm"], "sciures et copeaux de bois"),
        "fat": exchange(i["cannery"], i["digester"], "graisses de canard"),
        "digestate": exchange(i["digester"], i["farm"], "digestat"),
        "paper": exchange(i["printer"], i["cannery"], "cartons d'emballage"),
        "manure": exchange(i["stud"], i["spa"], "fumier de cheval", ("65",)),
        "pallets": exchange(i["sawmill"], i["farm"], "palettes").model_copy(
            update={
                "kind": SynergyKind.MUTUALISATION,
                "participants": tuple(
                    Participant(company_id=c, flow_id=uuid.uuid4(), role=Role.MEMBER, flow_label="Palettes",
                                territory="32")
                    for c in (i["sawmill"], i["cannery"], i["printer"])
                ),
            }
        ),
    }  # fmt: skip
    notifier = await build(site.settings, options=NotifierOptions(hold=timedelta(0)))
    try:
        for snapshot in built.leads.values():
            await notifier.recorder.handle(SynergyProposed(synergy=snapshot))
        advisor = built.ids["32"]
        for key, change in (
            ("fat", {"status": SynergyStatus.IN_CONTACT}),
            ("digestate", {"status": SynergyStatus.STUDY}),
            ("paper", {"status": SynergyStatus.ABANDONED, "abandon_reason": AbandonReason.DISTANCE}),
        ):
            event = FollowUpChanged(synergy_id=built.leads[key].synergy_id, advisor_id=advisor, **change)
            assert await notifier.decisions.handle(event) == "applied"
        done = OutcomeRecorded(
            synergy_id=built.leads["sawdust"].synergy_id,
            advisor_id=advisor,
            outcome=Outcome(tonnes_per_year=35),
            estimate=Estimate(),
            mark_done=True,
        )
        assert await notifier.decisions.handle(done) == "applied"
    finally:
        await notifier.pool.close()
    yield built


def watch(page: Page) -> list[str]:
    """Console errors (a CSP violation is one) and uncaught script errors, as they come."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"script: {e}"))
    return problems


async def sign_in(context: BrowserContext, site: Site, address: str) -> Page:
    page = await context.new_page()
    await page.goto(site.url)
    await page.get_by_label("Adresse e-mail").fill(address)
    await page.get_by_role("button", name="Recevoir un lien de connexion").click()
    await expect(page.get_by_role("heading", name="Vérifiez vos e-mails")).to_be_visible()
    link, _ = await site.sign_in_link(address)
    await page.goto(link)
    return page


def pane(page: Page, name: str, selector: str = "path") -> Any:
    return page.locator(f".leaflet-{name}-pane {selector}")


async def test_an_advisor_of_the_gers_reads_the_map(
    site: Site, browser: Browser, territory: Territory, shoot: Shoot
) -> None:
    leads = territory.leads
    laptop = await browser.new_context(viewport=LAPTOP, locale="fr-FR")
    page = await sign_in(laptop, site, territory.address(GERS_ADVISOR))
    problems = watch(page)
    await expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()
    await page.get_by_role("navigation", name="Espace conseiller").get_by_role("link", name="Carte").click()
    await expect(page.get_by_role("heading", name="Carte", level=1)).to_be_visible()
    await expect(page.get_by_role("link", name="Carte", exact=True)).to_have_attribute("aria-current", "page")

    # The outline, with no tile server: the 96 departments, the Gers marked.
    await expect(pane(page, "contours")).to_have_count(96)
    await expect(pane(page, "contours", "path.departement-suivi")).to_have_count(1)
    assert await page.locator(".leaflet-tile").count() == 0
    # Five companies of the Gers; the four exchanges as lines and the group as a badge of three
    # joined to its members; nothing of the Hautes-Pyrénées.
    await expect(pane(page, "entreprises", "path.entreprise")).to_have_count(5)
    await expect(page.locator("path.piste-substitution")).to_have_count(4)
    await expect(page.locator("path.piste-groupe")).to_have_count(3)
    badge = page.locator(".groupe-badge")
    await expect(badge).to_have_count(1)
    await expect(badge).to_have_text("3")
    # Coloured by step, as the legend says.
    done = page.locator("path.piste-substitution.statut-done")
    assert await done.evaluate("e => getComputedStyle(e).stroke") == "rgb(0, 158, 115)"
    legend = page.get_by_role("group", name="Étape")
    done_swatch = legend.locator(".swatch.statut-done")
    assert await done_swatch.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(0, 158, 115)"
    await expect(page.get_by_role("status")).to_have_text("5 pistes sur 5 affichées, 5 entreprises.")
    await shoot(page, "advisor-map-desktop")

    # A line opens its popup; « Ouvrir la piste » opens the lead's page.
    await page.locator("path.piste-substitution.statut-in_contact").click()
    popup = page.locator(".leaflet-popup")
    await expect(popup).to_be_visible()
    await expect(popup.get_by_role("heading", name="graisses de canard")).to_be_visible()
    await expect(popup).to_contain_text("Conserverie de Gimont → Méthaniseur d'Auch")
    await expect(popup).to_contain_text("Étape : Mise en relation")
    await expect(popup).to_contain_text("Fiabilité : 82 %")
    await expect(popup).to_have_css("opacity", "1")  # faded in
    await shoot(page, "advisor-map-popup")
    await popup.get_by_role("link", name="Ouvrir la piste").click()
    await expect(page).to_have_url(f"{site.url}/pistes/{leads['fat'].synergy_id}")
    await expect(page.get_by_role("heading", name="Graisses de canard", level=1)).to_be_visible()
    await page.go_back()

    # Each company's circle opens its card.
    circles = pane(page, "entreprises", "path.entreprise")
    cards = {}
    for index in range(5):
        await circles.nth(index).click()
        await expect(popup).to_have_count(1)
        cards[await popup.get_by_role("heading").inner_text()] = await popup.inner_text()
        await popup.get_by_role("button", name="Fermer").click()
        await expect(popup).to_have_count(0)
    assert set(cards) == {name for _, name, _, postcode, _, _ in COMPANIES if postcode.startswith("32")}
    sawmill = cards["Scierie du Savès"]
    assert (
        "Sciage et rabotage du bois" in sawmill
        and "32130 Samatan" in sawmill
        and "1 offre, 0 besoin" in sawmill
    )

    # The filters act on the map and on the list under it at once.
    table = page.get_by_role("table", name=re.compile("^Pistes de Gers"))
    rows = table.locator("tbody tr")
    await expect(rows).to_have_count(5)
    await page.get_by_label("Réalisée").uncheck()
    await page.get_by_label("Abandonnée").uncheck()
    await expect(page.locator("path.piste-substitution")).to_have_count(2)
    await expect(table.get_by_role("link", name=re.compile("^sciures et copeaux de bois"))).to_be_hidden()
    await expect(page.get_by_role("status")).to_have_text("3 pistes sur 5 affichées, 5 entreprises.")
    assert "statut=in_contact" in page.url and "statut=done" not in page.url
    await page.get_by_label("Échange entre entreprises").uncheck()
    await expect(page.locator("path.piste-substitution")).to_have_count(0)
    await expect(page.locator(".groupe-badge")).to_have_count(1)
    await shoot(page, "advisor-map-filtered")
    await page.reload()  # the address kept the filters
    await expect(page.get_by_label("Échange entre entreprises")).not_to_be_checked()
    await expect(page.locator(".groupe-badge")).to_have_count(1)
    await expect(page.locator("path.piste-substitution")).to_have_count(0)
    for label in ("Réalisée", "Abandonnée", "Échange entre entreprises"):
        await page.get_by_label(label).check()

    # From the list, with the keyboard: « Voir sur la carte » opens the group's popup, focus inside.
    group_row = rows.filter(has=page.get_by_role("link", name=re.compile("^palettes")))
    await group_row.get_by_role("button", name=re.compile("^Voir sur la carte")).press("Enter")
    opened = popup.get_by_role("link", name="Ouvrir la piste")
    await expect(opened).to_be_focused()
    await expect(popup).to_contain_text(
        "3 entreprises : Scierie du Savès, Conserverie de Gimont, Imprimerie de Fleurance"
    )
    await expect(popup).to_have_css("opacity", "1")
    await shoot(page, "advisor-map-list-to-popup")
    await page.keyboard.press("Escape")
    await expect(popup).to_have_count(0)
    await expect(group_row.get_by_role("button", name=re.compile("^Voir sur la carte"))).to_be_focused()
    assert problems == []

    # On a phone: the same map, the filters under it.
    phone = await browser.new_context(
        viewport=PHONE,
        locale="fr-FR",
        has_touch=True,
        is_mobile=True,
        storage_state=await laptop.storage_state(),
    )
    small = await phone.new_page()
    problems += watch(small)
    await small.goto(f"{site.url}/carte")
    await expect(pane(small, "contours")).to_have_count(96)
    await expect(pane(small, "entreprises", "path.entreprise")).to_have_count(5)
    await shoot(small, "advisor-map-phone")
    assert problems == []


async def test_another_territory_s_advisor_and_a_company_see_nothing_of_the_gers(
    site: Site, browser: Browser, territory: Territory, shoot: Shoot
) -> None:
    context = await browser.new_context(viewport=LAPTOP, locale="fr-FR")
    page = await sign_in(context, site, territory.address(BIGORRE_ADVISOR))
    problems = watch(page)
    await page.goto(f"{site.url}/carte")
    await expect(page.get_by_role("region", name="Carte de Hautes-Pyrénées (65)")).to_be_visible()
    await expect(pane(page, "contours", "path.departement-suivi")).to_have_count(1)
    await expect(pane(page, "entreprises", "path.entreprise")).to_have_count(2)
    await expect(page.locator("path.piste-substitution")).to_have_count(1)
    await expect(page.locator(".groupe-badge")).to_have_count(0)
    content = await page.content()
    for name in (
        "Scierie du Savès",
        "Élevage de Lombez",
        "sciures et copeaux",
        str(territory.leads["fat"].synergy_id),
    ):
        assert name not in content, name
    await shoot(page, "advisor-map-other-territory")
    assert problems == []
    await page.goto(f"{site.url}/carte?territoire=32")  # the 403 is itself a console error
    await expect(page.get_by_role("heading", name="Accès refusé")).to_be_visible()
    assert "Scierie du Savès" not in await page.content()

    company = await browser.new_context(viewport=LAPTOP, locale="fr-FR")
    sawmill = await sign_in(company, site, territory.address(SAWMILL_CONTACT))
    await expect(sawmill.get_by_role("heading", name="Mes flux")).to_be_visible()
    await expect(sawmill.get_by_role("navigation", name="Espace conseiller")).to_have_count(0)
    await sawmill.goto(f"{site.url}/carte")
    await expect(sawmill.get_by_role("heading", name="Accès refusé")).to_be_visible()
    await expect(sawmill.locator("#carte")).to_have_count(0)
    await shoot(sawmill, "advisor-map-company-refused")


@pytest.fixture
def tiles_out_of_reach(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiles configured on a port nobody listens on (a test asks for it before `site`, which reads it)."""
    monkeypatch.setenv(
        "ECOCIRC_MAP_TILES_URL", f"http://127.0.0.1:{UNREACHABLE}/tuiles/{{z}}/{{x}}/{{y}}.png"
    )
    monkeypatch.setenv("ECOCIRC_MAP_TILES_ATTRIBUTION", "Tuiles de test")


UNREACHABLE = 9  # discard: closed on these machines


async def test_with_tiles_out_of_reach_the_outline_and_points_still_show(
    tiles_out_of_reach: None, site: Site, browser: Browser, shoot: Shoot
) -> None:
    assert site.settings.map_tiles_url is not None
    suffix = uuid.uuid4().hex[:8]
    advisor = unique(GERS_ADVISOR, suffix)
    r = await site.api.post("/v1/advisors", json={"name": "Claire", "email": advisor, "territories": ["32"]})
    assert r.status_code == 201, r.text
    await site.company(name="Scierie du Savès", naf_code="16.10A", contact_email=unique(SAWMILL_CONTACT, suffix),
                       postcode="32130", city="Samatan")  # fmt: skip
    context = await browser.new_context(viewport=LAPTOP, locale="fr-FR")
    page = await sign_in(context, site, advisor)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    response = await page.goto(f"{site.url}/carte")
    assert response is not None
    assert (
        f"img-src 'self' data: http://127.0.0.1:{UNREACHABLE};" in response.headers["content-security-policy"]
    )
    # Leaflet asks for the tiles (the CSP lets it), gets nothing, and the map reads all the same.
    await expect(page.locator(".leaflet-tile").first).to_be_attached()
    await expect(pane(page, "contours")).to_have_count(96)
    await expect(pane(page, "entreprises", "path.entreprise")).to_have_count(1)
    await expect(page.locator(".leaflet-control-attribution")).to_contain_text("Tuiles de test")
    await expect(page.get_by_role("status")).to_have_text("Aucune piste, 1 entreprise.")
    # One company alone is framed by its department, not zoomed into an empty square.
    assert await pane(page, "contours", "path.departement-suivi").evaluate("e => e.getBBox().width") > 200
    await shoot(page, "advisor-map-tiles-out-of-reach")
    assert refused == []
