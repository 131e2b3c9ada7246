"""Access: every endpoint refuses what a role may not do; tokens revoked or forged are refused.

Cast: the admin; advisor A (Gers, "32"); advisor B (Haute-Garonne, "31"); companies C1 and C2 in
the Gers, C1 offering sawdust in public, C2 needing litter as `advisor_only`; C3 in Haute-Garonne.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.faults.harness import ADMIN_TOKEN, AUTH_FAILURES_PER_MINUTE, Harness, wait_until

pytestmark = pytest.mark.timeout(300)

REFUSED = (401, 403, 404)
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


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> tuple[str, str]:
    r = client.post(path, json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"]), str(r.json()["token"])


@pytest.fixture(scope="module")
def cast(platform: Harness) -> Cast:
    with platform.client() as admin:
        a = _post(admin, "/v1/advisors", {"name": "A", "email": "a@cci.example", "territories": ["32"]})
        b = _post(admin, "/v1/advisors", {"name": "B", "email": "b@cci.example", "territories": ["31"]})

    def company(token: str, name: str, place: dict[str, str], naf: str) -> tuple[str, str]:
        with platform.client(token) as client:
            body = {"name": name, "naf_code": naf, "contact_email": f"{name.lower()}@example.org", **place}
            return _post(client, "/v1/companies", body)

    c1 = company(a[1], "Scierie", {"postcode": "32130", "city": "Samatan"}, "16.10A")
    c2 = company(a[1], "Elevage", {"postcode": "32220", "city": "Lombez"}, "01.47Z")
    c3 = company(b[1], "Toulousaine", {"postcode": "31000", "city": "Toulouse"}, "16.10A")
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
    with platform.client() as admin:
        wait_until(lambda: admin.get("/v1/synergies").json()["total"] >= 1, 30)
        synergy = str(admin.get("/v1/synergies").json()["items"][0]["id"])
    return Cast(a, b, c1, c2, c3, c1_flow, c2_flow, synergy, [a[1], b[1], c1[1], c2[1], c3[1]])


def _routes(platform: Harness) -> list[tuple[str, str]]:
    spec = httpx.get(f"{platform.api}/openapi.json").json()
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"} and path not in PUBLIC_PATHS
    ]


def _fill(path: str, cast: Cast, company: str | None = None) -> str:
    values = {
        "company_id": company or cast.c1[0],
        "flow_id": cast.c1_flow,
        "synergy_id": cast.synergy,
        "advisor_id": cast.advisor_a[0],
        "territory": "32",
    }
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


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
    routes = _routes(platform)
    assert len(routes) >= 10
    headers = {} if BAD_AUTH[auth] is None else {"Authorization": str(BAD_AUTH[auth])}
    wrong = []
    with httpx.Client(base_url=platform.api, timeout=10) as client:
        for method, path in routes:
            if path.startswith("/v1/unsubscribe"):
                continue  # authenticated by its signed link, tested below
            r = client.request(method, _fill(path, cast), headers=headers, json={})
            if r.status_code not in (401, 403, 422, 429, 431):
                wrong.append((method, path, r.status_code))
            elif r.status_code == 401:
                assert ADMIN_TOKEN not in r.text
    assert not wrong, wrong


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
def _role_attempts(cast: Cast) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(who, method, path, body) that must be refused."""
    c1, c2, c3 = cast.c1[0], cast.c2[0], cast.c3[0]
    flow = {"direction": "offer", "category": "waste", "label": "Intrus"}
    attempts: list[tuple[str, str, str, dict[str, Any] | None]] = []
    # A company reaches only itself.
    for other in (c2, c3):
        attempts += [
            ("c1", "GET", f"/v1/companies/{other}", None),
            ("c1", "PATCH", f"/v1/companies/{other}", {"contact_email": "pirate@example.org"}),
            ("c1", "POST", f"/v1/companies/{other}/flows", flow),
            ("c1", "GET", f"/v1/companies/{other}/flows", None),
            ("c1", "POST", f"/v1/companies/{other}/tokens", None),
            ("c1", "DELETE", f"/v1/companies/{other}/tokens", None),
        ]
    attempts += [
        ("c1", "GET", f"/v1/flows/{cast.c2_flow}", None),
        ("c1", "GET", f"/v1/flows/{cast.c2_flow}/history", None),
        ("c1", "PATCH", f"/v1/flows/{cast.c2_flow}", {"label": "Volé"}),
        ("c1", "DELETE", f"/v1/flows/{cast.c2_flow}", None),
        ("c1", "POST", "/v1/companies", {"name": "X", "naf_code": "16.10A", "contact_email": "x@e.org"}),
        ("c1", "POST", "/v1/advisors", {"name": "X", "email": "x@e.org", "territories": ["*"]}),
        ("c1", "GET", "/v1/advisors", None),
        ("c1", "GET", f"/v1/advisors/{cast.advisor_a[0]}", None),
        ("c1", "POST", f"/v1/advisors/{cast.advisor_a[0]}/tokens", None),
        ("c1", "PUT", "/v1/territories/32/review-mode", {"enabled": True}),
        ("c3", "GET", f"/v1/synergies/{cast.synergy}", None),
        ("c3", "GET", f"/v1/synergies/{cast.synergy}/followup", None),
        ("c3", "POST", f"/v1/synergies/{cast.synergy}/status", {"status": "contacted"}),
    ]
    # An advisor reaches the companies of their territories only.
    attempts += [
        ("b", "GET", f"/v1/companies/{c1}", None),
        ("b", "PATCH", f"/v1/companies/{c1}", {"contact_email": "pirate@example.org"}),
        ("b", "POST", f"/v1/companies/{c1}/flows", flow),
        ("b", "GET", f"/v1/companies/{c1}/flows", None),
        ("b", "GET", f"/v1/flows/{cast.c1_flow}", None),
        ("b", "PATCH", f"/v1/flows/{cast.c1_flow}", {"label": "Volé"}),
        ("b", "DELETE", f"/v1/flows/{cast.c1_flow}", None),
        ("b", "POST", f"/v1/companies/{c1}/tokens", None),
        ("b", "DELETE", f"/v1/companies/{c1}/tokens", None),
        ("b", "GET", f"/v1/synergies/{cast.synergy}", None),
        ("b", "POST", f"/v1/synergies/{cast.synergy}/status", {"status": "contacted"}),
        ("b", "PUT", "/v1/territories/32/review-mode", {"enabled": True}),
        (
            "b",
            "POST",
            "/v1/companies",
            {
                "name": "X",
                "naf_code": "16.10A",
                "contact_email": "x@e.org",
                "postcode": "32130",
                "city": "Samatan",
            },
        ),
        # Only the admin manages advisors.
        ("a", "POST", "/v1/advisors", {"name": "X", "email": "x@e.org", "territories": ["*"]}),
        ("a", "GET", "/v1/advisors", None),
        ("a", "GET", f"/v1/advisors/{cast.advisor_b[0]}", None),
        ("a", "POST", f"/v1/advisors/{cast.advisor_b[0]}/tokens", None),
        ("a", "DELETE", f"/v1/advisors/{cast.advisor_b[0]}/tokens", None),
    ]
    return attempts


