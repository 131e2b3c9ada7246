"""A company registered by an advisor (the API, an import) is welcomed by email: what the programme
is, who its advisor is, and a sign-in link to its pages, valid days and usable once."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from ecocirc_notifier.bootstrap import build_access_mailer
from ecocirc_shared.events import WelcomeRequested, decode
from ecocirc_shared.topics import ACCESS_EVENTS
from tests.conftest import Mailbox
from tests.integration.notifier.conftest import Api, Notifier, sent_to

pytestmark = pytest.mark.integration

CSV = (
    "company_name,naf_code,contact_email,postcode,city,direction,category,label\n"
    "Laiterie du Gers,10.51A,{email},32000,Auch,offer,waste,Lactosérum\n"
)


async def welcomes(n: Notifier) -> list[WelcomeRequested]:
    rows = await n.pool.fetch(
        "SELECT payload FROM intake.outbox WHERE topic = $1 ORDER BY seq", ACCESS_EVENTS
    )
    return [e for e in (decode(r["payload"]) for r in rows) if isinstance(e, WelcomeRequested)]


async def test_a_company_registered_through_the_api_is_welcomed_with_its_advisor_and_a_link(
    setup: tuple[Notifier, Api], smtp: Mailbox
) -> None:
    n, api = setup
    _, _, advisor_email = await api.advisor("Claire", ["32"])
    r = await api.post(
        "/v1/companies",
        {
            "name": "Scierie <du> Savès",
            "naf_code": "16.10A",
            "contact_email": "Bienvenue@Scierie.example.fr",
            "postcode": "32130",
            "city": "Samatan",
        },
    )
    assert r.status_code == 201, r.text
    [event] = await welcomes(n)
    mailer = build_access_mailer(n.settings, n.pool, clock=n.clock)
    assert await mailer.handle(event) == "sent"
    assert await mailer.handle(event) == "duplicate"
    [mail] = sent_to(smtp, "Bienvenue@scierie.example.fr")  # the domain lower-cased
    assert str(mail["Subject"]) == "Bienvenue dans le programme Eco'circulaire"
    assert "List-Unsubscribe" not in mail
    plain = mail.get_body(preferencelist=("plain",))
    markup = mail.get_body(preferencelist=("html",))
    assert plain is not None and markup is not None
    text, html = plain.get_content(), markup.get_content()
    for content in (" ".join(text.split()), " ".join(html.split())):
        assert "écologie industrielle et territoriale" in content  # what the programme is
        assert "Claire" in content and advisor_email in content  # who the advisor is
        assert "valable 7 jours" in content and "ne sert qu'une fois" in content
    assert "Scierie <du> Savès" in text and "Scierie &lt;du&gt; Savès" in html
    match = re.search(r"^(http\S+/connexion/lien\?jeton=\S+?)\r?$", text, re.M)
    assert match, text
    # The link opens the company's pages (the confirmation page, then its form).
    url = urlsplit(match.group(1))
    page = await api.http.get(f"{url.path}?{url.query}")
    assert page.status_code == 200 and "Votre lien de connexion est valable" in page.text


async def test_an_import_welcomes_each_company_it_creates_once(
    setup: tuple[Notifier, Api], smtp: Mailbox
) -> None:
    n, api = setup
    body = CSV.format(email="lait@laiterie.example.fr").encode()
    files = {"file": ("entretiens.csv", body, "text/csv")}
    headers = {
        "Authorization": f"Bearer {n.settings.admin_token.get_secret_value() if n.settings.admin_token else ''}"
    }
    first = await api.http.post("/v1/imports", files=files, headers=headers)
    assert first.status_code == 200, first.text
    again = await api.http.post("/v1/imports", files=files, headers=headers)
    assert again.status_code == 200, again.text
    [event] = await welcomes(n)  # the second import found the company: no second welcome
    assert event.email == "lait@laiterie.example.fr" and event.company_name == "Laiterie du Gers"
    mailer = build_access_mailer(n.settings, n.pool, clock=n.clock)
    assert await mailer.handle(event) == "sent"
    [mail] = sent_to(smtp, "lait@laiterie.example.fr")
    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None
    # No advisor of its own in the Gers here: the programme's contact is given instead (not the admin).
    assert f"Votre contact pour le programme : {n.settings.mail_from}" in plain.get_content()
