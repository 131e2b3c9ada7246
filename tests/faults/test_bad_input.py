"""Bad input through the API and poison events on the topics: refused cleanly, never half-written.

Every answer to bad input is a 4xx naming the field (never a 500); what is accepted comes back as
sent; text that reaches an email can neither add headers nor inject HTML; an undecodable event or an
unknown schema version, a tombstone, nesting too deep to parse or a revision no column can hold goes
to the dead-letter topic with a log line, and the consumer goes on.
"""

from __future__ import annotations

import asyncio
import email
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ecocirc_shared.topics import DEAD_LETTERS, FLOW_EVENTS, SYNERGY_EVENTS
from tests.faults.harness import Harness, wait_until

pytestmark = pytest.mark.timeout(300)

SAMATAN = {"postcode": "32130", "city": "Samatan"}
LOMBEZ = {"postcode": "32220", "city": "Lombez"}


def _company(client: httpx.Client, name: str, email_addr: str, place: dict[str, str], **extra: Any) -> str:
    body = {"name": name, "naf_code": "16.10A", "contact_email": email_addr, **place, **extra}
    r = client.post("/v1/companies", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.fixture(scope="module")
def company(platform: Harness) -> str:
    with platform.client() as client:
        return _company(client, "Scierie Test", "scierie-test@example.org", SAMATAN)


GOOD_FLOW: dict[str, Any] = {
    "direction": "offer",
    "category": "waste",
    "label": "Sciures de chêne",
    "ewc_code": "03 01 05",
    "quantity": {"amount": 120, "unit": "t", "period": "year"},
}


def _refused(r: httpx.Response, field: str | None = None) -> None:
    assert 400 <= r.status_code < 500, f"{r.status_code}: {r.text[:500]}"
    body = r.json()
    assert body.get("detail"), body
    if field is not None:
        assert field in json.dumps(body, ensure_ascii=False), body


# ---- malformed and mistyped bodies ------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    [b"{", b"not json", b"[]", b"null", b'{"direction": "offer",}', b"\xff\xfe\x00", b'{"a": 1e999999}', b""],
)
def test_malformed_json_is_a_4xx(platform: Harness, company: str, raw: bytes) -> None:
    with platform.client() as client:
        r = client.post(
            f"/v1/companies/{company}/flows", content=raw, headers={"content-type": "application/json"}
        )
    _refused(r)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"direction": 1}, "direction"),
        ({"direction": "give"}, "direction"),
        ({"category": ["waste"]}, "category"),
        ({"label": 42}, "label"),
        ({"label": None}, "label"),
        ({"label": "   "}, "label"),
        ({"quantity": {"amount": "beaucoup", "unit": "t", "period": "year"}}, "quantity"),
        ({"quantity": {"amount": -5, "unit": "t", "period": "year"}}, "quantity"),
        ({"quantity": {"amount": 0, "unit": "t", "period": "year"}}, "quantity"),
        ({"quantity": {"amount": 1e308, "unit": "t", "period": "year"}}, "quantity"),
        ({"quantity": {"amount": 120, "unit": "parsec", "period": "year"}}, "quantity"),
        ({"quantity": {"amount": 120, "unit": "t", "period": "century"}}, "quantity"),
        ({"months": [0]}, "months"),
        ({"months": [13]}, "months"),
        ({"months": "janvier"}, "months"),
        ({"months": list(range(1, 13)) * 2}, "months"),
        ({"hazardous": "peut-être"}, "hazardous"),
        ({"max_distance_km": -1}, "max_distance_km"),
        ({"max_distance_km": 0}, "max_distance_km"),
        ({"max_distance_km": 40_000}, "max_distance_km"),
        ({"confidentiality": "secret"}, "confidentiality"),
        ({"ewc_code": "99 99 99"}, "ewc_code"),
        ({"ewc_code": "03 01"}, "ewc_code"),
        ({"ewc_code": "'; DROP TABLE intake.flows; --"}, "ewc_code"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"company_id": "00000000-0000-0000-0000-000000000000"}, "company_id"),
        ({"label": "x" * 201}, "label"),
        ({"description": "x" * 2001}, "description"),
    ],
)
def test_wrong_flow_fields_name_the_field(
    platform: Harness, company: str, change: dict[str, Any], field: str
) -> None:
    with platform.client() as client:
        before = client.get(f"/v1/companies/{company}/flows", params={"include_withdrawn": True}).json()
        r = client.post(f"/v1/companies/{company}/flows", json={**GOOD_FLOW, **change})
        _refused(r, field)
        after = client.get(f"/v1/companies/{company}/flows", params={"include_withdrawn": True}).json()
    assert after["total"] == before["total"], "a refused declaration left something behind"