def test_roles_cannot_reach_what_they_may_not(platform: Harness, cast: Cast) -> None:
    tokens = {"a": cast.advisor_a[1], "b": cast.advisor_b[1], "c1": cast.c1[1], "c3": cast.c3[1]}
    wrong = []
    for who, method, path, body in _role_attempts(cast):
        with platform.client(tokens[who]) as client:
            r = client.request(method, path, json=body)
        if r.status_code not in REFUSED:
            wrong.append((who, method, path, r.status_code, r.text[:120]))
    assert not wrong, "\n".join(map(str, wrong))
    # Nothing changed behind the refusals.
    with platform.client() as admin:
        assert admin.get(f"/v1/flows/{cast.c1_flow}").json()["label"] == "Sciures de chêne"
        assert admin.get(f"/v1/flows/{cast.c2_flow}").json()["active"] is True
        assert admin.get(f"/v1/companies/{cast.c1[0]}").json()["contact_email"] == "scierie@example.org"
        assert admin.get(f"/v1/companies/{cast.c3[0]}/flows").json()["total"] == 0


def test_lists_show_only_what_the_caller_may_see(platform: Harness, cast: Cast) -> None:
    with platform.client(cast.advisor_b[1]) as b:
        ids = {c["id"] for c in b.get("/v1/companies", params={"limit": 200}).json()["items"]}
        assert ids == {cast.c3[0]}
        assert b.get("/v1/synergies").json()["total"] == 0
        assert b.get("/v1/synergies", params={"company_id": cast.c1[0]}).status_code in (*REFUSED, 200)
        assert b.get("/v1/synergies", params={"company_id": cast.c1[0]}).json().get("total", 0) == 0
    with platform.client(cast.c1[1]) as c1:
        ids = {c["id"] for c in c1.get("/v1/companies", params={"limit": 200}).json()["items"]}
        assert ids == {cast.c1[0]}


def test_company_filter_is_no_oracle_for_hidden_counterparts(platform: Harness, cast: Cast) -> None:
    with platform.client(cast.c1[1]) as c1:
        r = c1.get("/v1/synergies", params={"company_id": cast.c2[0]})
        unrelated = c1.get("/v1/synergies", params={"company_id": cast.c3[0]})
    assert unrelated.status_code in REFUSED or unrelated.json()["total"] == 0
    assert r.status_code in REFUSED or r.json()["total"] == 0


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
    # Nor in the email C1 received.
    for msg in platform.mails():
        if "scierie@example.org" in str(msg.get("X-Envelope-To", "")):
            assert SECRET_LABEL not in msg.as_string()


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


# ---- no secret in logs -------------------------------------------------------------------------------
def test_no_token_in_logs_or_emails(platform: Harness, cast: Cast) -> None:
    time.sleep(1.0)
    logs = platform.all_logs()
    mails = "\n".join(m.as_string() for m in platform.mails())
    for token in [ADMIN_TOKEN, *cast.tokens]:
        assert token not in logs, "a bearer token is written in a log"
        assert token not in mails, "a bearer token is written in an email"
    assert "Bearer " not in logs
