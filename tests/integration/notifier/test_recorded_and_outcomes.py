"""Leads advisors record by hand live in the pipeline like any other; realised outcomes are recorded on
done leads, beside the platform's estimate, by the advisors of their territories only."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ecocirc_shared.events import SynergyProposed
from ecocirc_shared.synergies import Impact
from tests.conftest import Mailbox
from tests.integration.notifier.conftest import Api, Notifier, synergy

pytestmark = pytest.mark.integration


async def _flow(api: Api, company: uuid.UUID, body: dict[str, Any]) -> str:
    r = await api.post(f"/v1/companies/{company}/flows", body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_a_lead_found_in_a_workshop_is_recorded_once_and_lives_like_any_other(
    setup: tuple[Notifier, Api], smtp: Mailbox
) -> None:
    n, api = setup
    claire, token, _ = await api.advisor("Claire", ["32"])
    _, bigorre_token, _ = await api.advisor("Bigorre", ["65"])
    brewery, farm, far = (
        await n.people.company("Brasserie"),
        await n.people.company("Elevage"),
        await n.people.company("Haras", "65"),
    )
    grains = await _flow(
        api,
        brewery,
        {"direction": "offer", "category": "waste", "label": "Drêches", "quantity": {"amount": 80, "unit": "t"},
         "price": {"eur_per_unit": 15, "unit": "t"}},
    )  # fmt: skip
    feed = await _flow(
        api,
        farm,
        {"direction": "need", "category": "material", "label": "Aliment pour bovins",
         "quantity": {"amount": 50, "unit": "t"}, "price": {"eur_per_unit": 120, "unit": "t"}},
    )  # fmt: skip
    before = len(smtp.messages())
    body = {
        "kind": "substitution",
        "participants": [
            {"company_id": str(brewery), "role": "supplier", "flow_id": grains},
            {"company_id": str(farm), "role": "receiver", "label": "Complément pour les génisses"},
        ],
        "description": "Atelier du 12 mars à Gimont : la brasserie donnerait ses drêches à l'élevage voisin.",
        "status": "in_contact",
        "owner_id": str(claire),
        "next_action_on": "2025-04-01",
    }
    r = await api.post("/v1/synergies", body, token)
    assert r.status_code == 201, r.text
    recorded = r.json()
    lead = recorded["id"]
    follow = recorded["followup"]
    assert recorded["created"] and recorded["applied"]
    assert (follow["origin"], follow["status"], follow["recorded_by"], follow["owner_id"]) == (
        "advisor", "in_contact", str(claire), str(claire)
    )  # fmt: skip
    assert follow["history"][0]["changes"] == ["recorded", "status"] and follow["deliveries"] == []

    # The same lead again, in another order: recorded once.
    again = {**body, "participants": body["participants"][::-1], "description": body["description"].upper()}
    r = await api.post("/v1/synergies", again, token)
    assert r.status_code == 200 and r.json()["id"] == lead and not r.json()["created"]

    # Its companies read it through the API (no email: they were there); the one without a flow shows none.
    company_view = await api.get(f"/v1/synergies/{lead}", await n.people.company_token(farm))
    assert company_view["status"] == "in_contact" and company_view["score"] == 1.0
    assert [p["flow_id"] for p in company_view["participants"]] == [None, None]  # not theirs; no flow
    assert company_view["impact"]["eur_saved_per_year"] is None  # prices are not a company's to read
    advisor_view = await api.get(f"/v1/synergies/{lead}", token)
    assert [p["flow_id"] for p in advisor_view["participants"]] == [grains, None]
    assert advisor_view["impact"]["tonnes_diverted_per_year"] == 80  # the need gave no flow: the offer
    assert advisor_view["impact"]["eur_saved_per_year"] == 80 * 15  # disposal avoided only
    assert len(smtp.messages()) == before

    # A company outside the advisor's territories, a flow of another company, roles that do not fit.
    wrong = [
        ({**body, "participants": [body["participants"][0], {"company_id": str(far), "role": "receiver"}]},
         "participants.1.company_id"),
        ({**body, "participants": [{"company_id": str(brewery), "role": "supplier", "flow_id": feed},
                                   body["participants"][1]]}, "participants.0.flow_id"),
        ({**body, "kind": "mutualisation"}, "participants"),
        ({**body, "status": "abandoned"}, "status"),
    ]  # fmt: skip
    for bad, field in wrong:
        r = await api.post("/v1/synergies", bad, token)
        assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]], (field, r.text)
    assert (await api.post("/v1/synergies", body, bigorre_token)).status_code == 422
    assert (await api.post("/v1/synergies", body, await n.people.company_token(brewery))).status_code == 403
    listed = await api.get("/v1/synergies", token)
    assert [item["id"] for item in listed["items"]] == [lead]


async def test_outcomes_are_recorded_on_done_leads_beside_the_estimate(setup: tuple[Notifier, Api]) -> None:
    n, api = setup
    claire, token, _ = await api.advisor("Claire", ["32"])
    _, bigorre_token, _ = await api.advisor("Bigorre", ["65"])
    a, b = await n.people.company("Scierie"), await n.people.company("Elevage")
    impact = Impact(
        tonnes_diverted_per_year=40.0,
        co2e_avoided_kg_per_year=1200.0,
        transport_co2e_kg_per_year=35.0,
        notes=("Transport : 0,083 kgCO2e/t.km (Base Carbone).",),
        eur_saved_per_year=3400.0,
        eur_notes=("Achat évité : 3 400 €/an.",),
    )
    s = synergy(a, b).model_copy(update={"impact": impact})
    await n.recorder.handle(SynergyProposed(synergy=s))
    path = f"/v1/synergies/{s.synergy_id}/outcome"

    proposal = await api.get(path, token)
    assert proposal["outcome"] is None and proposal["status"] == "proposed"
    assert proposal["estimate"] == {
        "tonnes_per_year": 40.0,
        "eur_per_year": 3400.0,
        "co2e_t_per_year": 1.2,
        "factors": ["Transport : 0,083 kgCO2e/t.km (Base Carbone).", "Achat évité : 3 400 €/an."],
    }
    # Not done yet: refused, unless the record moves it to done.
    r = await api.post(path, {"tonnes_per_year": 35}, token)
    assert r.status_code == 409, r.text
    r = await api.post(
        path, {"tonnes_per_year": 35, "jobs": 0.5, "started_on": "2025-04-01", "mark_done": True}, token
    )
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["status"] == "done" and answer["decision"]["applied"]
    outcome = answer["outcome"]
    assert (outcome["tonnes_per_year"], outcome["eur_per_year"], outcome["co2e_t_per_year"]) == (
        35,
        3400,
        1.2,
    )
    assert outcome["sources"] == {
        "tonnes_per_year": "advisor",
        "eur_per_year": "estimate",
        "co2e_t_per_year": "estimate",
    }
    assert outcome["recorded_by"] == str(claire) and outcome["started_on"] == "2025-04-01"
    assert outcome["estimate"]["tonnes_per_year"] == 40.0

    # Corrected: split per company; the history says so.
    split = [{"company_id": str(a), "eur_per_year": 1000}, {"company_id": str(b), "eur_per_year": 2000}]
    r = await api.post(path, {"eur_by_company": split, "co2e_t_per_year": None}, token)
    assert r.status_code == 200, r.text
    outcome = r.json()["outcome"]
    assert outcome["eur_per_year"] == 3000 and outcome["co2e_t_per_year"] is None
    assert outcome["eur_by_company"] == split and "co2e_t_per_year" not in outcome["sources"]
    bad_split = [{"company_id": str(uuid.uuid4()), "eur_per_year": 10}]
    r = await api.post(path, {"eur_by_company": bad_split}, token)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "eur_by_company.0.company_id"
    history = (await api.get(f"/v1/synergies/{s.synergy_id}/followup", token))["history"]
    assert [h["changes"] for h in history[1:]] == [["status", "outcome"], ["outcome"]]

    # Another territory's advisor sees nothing; a company may neither read nor record.
    company = await n.people.company_token(a)
    for who, status in ((bigorre_token, 404), (company, 403)):
        assert (await api.http.get(path, headers={"Authorization": f"Bearer {who}"})).status_code == status
        assert (await api.post(path, {"tonnes_per_year": 1}, who)).status_code == status
