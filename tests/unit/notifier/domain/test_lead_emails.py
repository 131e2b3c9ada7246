"""Lead emails that a company can act on: signed links to the lead's page and to both answers, several
leads for one person in one email best first, and the introduction once everyone said yes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from ecocirc_notifier.domain import NewsKind, introduced, news_key, proposed, render, render_digest
from ecocirc_notifier.domain.emails import EmailSettings, LeadLinkSettings, render_leads
from ecocirc_notifier.domain.news import leads_key
from ecocirc_shared.directory import DeliveryMode
from ecocirc_shared.flows import Confidentiality
from ecocirc_shared.links import read_lead_link
from ecocirc_shared.synergies import Role
from tests.unit.notifier.factories import (
    advisor,
    as_recipient,
    company,
    directory,
    participant,
    settings,
    synergy,
)

KEY = "k" * 32
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NBSP = "\u00a0"


def with_links(**overrides: object) -> EmailSettings:
    leads = LeadLinkSettings(base_url="https://eco.example.fr", secret=KEY, days=30)
    return settings().model_copy(update={"leads": leads, **overrides})


def links_in(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        label, _, url = line.partition(" : ")
        if url.startswith("https://eco.example.fr/"):
            found[label.strip()] = url.strip()
    return found


def test_a_company_s_proposal_links_its_page_and_both_answers_signed_for_it() -> None:
    me, other = company("Haras du Gers"), company("Scierie")
    s = synergy(participant(other, Role.SUPPLIER, "sciures"), participant(me, Role.RECEIVER, "litière"))
    email = render(proposed(s), as_recipient(me), directory(me, other), with_links(), NOW)
    links = links_in(email.text)
    assert set(links) == {"Ça m'intéresse", "Pas pour nous", "Voir la piste en détail"}
    for label, url in links.items():
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        company_id = read_lead_link(
            KEY, s.synergy_id, query["entreprise"], query["expire"], query["jeton"], NOW.timestamp()
        )
        assert company_id == me.id, label
        assert int(query["expire"]) == int((NOW + timedelta(days=30)).timestamp())
        assert f'href="{url.replace("&", "&amp;")}"' in email.html
    assert urlsplit(links["Pas pour nous"]).path == f"/pistes/{s.synergy_id}/repondre"
    assert "reponse=declined" in links["Pas pour nous"] and "reponse=interested" in links["Ça m'intéresse"]
    assert "Votre réponse n'engage à rien" in email.text


def test_an_advisor_gets_a_plain_link_to_the_page_and_no_answer() -> None:
    me, other, local = company(), company(), advisor()
    s = synergy(participant(other, Role.SUPPLIER, "a"), participant(me, Role.RECEIVER, "b"))
    email = render(proposed(s), as_recipient(local), directory(me, other, local), with_links(), NOW)
    assert links_in(email.text) == {
        "Voir la piste sur le site": f"https://eco.example.fr/pistes/{s.synergy_id}",
        "Votre tableau de bord": "https://eco.example.fr/",
    }


def test_without_a_link_key_there_are_no_answer_links() -> None:
    me, other = company(), company()
    s = synergy(participant(other, Role.SUPPLIER, "a"), participant(me, Role.RECEIVER, "b"))
    leads = LeadLinkSettings(base_url="https://eco.example.fr", secret=None)
    email = render(
        proposed(s),
        as_recipient(me),
        directory(me, other),
        settings().model_copy(update={"leads": leads}),
        NOW,
    )
    assert "Pas pour nous :" not in email.text and "Voir la piste sur le site" in email.text


def test_several_leads_for_one_company_make_one_email_best_first_each_with_its_links() -> None:
    me = company("Méthaniseur de la Gimone", naf_code="35.21Z")
    others = [company(f"Partenaire {i}") for i in range(3)]
    leads = [
        synergy(
            participant(other, Role.SUPPLIER, f"intrant {i}"),
            participant(me, Role.RECEIVER, "intrants"),
            score=score,
        )
        for i, (other, score) in enumerate(zip(others, (0.55, 0.93, 0.71), strict=True))
    ]
    email = render_leads(
        [proposed(s) for s in leads], as_recipient(me), directory(me, *others), with_links(), NOW
    )
    assert email.subject == "Eco'circulaire — 3 nouvelles pistes de synergie pour Méthaniseur de la Gimone"
    positions = [
        email.text.index(f"fiabilité {p}{NBSP}%") for p in (95, 70, 55)
    ]  # a company reads the score to 5 points (finding 2)
    assert positions == sorted(positions)
    answers = [line for line in email.text.splitlines() if line.startswith("Ça m'intéresse : ")]
    assert [urlsplit(a.split(" : ", 1)[1]).path for a in answers] == [
        f"/pistes/{leads[i].synergy_id}/repondre" for i in (1, 2, 0)
    ]
    # One lead alone is the usual proposal email.
    single = render_leads([proposed(leads[0])], as_recipient(me), directory(me, *others), with_links(), NOW)
    assert single.subject.startswith("Eco'circulaire — nouvelle piste de synergie")
    with pytest.raises(ValueError):
        render_leads([], as_recipient(me), directory(me), with_links(), NOW)


def test_the_introduction_names_the_others_with_their_contacts_whatever_they_consented_to() -> None:
    shy = company("Scierie Dupont-Lacoste", email="direction@dupont-lacoste.fr", consent=False)
    me = company("Haras du Gers", naf_code="01.43Z")
    local = advisor("Marie Conseil")
    s = synergy(
        participant(shy, Role.SUPPLIER, "Copeaux", Confidentiality.ADVISOR_ONLY),
        participant(me, Role.RECEIVER, "Litière"),
    )
    people = directory(shy, me, local)
    email = render(introduced(s), as_recipient(me), people, with_links(), NOW)
    assert email.subject == "Eco'circulaire — mise en relation : sciures de bois"
    for content in (email.text, email.html):
        assert "Scierie Dupont-Lacoste" in content and "direction@dupont-lacoste.fr" in content
        assert "Copeaux" in content and "Marie Conseil" in content
    assert "Voir la piste en détail" in email.text and "Pas pour nous :" in email.text  # the page's links
    to_advisor = render(introduced(s), as_recipient(local), people, with_links(), NOW)
    assert to_advisor.subject == "Eco'circulaire — mise en relation (Savès) : sciures de bois"
    assert "ont toutes répondu" in to_advisor.text and "Haras du Gers" in to_advisor.text


def test_an_introduction_is_one_email_per_company_and_round() -> None:
    me, other = company(), company()
    s = synergy(participant(other, Role.SUPPLIER, "a"), participant(me, Role.RECEIVER, "b"))
    news = introduced(s, reopened=1)
    assert news.kind is NewsKind.INTRODUCED
    revised = s.model_copy(update={"revision": 5, "score": 0.1})
    assert news_key(news, as_recipient(me)) == news_key(introduced(revised, 1), as_recipient(me))
    assert news_key(news, as_recipient(me)) != news_key(introduced(s, 2), as_recipient(me))
    assert news_key(news, as_recipient(me)) != news_key(proposed(s, 1), as_recipient(me))
    assert leads_key(["b", "a"]) == leads_key(["a", "b", "a"]) != leads_key(["a"])


def test_a_digest_tells_introductions_first() -> None:
    me, other = company(), company()
    reader = advisor(delivery=DeliveryMode.DIGEST)
    s = synergy(participant(other, Role.SUPPLIER, "a"), participant(me, Role.RECEIVER, "b"))
    t = synergy(
        participant(other, Role.SUPPLIER, "c"), participant(me, Role.RECEIVER, "d"), synergy_id=uuid.uuid4()
    )
    email = render_digest(
        [proposed(t), introduced(s)], as_recipient(reader), directory(me, other, reader), with_links()
    )
    assert (
        email.subject
        == "Eco'circulaire — récapitulatif : 1 nouvelle piste de synergie et 1 mise en relation sur vos territoires"
    )
    assert email.text.index("Mise en relation :") < email.text.index("Nouvelle piste :")
