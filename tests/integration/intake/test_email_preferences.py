"""An advisor chooses single emails or the digest, or opts out; only they or the admin may."""

from __future__ import annotations

import pytest

from ecocirc_notifier.adapters.directory import load_directory
from ecocirc_notifier.domain.directory import DeliveryMode
from tests.integration.intake.conftest import ADMIN_TOKEN, Api

pytestmark = pytest.mark.integration


async def test_preferences_are_the_advisors_own_and_reach_the_notifier(api: Api) -> None:
    claire = await api.advisor(["32"])
    other = await api.advisor(["31"], name="Marc Petit")
    path = f"/v1/advisors/{claire['id']}/email-preferences"

    # No digest on this programme (ECOCIRC_ADVISOR_DIGEST_MINUTES = 0): choosing it is refused.
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

    async with api.app.state.store.pool.acquire() as conn:
        directory = await load_directory(conn, [], digest=True)
    [entry] = [a for a in directory.advisors if str(a.id) == claire["id"]]
    assert entry.delivery is DeliveryMode.DIGEST and not entry.opted_out  # the programme's default


async def test_an_advisor_may_keep_single_emails_on_a_digest_programme(api: Api) -> None:
    claire = await api.advisor(["32"])
    api.app.state.settings = api.settings.model_copy(update={"advisor_digest_minutes": 30})
    path = f"/v1/advisors/{claire['id']}/email-preferences"
    assert (await api.call("PUT", path, claire["token"], json={"delivery": "digest"})).status_code == 200
    assert (await api.call("PUT", path, claire["token"], json={"delivery": "immediate"})).status_code == 200
    async with api.app.state.store.pool.acquire() as conn:
        directory = await load_directory(conn, [], digest=True)
    [entry] = [a for a in directory.advisors if str(a.id) == claire["id"]]
    assert entry.delivery is DeliveryMode.IMMEDIATE
