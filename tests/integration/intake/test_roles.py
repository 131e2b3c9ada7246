"""Every endpoint, every role: who may call what, and the status each one gets.

The synergy endpoints are tested with their own router's tests (they read the notifier's read model).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.integration.intake.conftest import ADMIN_TOKEN, GERS_2, HAUTE_GARONNE, Api

pytestmark = pytest.mark.integration

ROLES = ("anonymous", "revoked", "admin", "advisor", "other_advisor", "company", "other_company")


@dataclass
class World:
    """Admin; an advisor of Gers (32) and one of Haute-Garonne (31); companies A and B in Gers."""

    api: Api
    tokens: dict[str, str | None]
    advisor_id: str
    company_a: str
    company_b: str
    flow_a: str

    async def fresh_advisor(self) -> str:
        return str((await self.api.advisor(["33"], name="Jetable"))["id"])

    async def fresh_company(self) -> str:
        token = self.tokens["advisor"]
        assert token
        return str((await self.api.company(token, GERS_2, name=f"Jetable {uuid.uuid4().hex[:6]}"))["id"])

    async def fresh_flow(self) -> str:
        return str((await self.api.flow(self.company_a))["id"])


async def world(api: Api) -> World:
    advisor = await api.advisor(["32"])
    other_advisor = await api.advisor(["31"], name="Paul Martin")
    a = await api.company(advisor["token"])
    b = await api.company(
        advisor["token"], GERS_2, name="Élevage de Lombez", contact_email="b@elevage.example.fr"
    )
    flow = await api.flow(a["id"], a["token"])
    revoked = await api.advisor(["32"], name="Parti")
    assert (await api.call("DELETE", f"/v1/advisors/{revoked['id']}/tokens")).status_code == 204
    tokens: dict[str, str | None] = {
        "anonymous": None,
        "revoked": revoked["token"],
        "admin": ADMIN_TOKEN,
        "advisor": advisor["token"],
        "other_advisor": other_advisor["token"],
        "company": a["token"],
        "other_company": b["token"],
    }
    return World(api, tokens, str(advisor["id"]), str(a["id"]), str(b["id"]), str(flow["id"]))


Call = Callable[[World, str | None], Awaitable[httpx.Response]]
CSV = (
    "entreprise;code_naf;email;code_postal;commune;sens;catégorie;libellé\n"
    "Ferme;01.47Z;f@ferme.example.fr;32130;Samatan;besoin;matière;Paille\n"
)


def request(method: str, path: str, **kwargs: Any) -> Call:
    async def call(w: World, token: str | None) -> httpx.Response:
        target = path.format(
            advisor=w.advisor_id,
            a=w.company_a,
            flow=w.flow_a,
            fresh_advisor=await w.fresh_advisor() if "{fresh_advisor}" in path else "",
            fresh_company=await w.fresh_company() if "{fresh_company}" in path else "",
            fresh_flow=await w.fresh_flow() if "{fresh_flow}" in path else "",
            unknown=uuid.uuid4(),
        )
        return await w.api.call(method, target, token, **kwargs)

    return call


NEW_COMPANY = {
    "name": "Menuiserie",
    "naf_code": "16.23Z",
    "contact_email": "m@menuiserie.example.fr",
    **GERS_2,
}
NEW_ADVISOR = {"name": "Nouveau", "email": "n@cci.example.fr", "territories": ["32"]}
NEW_FLOW = {"direction": "need", "category": "energy", "label": "Chaleur basse température"}

# Expected status for: anonymous, revoked, admin, advisor, other_advisor, company, other_company.
CASES: list[tuple[str, Call, tuple[int, ...]]] = [
    ("GET /v1/me", request("GET", "/v1/me"), (401, 401, 200, 200, 200, 200, 200)),
    (
        "POST /v1/advisors",
        request("POST", "/v1/advisors", json=NEW_ADVISOR),
        (401, 401, 201, 403, 403, 403, 403),
    ),
    ("GET /v1/advisors", request("GET", "/v1/advisors"), (401, 401, 200, 403, 403, 403, 403)),
    ("GET /v1/advisors/{id}", request("GET", "/v1/advisors/{advisor}"), (401, 401, 200, 200, 404, 404, 404)),
    (
        "POST /v1/advisors/{id}/tokens",
        request("POST", "/v1/advisors/{fresh_advisor}/tokens"),
        (401, 401, 201, 403, 403, 403, 403),
    ),
    (
        "DELETE /v1/advisors/{id}/tokens",
        request("DELETE", "/v1/advisors/{fresh_advisor}/tokens"),
        (401, 401, 204, 403, 403, 403, 403),
    ),
    (
        "POST /v1/companies",
        request("POST", "/v1/companies", json=NEW_COMPANY),
        (401, 401, 201, 201, 403, 403, 403),
    ),
    ("GET /v1/companies", request("GET", "/v1/companies"), (401, 401, 200, 200, 200, 200, 200)),
    ("GET /v1/companies/{id}", request("GET", "/v1/companies/{a}"), (401, 401, 200, 200, 404, 200, 404)),
    (
        "PATCH /v1/companies/{id}",
        request("PATCH", "/v1/companies/{a}", json={"consent_to_be_named": True}),
        (401, 401, 200, 200, 404, 200, 404),
    ),
    (
        "POST /v1/companies/{id}/flows",
        request("POST", "/v1/companies/{a}/flows", json=NEW_FLOW),
        (401, 401, 201, 201, 404, 201, 404),
    ),
    (
        "GET /v1/companies/{id}/flows",
        request("GET", "/v1/companies/{a}/flows"),
        (401, 401, 200, 200, 404, 200, 404),
    ),
    ("GET /v1/flows/{id}", request("GET", "/v1/flows/{flow}"), (401, 401, 200, 200, 404, 200, 404)),
    (
        "GET /v1/flows/{id}/history",
        request("GET", "/v1/flows/{flow}/history"),
        (401, 401, 200, 200, 404, 200, 404),
    ),
    (
        "PATCH /v1/flows/{id}",
        request("PATCH", "/v1/flows/{flow}", json={"description": "Sèches"}),
        (401, 401, 200, 200, 404, 200, 404),
    ),
    (
        "DELETE /v1/flows/{id}",
        request("DELETE", "/v1/flows/{fresh_flow}"),
        (401, 401, 204, 204, 404, 204, 404),
    ),
    (
        "POST /v1/companies/{id}/tokens",
        request("POST", "/v1/companies/{fresh_company}/tokens"),
        (401, 401, 201, 201, 404, 403, 403),
    ),
    (
        "DELETE /v1/companies/{id}/tokens",
        request("DELETE", "/v1/companies/{fresh_company}/tokens"),
        (401, 401, 204, 204, 404, 403, 403),
    ),
    (
        "POST /v1/imports",
        request("POST", "/v1/imports", files={"file": ("entretien.csv", CSV.encode(), "text/csv")}),
        (401, 401, 200, 200, 422, 403, 403),
    ),
    ("GET /healthz", request("GET", "/healthz"), (200,) * 7),
]


@pytest.mark.parametrize(("name", "call", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_endpoint_for_every_role(api: Api, name: str, call: Call, expected: tuple[int, ...]) -> None:
    w = await world(api)
    got = {}
    for role in ROLES:
        got[role] = (await call(w, w.tokens[role])).status_code
    assert got == dict(zip(ROLES, expected, strict=True)), name


async def test_rotation_gives_a_new_token_and_revokes_the_one_used(api: Api) -> None:
    w = await world(api)
    for role in ("advisor", "company"):
        old = w.tokens[role]
        rotated = await api.call("POST", "/v1/tokens/rotate", old)
        assert rotated.status_code == 201, rotated.text
        new = rotated.json()["token"]
        assert (await api.call("GET", "/v1/me", old)).status_code == 401
        assert (await api.call("GET", "/v1/me", new)).json()["id"] == rotated.json()["id"]
    # The admin token is the configured one: the API will not change it, and it keeps working.
    assert (await api.call("POST", "/v1/tokens/rotate")).status_code == 409
    assert (
        await api.call("DELETE", f"/v1/advisors/{(await api.call('GET', '/v1/me')).json()['id']}/tokens")
    ).status_code == 409
    assert (await api.call("GET", "/v1/me")).status_code == 200


async def test_revocation_and_reissue(api: Api) -> None:
    w = await world(api)
    advisor_token = w.tokens["advisor"]
    assert (await api.call("DELETE", f"/v1/companies/{w.company_a}/tokens", advisor_token)).status_code == 204
    assert (await api.call("GET", "/v1/me", w.tokens["company"])).status_code == 401
    reissued = await api.created(f"/v1/companies/{w.company_a}/tokens", advisor_token)
    assert (await api.call("GET", f"/v1/companies/{w.company_a}", reissued["token"])).status_code == 200
    assert (await api.call("DELETE", f"/v1/advisors/{w.advisor_id}/tokens")).status_code == 204
    assert (await api.call("GET", "/v1/me", advisor_token)).status_code == 401
    fresh = await api.created(f"/v1/advisors/{w.advisor_id}/tokens")
    assert (await api.call("GET", "/v1/me", fresh["token"])).json()["role"] == "advisor"


async def test_tokens_are_stored_hashed(api: Api) -> None:
    w = await world(api)
    rows = await api.app.state.store.pool.fetch("SELECT token_hash FROM tokens")
    stored = {bytes(r["token_hash"]) for r in rows}
    for token in filter(None, w.tokens.values()):
        assert token.encode() not in stored
        assert all(token.encode() not in value for value in stored)


async def _everything_visible_to(api: Api, token: str | None, w: World) -> str:
    """The text of every GET answer a caller can reach, with the ids they might try."""
    paths = [
        "/v1/me",
        "/v1/companies",
        "/v1/companies?territory=32",
        f"/v1/companies/{w.company_a}",
        f"/v1/companies/{w.company_b}",
        f"/v1/companies/{w.company_a}/flows?include_withdrawn=true",
        f"/v1/companies/{w.company_b}/flows?include_withdrawn=true",
        f"/v1/flows/{w.flow_a}",
        f"/v1/flows/{w.flow_a}/history",
        "/v1/advisors",
        f"/v1/advisors/{w.advisor_id}",
    ]
    return " ".join([(await api.call("GET", path, token)).text for path in paths])


async def test_contact_details_and_advisor_only_flows_never_reach_another_company(api: Api) -> None:
    w = await world(api)
    secret = await api.flow(
        w.company_a, label="Solvants usagés confidentiels", confidentiality="advisor_only"
    )
    seen_by_b = await _everything_visible_to(api, w.tokens["other_company"], w)
    assert "contact@scierie.example.fr" not in seen_by_b
    assert "Solvants usagés confidentiels" not in seen_by_b and secret["id"] not in seen_by_b
    assert "Scierie" not in seen_by_b and w.company_a not in seen_by_b
    seen_by_other_advisor = await _everything_visible_to(api, w.tokens["other_advisor"], w)
    assert (
        "contact@scierie.example.fr" not in seen_by_other_advisor and w.company_a not in seen_by_other_advisor
    )
    # The company itself and its advisor do see the advisor_only flow.
    for role in ("company", "advisor"):
        assert "Solvants usagés confidentiels" in await _everything_visible_to(api, w.tokens[role], w)


async def test_company_lists_for_advisors_are_scoped_filtered_and_paginated(api: Api) -> None:
    w = await world(api)
    other = w.tokens["other_advisor"]
    assert other
    await api.company(other, HAUTE_GARONNE, name="Fonderie de Muret")
    page = (await api.call("GET", "/v1/companies", w.tokens["advisor"])).json()
    assert {c["id"] for c in page["items"]} == {w.company_a, w.company_b} and page["total"] == 2
    assert [c["name"] for c in (await api.call("GET", "/v1/companies", other)).json()["items"]] == [
        "Fonderie de Muret"
    ]
    everything = (await api.call("GET", "/v1/companies")).json()
    assert everything["total"] == 3
    only_31 = (await api.call("GET", "/v1/companies", params={"territory": "31"})).json()
    assert [c["territory"] for c in only_31["items"]] == ["31"]
    paged = (await api.call("GET", "/v1/companies", params={"limit": 1, "offset": 1})).json()
    assert len(paged["items"]) == 1 and paged["total"] == 3 and paged["offset"] == 1
    by_name = (await api.call("GET", "/v1/companies", params={"name": "lombez"})).json()
    assert [c["id"] for c in by_name["items"]] == [w.company_b]
    mine = (await api.call("GET", "/v1/companies", w.tokens["company"])).json()
    assert [c["id"] for c in mine["items"]] == [w.company_a]
