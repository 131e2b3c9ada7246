"""`make run` end to end: the slice of issue 2, a clean Ctrl-C, and a restart that keeps everything."""

from __future__ import annotations

import email
import time
from email import policy
from pathlib import Path

import psutil
import pytest

from tests.e2e.platform import Platform

pytestmark = pytest.mark.e2e

SAMATAN = {"postcode": "32130", "city": "Samatan"}
LOMBEZ = {"postcode": "32220", "city": "Lombez"}  # about 5 km from Samatan


# A name that would run in a mail client if it reached an email's HTML unescaped.
HOSTILE = 'Élevage <script>alert("x")</script><img src=x onerror=alert(1)> & Fils'


def _company(client, name: str, naf: str, place: dict[str, str], **extra: object) -> str:  # type: ignore[no-untyped-def]
    body = {"name": name, "naf_code": naf, "contact_email": f"{name.lower()}@example.org", **place, **extra}
    r = client.post("/v1/companies", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _flow(client, company_id: str, **body: object) -> str:  # type: ignore[no-untyped-def]
    r = client.post(f"/v1/companies/{company_id}/flows", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _parsed(path: Path) -> email.message.EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def _recipients(paths: list[Path]) -> list[str]:
    return [str(_parsed(p)["To"]) for p in paths]


def _about_leads(platform: Platform) -> list[Path]:
    """The emails about synergies (proposals, withdrawals), not the companies' welcome emails."""
    return [p for p in platform.mails() if "piste" in str(_parsed(p)["Subject"])]


def _synergies(client, **params: object) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    r = client.get("/v1/synergies", params=params)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_slice_restart_and_clean_stop(tmp_path: Path) -> None:
    platform = Platform(tmp_path / "var")
    first_start = platform.start()
    try:
        with platform.client() as client:
            scierie = _company(client, "Scierie", "16.10A", SAMATAN)
            # Named to its counterpart (consent, public flow): its hostile name reaches the emails.
            elevage = _company(
                client,
                HOSTILE,
                "01.47Z",
                LOMBEZ,
                consent_to_be_named=True,
                contact_email="elevage@example.org",
            )
            _flow(
                client,
                scierie,
                direction="offer",
                category="waste",
                label="Sciures de chêne",
                ewc_code="03 01 05",
                quantity={"amount": 120, "unit": "t", "period": "year"},
            )
            sent_at = time.monotonic()
            need = _flow(
                client,
                elevage,
                direction="need",
                category="material",
                label="Litière pour volailles",
                ewc_code="03 01 05",
                quantity={"amount": 40, "unit": "t", "period": "year"},
            )
            # An email to each company; none to the admin, which has no mailbox (no ECOCIRC_ADMIN_EMAIL).
            platform.wait_for(lambda: len(_about_leads(platform)) >= 2)
            latency = time.monotonic() - sent_at
            assert sorted(_recipients(_about_leads(platform))) == [
                "elevage@example.org",
                "scierie@example.org",
            ]
            # Each was welcomed when registered: what the programme is, and a sign-in link.
            welcomed = [str(_parsed(p)["To"]) for p in platform.mails() if p not in _about_leads(platform)]
            assert sorted(welcomed) == ["elevage@example.org", "scierie@example.org"]
            [to_scierie] = [_parsed(p) for p in _about_leads(platform) if "scierie" in str(_parsed(p)["To"])]
            html_part, text_part = (to_scierie.get_body(preferencelist=(k,)) for k in ("html", "plain"))
            assert html_part is not None and text_part is not None
            html = html_part.get_content()
            assert "&lt;script&gt;alert(" in html and "&lt;img src=x" in html, "the name was not rendered"
            assert "<script>" not in html and "<img src=x" not in html
            assert HOSTILE in text_part.get_content()  # plain text is never parsed as markup
            [synergy] = _synergies(client)
            assert synergy["kind"] == "substitution"
            assert synergy["distance_km"] is not None and 2 < synergy["distance_km"] < 12
            assert {p["role"] for p in synergy["participants"]} == {"supplier", "receiver"}

            # Withdrawing the need retracts the synergy and tells the two who were told.
            assert client.delete(f"/v1/flows/{need}").status_code == 204
            platform.wait_for(lambda: len(_about_leads(platform)) >= 4)
            assert _synergies(client) == []
            [withdrawn] = _synergies(client, include_withdrawn="true")
            assert withdrawn["status"] == "withdrawn"

            # A need declared again before the restart, matched again.
            _flow(
                client, elevage, direction="need", category="material", label="Litière", ewc_code="03 01 05"
            )
            platform.wait_for(lambda: len(_synergies(client)) == 1)
        children = platform.descendants()
        assert children, "the platform runs its components as child processes"
    finally:
        code = platform.interrupt()
    print(f"\nfirst start {first_start:.1f} s; second flow to emails {latency:.2f} s")
    assert code == 0, platform.log()
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"left behind after Ctrl-C: {[p.info for p in alive]}"
    assert "arrêté proprement" in platform.log()

    # Second start: data kept, the empty broker refilled, an old flow matched by a new one.
    second_start = platform.start()
    try:
        with platform.client() as client:
            assert len(_synergies(client)) == 1
            mutuel = _company(client, "Menuiserie", "16.23Z", SAMATAN)
            _flow(client, mutuel, direction="need", category="material", label="Sciure", ewc_code="03 01 05")
            platform.wait_for(lambda: len(_synergies(client)) >= 2)
            kinds = sorted(s["kind"] for s in _synergies(client))
            assert "substitution" in kinds
    finally:
        assert platform.interrupt() == 0, platform.log()
    print(f"second start {second_start:.1f} s")
