"""The synergy endpoints on the notifier's read model: scoping in SQL, redaction, follow-up, review mode,
delivery failures shown to advisors, and the one-click unsubscribe link of the emails."""

from __future__ import annotations

import re

import httpx
import pytest

from ecocirc_shared.events import SynergyProposed
from ecocirc_shared.flows import Confidentiality
from tests.conftest import Mailbox
from tests.integration.notifier.conftest import (
    Api,
    FlakySender,
    Notifier,
    sent_to,
    subjects,
    synergy,
)

pytestmark = pytest.mark.integration


async def test_a_company_sees_its_synergies_with_counterparts_named_only_when_allowed(
    setup: tuple[Notifier, Api],
) -> None:
    n, api = setup
    me = await n.people.company("Scierie")
    named = await n.people.company("Elevage", consent=True)
    secret = await n.people.company("Tannerie", consent=True)
    shy = await n.people.company("Laiterie")
    stranger = await n.people.company("Garage")
    for other, conf in (
        (named, Confidentiality.PUBLIC),
        (secret, Confidentiality.ADVISOR_ONLY),
        (shy, Confidentiality.PUBLIC),
    ):
        await n.recorder.handle(SynergyProposed(synergy=synergy(me, other, b_confidentiality=conf)))
    await n.recorder.handle(SynergyProposed(synergy=synergy(stranger, named)))
    token = await n.people.company_token(me)
    page = await api.get("/v1/synergies", token, limit=2)
    assert page["total"] == 3 and len(page["items"]) == 2  # counted in SQL, not filtered after the page
    rest = await api.get("/v1/synergies", token, limit=2, offset=2)
    items = page["items"] + rest["items"]
    others = []
    for item in items:
        [mine] = [p for p in item["participants"] if p["company_id"] == str(me)]
        assert mine["flow_id"] is not None
        others += [p for p in item["participants"] if p is not mine]
    # Named: public flow and consent. Not named: an advisor_only flow (label hidden too), or no consent.
    assert sorted((o["company_id"] or "-", o["label"] or "-") for o in others) == sorted(
        [(str(named), "Litière"), ("-", "-"), ("-", "Litière")]
    )
    assert all(o["flow_id"] is None for o in others)
    # An advisor of the territory sees everyone in full; the admin sees all four.
    assert (await api.get("/v1/synergies"))["total"] == 4


