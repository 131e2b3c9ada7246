"""Passwordless sign-in on the real database: one answer for everyone, single-use expiring links,
sessions in HttpOnly cookies, CSRF on every form, rate limits, sign-out and session expiry."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from ecocirc_intake.bootstrap import create_app
from ecocirc_shared.settings import Settings
from tests.integration.intake.conftest import GERS_2, Api
from tests.integration.intake.web import Visitor, link_path, sign_in_events, text_of, visitors

pytestmark = pytest.mark.integration
__all__ = ["visitors"]

Visitors = Callable[..., Visitor]
SAME_ANSWER = "Vérifiez vos e-mails"


async def test_without_a_session_the_home_page_is_the_sign_in_form(visitors: Visitors) -> None:
    page = await visitors().get("/")
    assert page.status_code == 200
    assert '<label for="email">Adresse e-mail</label>' in page.text
    assert "Recevoir un lien de connexion</button>" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["referrer-policy"] == "no-referrer"


async def test_a_company_contact_signs_in_with_the_emailed_link_once(api: Api, visitors: Visitors) -> None:
    company = await api.company(contact_email="Contact@Scierie.example.fr")
    browser = visitors()
    # Typed in another case than registered: the same address.
    sent = await browser.ask_for_link("contact@scierie.example.FR")
    assert sent.status_code == 200 and SAME_ANSWER in sent.text
    [event] = await sign_in_events(api)
    assert event.email == "Contact@scierie.example.fr"  # the address on file, the one its owner gave
    assert event.accounts == ("Scierie du Savès",)
    stored = await api.app.state.store.pool.fetchrow(
        "SELECT * FROM sign_in_links WHERE id = $1", event.link_id
    )
    link = link_path(api, event)
    token = link.rsplit(".", 1)[1]
    assert token not in str(dict(stored)) and len(stored["token_hash"]) == 32  # only its hash is kept
    assert (stored["expires_at"] - stored["created_at"]).total_seconds() == 15 * 60

    # Following the link (a mail scanner does) signs nobody in: the page's form does.
    confirm = await browser.get(link)
    assert confirm.status_code == 200 and "Se connecter" in confirm.text
    assert "set-cookie" not in confirm.headers or "ecocirc_session" not in confirm.headers["set-cookie"]
    opened = await browser.follow_link(link)
    assert opened.status_code == 303 and opened.headers["location"] == "/"
    cookie = opened.headers["set-cookie"]
    assert "ecocirc_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # the public address is http here
    home = await browser.get("/")
    assert "Mes flux" in home.text and "Mes pistes" in home.text and "Scierie du Savès" in home.text
    assert "Se déconnecter" in home.text

    # Usable once, by anyone.
    again = await visitors().follow_link(link)
    assert again.status_code == 400 and "Ce lien ne fonctionne plus" in again.text
    assert company["id"]


async def test_unknown_addresses_get_the_same_answer_and_no_email(api: Api, visitors: Visitors) -> None:
    await api.company(contact_email="connue@example.fr")
    unknown = await visitors().ask_for_link("inconnue@example.fr")
    known = await visitors().ask_for_link("connue@example.fr")
    assert unknown.status_code == known.status_code == 200
    assert text_of(unknown).replace("inconnue@", "connue@") == text_of(known)
    for email in ("inconnue@example.fr", "connue@example.fr", "pas une adresse"):
        r = await api.call("POST", "/v1/auth/sign-in-link", token=None, json={"email": email})
        assert r.status_code == 202, r.text
    assert [e.email for e in await sign_in_events(api)] == ["connue@example.fr", "connue@example.fr"]


async def test_a_malformed_address_is_said_next_to_the_field_and_kept(visitors: Visitors) -> None:
    page = await visitors().ask_for_link("marie.dupont@")
    assert page.status_code == 422
    assert 'aria-invalid="true"' in page.text and 'aria-describedby="email-erreur"' in page.text
    assert "« marie.dupont@ » n'est pas une adresse e-mail complète" in text_of(page)
    assert 'value="marie.dupont@"' in page.text


async def test_links_are_limited_per_address_and_per_client(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(sign_in_links_per_address_per_hour=2, sign_in_requests_per_client_per_hour=3)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        api = Api(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t"), app, settings
        )
        await api.company(contact_email="a@example.fr")
        await api.company(contact_email="b@example.fr", name="Élevage de Lombez", naf_code="01.47Z")

        async def ask(email: str, client: str) -> None:
            transport = httpx.ASGITransport(app=app, client=(client, 1))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                r = await c.post("/v1/auth/sign-in-link", json={"email": email})
                assert r.status_code == 202

        for _ in range(3):
            await ask("a@example.fr", "198.51.100.1")  # the third is over the address's limit
        await ask("b@example.fr", "198.51.100.1")  # the client's fourth request: over its limit
        await ask("b@example.fr", "198.51.100.2")
        assert [e.email for e in await sign_in_events(api)] == [
            "a@example.fr",
            "a@example.fr",
            "b@example.fr",
        ]
        await api.client.aclose()


async def test_every_form_needs_the_token_of_its_page(api: Api, visitors: Visitors) -> None:
    await api.company(contact_email="contact@example.fr")
    browser = visitors()
    await browser.get("/")
    refused = await browser.client.post("/connexion", data={"email": "contact@example.fr"})
    assert refused.status_code == 403 and "formulaire a expiré" in text_of(refused)
    forged = await browser.client.post("/connexion", data={"email": "contact@example.fr", "csrf": "0" * 64})
    assert forged.status_code == 403
    assert await sign_in_events(api) == []

    await browser.sign_in("contact@example.fr")
    # Signed in, a token from before the session (or from another browser) is refused too.
    other = visitors()
    other_page = await other.get("/")
    stolen = other_page.text.split('name="csrf" value="')[1].split('"')[0]
    out = await browser.client.post("/deconnexion", data={"csrf": stolen})
    assert out.status_code == 403
    assert "Mes flux" in (await browser.get("/")).text


async def test_sign_out_and_expiry_end_the_session(api: Api, visitors: Visitors) -> None:
    await api.company(contact_email="contact@example.fr")
    browser = visitors()
    await browser.sign_in("contact@example.fr")
    out = await browser.submit("/", "/deconnexion", {})
    assert out.status_code == 303 and out.headers["location"] == "/?fait=deconnecte"
    assert "Max-Age=0" in out.headers["set-cookie"] or "expires=" in out.headers["set-cookie"].lower()
    page = await browser.get("/?fait=deconnecte")
    assert "Vous êtes déconnecté." in page.text and "Adresse e-mail" in page.text
    assert await api.app.state.store.pool.fetchval("SELECT count(*) FROM web_sessions") == 0

    await browser.sign_in("contact@example.fr")
    assert "Mes flux" in (await browser.get("/")).text
    await api.app.state.store.pool.execute("UPDATE web_sessions SET expires_at = now() - interval '1 second'")
    expired = await browser.get("/")
    assert "Adresse e-mail" in expired.text and "Mes flux" not in expired.text


async def test_an_expired_link_opens_nothing(api: Api, visitors: Visitors) -> None:
    await api.company(contact_email="contact@example.fr")
    browser = visitors()
    await browser.ask_for_link("contact@example.fr")
    [event] = await sign_in_events(api)
    await api.app.state.store.pool.execute(
        "UPDATE sign_in_links SET expires_at = now() - interval '1 second'"
    )
    page = await browser.follow_link(link_path(api, event))
    assert page.status_code == 400 and "Ce lien ne fonctionne plus" in page.text
    # A link whose signature does not hold is refused before the database is asked.
    tampered = link_path(api, event)[:-3] + "AAA"
    assert (await browser.get(tampered)).status_code == 400


async def test_a_new_contact_address_ends_the_old_contacts_session(api: Api, visitors: Visitors) -> None:
    company = await api.company(contact_email="ancien@example.fr")
    browser = visitors()
    await browser.sign_in("ancien@example.fr")
    r = await api.call(
        "PATCH", f"/v1/companies/{company['id']}", json={"contact_email": "nouveau@example.fr"}
    )
    assert r.status_code == 200
    assert "Adresse e-mail" in (await browser.get("/")).text


async def test_an_advisor_signs_in_to_their_dashboard(api: Api, visitors: Visitors) -> None:
    await api.advisor(["32"], name="Claire Dupuy")
    await api.company(contact_email="contact@example.fr")
    browser = visitors()
    await browser.sign_in("c.dupuy@cci.example.fr")
    home = await browser.get("/")
    assert "Tableau de bord" in home.text and "Scierie du Savès" in home.text


async def test_an_address_with_several_accounts_chooses_one(api: Api, visitors: Visitors) -> None:
    await api.company(contact_email="gerant@example.fr", name="Scierie du Savès")
    second = await api.company(
        contact_email="Gerant@example.fr", name="Élevage de Lombez", naf_code="01.47Z", place=GERS_2
    )
    browser = visitors()
    await browser.sign_in("gerant@example.fr")
    [event] = await sign_in_events(api)
    assert sorted(event.accounts) == ["Scierie du Savès", "Élevage de Lombez"]
    chooser = await browser.get("/")
    assert "Choisir un espace" in chooser.text
    chosen = await browser.submit("/", "/espace", {"compte": f"company:{second['id']}"})
    assert chosen.status_code == 303
    home = await browser.get("/")
    assert "<h1>Élevage de Lombez</h1>" in home.text
    # An account that is not the address's is not taken.
    other = await api.company(contact_email="autre@example.fr", name="Autre", place=GERS_2)
    await browser.submit("/", "/espace", {"compte": f"company:{other['id']}"})
    assert "<h1>Élevage de Lombez</h1>" in (await browser.get("/")).text


async def test_cookies_are_secure_when_the_public_address_is_https(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(public_base_url="https://eco.example.org")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://eco.example.org") as client:
            page = await client.get("/")
            cookie = page.headers["set-cookie"]
            assert cookie.startswith("__Host-ecocirc_csrf=") and "Secure" in cookie and "HttpOnly" in cookie


async def test_the_admin_signs_in_with_its_address_when_it_has_one(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(admin_email="admin@localhost")  # what `make run` can be given
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        api = Api(client, app, settings)
        browser = Visitor(api, client)
        await browser.sign_in("admin@localhost")  # looser than a company's address: a local mailbox
        home = text_of(await browser.get("/"))
        assert "Tableau de bord" in home and "Territoires suivis\u00a0: tous" in home
        await client.aclose()


async def test_without_an_address_the_admin_gets_no_link(api: Api, visitors: Visitors) -> None:
    await visitors().ask_for_link("admin@localhost")
    assert await sign_in_events(api) == []


async def test_a_deactivated_advisor_loses_the_session_and_gets_no_more_links(
    api: Api, visitors: Visitors
) -> None:
    advisor = await api.advisor(["32"], name="Claire Dupuy")
    browser = visitors()
    await browser.sign_in("c.dupuy@cci.example.fr")
    r = await api.call("PATCH", f"/v1/advisors/{advisor['id']}", json={"active": False})
    assert r.status_code == 200, r.text
    assert "Adresse e-mail" in (await browser.get("/")).text
    await browser.ask_for_link("c.dupuy@cci.example.fr")
    assert len(await sign_in_events(api)) == 1  # the first one only
