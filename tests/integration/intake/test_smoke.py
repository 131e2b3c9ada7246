"""The happy path in one breath: advisor, company, flow, revision, withdrawal, history."""

from __future__ import annotations

from tests.integration.intake.conftest import Api


async def test_declare_revise_withdraw(api: Api) -> None:
    advisor = await api.advisor(["32"])
    company = await api.company(advisor["token"])
    flow = await api.flow(company["id"], company["token"], quantity={"amount": 12, "unit": "t"})
    assert flow["version"] == 1
    revised = await api.call("PATCH", f"/v1/flows/{flow['id']}", company["token"], json={"label": "Sciure"})
    assert revised.status_code == 200, revised.text
    assert revised.json()["version"] == 2
    assert (await api.call("DELETE", f"/v1/flows/{flow['id']}", advisor["token"])).status_code == 204
    history = (await api.call("GET", f"/v1/flows/{flow['id']}/history", company["token"])).json()
    assert [v["change"] for v in history] == ["declared", "revised", "withdrawn"]
