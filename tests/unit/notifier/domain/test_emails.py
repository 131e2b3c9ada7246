"""Email content: every essential of a good proposal, safely escaped, in French."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files
from typing import NamedTuple

import pytest

from ecocirc_notifier.domain import (
    AdvisorEntry,
    CompanyEntry,
    DeliveryMode,
    Directory,
    RenderedEmail,
    proposed,
    render,
    render_digest,
    withdrawn,
)
from ecocirc_notifier.domain.emails import LeadLinkSettings, render_proposal
from ecocirc_shared.flows import Confidentiality
from ecocirc_shared.synergies import Impact, Role, SynergyKind, SynergySnapshot
from tests.unit.notifier.factories import (
    LOMAGNE,
    SAVES,
    advisor,
    as_recipient,
    company,
    directory,
    participant,
    settings,
    synergy,
)

NNBSP = "\u202f"
NBSP = "\u00a0"


class Scene(NamedTuple):
    snapshot: SynergySnapshot
    people: Directory
    sawmill: CompanyEntry
    stud: CompanyEntry
    advisor: AdvisorEntry


def _scene() -> Scene:
    sawmill = company("Scierie Dupont", consent=True)
    stud = company("Haras du Gers", naf_code="01.43Z")
    local = advisor("Marie Conseil")
    snapshot = synergy(
        participant(sawmill, Role.SUPPLIER, "sciures de hêtre"),
        participant(stud, Role.RECEIVER, "litière pour chevaux"),
    )
    return Scene(snapshot, directory(sawmill, stud, local), sawmill, stud, local)


def _company_email(scene: Scene) -> RenderedEmail:
    return render(proposed(scene.snapshot), as_recipient(scene.stud), scene.people, settings())


def _quoted(text: str) -> str:
    return f"«{NBSP}{text}{NBSP}»"


def test_the_subject_says_what_and_how_far() -> None:
    email = _company_email(_scene())
    assert email.subject == f"Eco'circulaire — nouvelle piste de synergie : sciures de bois à 5{NBSP}km"


def _advisor_email(scene: Scene) -> RenderedEmail:
    return render(proposed(scene.snapshot), as_recipient(scene.advisor), scene.people, settings())


@pytest.mark.parametrize("part", ["text", "html"])
def test_a_proposal_carries_every_essential(part: str) -> None:
    """The advisor of the territory reads the figures as the matcher computed them."""
    scene = _scene()
    body = getattr(_advisor_email(scene), part)
    expected = [
        "Scierie Dupont",  # who
        "Haras du Gers",
        "sciures de bois",  # what
        f"5{NBSP}km",  # how far
        f"1{NNBSP}234,5{NBSP}t/an",  # how much
        f"72{NBSP}%",  # coverage and score
        "de mars à juin",  # when
        f"correspondance des ressources : 90{NBSP}%",  # score parts, readable
        f"proximité : 80{NBSP}%",
        "Des sciures de bois peuvent servir de litière",  # why: the matcher's sentence
        f"50{NBSP}t CO2e/an, transport déduit",  # the matcher's figure, already net of transport
        scene.snapshot.synergy_id.hex[:8],  # reference
        "Pour ne plus recevoir ces e-mails",
    ]
    for snippet in expected:
        assert snippet in body, snippet


@pytest.mark.parametrize("part", ["text", "html"])
def test_a_company_reads_the_essentials_as_ranges_before_the_introduction(part: str) -> None:
    scene = _scene()
    body = getattr(_company_email(scene), part)
    expected = [
        "Scierie Dupont",  # who (it consented, its flow is public)
        "sciures de bois",  # what
        f"5{NBSP}km",  # how far, to 5 km
        f"entre 1{NNBSP}000 et 2{NNBSP}000{NBSP}t/an",  # how much: 1 234,5 t
        f"entre 50 et 75{NBSP}%",  # coverage: 72 %
        "au printemps et en été",  # when: March to June
        f"70{NBSP}%",  # score: 0.72 to 5 points
        f"correspondance des ressources : 100{NBSP}%",  # 0.9 to a quarter
        "Scierie Dupont propose",  # why, worded from what the company may see
        f"entre 50 et 100{NBSP}t CO2e/an",  # 50 t CO2e, a bound of its range
        "Marie Conseil",  # whom to contact
        scene.advisor.email,
        scene.snapshot.synergy_id.hex[:8],  # reference
        "Pour ne plus recevoir ces e-mails",
    ]
    for snippet in expected:
        assert snippet in body, snippet
    for exact in ("234,5", f"72{NBSP}%", "de mars à juin", "proximité", "peuvent servir de litière"):
        assert exact not in body, exact


def test_the_reference_is_the_short_synergy_id() -> None:
    scene = _scene()
    email = _company_email(scene)
    assert f"Référence : {scene.snapshot.synergy_id.hex[:8]}" in email.text
    assert f"<code>{scene.snapshot.synergy_id.hex[:8]}</code>" in email.html


def test_missing_impact_and_quantity_say_not_estimated() -> None:
    one, other = company(), company()
    snapshot = synergy(
        participant(one, Role.SUPPLIER, "palettes"),
        participant(other, Role.RECEIVER, "palettes"),
        impact=Impact(),
        quantity=None,
        distance_km=None,
        months=(),
    )
    email = render(proposed(snapshot), as_recipient(one), directory(one, other), settings())
    assert email.text.count("non estimé") == 2
    assert "quantité non précisée" in email.text
    assert "À quelle distance : non connue" in email.text
    assert "Quand : toute l'année" in email.text
    assert email.subject == "Eco'circulaire — nouvelle piste de synergie : sciures de bois"


def test_without_an_advisor_the_programme_address_is_the_contact() -> None:
    one, other = company(), company()
    snapshot = synergy(participant(one, Role.SUPPLIER, "a"), participant(other, Role.RECEIVER, "b"))
    email = render(proposed(snapshot), as_recipient(one), directory(one, other), settings())
    assert "contactez l'équipe Eco'circulaire (eit@cci.example.fr)" in email.text


def test_the_admin_is_never_a_company_s_contact() -> None:
    """A company with no advisor of its own writes to the programme (ECOCIRC_PROGRAMME_CONTACT), not
    to whoever follows every territory: the admin, even with a mailbox, is not an advisor to call."""
    one, other = company(), company()
    admin = advisor("Administrateur", ("*",)).model_copy(update={"email": "admin@localhost"})
    snapshot = synergy(participant(one, Role.SUPPLIER, "a"), participant(other, Role.RECEIVER, "b"))
    email = render(proposed(snapshot), as_recipient(one), directory(one, other, admin), settings())
    assert "admin@localhost" not in email.text + email.html
    assert "contactez l'équipe Eco'circulaire (eit@cci.example.fr)" in email.text


def test_transport_that_cancels_the_saving_is_said_plainly() -> None:
    one = company()
    snapshot = synergy(
        participant(one, Role.SUPPLIER, "a"),
        # The matcher gives the saving net of transport: 100 kg avoided, 300 kg of transport.
        impact=Impact(co2e_avoided_kg_per_year=-200, transport_co2e_kg_per_year=300),
    )
    email = render(proposed(snapshot), as_recipient(one), directory(one), settings())
    assert "aucun gain net" in email.text


def test_html_injection_in_labels_and_names_is_escaped() -> None:
    evil = company("<b>Evil</b> & Co", consent=True)
    victim = company("Victime")
    local = advisor()
    snapshot = synergy(
        participant(evil, Role.SUPPLIER, '<script>alert("x")</script>'),
        participant(victim, Role.RECEIVER, "<img src=x onerror=alert(1)>"),
        resource_label="<i>bois</i>",
        explanation="<a href='http://phish.example'>cliquez</a>",
    )
    people = directory(evil, victim, local)
    for reader in (victim, local):
        email = render(proposed(snapshot), as_recipient(reader), people, settings())
        for raw in ("<script>", "<b>Evil", "<img", "<i>bois", "<a href='http://phish"):
            assert raw not in email.html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in email.html
        assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in email.html
        # The plain-text part is not markup: it shows the text as declared.
        assert "<b>Evil</b> & Co" in email.text


def test_the_subject_is_one_line_whatever_the_label() -> None:
    one = company()
    snapshot = synergy(
        participant(one, Role.SUPPLIER, "a"),
        resource_label="sciures\r\nBcc: victim@example.org\u2028suite",
    )
    email = render(proposed(snapshot), as_recipient(one), directory(one), settings())
    assert "\n" not in email.subject and "\r" not in email.subject and "\u2028" not in email.subject
    assert "sciures Bcc: victim@example.org suite" in email.subject
    for name, value in email.headers.items():
        assert "\n" not in name + value and "\r" not in name + value


def test_a_very_long_label_gives_a_bounded_subject() -> None:
    one = company()
    snapshot = synergy(participant(one, Role.SUPPLIER, "a"), resource_label="bois " * 100)
    email = render(proposed(snapshot), as_recipient(one), directory(one), settings())
    assert len(email.subject) <= 160
    assert email.subject.endswith("…")


def test_a_mutualisation_lists_every_other_member() -> None:
    members = [company(f"Membre {n}", consent=True) for n in range(3)]
    snapshot = synergy(
        *(participant(m, Role.MEMBER, "cartons d'emballage") for m in members),
        kind=SynergyKind.MUTUALISATION,
        resource_label="achats groupés de cartons",
    )
    email = render(proposed(snapshot), as_recipient(members[0]), directory(*members), settings())
    assert "mutualisation" in email.text
    assert email.subject.endswith(f"achats groupés de cartons, dans un rayon de 5{NBSP}km")
    assert f"sites dans un rayon d'environ 5{NBSP}km" in email.text
    assert "Membre 1 (Samatan) — membre" in email.text
    assert "Membre 2 (Samatan) — membre" in email.text
    own_flow = _quoted("cartons d'emballage")
    assert f"Votre flux : {own_flow}" in email.text


def test_a_withdrawal_notice_is_short_and_says_why() -> None:
    scene = _scene()
    snapshot = scene.snapshot
    email = render(withdrawn(snapshot, "flow_withdrawn"), as_recipient(scene.stud), scene.people, settings())
    assert email.subject == "Eco'circulaire — piste de synergie retirée : sciures de bois"
    reference = snapshot.synergy_id.hex[:8]
    assert (
        f"La piste de synergie {_quoted('sciures de bois')} (référence {reference}) n'est plus d'actualité : "
        "l'un des flux concernés a été retiré." in email.text
    )
    assert "n'est plus d'actualité" in email.html
    assert "Fiabilité" not in email.text
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_free_text_withdrawal_reason_is_shown_as_written() -> None:
    scene = _scene()
    notice = withdrawn(scene.snapshot, "Les mois de disponibilité ne se recouvrent plus.")
    email = render(notice, as_recipient(scene.stud), scene.people, settings())
    assert "n'est plus d'actualité : Les mois de disponibilité ne se recouvrent plus." in email.text


def test_a_digest_groups_news_by_territory() -> None:
    saves_a, saves_b = company("Saves A"), company("Saves B")
    lomagne_a = company("Lomagne A", territory=LOMAGNE)
    both = advisor("Claire Digest", (SAVES, LOMAGNE), delivery=DeliveryMode.DIGEST)
    people = directory(saves_a, saves_b, lomagne_a, both)
    in_saves = synergy(
        participant(saves_a, Role.SUPPLIER, "drêches"),
        participant(saves_b, Role.RECEIVER, "aliment"),
        score=0.6,
    )
    also_in_saves = synergy(
        participant(saves_a, Role.SUPPLIER, "chaleur"),
        participant(saves_b, Role.RECEIVER, "séchage"),
        resource_label="chaleur fatale",
        score=0.9,
    )
    in_lomagne = synergy(
        participant(lomagne_a, Role.SUPPLIER, "marc de raisin"), resource_label="marc de raisin"
    )
    news = [proposed(in_saves), withdrawn(in_lomagne, "flow_withdrawn"), proposed(also_in_saves)]

    email = render_digest(news, as_recipient(both), people, settings())

    assert email.subject == (
        "Eco'circulaire — récapitulatif : 2 nouvelles pistes de synergie et 1 piste retirée "
        "sur vos territoires"
    )
    for part in (email.text, email.html):
        assert part.index(LOMAGNE) < part.index(SAVES)  # groups in territory order
        for snapshot in (in_saves, also_in_saves, in_lomagne):
            assert snapshot.synergy_id.hex[:8] in part
        # Best proposal first within a territory.
        assert part.index("chaleur fatale") < part.index("sciures de bois")
    assert f"=== {LOMAGNE} ===" in email.text
    assert f"=== {SAVES} ===" in email.text
    assert "Piste retirée" in email.text and "l'un des flux concernés a été retiré" in email.text
    assert email.text.count("Fiabilité") == 2
    assert "Saves A" in email.text and "Lomagne A" not in email.text.split(f"=== {SAVES} ===")[1]


def test_an_empty_digest_is_refused() -> None:
    with pytest.raises(ValueError):
        render_digest([], as_recipient(advisor()), directory(), settings())


def test_render_dispatches_on_the_kind_of_news() -> None:
    scene = _scene()
    reader = as_recipient(scene.stud)
    news = proposed(scene.snapshot)
    assert render(news, reader, scene.people, settings()) == render_proposal(
        news, reader, scene.people, settings()
    )


def test_confidential_parts_are_still_rendered_for_the_company_that_owns_them() -> None:
    owner, other = company("Propriétaire"), company("Autre")
    snapshot = synergy(
        participant(owner, Role.SUPPLIER, "mon flux confidentiel", Confidentiality.ADVISOR_ONLY),
        participant(other, Role.RECEIVER, "besoin"),
    )
    email = render(proposed(snapshot), as_recipient(owner), directory(owner, other), settings())
    assert "mon flux confidentiel" in email.text


def test_templates_ship_inside_the_package() -> None:
    templates = files("ecocirc_notifier") / "templates"
    for name in ("proposal", "withdrawal", "digest"):
        assert (templates / f"{name}.txt.j2").is_file()
        assert (templates / f"{name}.html.j2").is_file()


def test_advisor_emails_link_to_the_lead_and_show_the_euros_companies_do_not_get() -> None:
    scene = _scene()
    priced = scene.snapshot.model_copy(
        update={
            "impact": Impact(
                tonnes_diverted_per_year=40, eur_saved_per_year=3400, eur_notes=("Achat évité : 3 400 €/an.",)
            )
        }
    )
    site = settings().model_copy(
        update={"leads": LeadLinkSettings(base_url="https://eit.example.fr/", secret="s" * 32)}
    )
    link = f"https://eit.example.fr/pistes/{priced.synergy_id}"
    to_advisor = render(proposed(priced), as_recipient(scene.advisor), scene.people, site)
    to_company = render(
        proposed(priced), as_recipient(scene.stud), scene.people, site, now=datetime(2026, 3, 1, tzinfo=UTC)
    )
    assert f"{link}\n" in to_advisor.text and f'href="{link}"' in to_advisor.html
    assert f"3{NNBSP}400{NBSP}€/an" in to_advisor.text and "Achat évité" in to_advisor.html
    # The company's links are signed (it answers from the email) and it reads no euros.
    assert f"{link}\n" not in to_company.text and f"{link}?" in to_company.text
    assert "€" not in to_company.text + to_company.html
    gone = render(withdrawn(priced, "flow_withdrawn"), as_recipient(scene.advisor), scene.people, site)
    assert link in gone.text
    digest = render_digest([proposed(priced)], as_recipient(scene.advisor), scene.people, site)
    assert link in digest.text and f'href="{link}"' in digest.html
    # Without a public address, no link at all.
    assert (
        "/pistes/" not in render(proposed(priced), as_recipient(scene.advisor), scene.people, settings()).text
    )