def test_non_finite_numbers_are_refused(platform: Harness, company: str) -> None:
    raw = json.dumps({**GOOD_FLOW, "quantity": {"amount": float("nan"), "unit": "t", "period": "year"}})
    with platform.client() as client:
        for value in ("NaN", "Infinity", "-Infinity"):
            body = raw.replace("NaN", value).encode()
            r = client.post(
                f"/v1/companies/{company}/flows", content=body, headers={"content-type": "application/json"}
            )
            _refused(r)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"naf_code": "99.99Z"}, "naf_code"),
        ({"naf_code": 1610}, "naf_code"),
        ({"postcode": "00000"}, "postcode"),
        ({"postcode": "ABCDE"}, "postcode"),
        ({"siret": "12345678901234"}, "siret"),
        ({"siret": "abc"}, "siret"),
        ({"lat": 91, "lon": 0}, "lat"),
        ({"lat": 43.5, "lon": 181}, "lon"),
        ({"lat": "nord", "lon": 0.9}, "lat"),
        ({"contact_email": "pas-une-adresse"}, "contact_email"),
        ({"contact_email": "a@example.org\r\nBcc: victim@example.org"}, "contact_email"),
        ({"contact_email": "a@example.org, b@example.org"}, "contact_email"),
        ({"name": ""}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"role": "admin"}, "role"),
    ],
)
def test_wrong_company_fields_name_the_field(platform: Harness, change: dict[str, Any], field: str) -> None:
    body = {"name": "Essai", "naf_code": "16.10A", "contact_email": "essai@example.org", **SAMATAN, **change}
    with platform.client() as client:
        _refused(client.post("/v1/companies", json=body), field)


def test_huge_bodies_are_refused_before_being_read(platform: Harness, company: str) -> None:
    with platform.client() as client:
        big = {**GOOD_FLOW, "description": "x" * (2 * 1024 * 1024)}
        r = client.post(f"/v1/companies/{company}/flows", json=big)
        assert r.status_code == 413, r.text[:300]

        def chunks() -> Any:
            for _ in range(3 * 1024):
                yield b" " * 1024

        r = client.post(
            f"/v1/companies/{company}/flows", content=chunks(), headers={"content-type": "application/json"}
        )
        assert r.status_code == 413, r.text[:300]
        deep = b"[" * 100_000 + b"]" * 100_000
        r = client.post(
            f"/v1/companies/{company}/flows", content=deep, headers={"content-type": "application/json"}
        )
        _refused(r)
    assert platform.ready()


# ---- Unicode oddities -------------------------------------------------------------------------
ODD_TEXTS = [
    "Copeaux d\u2019\u00e9rable \u00e0 \u00e9vacuer",
    "e\u0301clats de bois (NFD)",
    "\u202egnirts desrever\u202c",
    "mot\u200bcach\u00e9\ufeff",
    "\U0001f332 bois \U0001f525 chaleur",
    "\u0627\u0644\u062e\u0634\u0628 et bois",
    "Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358 combin\u00e9",
    "ligne\u2028s\u00e9par\u00e9e",
]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_unicode_is_stored_or_refused_never_a_500(platform: Harness, company: str, text: str) -> None:
    with platform.client() as client:
        r = client.post(f"/v1/companies/{company}/flows", json={**GOOD_FLOW, "label": text})
        assert r.status_code in (201, 422), r.text[:300]
        if r.status_code == 201:
            got = client.get(f"/v1/flows/{r.json()['id']}").json()
            assert got["label"].strip() == got["label"] and got["label"], got


@pytest.mark.parametrize(
    "raw",
    [
        b'{"direction":"offer","category":"waste","label":"nul \\u0000 byte"}',
        b'{"direction":"offer","category":"waste","label":"lone \\ud800 surrogate"}',
        b'{"direction":"offer","category":"waste","label":"control \\u0007\\u001b[31m"}',
    ],
)
def test_unstorable_characters_are_a_4xx(platform: Harness, company: str, raw: bytes) -> None:
    """PostgreSQL text cannot hold NUL nor a lone surrogate: a clean 422, not a 500."""
    with platform.client() as client:
        r = client.post(
            f"/v1/companies/{company}/flows", content=raw, headers={"content-type": "application/json"}
        )
    assert r.status_code in (201, 422), r.text[:300]


