"""Access: every endpoint refuses what a role may not do; tokens revoked or forged are refused.

Cast: the admin; advisor A (Gers, "32"); advisor B (Haute-Garonne, "31"); companies C1 and C2 in
the Gers, C1 offering sawdust in public, C2 needing litter as `advisor_only`; C3 in Haute-Garonne.
D (Gers) and its flows, D2 (Gers) and advisor E exist to be changed by the roles that may change them.

Every call sends a body valid for its route's schema, so that a refusal can only come from the
authorisation: a route that forgot its check would answer 2xx (or a 422 of its own), and fail here.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from tests.faults.harness import ADMIN_TOKEN, AUTH_FAILURES_PER_MINUTE, Harness, wait_until

pytestmark = pytest.mark.timeout(300)

PUBLIC_PATHS = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/docs",
    "/openapi.json",
    "/redoc",
    "/docs/oauth2-redirect",
    "/v1/auth/sign-in-link",  # public by design: always 202, a link only to a known address
}
SECRET_LABEL = "Litière confidentielle advisor-only"
GERS = {"postcode": "32130", "city": "Samatan"}
HARMLESS_FLOW = {"direction": "offer", "category": "equipment", "label": "Presse hydraulique hors service"}
IMPORT_CSV = (
    "entreprise;code_naf;email;code_postal;commune;sens;catégorie;libellé\n"
    "Importée;16.10A;importee@example.org;32130;Samatan;offre;équipement;Presse à balles\n"
)


@dataclass
class Cast:
    advisor_a: tuple[str, str]
    advisor_b: tuple[str, str]
    c1: tuple[str, str]
    c2: tuple[str, str]
    c3: tuple[str, str]
    c1_flow: str
    c2_flow: str
    synergy: str
    tokens: list[str]
    # Disposable: changed by the permitted calls, never by the refused ones.
    d: tuple[str, str] = ("", "")
    d2: tuple[str, str] = ("", "")
    e: tuple[str, str] = ("", "")
    d_flows: list[str] = field(default_factory=list)

    def ids(self) -> dict[str, str]:
        return {
            "a": self.advisor_a[0],
            "b": self.advisor_b[0],
            "e": self.e[0],
            "c1": self.c1[0],
            "c2": self.c2[0],
            "c3": self.c3[0],
            "d": self.d[0],
            "d2": self.d2[0],
            "c1_flow": self.c1_flow,
            "c2_flow": self.c2_flow,
            "synergy": self.synergy,
            **{f"d_flow{i}": flow for i, flow in enumerate(self.d_flows)},
        }

    def token(self, who: str) -> str:
        if who == "admin":
            return ADMIN_TOKEN
        return {"a": self.advisor_a, "b": self.advisor_b, "c1": self.c1, "c2": self.c2, "c3": self.c3,
                "d": self.d, "d2": self.d2, "e": self.e}[who][1]  # fmt: skip


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> tuple[str, str]:
    """(id, token) of what was created; the token is empty for a flow."""
    r = client.post(path, json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"]), str(r.json().get("token", ""))


def _company(platform: Harness, token: str, name: str, place: dict[str, str], naf: str) -> tuple[str, str]:
    with platform.client(token) as client:
        body = {"name": name, "naf_code": naf, "contact_email": f"{name.lower()}@example.org", **place}
        return _post(client, "/v1/companies", body)


@pytest.fixture(scope="module")
def cast(platform: Harness) -> Cast:
    with platform.client() as admin:
        a = _post(admin, "/v1/advisors", {"name": "A", "email": "a@cci.example", "territories": ["32"]})
        b = _post(admin, "/v1/advisors", {"name": "B", "email": "b@cci.example", "territories": ["31"]})
        e = _post(admin, "/v1/advisors", {"name": "E", "email": "e@cci.example", "territories": ["32"]})
    c1 = _company(platform, a[1], "Scierie", GERS, "16.10A")
    c2 = _company(platform, a[1], "Elevage", {"postcode": "32220", "city": "Lombez"}, "01.47Z")
    c3 = _company(platform, b[1], "Toulousaine", {"postcode": "31000", "city": "Toulouse"}, "16.10A")
    d = _company(platform, a[1], "Jetable", GERS, "28.41Z")
    d2 = _company(platform, a[1], "Jetable2", GERS, "28.41Z")
    with platform.client(c1[1]) as client:
        body = {
            "direction": "offer",
            "category": "waste",
            "label": "Sciures de chêne",
            "ewc_code": "03 01 05",
        }
        c1_flow = str(client.post(f"/v1/companies/{c1[0]}/flows", json=body).json()["id"])
    with platform.client(c2[1]) as client:
        body = {
            "direction": "need",
            "category": "material",
            "label": SECRET_LABEL,
            "ewc_code": "03 01 05",
            "confidentiality": "advisor_only",
        }
        r = client.post(f"/v1/companies/{c2[0]}/flows", json=body)
        assert r.status_code == 201, r.text
        c2_flow = str(r.json()["id"])
    with platform.client(d[1]) as client:
        d_flows = [_post(client, f"/v1/companies/{d[0]}/flows", HARMLESS_FLOW)[0] for _ in range(4)]
    with platform.client() as admin:
        wait_until(lambda: admin.get("/v1/synergies").json()["total"] >= 1, 30)
        synergy = str(admin.get("/v1/synergies").json()["items"][0]["id"])
    tokens = [a[1], b[1], e[1], c1[1], c2[1], c3[1], d[1], d2[1]]
    return Cast(a, b, c1, c2, c3, c1_flow, c2_flow, synergy, tokens, d, d2, e, d_flows)


def _routes(platform: Harness) -> list[tuple[str, str]]:
    spec = httpx.get(f"{platform.api}/openapi.json").json()
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"} and path not in PUBLIC_PATHS
    ]


def _authenticated_routes(platform: Harness) -> set[tuple[str, str]]:
    # The unsubscribe link is authenticated by its signature: tested on its own below.
    return {(m, p) for m, p in _routes(platform) if not p.startswith("/v1/unsubscribe")}


# A request valid for each route's schema (body, files, query), keyed by (method, route template).
VALID: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/companies"): {
        "json": {"name": "Nouvelle", "naf_code": "16.10A", "contact_email": "n@example.org", **GERS}
    },
    ("GET", "/v1/companies"): {},
    ("GET", "/v1/companies/{company_id}"): {},
    ("PATCH", "/v1/companies/{company_id}"): {"json": {"contact_email": "pirate@example.org"}},
    ("POST", "/v1/companies/{company_id}/flows"): {"json": HARMLESS_FLOW},
    ("GET", "/v1/companies/{company_id}/flows"): {},
    ("GET", "/v1/flows/{flow_id}"): {},
    ("PATCH", "/v1/flows/{flow_id}"): {"json": {"label": "Volé"}},
    ("DELETE", "/v1/flows/{flow_id}"): {},
    ("GET", "/v1/flows/{flow_id}/history"): {},
    ("GET", "/v1/me"): {},
    ("POST", "/v1/advisors"): {"json": {"name": "X", "email": "x@e.org", "territories": ["32"]}},
    ("GET", "/v1/advisors"): {},
    ("GET", "/v1/advisors/{advisor_id}"): {},
    ("POST", "/v1/advisors/{advisor_id}/tokens"): {},
    ("DELETE", "/v1/advisors/{advisor_id}/tokens"): {},
    # The same territories again: the matrix changes nothing of the cast.
    ("PATCH", "/v1/advisors/{advisor_id}"): {"json": {"territories": ["32"]}},
    ("POST", "/v1/companies/{company_id}/tokens"): {},
    ("DELETE", "/v1/companies/{company_id}/tokens"): {},
    ("POST", "/v1/tokens/rotate"): {},
    ("PUT", "/v1/advisors/{advisor_id}/email-preferences"): {"json": {"opted_out": False}},
    ("POST", "/v1/imports"): {
        "files": {"file": ("entretien.csv", IMPORT_CSV.encode(), "text/csv")},
        "params": {"dry_run": "true"},
    },
    ("GET", "/v1/synergies"): {},
    ("GET", "/v1/synergies/{synergy_id}"): {},
    ("POST", "/v1/synergies/{synergy_id}/status"): {"json": {"status": "contacted"}},
    ("GET", "/v1/synergies/{synergy_id}/followup"): {},
    # A no: it leaves the lead's status as it is (a yes from both would introduce them).
    ("POST", "/v1/synergies/{synergy_id}/answer"): {"json": {"answer": "declined", "reason": "other"}},
    ("GET", "/v1/territories/{territory}/review-mode"): {},
    ("PUT", "/v1/territories/{territory}/review-mode"): {"json": {"enabled": True}},
    ("PATCH", "/v1/synergies/{synergy_id}/followup"): {"json": {"next_action_on": "2030-01-07"}},
    # "{c1}": a cast member's id, put in when the call is sent.
    ("POST", "/v1/synergies"): {
        "json": {
            "kind": "substitution",
            "participants": [
                {"company_id": "{c1}", "role": "supplier"},
                {"company_id": "{c2}", "role": "receiver"},
            ],
            "description": "Atelier : la scierie fournirait de la litière à l'élevage.",
        }
    },
    ("GET", "/v1/synergies/{synergy_id}/outcome"): {},
    ("POST", "/v1/synergies/{synergy_id}/outcome"): {"json": {"tonnes_per_year": 12}},
    ("GET", "/v1/territories/{territory}/map.geojson"): {},
    ("GET", "/v1/territories/{territory}/report"): {"params": {"from": "2024-01-01", "to": "2030-12-31"}},
}
PARAMETERS = ("company_id", "flow_id", "synergy_id", "advisor_id", "territory")


def _path(template: str, cast: Cast, **names: str) -> str:
    """The route template with the cast's ids: each parameter names a cast member (default: C1's)."""
    ids = {**cast.ids(), "32": "32", "31": "31"}
    defaults = {"company_id": "c1", "flow_id": "c1_flow", "synergy_id": "synergy", "advisor_id": "a",
                "territory": "32"}  # fmt: skip
    for parameter in PARAMETERS:
        template = template.replace("{" + parameter + "}", ids[names.get(parameter, defaults[parameter])])
    return template


def test_every_authenticated_route_has_a_valid_request(platform: Harness) -> None:
    assert _authenticated_routes(platform) == set(VALID), "add the new route to VALID (and to the matrix)"


# ---- no token, bad tokens -------------------------------------------------------------------------
BAD_AUTH = {
    "none": None,
    "empty bearer": "Bearer",
    "forged": f"Bearer {secrets.token_urlsafe(32)}",
    "basic": "Basic YWRtaW46YWRtaW4=",
    "admin token without scheme": ADMIN_TOKEN,
    "admin token truncated": f"Bearer {ADMIN_TOKEN[:-1]}",
    "admin token doubled": f"Bearer {ADMIN_TOKEN}{ADMIN_TOKEN}",
    "sql": "Bearer ' OR '1'='1",
    "huge": "Bearer " + "x" * 8000,
}


@pytest.mark.parametrize("auth", list(BAD_AUTH))
def test_every_route_refuses_missing_or_forged_tokens(platform: Harness, cast: Cast, auth: str) -> None:
    headers = {} if BAD_AUTH[auth] is None else {"Authorization": str(BAD_AUTH[auth])}
    wrong = []
    with httpx.Client(base_url=platform.api, timeout=10) as client:
        for method, template in sorted(_authenticated_routes(platform)):
            r = client.request(
                method, _path(template, cast), headers=headers, **_with_ids(VALID[(method, template)], cast)
            )
            if r.status_code != 401:
                wrong.append((method, template, r.status_code, r.text[:100]))
            assert ADMIN_TOKEN not in r.text
    assert not wrong, "\n".join(map(str, wrong))


def test_unsubscribe_links_need_a_valid_signature(platform: Harness, cast: Cast) -> None:
    routes = [(m, p) for m, p in _routes(platform) if p.startswith("/v1/unsubscribe")]
    if not routes:
        pytest.skip("no unsubscribe route is mounted")
    with httpx.Client(base_url=platform.api, timeout=10) as client:
        for method, path in routes:
            params = {"kind": "company", "id": cast.c1[0], "token": "forged" * 5}
            r = client.request(method, path, params=params)
            assert r.status_code in (400, 401, 403, 404, 422), (method, path, r.status_code)
        with platform.client() as admin:
            assert admin.get(f"/v1/companies/{cast.c1[0]}").json()["email_opt_out"] is False


# ---- what each role may not reach -----------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    """One call of the matrix: who, which route, whose ids, and the status it must get."""

    who: str
    method: str
    template: str
    status: int
    ids: tuple[tuple[str, str], ...] = ()
    body: tuple[tuple[str, Any], ...] = ()  # replaces VALID's request for this call
    contains: str = ""  # text the answer must hold

    @property
    def name(self) -> str:
        ids = ",".join(f"{k}={v}" for k, v in self.ids)
        return f"{self.who} {self.method} {self.template} {ids} -> {self.status}"

    def send(self, platform: Harness, cast: Cast) -> httpx.Response:
        request = _with_ids(dict(self.body) if self.body else VALID[(self.method, self.template)], cast)
        with platform.client(cast.token(self.who)) as client:
            return client.request(self.method, _path(self.template, cast, **dict(self.ids)), **request)


def _with_ids(value: Any, cast: Cast) -> Any:
    """A request with "{c1}"-like strings replaced by the cast member's id."""
    if isinstance(value, dict):
        return {k: _with_ids(v, cast) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_ids(v, cast) for v in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return cast.ids().get(value[1:-1], value)
    return value


def call(who: str, method: str, template: str, status: int, **kwargs: Any) -> Call:
    ids = tuple((k, v) for k, v in kwargs.items() if k in PARAMETERS)
    body = tuple(kwargs["body"].items()) if "body" in kwargs else ()
    return Call(who, method, template, status, ids, body, kwargs.get("contains", ""))


# Refusals as designed: 404 where the object is outside the caller's reach (not told apart from one
# that does not exist), 403 where the caller's role may never do this, whatever the object.
REFUSALS: list[Any] = []
for other in ("c2", "c3"):
    REFUSALS += [
        call("c1", "GET", "/v1/companies/{company_id}", 404, company_id=other),
        call("c1", "PATCH", "/v1/companies/{company_id}", 404, company_id=other),
        call("c1", "POST", "/v1/companies/{company_id}/flows", 404, company_id=other),
        call("c1", "GET", "/v1/companies/{company_id}/flows", 404, company_id=other),
        call("c1", "POST", "/v1/companies/{company_id}/tokens", 403, company_id=other),
        call("c1", "DELETE", "/v1/companies/{company_id}/tokens", 403, company_id=other),
    ]
REFUSALS += [
    # A company reaches only itself, and never what only advisors do.
    call("c1", "GET", "/v1/flows/{flow_id}", 404, flow_id="c2_flow"),
    call("c1", "GET", "/v1/flows/{flow_id}/history", 404, flow_id="c2_flow"),
    call("c1", "PATCH", "/v1/flows/{flow_id}", 404, flow_id="c2_flow"),
    call("c1", "DELETE", "/v1/flows/{flow_id}", 404, flow_id="c2_flow"),
    call("c1", "POST", "/v1/companies/{company_id}/tokens", 403, company_id="c1"),
    call("c1", "POST", "/v1/companies", 403),
    call("c1", "POST", "/v1/advisors", 403),
    call("c1", "GET", "/v1/advisors", 403),
    call("c1", "GET", "/v1/advisors/{advisor_id}", 404, advisor_id="a"),
    call("c1", "PATCH", "/v1/advisors/{advisor_id}", 403, advisor_id="a"),
    call("c1", "POST", "/v1/advisors/{advisor_id}/tokens", 403, advisor_id="a"),
    call("c1", "DELETE", "/v1/advisors/{advisor_id}/tokens", 403, advisor_id="a"),
    call("c1", "PUT", "/v1/advisors/{advisor_id}/email-preferences", 404, advisor_id="a"),
    call("c1", "POST", "/v1/imports", 403),
    call("c1", "POST", "/v1/synergies/{synergy_id}/status", 403),
    call("c1", "GET", "/v1/synergies/{synergy_id}/followup", 403),
    call("c1", "GET", "/v1/territories/{territory}/review-mode", 403),
    call("c1", "PUT", "/v1/territories/{territory}/review-mode", 403),
    call("c1", "PATCH", "/v1/synergies/{synergy_id}/followup", 403),
    call("c1", "POST", "/v1/synergies", 403),
    call("c1", "GET", "/v1/synergies/{synergy_id}/outcome", 403),
    call("c1", "POST", "/v1/synergies/{synergy_id}/outcome", 403),
    call("c1", "GET", "/v1/territories/{territory}/map.geojson", 403),
    call("c1", "GET", "/v1/territories/{territory}/report", 403),
    call("c3", "GET", "/v1/synergies/{synergy_id}", 404),
    call("c3", "POST", "/v1/synergies/{synergy_id}/status", 403),
    call("c3", "GET", "/v1/synergies/{synergy_id}/followup", 403),
    call("c3", "POST", "/v1/synergies/{synergy_id}/answer", 404),  # not its lead
    # Advisors follow leads up; only their companies answer them.
    call("admin", "POST", "/v1/synergies/{synergy_id}/answer", 403),
    call("a", "POST", "/v1/synergies/{synergy_id}/answer", 403),
    call("b", "POST", "/v1/synergies/{synergy_id}/answer", 403),
    # An advisor reaches the companies of their territories only.
    call("b", "GET", "/v1/companies/{company_id}", 404),
    call("b", "PATCH", "/v1/companies/{company_id}", 404),
    call("b", "POST", "/v1/companies/{company_id}/flows", 404),
    call("b", "GET", "/v1/companies/{company_id}/flows", 404),
    call("b", "GET", "/v1/flows/{flow_id}", 404),
    call("b", "GET", "/v1/flows/{flow_id}/history", 404),
    call("b", "PATCH", "/v1/flows/{flow_id}", 404),
    call("b", "DELETE", "/v1/flows/{flow_id}", 404),
    call("b", "POST", "/v1/companies/{company_id}/tokens", 404),
    call("b", "DELETE", "/v1/companies/{company_id}/tokens", 404),
    call("b", "POST", "/v1/companies", 403),  # a company of the Gers
    # An import is checked as a whole: a row outside the advisor's territories is one of its errors.
    call("b", "POST", "/v1/imports", 422, contains="ne fait pas partie de vos territoires"),
    call("b", "GET", "/v1/synergies/{synergy_id}", 404),
    call("b", "POST", "/v1/synergies/{synergy_id}/status", 404),
    call("b", "GET", "/v1/synergies/{synergy_id}/followup", 404),
    call("b", "PUT", "/v1/territories/{territory}/review-mode", 403),
    call("b", "GET", "/v1/territories/{territory}/review-mode", 403),
    call("b", "PUT", "/v1/advisors/{advisor_id}/email-preferences", 404, advisor_id="a"),
    # Nor the leads, map or report of another territory; a lead between its companies is not theirs to record.
    call("b", "PATCH", "/v1/synergies/{synergy_id}/followup", 404),
    call("b", "GET", "/v1/synergies/{synergy_id}/outcome", 404),
    call("b", "POST", "/v1/synergies/{synergy_id}/outcome", 404),
    call("b", "POST", "/v1/synergies", 422, contains="introuvable dans vos territoires"),
    call("b", "GET", "/v1/territories/{territory}/map.geojson", 403),
    call("b", "GET", "/v1/territories/{territory}/report", 403),
    # Only the admin manages advisors.
    call("a", "POST", "/v1/advisors", 403),
    call("a", "GET", "/v1/advisors", 403),
    call("a", "GET", "/v1/advisors/{advisor_id}", 404, advisor_id="b"),
    call("a", "POST", "/v1/advisors/{advisor_id}/tokens", 403, advisor_id="b"),
    call("a", "DELETE", "/v1/advisors/{advisor_id}/tokens", 403, advisor_id="b"),
    call("a", "PATCH", "/v1/advisors/{advisor_id}", 403, advisor_id="e"),
    call("a", "PUT", "/v1/advisors/{advisor_id}/email-preferences", 404, advisor_id="b"),
]


def _name(value: Any) -> str:
    return value.name if isinstance(value, Call) else str(value)


@pytest.mark.parametrize("attempt", REFUSALS, ids=_name)
def test_roles_cannot_reach_what_they_may_not(platform: Harness, cast: Cast, attempt: Call) -> None:
    r = attempt.send(platform, cast)
    assert r.status_code == attempt.status, f"{attempt.name}: {r.status_code} {r.text[:200]}"
    assert attempt.contains in r.text


def test_nothing_changed_behind_the_refusals(platform: Harness, cast: Cast) -> None:
    with platform.client() as admin:
        assert admin.get(f"/v1/flows/{cast.c1_flow}").json()["label"] == "Sciures de chêne"
        assert admin.get(f"/v1/flows/{cast.c2_flow}").json()["active"] is True
        assert admin.get(f"/v1/companies/{cast.c1[0]}").json()["contact_email"] == "scierie@example.org"
        assert admin.get(f"/v1/companies/{cast.c3[0]}/flows").json()["total"] == 0
        assert admin.get(f"/v1/companies/{cast.c2[0]}/flows").json()["total"] == 1
        assert admin.get("/v1/advisors", params={"limit": 200}).json()["total"] == 4  # admin, A, B, E
        assert admin.get("/v1/territories/32/review-mode").json()["enabled"] is False
        assert admin.get(f"/v1/synergies/{cast.synergy}").json()["status"] == "proposed"
        names = {c["name"] for c in admin.get("/v1/companies", params={"limit": 200}).json()["items"]}
        assert "Nouvelle" not in names and "Importée" not in names
    for who in ("a", "b"):
        with platform.client(cast.token(who)) as advisor:
            assert advisor.get("/v1/me").status_code == 200, "a refused call revoked a token"


# ---- what each role may do ------------------------------------------------------------------------
def _permitted() -> list[Call]:
    """Calls each permitted role makes, in this order (the disposable D, D2 and E take the changes)."""
    calls = [call(who, "GET", "/v1/me", 200) for who in ("admin", "a", "b", "c1", "c3")]
    calls += [call(who, "GET", "/v1/companies", 200) for who in ("admin", "a", "b", "c1")]
    calls += [call(who, "GET", "/v1/synergies", 200) for who in ("admin", "a", "b", "c1", "c2")]
    calls += [
        call("admin", "POST", "/v1/companies", 201),
        call("a", "POST", "/v1/companies", 201),
        call("admin", "POST", "/v1/advisors", 201),
        call("admin", "GET", "/v1/advisors", 200),
        call("a", "POST", "/v1/imports", 200),
        call("admin", "POST", "/v1/imports", 200),
    ]
    for who in ("admin", "a", "c1"):
        calls += [
            call(who, "GET", "/v1/companies/{company_id}", 200),
            call(who, "GET", "/v1/companies/{company_id}/flows", 200),
            call(who, "GET", "/v1/flows/{flow_id}", 200),
            call(who, "GET", "/v1/flows/{flow_id}/history", 200),
            call(who, "GET", "/v1/synergies/{synergy_id}", 200),
        ]
    for i, who in enumerate(("admin", "a", "d")):
        calls += [
            call(who, "PATCH", "/v1/companies/{company_id}", 200, company_id="d"),
            call(who, "POST", "/v1/companies/{company_id}/flows", 201, company_id="d"),
            call(who, "PATCH", "/v1/flows/{flow_id}", 200, flow_id="d_flow0"),
            call(who, "DELETE", "/v1/flows/{flow_id}", 204, flow_id=f"d_flow{i + 1}"),
        ]
    calls.append(call("c2", "GET", "/v1/synergies/{synergy_id}", 200))
    calls.append(call("c1", "POST", "/v1/synergies/{synergy_id}/answer", 200))
    for who in ("admin", "a"):
        calls += [
            call(who, "GET", "/v1/advisors/{advisor_id}", 200),
            call(who, "PUT", "/v1/advisors/{advisor_id}/email-preferences", 200, body={"json": {"opted_out": False}}),
            call(who, "GET", "/v1/synergies/{synergy_id}/followup", 200),
            # The status it has: nothing changes, but the advisor was let through.
            call(who, "POST", "/v1/synergies/{synergy_id}/status", 200, body={"json": {"status": "proposed"}}),
            call(who, "GET", "/v1/territories/{territory}/review-mode", 200),
            call(who, "PUT", "/v1/territories/{territory}/review-mode", 200, body={"json": {"enabled": False}}),
            call(who, "POST", "/v1/companies/{company_id}/tokens", 201, company_id="d2"),
        ]  # fmt: skip
    for who in ("admin", "a"):
        calls += [
            call(who, "PATCH", "/v1/synergies/{synergy_id}/followup", 200),
            call(who, "GET", "/v1/synergies/{synergy_id}/outcome", 200),
            call(who, "GET", "/v1/territories/{territory}/map.geojson", 200),
            call(who, "GET", "/v1/territories/{territory}/report", 200),
        ]
    calls += [
        call("b", "GET", "/v1/territories/{territory}/map.geojson", 200, territory="31"),
        call("b", "GET", "/v1/territories/{territory}/report", 200, territory="31"),
        # The same lead recorded twice is recorded once: 201, then 200.
        call("a", "POST", "/v1/synergies", 201),
        call("admin", "POST", "/v1/synergies", 200),
        # After every other call on the cast's synergy: this moves it to done.
        call("a", "POST", "/v1/synergies/{synergy_id}/outcome", 200, body={"json": {"tonnes_per_year": 12, "mark_done": True}}),
        call("admin", "POST", "/v1/synergies/{synergy_id}/outcome", 200),
    ]  # fmt: skip
    calls += [
        call("a", "DELETE", "/v1/companies/{company_id}/tokens", 204, company_id="d2"),
        call("admin", "DELETE", "/v1/companies/{company_id}/tokens", 204, company_id="d2"),
        call("e", "POST", "/v1/tokens/rotate", 201),
        call("admin", "POST", "/v1/advisors/{advisor_id}/tokens", 201, advisor_id="e"),
        call("admin", "PATCH", "/v1/advisors/{advisor_id}", 200, advisor_id="e"),
        call("admin", "DELETE", "/v1/advisors/{advisor_id}/tokens", 204, advisor_id="e"),
        call("d", "POST", "/v1/tokens/rotate", 201),
    ]
    return calls


def test_permitted_roles_get_through(platform: Harness, cast: Cast) -> None:
    wrong = []
    permitted = _permitted()
    for attempt in permitted:
        r = attempt.send(platform, cast)
        if r.status_code != attempt.status:
            wrong.append(f"{attempt.name}: {r.status_code} {r.text[:200]}")
        elif attempt.template == "/v1/tokens/rotate":
            # The token used is revoked: keep the new one for the rest of the module.
            owner = attempt.who
            setattr(cast, owner, (getattr(cast, owner)[0], r.json()["token"]))
            cast.tokens.append(r.json()["token"])
    assert not wrong, "\n".join(wrong)
    covered = {(c.method, c.template) for c in permitted}
    refused = {(c.method, c.template) for c in REFUSALS if isinstance(c, Call)}
    assert covered == set(VALID), sorted(set(VALID) - covered)
    # Every route refuses someone, but those every role may call.
    open_to_all = {("GET", "/v1/me"), ("GET", "/v1/companies"), ("GET", "/v1/synergies"),
                   ("POST", "/v1/tokens/rotate")}  # fmt: skip
    assert refused | open_to_all == set(VALID), sorted(set(VALID) - refused - open_to_all)


def test_lists_show_only_what_the_caller_may_see(platform: Harness, cast: Cast) -> None:
    with platform.client(cast.advisor_b[1]) as b:
        ids = {c["id"] for c in b.get("/v1/companies", params={"limit": 200}).json()["items"]}
        assert ids == {cast.c3[0]}
        assert b.get("/v1/synergies").json()["total"] == 0
        filtered = b.get("/v1/synergies", params={"company_id": cast.c1[0]})
        assert filtered.status_code == 200 and filtered.json()["total"] == 0
    with platform.client(cast.c1[1]) as c1:
        ids = {c["id"] for c in c1.get("/v1/companies", params={"limit": 200}).json()["items"]}
        assert ids == {cast.c1[0]}


def test_company_filter_is_no_oracle_for_hidden_counterparts(platform: Harness, cast: Cast) -> None:
    with platform.client(cast.c1[1]) as c1:
        r = c1.get("/v1/synergies", params={"company_id": cast.c2[0]})
        unrelated = c1.get("/v1/synergies", params={"company_id": cast.c3[0]})
    assert unrelated.status_code == 200 and unrelated.json()["total"] == 0
    assert r.status_code == 200 and r.json()["total"] == 0


def test_advisor_only_flows_stay_hidden_from_companies(platform: Harness, cast: Cast) -> None:
    with platform.client(cast.c1[1]) as c1:
        listing = c1.get("/v1/synergies").text
        one = c1.get(f"/v1/synergies/{cast.synergy}").text
    for text in (listing, one):
        assert SECRET_LABEL not in text
        assert cast.c2_flow not in text
        assert cast.c2[0] not in text, "the counterpart of an advisor_only flow is named to a company"
    with platform.client(cast.advisor_a[1]) as a:
        assert SECRET_LABEL in a.get(f"/v1/synergies/{cast.synergy}").text
    # Nor in the email C1 received (decoded: an encoded body would hide the label from a search).
    to_c1 = [
        mail_text(m)
        for m in platform.mails()
        if m["To"] == "scierie@example.org" and "piste" in str(m["Subject"])  # not its welcome
    ]
    assert to_c1, "C1 received no email about its synergy"
    for text in to_c1:
        assert SECRET_LABEL not in text


# ---- confidentiality across two territories ---------------------------------------------------------
# A sawmill in Tarn-et-Garonne (82) offers sawdust in public without consenting to be named; a poultry
# farm in Lot-et-Garonne (47), about 30 km away, needs litter as `advisor_only`. Each has its advisor.
S_NAME, S_EMAIL, S_LABEL = "Scierie Valentinoise", "scierie.valence@example.org", "Sciures de peuplier"
R_NAME, R_EMAIL, R_LABEL = "Élevage Agenais", "elevage.agen@example.org", "Litière pour poulets fermiers"
S_MONTHS, R_MONTHS = [3, 4, 5, 6], [4, 5]
SYNERGY_FIELDS = {"id", "kind", "disclosure", "score", "score_parts", "participants", "distance_km",
                  "explanation", "status", "resource", "months", "quantity", "impact", "revision",
                  "updated_at"}  # fmt: skip


@dataclass
class FarPair:
    x: tuple[str, str]  # advisor of 82
    y: tuple[str, str]  # advisor of 47
    s: tuple[str, str]
    r: tuple[str, str]
    s_flow: str
    r_flow: str
    synergy: str

    def views(self, platform: Harness) -> dict[str, dict[str, Any]]:
        """The synergy as each one reads it through the API."""
        seen = {}
        for who, token in (("s", self.s[1]), ("r", self.r[1]), ("x", self.x[1]), ("y", self.y[1]),
                           ("admin", ADMIN_TOKEN)):  # fmt: skip
            with platform.client(token) as client:
                r = client.get(f"/v1/synergies/{self.synergy}")
                assert r.status_code == 200, (who, r.text)
                seen[who] = r.json()
        return seen

    def mail_to(self, platform: Harness, address: str) -> str:
        """The decoded text of the one email about this synergy sent to address (headers, text, HTML)."""
        texts = [mail_text(m) for m in platform.mails() if m["To"] == address]
        [mail] = [text for text in texts if str(self.synergy)[:8] in text]
        return mail


def mail_text(message: EmailMessage) -> str:
    """Headers and every text part, decoded: quoted-printable or base64 would hide words from a search."""
    parts = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


@pytest.fixture(scope="module")
def far(platform: Harness, cast: Cast) -> FarPair:
    with platform.client() as admin:
        x = _post(admin, "/v1/advisors", {"name": "X", "email": "x@cci82.example", "territories": ["82"]})
        y = _post(admin, "/v1/advisors", {"name": "Y", "email": "y@cci47.example", "territories": ["47"]})
    with platform.client(x[1]) as client:
        s = _post(client, "/v1/companies", {"name": S_NAME, "naf_code": "16.10A", "contact_email": S_EMAIL,
                                            "postcode": "82400", "city": "Valence"})  # fmt: skip
    with platform.client(y[1]) as client:
        r = _post(client, "/v1/companies", {"name": R_NAME, "naf_code": "01.47Z", "contact_email": R_EMAIL,
                                            "postcode": "47000", "city": "Agen"})  # fmt: skip
    # max_distance_km keeps them from pairing with the Gers cast, 75 km away.
    with platform.client(s[1]) as client:
        s_flow = _post(client, f"/v1/companies/{s[0]}/flows", {
            "direction": "offer", "category": "waste", "label": S_LABEL, "ewc_code": "03 01 05",
            "quantity": {"amount": 120, "unit": "t", "period": "year"}, "months": S_MONTHS,
            "max_distance_km": 50,
        })[0]  # fmt: skip
    with platform.client(r[1]) as client:
        r_flow = _post(client, f"/v1/companies/{r[0]}/flows", {
            "direction": "need", "category": "material", "label": R_LABEL, "ewc_code": "03 01 05",
            "quantity": {"amount": 37, "unit": "t", "period": "year"}, "months": R_MONTHS,
            "max_distance_km": 50, "confidentiality": "advisor_only",
        })[0]  # fmt: skip
    with platform.client() as admin:

        def synergy() -> str | None:
            items = admin.get("/v1/synergies", params={"company_id": s[0]}).json()["items"]
            return str(items[0]["id"]) if items else None

        wait_until(synergy, 30)
        pair = FarPair(x, y, s, r, s_flow, r_flow, str(synergy()))
    recipients = {S_EMAIL, R_EMAIL, "x@cci82.example", "y@cci47.example"}
    # The companies' welcome emails come first: wait for the lead's.
    wait_until(lambda: recipients <= {m["To"] for m in platform.mails() if "piste" in str(m["Subject"])}, 30)
    cast.tokens += [x[1], y[1], s[1], r[1]]
    return pair


def _text(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def test_counterparts_are_not_identified_across_territories(platform: Harness, far: FarPair) -> None:
    views = far.views(platform)
    for who, view in views.items():
        assert set(view) == SYNERGY_FIELDS, who
        assert view["id"] == far.synergy and view["kind"] == "substitution" and view["status"] == "proposed"
        assert view["revision"] >= 1 and 0 < view["score"] <= 1, who
        assert all(isinstance(v, float) for v in view["score_parts"].values()), who
        assert [p["role"] for p in view["participants"]] == ["supplier", "receiver"], who
    supplier, receiver = (far.s[0], far.s_flow, S_LABEL), (far.r[0], far.r_flow, R_LABEL)
    shown = {who: [(p["company_id"], p["flow_id"], p["label"]) for p in v["participants"]]
             for who, v in views.items()}  # fmt: skip
    # Each company sees itself in full; the advisor_only counterpart not at all; the public one that did
    # not consent by its flow only. Each advisor sees their own territory's company in full.
    assert shown["s"] == [supplier, (None, None, None)]
    assert shown["r"] == [(None, None, S_LABEL), receiver]
    assert shown["x"] == [supplier, (None, None, None)]
    assert shown["y"] == [(None, None, S_LABEL), receiver]
    assert shown["admin"] == [supplier, receiver]
    hidden_from = {
        "s": (R_NAME, R_EMAIL, R_LABEL, "Agen", far.r[0], far.r_flow, "01.47Z"),
        "x": (R_NAME, R_EMAIL, R_LABEL, "Agen", far.r[0], far.r_flow),
        "r": (S_NAME, S_EMAIL, "Valence", far.s[0], far.s_flow),
        "y": (S_NAME, S_EMAIL, "Valence", far.s[0], far.s_flow),
    }
    for who, secrets_ in hidden_from.items():
        # Every field, the explanation, resource and impact notes included.
        for name, value in views[who].items():
            leaked = [s for s in secrets_ if s in _text(value)]
            assert not leaked, f"{who} reads {leaked} in {name}"
    # And the emails they received.
    for who, address in (("s", S_EMAIL), ("x", "x@cci82.example"), ("r", R_EMAIL), ("y", "y@cci47.example")):
        mail = far.mail_to(platform, address)
        leaked = [s for s in hidden_from[who] if s in mail]
        assert not leaked, f"the email to {address} names {leaked}"


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


def test_a_company_sees_ranges_not_the_figures_of_an_advisor_only_counterpart(
    platform: Harness, far: FarPair
) -> None:
    views = far.views(platform)
    exact = views["admin"]
    # The figures that give the farm's own declaration away, as the admin reads them.
    secret_figures = {37.0, exact["distance_km"], exact["impact"]["transport_co2e_kg_per_year"]}
    assert exact["distance_km"] % 5 != 0, "a distance on a multiple of 5 km proves nothing here"
    assert exact["months"] == R_MONTHS and exact["quantity"]["amount_per_year"] == 37
    # The sawmill, and its advisor (of another territory), read nothing of the farm's flow.
    for who in ("s", "x"):
        seen = views[who]
        assert seen["disclosure"] == "withheld", who
        assert seen["months"] == [] and seen["quantity"] is None and seen["impact"] is None, who
        assert seen["distance_km"] is not None and seen["distance_km"] % 5 == 0, who
        leaked = [n for n in _numbers(seen) if n in secret_figures]
        assert not leaked, f"{who} reads the farm's figures: {leaked}"
        assert "avril" not in seen["explanation"] and "01.47Z" not in _text(seen), who
    for address in (S_EMAIL, "x@cci82.example"):
        text = far.mail_to(platform, address)
        assert not re.search(r"\b37\s*t", text), f"the email to {address} gives the farm's quantity"
        assert "avril" not in text and "01.47Z" not in text, address
    # The farm's advisor keeps the exact figures.
    assert views["y"]["disclosure"] == "exact" and views["y"]["quantity"] == exact["quantity"]
    assert views["y"]["months"] == R_MONTHS and views["y"]["distance_km"] == exact["distance_km"]
    assert re.search(r"\b37\s*t/an", far.mail_to(platform, "y@cci47.example"))


def test_an_unnamed_counterpart_is_told_by_sector_and_distance_band_only(
    platform: Harness, far: FarPair
) -> None:
    # The exact NAF code and the distance to 0.1 km find the sawmill in the public company register.
    views = far.views(platform)
    seen = views["r"]
    assert seen["disclosure"] == "ranges"
    assert seen["distance_km"] is not None and seen["distance_km"] % 5 == 0
    assert seen["distance_km"] != views["admin"]["distance_km"]
    exact_km = f"{views['admin']['distance_km']:.1f}".replace(".", ",")
    for secret in ("16.10A", "sciage", exact_km):
        assert secret not in _text(seen), secret
    assert "filière bois" in seen["explanation"]  # the sector, in words
    # Quantities as ranges: the farm's own need lies in its band, the sawmill's offer is not told.
    assert seen["quantity"]["amount_per_year"] == {"min": 20.0, "max": 50.0}
    assert 120.0 not in _numbers(seen)
    mail = far.mail_to(platform, R_EMAIL)
    assert "16.10A" not in mail and "sciage" not in mail and not re.search(r"\d+,\d\s*km", mail)
    # The farm's advisor (the sawmill's flow is public) reads the matcher's sentence, NAF code included
    # (its distance is worded rounded, « environ 30 km », for everyone), and the exact distance.
    assert "16.10A" in views["y"]["explanation"]
    assert views["y"]["distance_km"] == views["admin"]["distance_km"]


# ---- revocation and rotation ------------------------------------------------------------------------
def test_revoked_and_rotated_tokens_are_refused(platform: Harness, cast: Cast) -> None:
    with platform.client(cast.advisor_a[1]) as a:
        new = a.post(f"/v1/companies/{cast.c2[0]}/tokens")
        assert new.status_code == 201, new.text
        second = str(new.json()["token"])
    with platform.client(cast.c2[1]) as old:
        assert old.get("/v1/me").status_code == 401, "a token replaced by its advisor still works"
    with platform.client(second) as c2:
        assert c2.get("/v1/me").status_code == 200
        rotated = c2.post("/v1/tokens/rotate")
        assert rotated.status_code == 201
        third = str(rotated.json()["token"])
        assert c2.get("/v1/me").status_code == 401, "a rotated token still works"
    with platform.client(cast.advisor_a[1]) as a:
        assert a.delete(f"/v1/companies/{cast.c2[0]}/tokens").status_code == 204
    with platform.client(third) as c2:
        assert c2.get(f"/v1/companies/{cast.c2[0]}").status_code == 401
    with platform.client() as admin:
        assert admin.delete(f"/v1/advisors/{cast.advisor_b[0]}/tokens").status_code == 204
        assert admin.post("/v1/tokens/rotate").status_code in (403, 409), "the admin token is configuration"
    with platform.client(cast.advisor_b[1]) as b:
        assert b.get("/v1/companies").status_code == 401
    cast.tokens += [second, third]


def test_expired_tokens_are_refused(platform: Harness, cast: Cast) -> None:
    with platform.client() as admin:
        issued = admin.post(f"/v1/companies/{cast.c3[0]}/tokens")
        assert issued.status_code == 201, issued.text
        token = str(issued.json()["token"])
    rows = platform.query(
        "SELECT expires_at FROM intake.tokens WHERE company_id = $1 AND revoked_at IS NULL",
        uuid.UUID(cast.c3[0]),
    )
    assert rows and all(r["expires_at"] is not None for r in rows), (
        "a company token is issued without an expiry"
    )
    with platform.client(token) as c3:
        assert c3.get("/v1/me").status_code == 200
        # A year later, in effect.
        platform.query(
            "UPDATE intake.tokens SET expires_at = now() - interval '1 second' WHERE company_id = $1",
            uuid.UUID(cast.c3[0]),
        )
        assert c3.get("/v1/me").status_code == 401
    cast.tokens.append(token)


# ---- rate limiting on authentication failures ----------------------------------------------------
def test_authentication_failures_are_rate_limited(platform: Harness) -> None:
    statuses = []
    with httpx.Client(base_url=platform.api, timeout=10) as client:
        for _ in range(AUTH_FAILURES_PER_MINUTE + 20):
            r = client.get("/v1/me", headers={"Authorization": f"Bearer {uuid.uuid4().hex}"})
            statuses.append(r.status_code)
            if r.status_code == 429:
                assert int(r.headers["Retry-After"]) >= 1
                break
    assert 429 in statuses, f"{len(statuses)} bad tokens in a row, answers: {sorted(set(statuses))}"
    # The same address, still over its limit for bad tokens: a valid token is let through all the same.
    with platform.client() as admin:
        assert admin.get("/v1/me").status_code == 200, "a valid token is refused by the failure limit"
        assert admin.get("/v1/me", headers={"Authorization": "Bearer forged"}).status_code == 429


# ---- no secret in logs -------------------------------------------------------------------------------
def test_no_token_in_logs_or_emails(platform: Harness, cast: Cast) -> None:
    time.sleep(1.0)
    logs = platform.all_logs()
    mails = "\n".join(m.as_string() for m in platform.mails())
    for token in [ADMIN_TOKEN, *cast.tokens]:
        assert token not in logs, "a bearer token is written in a log"
        assert token not in mails, "a bearer token is written in an email"
    assert "Bearer " not in logs
