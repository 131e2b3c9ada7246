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


def _company(client, name: str, naf: str, place: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    r = client.post(
        "/v1/companies",
        json={"name": name, "naf_code": naf, "contact_email": f"{name.lower()}@example.org", **place},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _flow(client, company_id: str, **body: object) -> str:  # type: ignore[no-untyped-def]
    r = client.post(f"/v1/companies/{company_id}/flows", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _recipients(paths: list[Path]) -> list[str]:
    return [str(email.message_from_bytes(p.read_bytes(), policy=policy.default)["To"]) for p in paths]


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
            elevage = _company(client, "Elevage", "01.47Z", LOMBEZ)
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
            # An email to each company and to the admin advisor (who covers every territory).
            platform.wait_for(lambda: len(platform.mails()) >= 3)
            latency = time.monotonic() - sent_at
            assert sorted(_recipients(platform.mails())) == sorted(
                ["scierie@example.org", "elevage@example.org", "admin@localhost"]
            )
            [synergy] = _synergies(client)
            assert synergy["kind"] == "substitution"
            assert synergy["distance_km"] is not None and 2 < synergy["distance_km"] < 12
            assert {p["role"] for p in synergy["participants"]} == {"supplier", "receiver"}

            # Withdrawing the need retracts the synergy and tells the three who were told.
            assert client.delete(f"/v1/flows/{need}").status_code == 204
            platform.wait_for(lambda: len(platform.mails()) >= 6)
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
            platform.wait_for(lambda: len(_synergies(client)) >= 2, timeout_s=15)
            kinds = sorted(s["kind"] for s in _synergies(client))
            assert "substitution" in kinds
    finally:
        assert platform.interrupt() == 0, platform.log()
    print(f"second start {second_start:.1f} s")