# ---- injection ----------------------------------------------------------------------------------
SQL = "'); DROP TABLE intake.flows; --"
HEADER_INJECTION = "Sciures\r\nBcc: victim@example.org\r\nSubject: pwned"
HTML = '<script>alert("x")</script><img src=x onerror=alert(1)><a href="http://evil.example">ici</a>'


def test_sql_in_every_text_field_is_data(platform: Harness) -> None:
    with platform.client() as client:
        cid = _company(client, f"Société {SQL}", "sql@example.org", {**SAMATAN, "city": "Samatan"})
        r = client.post(
            f"/v1/companies/{cid}/flows",
            json={**GOOD_FLOW, "label": f"Sciures {SQL}", "description": f"{SQL} OR 1=1"},
        )
        assert r.status_code == 201, r.text
        flow = client.get(f"/v1/flows/{r.json()['id']}").json()
        assert flow["label"] == f"Sciures {SQL}"
        for params in ({"name": SQL}, {"territory": SQL}, {"name": "%' OR '1'='1"}):
            r = client.get("/v1/companies", params=params)
            assert r.status_code in (200, 422), r.text
            if r.status_code == 200 and params.get("name") == "%' OR '1'='1":
                assert r.json()["total"] == 0, "a LIKE pattern leaked out of its parameter"
    assert platform.query("SELECT count(*) AS n FROM intake.flows")[0]["n"] > 0


def test_text_reaching_emails_cannot_add_headers_or_html(platform: Harness) -> None:
    """A synergy between two companies whose names and labels carry header and HTML injections: the
    hostile name reaches the counterpart's email (named: consent, public flow), escaped."""
    marker = f"inj{time.time_ns()}"
    hostile_name = f"{HTML} Nom{marker}"
    with platform.client() as client:
        a = client.post(
            "/v1/companies",
            json={
                "name": hostile_name,
                "naf_code": "16.10A",
                "contact_email": f"{marker}-a@example.org",
                "consent_to_be_named": True,
                **SAMATAN,
            },
        )
        assert a.status_code == 201, a.text  # stored as data, escaped where it is shown
        b = _company(client, f"Elevage {marker}", f"{marker}-b@example.org", LOMBEZ, consent_to_be_named=True)
        # A label cannot carry a line break at all (refused at the door); HTML it can.
        refused = client.post(
            f"/v1/companies/{a.json()['id']}/flows",
            json={**GOOD_FLOW, "label": f"{HEADER_INJECTION} {marker}"},
        )
        _refused(refused, "label")
        for cid, body in (
            (
                a.json()["id"],
                {**GOOD_FLOW, "label": f"Sciures {HTML} Lib{marker}", "description": HTML},
            ),
            (
                b,
                {
                    "direction": "need",
                    "category": "material",
                    "label": f"Litière pour volailles {HTML}",
                    "ewc_code": "03 01 05",
                },
            ),
        ):
            r = client.post(f"/v1/companies/{cid}/flows", json=body)
            assert r.status_code == 201, r.text

    def ours() -> list[email.message.EmailMessage]:
        return [
            m for m in platform.mails() if marker in str(m.get("X-Envelope-To", "")) or marker in str(m["To"])
        ]

    wait_until(lambda: len(ours()) >= 2, 30, lambda: platform.log("notifier")[-3000:])
    for msg in ours():
        rcpts = msg.get_all("X-Envelope-To") or []
        assert all(marker in r for r in rcpts), f"extra recipient: {rcpts}"
        assert msg["Bcc"] is None and "victim@example.org" not in msg.as_string()
        assert "pwned" not in str(msg["Subject"])
        for name, value in msg.items():
            assert "\n" not in str(value).replace("\r\n ", "").replace("\n ", "").strip(), (name, value)
        html_part = msg.get_body(preferencelist=("html",))
        assert html_part is not None
        html = html_part.get_content()
        assert "<script>" not in html and "<img src=x" not in html and 'href="http://evil' not in html
        text_part = msg.get_body(preferencelist=("plain",))
        assert text_part is not None
    # The hostile name and label did reach the rendering: in the counterpart's email, escaped.
    escaped = "&lt;script&gt;alert("
    to_b = [m for m in ours() if f"{marker}-b@" in str(m["To"])]
    rendered = [part.get_content() for m in to_b if (part := m.get_body(preferencelist=("html",)))]
    assert any(escaped in html and f"&lt;/a&gt; Nom{marker}" in html for html in rendered), rendered


