"""The advisors' map page (« Carte ») without a browser: what it holds for an advisor of the territory
(the API's GeoJSON, the leads listed under the map, filters that work as a plain form), what an
advisor of another territory, a company and a visitor get, and the pages' CSP with and without tiles."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from markupsafe import escape

from ecocirc_intake.bootstrap import create_app
from ecocirc_notifier.bootstrap import build
from ecocirc_notifier.options import NotifierOptions
from ecocirc_shared.events import SynergyProposed
from ecocirc_shared.settings import Settings
from ecocirc_shared.synergies import Participant, Role, SynergyKind
from tests.integration.intake.conftest import ADMIN_TOKEN, GERS, GERS_2, Api
from tests.integration.intake.web import Visitor, text_of, visitors
from tests.integration.notifier.conftest import synergy

pytestmark = pytest.mark.integration
__all__ = ["visitors"]

Visitors = Callable[..., Visitor]
TARBES = {"postcode": "65000", "city": "Tarbes"}
BAGNERES = {"postcode": "65200", "city": "Bagnères-de-Bigorre"}
GERS_ADVISOR = "c.dupuy@cci-gers.example.fr"
BIGORRE_ADVISOR = "p.lacoste@cci-bigorre.example.fr"
_DATA = re.compile(r'<script type="application/json" id="carte-donnees">(.*?)</script>', re.S)


class Territories:
    """Two companies and two leads in the Gers (a substitution and a group), two companies and a lead
    in the Hautes-Pyrénées; an advisor for each."""

    async def build(self, api: Api) -> Territories:
        for name, email, territory in (
            ("Claire Dupuy", GERS_ADVISOR, "32"),
            ("Paul Lacoste", BIGORRE_ADVISOR, "65"),
        ):
            body = {"name": name, "email": email, "territories": [territory]}
            created = await api.created("/v1/advisors", json=body)
            setattr(self, f"token_{territory}", created["token"])
        self.sawmill = await api.company(name="Scierie du Savès", place=GERS, contact_email="s@saves.example")
        self.farm = await api.company(
            name="Élevage de Lombez", naf_code="01.47Z", place=GERS_2, contact_email="e@lombez.example"
        )
        self.stud = await api.company(
            name="Haras de Tarbes", naf_code="01.43Z", place=TARBES, contact_email="h@tarbes.example"
        )
        self.spa = await api.company(
            name="Thermes de Bigorre", naf_code="96.04Z", place=BAGNERES, contact_email="t@thermes.example"
        )
        ids = {k: uuid.UUID(getattr(self, k)["id"]) for k in ("sawmill", "farm", "stud", "spa")}
        self.exchange = synergy(ids["sawmill"], ids["farm"], score=0.82)
        self.group = synergy(ids["sawmill"], ids["farm"]).model_copy(
            update={
                "kind": SynergyKind.MUTUALISATION,
                "resource_label": "palettes",
                "participants": tuple(
                    Participant(
                        company_id=c, flow_id=uuid.uuid4(), role=Role.MEMBER, flow_label="Palettes",
                        territory="32",
                    )
                    for c in (ids["sawmill"], ids["farm"])
                ),
            }
        )  # fmt: skip
        self.bigorre = synergy(ids["stud"], ids["spa"], territories=("65",)).model_copy(
            update={"resource_label": "fumier de cheval"}
        )
        notifier = await build(api.settings, options=NotifierOptions(hold=timedelta(0)))
        try:
            for snapshot in (self.exchange, self.group, self.bigorre):
                await notifier.recorder.handle(SynergyProposed(synergy=snapshot))
        finally:
            await notifier.pool.close()
        return self


def embedded(page: httpx.Response) -> dict[str, Any]:
    match = _DATA.search(page.text)
    assert match, page.text[:2000]
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def lead_rows(page: httpx.Response) -> dict[str, str]:
    """Each lead row of the list under the map: its id and its opening tag (hidden or not)."""
    return {m.group(2): m.group(1) for m in re.finditer(r'(<tr data-lead="([0-9a-f-]+)"[^>]*>)', page.text)}


async def test_an_advisor_s_map_holds_the_api_s_geojson_and_lists_its_leads(
    api: Api, visitors: Visitors
) -> None:
    t = await Territories().build(api)
    browser = visitors()
    await browser.sign_in(GERS_ADVISOR)
    home = await browser.get("/")
    nav = home.text.split('<nav class="advisor-nav" aria-label="Espace conseiller">', 1)[1].split("</nav>")[0]
    found = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)
    assert found == [
        ("/", "Tableau de bord"),
        ("/carte", "Carte"),
        ("/pistes", "Pistes"),
        ("/rapports", "Rapports"),
    ]

    page = await browser.get("/carte")
    assert page.status_code == 200
    assert 'href="/carte" aria-current="page">Carte</a>' in page.text
    # The same use case as the API: the page holds what GET .../map.geojson gives this advisor.
    same = await api.call("GET", "/v1/territories/32/map.geojson", t.token_32)
    assert embedded(page) == same.json()
    assert {f["properties"]["name"] for f in same.json()["features"] if f["properties"]["feature"] == "company"} == {
        "Scierie du Savès", "Élevage de Lombez"
    }  # fmt: skip

    text = text_of(page)
    assert "Carte de Gers (32)" in page.text
    assert "2 pistes sur 2 affichées, 2 entreprises." in text
    rows = lead_rows(page)
    assert set(rows) == {str(t.exchange.synergy_id), str(t.group.synergy_id)}
    assert not any("hidden" in row for row in rows.values())
    assert f'href="{api.settings.public_base_url}/pistes/{t.exchange.synergy_id}"' in page.text
    assert "Scierie du Savès → Élevage de Lombez" in text and "82 %" in text
    assert "fumier de cheval" not in text and "Haras de Tarbes" not in text
    # The legend in French, with the count at each step.
    for label in ("Idée", "Proposée (2)", "Mise en relation", "À l'étude", "Réalisée", "Abandonnée"):
        assert label in text, label
    # Scripts from this site only, no tiles: images from this site only.
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "img-src 'self' data:;" in csp
    assert 'data-tiles-url=""' in page.text
    # Companies' popups link to their page where the app serves one (the dashboard's), else nowhere.
    has_page = any(getattr(r, "path", None) == "/entreprises/{company_id}" for r in api.app.routes)
    assert f'data-company-page="{"/entreprises/{id}" if has_page else ""}"' in page.text
    assert '<script src="/static/vendor/leaflet/leaflet.js" defer></script>' in page.text


async def test_the_filters_work_as_a_plain_form(api: Api, visitors: Visitors) -> None:
    t = await Territories().build(api)
    browser = visitors()
    await browser.sign_in(GERS_ADVISOR)
    page = await browser.get("/carte?territoire=32&filtre=1&statut=proposed&nature=mutualisation")
    rows = lead_rows(page)
    assert "hidden" in rows[str(t.exchange.synergy_id)]
    assert "hidden" not in rows[str(t.group.synergy_id)]
    assert "1 piste sur 2 affichée, 2 entreprises." in text_of(page)
    assert 'value="substitution" data-label="Échange entre entreprises">' in page.text  # unticked
    assert 'value="mutualisation" data-label="Mutualisation" checked>' in page.text


async def test_another_territory_s_advisor_a_company_and_a_visitor(api: Api, visitors: Visitors) -> None:
    t = await Territories().build(api)
    bigorre = visitors()
    await bigorre.sign_in(BIGORRE_ADVISOR)
    page = await bigorre.get("/carte")
    assert page.status_code == 200 and "Carte de Hautes-Pyrénées (65)" in page.text
    assert set(lead_rows(page)) == {str(t.bigorre.synergy_id)}
    data = json.dumps(embedded(page), ensure_ascii=False)
    assert "Scierie du Savès" not in data and str(t.exchange.synergy_id) not in data
    refused = await bigorre.get("/carte?territoire=32")
    assert refused.status_code == 403 and "Scierie" not in refused.text
    assert "Le territoire 32 ne fait pas partie de vos territoires." in text_of(refused)

    company = visitors()
    await company.sign_in("s@saves.example")
    refused = await company.get("/carte")
    assert refused.status_code == 403
    assert "La carte est celle des conseillers du programme." in text_of(refused)
    assert "Élevage de Lombez" not in refused.text
    assert 'href="/carte"' not in (await company.get("/")).text  # no advisor's navigation

    anonymous = await visitors().get("/carte")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/"


async def test_the_admin_picks_among_every_territory(
    make_settings: Callable[..., Settings], api: Api
) -> None:
    t = await Territories().build(api)
    # The same database, read by an app whose admin has a mailbox (ECOCIRC_ADMIN_EMAIL) to sign in with.
    settings = make_settings(
        admin_token=ADMIN_TOKEN, decision_wait_seconds=0, admin_email="admin@cci.example"
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.50", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as client:
            admin = Visitor(Api(client, app, settings), client)
            await admin.sign_in("admin@cci.example")
            everything = await admin.get("/carte")
            bigorre = await admin.get("/carte?territoire=65")
    assert "Carte de Tous les territoires" in everything.text
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', everything.text)
    assert [(v, label) for v, _, label in options] == [
        ("*", "Tous les territoires"), ("32", "Gers (32)"), ("65", "Hautes-Pyrénées (65)")
    ]  # fmt: skip
    assert set(lead_rows(everything)) == {str(s.synergy_id) for s in (t.exchange, t.group, t.bigorre)}
    assert set(lead_rows(bigorre)) == {str(t.bigorre.synergy_id)}


@pytest.fixture
async def tiled(make_settings: Callable[..., Settings]) -> AsyncIterator[Api]:
    settings = make_settings(
        admin_token=ADMIN_TOKEN,
        decision_wait_seconds=0,
        map_tiles_url="https://{s}.tiles.example.org/carte/{z}/{x}/{y}.png",
        map_tiles_attribution="© Les contributeurs d'OpenStreetMap",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as client:
            yield Api(client, app, settings)


async def test_tiles_are_allowed_from_their_host_on_the_map_alone(tiled: Api) -> None:
    await tiled.created(
        "/v1/advisors", json={"name": "Claire Dupuy", "email": GERS_ADVISOR, "territories": ["32"]}
    )
    transport = httpx.ASGITransport(app=tiled.app, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as client:
        browser = Visitor(tiled, client)
        await browser.sign_in(GERS_ADVISOR)
        page = await browser.get("/carte")
        home = await browser.get("/")
    assert "img-src 'self' data: https://*.tiles.example.org;" in page.headers["content-security-policy"]
    assert "script-src 'self';" in page.headers["content-security-policy"]
    assert 'data-tiles-url="https://{s}.tiles.example.org/carte/{z}/{x}/{y}.png"' in page.text
    credit = escape("© Les contributeurs d'OpenStreetMap")
    assert f'data-tiles-attribution="{credit}"' in page.text
    # Other pages keep images from this site only.
    assert "img-src 'self' data:;" in home.headers["content-security-policy"]


async def test_the_outline_and_leaflet_are_served_by_the_site(api: Api) -> None:
    outline = await api.call("GET", "/static/geo/departements.geojson", token=None)
    assert outline.status_code == 200
    assert len(outline.json()["features"]) == 96
    for path in ("/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css", "/static/map.js"):
        assert (await api.call("GET", path, token=None)).status_code == 200, path