async def test_review_mode_holds_companies_until_an_advisor_approves(
    setup: tuple[Notifier, Api], smtp: Mailbox
) -> None:
    n, api = setup
    advisor, advisor_token = await n.people.advisor("Claire", ["65"])
    assert (
        await api.put("/v1/territories/65/review-mode", {"enabled": True}, advisor_token)
    ).status_code == 200
    _, outsider_token = await n.people.advisor("Paul", ["31"])
    assert (
        await api.put("/v1/territories/65/review-mode", {"enabled": False}, outsider_token)
    ).status_code == 403
    a, b = await n.people.company("Fromagerie", "65"), await n.people.company("Porcherie", "65")
    s = synergy(a, b, territories=("65",))
    await n.recorder.handle(SynergyProposed(synergy=s))
    await n.deliverer.deliver_due()
    assert subjects(smtp, a.hex[:6]) == [] and len(subjects(smtp, advisor.hex[:6])) == 1
    company_token = await n.people.company_token(a)
    assert (await api.get("/v1/synergies", company_token))["total"] == 0  # not released to companies yet
    follow = await api.get(f"/v1/synergies/{s.synergy_id}/followup", advisor_token)
    assert follow["status"] == "idea" and not follow["released"]
    assert {d["status"] for d in follow["deliveries"] if d["recipient_kind"] == "company"} == {"held"}
    r = await api.post(
        f"/v1/synergies/{s.synergy_id}/status", {"status": "contacted", "note": "Appel le 3"}, company_token
    )
    assert r.status_code == 403
    r = await api.post(
        f"/v1/synergies/{s.synergy_id}/status", {"status": "contacted", "note": "Appel le 3"}, advisor_token
    )
    assert r.status_code == 200, r.text
    # The first follow-up's words are still understood, and answered in the pipeline's.
    assert r.json()["released"] and r.json()["status"] == "in_contact"
    await n.deliverer.deliver_due()
    assert len(subjects(smtp, a.hex[:6])) == 1 and len(subjects(smtp, b.hex[:6])) == 1
    assert (await api.get("/v1/synergies", company_token))["total"] == 1
    r = await api.post(f"/v1/synergies/{s.synergy_id}/status", {"status": "accepted"}, advisor_token)
    history = r.json()["history"]
    assert [(h["status"], h["source"]) for h in history] == [
        ("idea", "matcher"),
        ("in_contact", "advisor"),
        ("study", "advisor"),
    ]
    assert history[1]["note"] == "Appel le 3" and history[1]["changed_by"] == str(advisor)
    bad = await api.post(f"/v1/synergies/{s.synergy_id}/status", {"status": "signed"}, advisor_token)
    assert bad.status_code == 422

    # Refused in review: the companies never hear of it.
    c, d = await n.people.company("Cidrerie", "65"), await n.people.company("Verger", "65")
    refused = synergy(c, d, territories=("65",))
    await n.recorder.handle(SynergyProposed(synergy=refused))
    r = await api.post(f"/v1/synergies/{refused.synergy_id}/status", {"status": "refused"}, advisor_token)
    assert r.json()["status"] == "abandoned" and r.json()["abandon_reason"] == "other"
    await n.deliverer.deliver_due()
    assert subjects(smtp, c.hex[:6]) == []


async def test_failed_deliveries_are_shown_to_advisors(setup: tuple[Notifier, Api]) -> None:
    n, api = setup
    a, b = await n.people.company("Briqueterie"), await n.people.company("Paysagiste")
    s = synergy(a, b)
    await n.recorder.handle(SynergyProposed(synergy=s))
    dead = n.with_sender(FlakySender(failures=10_000))
    for _ in range(n.options.max_attempts):
        await dead.deliver_due()
        n.clock.advance(minutes=11)
    follow = await api.get(f"/v1/synergies/{s.synergy_id}/followup")
    assert follow["failed"] == 3
    assert all("SMTP down" in d["last_error"] for d in follow["deliveries"])
    token = await n.people.company_token(a)
    r = await api.http.get(
        f"/v1/synergies/{s.synergy_id}/followup", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 403


async def test_the_unsubscribe_link_of_an_email_stops_further_emails(
    setup: tuple[Notifier, Api], smtp: Mailbox
) -> None:
    n, api = setup
    a, b = await n.people.company("Chocolaterie"), await n.people.company("Compost")
    await n.recorder.handle(SynergyProposed(synergy=synergy(a, b)))
    await n.deliverer.deliver_due()
    [mail] = sent_to(smtp, a.hex[:6])
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    match = re.search(r"<(http[^>]+)>", str(mail["List-Unsubscribe"]))
    assert match and "mailto:" in str(mail["List-Unsubscribe"])
    url = httpx.URL(match.group(1))
    assert url.path == "/v1/unsubscribe"
    page = await api.http.get(url.path, params=dict(url.params))
    assert page.status_code == 200 and "Me désabonner" in page.text
    forged = {**dict(url.params), "token": "0" * 32}
    assert (await api.http.post(url.path, params=forged)).status_code == 400
    done = await api.http.post(url.path, params=dict(url.params), content=b"List-Unsubscribe=One-Click")
    assert done.status_code == 200 and "Désabonnement enregistré" in done.text
    assert (await api.get(f"/v1/companies/{a}"))["email_opt_out"] is True
    await n.recorder.handle(SynergyProposed(synergy=synergy(a, b)))
    await n.deliverer.deliver_due()
    assert len(sent_to(smtp, a.hex[:6])) == 1 and len(sent_to(smtp, b.hex[:6])) == 2