# ---- poison events ------------------------------------------------------------------------------
POISON: list[bytes | None] = [
    b"\xff\xfe\x00not json at all",
    b"[1, 2, 3]",
    json.dumps({"event_type": "flow.declared", "schema_version": 99, "flow": {}}).encode(),
    json.dumps({"event_type": "flow.exploded", "schema_version": 1}).encode(),
    json.dumps({"event_type": "flow.declared", "schema_version": 1, "flow": {"flow_id": "x"}}).encode(),
    None,  # a tombstone
    b'{"event_type": "flow.declared", "flow": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",  # too deep to parse
]


def _absurd_revision(topic: str, stamp: bytes) -> bytes:
    """A well-formed event of the topic's own kind, but with a revision no column can hold."""
    kind = "flow" if topic == FLOW_EVENTS else "synergy"
    return json.dumps(
        {
            "event_type": f"{kind}.withdrawn",
            "schema_version": 1,
            f"{kind}_id": str(uuid.uuid4()),
            **({"company_id": str(uuid.uuid4()), "version": 2**40} if kind == "flow" else {}),
            **({"revision": 2**40, "reason": stamp.decode()} if kind == "synergy" else {}),
        }
    ).encode()


async def _publish_and_read(bootstrap: str, topic: str, messages: list[bytes | None]) -> list[bytes | None]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await producer.start()
    try:
        for i, raw in enumerate(messages):
            await producer.send_and_wait(topic, raw, key=f"poison-{i}".encode())
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        DEAD_LETTERS, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    found: list[bytes | None] = []
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not all(m in found for m in messages):
            batch = await consumer.getmany(timeout_ms=500)
            found.extend(r.value for records in batch.values() for r in records)
    finally:
        await consumer.stop()
    return found


@pytest.mark.parametrize(
    ("topic", "log_event", "service"),
    [
        (FLOW_EVENTS, "poison_flow_event", "matcher"),
        (SYNERGY_EVENTS, "poison_synergy_event", "notifier"),
    ],
)
def test_poison_events_go_to_dead_letters_and_the_consumer_goes_on(
    platform: Harness, topic: str, log_event: str, service: str
) -> None:
    stamp = f"{time.time_ns()}".encode()
    messages = [raw + b" " + stamp if raw and raw.startswith(b"\xff") else raw for raw in POISON]
    messages.append(_absurd_revision(topic, stamp))
    found = asyncio.run(_publish_and_read(f"127.0.0.1:{platform.broker_port}", topic, messages))
    assert all(m in found for m in messages), "a poison event did not reach the dead-letter topic"
    # Most poison messages are the same bytes for both topics: the dead-letter topic may already hold
    # them from the other consumer, so wait for this consumer's own log lines.
    wait_until(
        lambda: platform.log(service).count(log_event) >= len(messages),
        30,
        lambda: platform.log(service)[-3000:],
    )
    # The consumer goes on: a new pair is matched and its emails sent.
    marker = f"after-poison-{time.time_ns()}"
    with platform.client() as client:
        a = _company(client, f"Scierie {marker}", f"{marker}-a@example.org", SAMATAN)
        b = _company(client, f"Elevage {marker}", f"{marker}-b@example.org", LOMBEZ)
        assert client.post(f"/v1/companies/{a}/flows", json=GOOD_FLOW).status_code == 201
        need = {"direction": "need", "category": "material", "label": "Litière", "ewc_code": "03 01 05"}
        assert client.post(f"/v1/companies/{b}/flows", json=need).status_code == 201
    wait_until(
        lambda: sum(marker in str(m.get("X-Envelope-To", "")) for m in platform.mails()) >= 2,
        30,
        lambda: platform.log(service)[-3000:],
    )
    assert platform.procs[service].poll() is None, f"the {service} stopped"


def test_no_unhandled_error_in_the_logs(platform: Harness) -> None:
    """Run last in the module: nothing above made the API answer 500."""
    assert "unhandled_error" not in platform.log("intake"), platform.log("intake")[-4000:]
    with platform.client() as client:
        assert client.get("/v1/me").status_code == 200
