"""An advisor chooses single emails or the digest, or opts out; only they or the admin may. The notifier
owns the preferences: intake records each choice as a decision event in its outbox."""

from __future__ import annotations

import uuid

import pytest

from ecocirc_shared.events import EmailPreferencesChanged, decode
from ecocirc_shared.topics import DECISION_EVENTS
from tests.integration.intake.conftest import ADMIN_TOKEN, Api

pytestmark = pytest.mark.integration


async def decisions(api: Api) -> list[EmailPreferencesChanged]:
    rows = await api.app.state.store.pool.fetch(
        "SELECT payload FROM outbox WHERE topic = $1 ORDER BY seq", DECISION_EVENTS
    )
    found = [decode(r["payload"]) for r in rows]
    assert all(isinstance(d, EmailPreferencesChanged) for d in found)
    return found  # type: ignore[return-value]


async def test_preferences_are_the_advisors_own_and_travel_to_the_notifier(api: Api) -> None:
    claire = await api.advisor(["32"])
    other = await api.advisor(["31"], name="Marc Petit")
    path = f"/v1/advisors/{claire['id']}/email-preferences"

    # No digest on this programme (no notifier has published one): choosing it is refused.
    refused = await api.call("PUT", path, claire["token"], json={"delivery": "digest"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "delivery"

    # Another advisor cannot touch Claire's preferences; the admin can.
    assert (await api.call("PUT", path, other["token"], json={"opted_out": True})).status_code == 404
    done = await api.call("PUT", path, ADMIN_TOKEN, json={"delivery": "immediate", "opted_out": True})
    assert done.status_code == 200, done.text
    assert done.json() == {"delivery": "immediate", "opted_out": True, "digest_minutes": 0}

    # Opting in again, as the advisor, and back to the programme's default delivery.
    again = await api.call("PUT", path, claire["token"], json={"delivery": None, "opted_out": False})
    assert again.json()["opted_out"] is False

    claire_id = uuid.UUID(claire["id"])
    assert [(d.recipient_id, d.opted_out, d.delivery) for d in await decisions(api)] == [
        (claire_id, True, "immediate"),
        (claire_id, False, "default"),
    ]


async def test_a_company_opting_out_sends_a_decision_and_reads_it_back(api: Api) -> None:
    company = await api.company()
    r = await api.call(
        "PATCH", f"/v1/companies/{company['id']}", company["token"], json={"email_opt_out": True}
    )
    assert r.status_code == 200 and r.json()["email_opt_out"] is True
    [decision] = await decisions(api)
    assert decision.recipient_id == uuid.UUID(company["id"]) and decision.opted_out is True
    # Intake keeps no copy: until the notifier applies it, the company reads the notifier's state.
    assert (await api.call("GET", f"/v1/companies/{company['id']}")).json()["email_opt_out"] is False
