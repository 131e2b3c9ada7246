"""The pipeline through the API, applied by the notifier: moves the pipeline allows and refuses,
abandonment reasons, owner, next action and notes in the history; a lead people took up outlives the
matcher's withdrawal; every role gets exactly its answer."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ecocirc_shared.events import SynergyProposed, SynergyWithdrawn
from tests.conftest import Mailbox
from tests.integration.notifier.conftest import Api, Notifier, subjects, synergy

pytestmark = pytest.mark.integration


async def _patch(api: Api, synergy_id: uuid.UUID, body: dict[str, Any], token: str) -> Any:
    return await api.patch(f"/v1/synergies/{synergy_id}/followup", body, token)


async def test_a_lead_moves_along_the_pipeline_with_owner_next_action_and_reasons(
    setup: tuple[Notifier, Api],
) -> None:
    n, api = setup
    claire, claire_token, _ = await api.advisor("Claire", ["32"])
    marc, _, _ = await api.advisor("Marc", ["32"])
    bigorre, bigorre_token, _ = await api.advisor("Bigorre", ["65"])
    a, b = await n.people.company("Laiterie"), await n.people.company("Porcherie")
    s = synergy(a, b)
    await n.recorder.handle(SynergyProposed(synergy=s))
    lead = s.synergy_id

    r = await _patch(
        api,
        lead,
        {"status": "in_contact", "owner_id": str(marc), "next_action_on": "2025-03-14"},
        claire_token,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["owner_id"], body["next_action_on"]) == (
        "in_contact",
        str(marc),
        "2025-03-14",
    )
    assert body["decision"]["applied"] and body["link"].endswith(f"/pistes/{lead}")

    # Abandoning asks for a reason from the short list.
    r = await _patch(api, lead, {"status": "abandoned"}, claire_token)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "abandon_reason"
    r = await _patch(api, lead, {"status": "abandoned", "abandon_reason": "too_far"}, claire_token)
    assert r.status_code == 422
    r = await _patch(api, lead, {"abandon_reason": "cost"}, claire_token)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "abandon_reason"  # not abandoned
    r = await _patch(
        api,
        lead,
        {"status": "abandoned", "abandon_reason": "cost", "abandon_comment": "Transport trop cher"},
        claire_token,
    )
    assert r.status_code == 200 and (r.json()["abandon_reason"], r.json()["abandon_comment"]) == (
        "cost",
        "Transport trop cher",
    )
    # An abandoned lead is reopened at an open step, never straight to done; its reason goes.
    r = await _patch(api, lead, {"status": "done"}, claire_token)
    assert r.status_code == 409, r.text
    r = await _patch(api, lead, {"status": "study", "note": "Relance : nouveau transporteur"}, claire_token)
    assert r.status_code == 200 and r.json()["abandon_reason"] is None and r.json()["status"] == "study"
    # A done lead goes back to in_progress, never to an idea.
    assert (await _patch(api, lead, {"status": "done"}, claire_token)).status_code == 200
    r = await _patch(api, lead, {"status": "idea"}, claire_token)
    assert r.status_code == 409 and "in_progress" in r.json()["detail"]
    assert (await _patch(api, lead, {"status": "in_progress"}, claire_token)).status_code == 200

    # The owner follows one of the lead's territories; null empties owner and next action.
    r = await _patch(api, lead, {"owner_id": str(bigorre)}, claire_token)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "owner_id"
    r = await _patch(api, lead, {"owner_id": None, "next_action_on": None}, claire_token)
    assert r.status_code == 200 and r.json()["owner_id"] is None and r.json()["next_action_on"] is None
    assert (await _patch(api, lead, {}, claire_token)).status_code == 422
    # The same value again is no history.
    r = await _patch(api, lead, {"status": "in_progress"}, claire_token)
    assert r.status_code == 200

    history = r.json()["history"]
    assert [(h["status"], h["changes"]) for h in history] == [
        ("proposed", ["status"]),
        ("in_contact", ["status", "owner_id", "next_action_on"]),
        ("abandoned", ["status", "abandon_reason"]),
        ("study", ["status", "abandon_reason", "note"]),
        ("done", ["status"]),
        ("in_progress", ["status"]),
        ("in_progress", ["owner_id", "next_action_on"]),
    ]
    assert history[2]["abandon_reason"] == "cost" and history[3]["note"] == "Relance : nouveau transporteur"
    assert all(h["changed_by"] == str(claire) for h in history[1:])

    # An advisor of another territory sees nothing of it; a company may not follow it up.
    assert (await _patch(api, lead, {"status": "done"}, bigorre_token)).status_code == 404
    r = await api.http.get(
        f"/v1/synergies/{lead}/followup", headers={"Authorization": f"Bearer {bigorre_token}"}
    )
    assert r.status_code == 404
    company = await n.people.company_token(a)
    assert (await _patch(api, lead, {"status": "done"}, company)).status_code == 403


async def test_a_lead_people_took_up_outlives_the_matcher_s_withdrawal(
    setup: tuple[Notifier, Api], smtp: Mailbox
) -> None:
    n, api = setup
    claire, token, _ = await api.advisor("Claire", ["32"])
    a, b = await n.people.company("Scierie"), await n.people.company("Elevage")
    taken, left = synergy(a, b), synergy(b, a)
    for s in (taken, left):
        await n.recorder.handle(SynergyProposed(synergy=s))
    await n.deliverer.deliver_due()
    assert (await _patch(api, taken.synergy_id, {"status": "in_progress"}, token)).status_code == 200
    for s in (taken, left):
        await n.recorder.handle(
            SynergyWithdrawn(synergy_id=s.synergy_id, revision=2, reason="flow_withdrawn")
        )
    await n.deliverer.deliver_due()

    kept = await api.get(f"/v1/synergies/{taken.synergy_id}/followup", token)
    assert kept["status"] == "in_progress" and not kept["active"]
    assert kept["history"][-1]["changes"] == ["active"] and kept["history"][-1]["source"] == "matcher"
    # The companies working on it are not told it is over; its advisors are, and may still close it.
    withdrawals = [d for d in kept["deliveries"] if d["news"] == "withdrawn"]
    assert {d["recipient_kind"] for d in withdrawals} == {"advisor"}
    assert sum("retirée" in subject for subject in subjects(smtp, a.hex[:6])) == 1  # the other lead's notice
    r = await _patch(api, taken.synergy_id, {"status": "done"}, token)
    assert r.status_code == 200 and r.json()["status"] == "done"

    # Listed still, unlike the one nobody had taken up; filters narrow the list.
    listed = await api.get("/v1/synergies", token)
    assert [item["id"] for item in listed["items"]] == [str(taken.synergy_id)]
    assert (await api.get("/v1/synergies", token, include_withdrawn="true"))["total"] == 2
    assert (await api.get("/v1/synergies", token, status="withdrawn"))["items"][0]["id"] == str(
        left.synergy_id
    )
    assert (await api.get("/v1/synergies", token, status="done", territory="32"))["total"] == 1
    assert (await api.get("/v1/synergies", token, status="in_progress"))["total"] == 0
    assert (await api.get("/v1/synergies", token, status="done", territory="65"))["total"] == 0
    assert (await api.get("/v1/synergies", token, owner_id=str(claire)))["total"] == 0
    company = await n.people.company_token(a)
    assert (await api.get("/v1/synergies", company))["total"] == 1
    assert (await api.get("/v1/synergies", company, territory="32"))["total"] == 0  # not a company's filter
    gone = await api.get(f"/v1/synergies/{left.synergy_id}/followup", token)
    assert gone["status"] == "withdrawn"
    r = await _patch(api, left.synergy_id, {"note": "Dommage"}, token)
    assert r.status_code == 409 and "retirée" in r.json()["detail"]

    # Its flows match again: the lead comes back where people had it.
    await n.recorder.handle(SynergyProposed(synergy=taken.model_copy(update={"revision": 3})))
    back = await api.get(f"/v1/synergies/{taken.synergy_id}/followup", token)
    assert back["status"] == "done" and back["active"]
    assert str(claire) == back["history"][-2]["changed_by"]


async def test_the_list_narrows_by_resource_score_and_overdue_next_action(
    setup: tuple[Notifier, Api],
) -> None:
    n, api = setup
    _, token, _ = await api.advisor("Claire", ["32"])
    a, b = await n.people.company("Scierie"), await n.people.company("Elevage")
    wood, whey = (
        synergy(a, b, score=0.8),
        synergy(b, a, score=0.55).model_copy(update={"resource_class": "whey"}),
    )
    for s in (wood, whey):
        await n.recorder.handle(SynergyProposed(synergy=s))
    assert (await _patch(api, wood.synergy_id, {"next_action_on": "2020-01-06"}, token)).status_code == 200
    assert (await _patch(api, whey.synergy_id, {"next_action_on": "2999-01-04"}, token)).status_code == 200

    def ids(page: dict[str, Any]) -> list[str]:
        return [item["id"] for item in page["items"]]

    assert ids(await api.get("/v1/synergies", token, resource_class="whey")) == [str(whey.synergy_id)]
    assert ids(await api.get("/v1/synergies", token, min_score="0.6")) == [str(wood.synergy_id)]
    assert ids(await api.get("/v1/synergies", token, overdue="true")) == [str(wood.synergy_id)]
    # A lead no longer open is not overdue, whatever its date.
    assert (
        await _patch(api, wood.synergy_id, {"status": "abandoned", "abandon_reason": "cost"}, token)
    ).status_code == 200
    assert (await api.get("/v1/synergies", token, overdue="true"))["total"] == 0
    # Next actions are the advisors' business: a company filtering on them gets nothing.
    company = await n.people.company_token(a)
    assert (await api.get("/v1/synergies", company))["total"] == 2
    assert (await api.get("/v1/synergies", company, overdue="true"))["total"] == 0
    assert (await api.get("/v1/synergies", company, resource_class="whey"))["total"] == 1
