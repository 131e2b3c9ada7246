"""Every email an advisor gets leads somewhere: each lead it mentions links to the lead's page, and
every one ends on the advisor's Tableau de bord; the weekly reminder also opens the overdue leads.
A company's email carries no dashboard link (its home is its own)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ecocirc_notifier.domain import introduced, proposed, render, render_digest, withdrawn
from ecocirc_notifier.domain.emails import (
    EmailSettings,
    LeadLinkSettings,
    RenderedEmail,
    reminder_item,
    render_leads,
    render_reminder,
)
from ecocirc_notifier.domain.reminders import Lead, Why
from ecocirc_shared.followup import SynergyStatus
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

BASE = "https://eco.example.fr"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def site() -> EmailSettings:
    return settings().model_copy(update={"leads": LeadLinkSettings(base_url=BASE + "/", secret="k" * 32)})


def advisor_emails() -> tuple[list[tuple[str, RenderedEmail, list[str]]], RenderedEmail]:
    """(kind, email, the leads it mentions) for every kind an advisor gets, and one to a company."""
    sawmill, stud, other = company("Scierie"), company("Haras"), company("Brasserie")
    local = advisor("Marie Conseil")
    one = synergy(participant(sawmill, Role.SUPPLIER, "sciures"), participant(stud, Role.RECEIVER, "litière"))
    two = synergy(participant(other, Role.SUPPLIER, "drêches"), participant(stud, Role.RECEIVER, "aliment"))
    people, me = directory(sawmill, stud, other, local), as_recipient(local)
    lead = Lead(
        synergy_id=one.synergy_id,
        status=SynergyStatus.STUDY,
        territories=("32",),
        owner_id=local.id,
        next_action_on=datetime(2026, 2, 1).date(),
        moved_at=NOW,
        why=Why.OVERDUE,
    )
    ids = [str(one.synergy_id)]
    emails = [
        ("proposal", render(proposed(one), me, people, site(), NOW), ids),
        ("leads", render_leads([proposed(one), proposed(two)], me, people, site(), NOW), [*ids, str(two.synergy_id)]),
        ("introduction", render(introduced(one), me, people, site(), NOW), ids),
        ("withdrawal", render(withdrawn(one, "flow_withdrawn"), me, people, site()), ids),
        ("digest", render_digest([proposed(one), withdrawn(two, "flow_withdrawn")], me, people, site()),
         [*ids, str(two.synergy_id)]),
        ("reminder", render_reminder([reminder_item(lead, one, people, me, site())], me, site()), ids),
    ]  # fmt: skip
    to_company = render(proposed(one), as_recipient(stud), people, site(), NOW)
    return emails, to_company


@pytest.mark.parametrize("kind", ["proposal", "leads", "introduction", "withdrawal", "digest", "reminder"])
def test_every_advisor_email_links_its_leads_and_the_dashboard(kind: str) -> None:
    emails, _ = advisor_emails()
    [(_, email, leads)] = [e for e in emails if e[0] == kind]
    for lead in leads:
        page = f"{BASE}/pistes/{lead}"
        assert page in email.text and f'href="{page}"' in email.html, (kind, lead)
    assert f"Votre tableau de bord : {BASE}/\n" in email.text, kind
    assert f'<a href="{BASE}/">Votre tableau de bord</a>' in email.html, kind


def test_the_reminder_opens_the_overdue_leads() -> None:
    emails, _ = advisor_emails()
    [(_, reminder, _)] = [e for e in emails if e[0] == "reminder"]
    assert (
        f"{BASE}/pistes?retard=oui" in reminder.text and f'href="{BASE}/pistes?retard=oui"' in reminder.html
    )


def test_a_company_gets_no_dashboard_link() -> None:
    _, to_company = advisor_emails()
    assert (
        "tableau de bord" not in to_company.text.lower() and "tableau de bord" not in to_company.html.lower()
    )


def test_without_a_public_address_no_link_at_all() -> None:
    local = advisor("Marie Conseil")
    sawmill, stud = company("Scierie"), company("Haras")
    one = synergy(participant(sawmill, Role.SUPPLIER, "sciures"), participant(stud, Role.RECEIVER, "litière"))
    email = render(proposed(one), as_recipient(local), directory(sawmill, stud, local), settings())
    assert "tableau de bord" not in email.text.lower() and "/pistes" not in email.text
