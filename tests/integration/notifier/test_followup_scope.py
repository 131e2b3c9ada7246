"""On a synergy between two territories, an advisor of one follows it up without reading the other's
business: its recipients' addresses and SMTP errors, its advisors' notes; nor may they approve what the
other's review mode holds, nor read the other's review mode."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
import pytest

from ecocirc_shared.events import SynergyProposed
from tests.integration.notifier.conftest import Api, Notifier, synergy

pytestmark = pytest.mark.integration


class RefusingSender:
    """An SMTP server refusing every recipient, quoting the address as real servers do."""

    async def send(self, message: EmailMessage) -> None:
        to = str(message["To"])
        raise aiosmtplib.SMTPRecipientRefused(550, f"<{to}>: Recipient address rejected", to)


async def test_an_advisor_does_not_read_another_territory_s_addresses_errors_or_notes(
    setup: tuple[Notifier, Api],
) -> None:
    n, api = setup
    gers_id, gers, gers_address = await api.advisor("Gers", ["32"])
    _, bigorre, bigorre_address = await api.advisor("Bigorre", ["65"])
    here, there = await n.people.company("Scierie", "32"), await n.people.company("Haras", "65")
    s = synergy(here, there, territories=("32", "65"))
    await n.recorder.handle(SynergyProposed(synergy=s))
    for _ in range(n.options.max_attempts):
        await n.with_sender(RefusingSender()).deliver_due()
        n.clock.advance(minutes=11)
    note = "Le gérant du haras part à la retraite en juin : ne pas ébruiter."
    r = await api.post(f"/v1/synergies/{s.synergy_id}/status", {"status": "contacted", "note": note}, bigorre)
    assert r.status_code == 200, r.text

    seen = await api.get(f"/v1/synergies/{s.synergy_id}/followup", gers)
    shown = {d["email"] for d in seen["deliveries"] if d["email"]}
    errors = " ".join(d["last_error"] or "" for d in seen["deliveries"])
    assert gers_address in shown and any(here.hex[:6] in e for e in shown)
    assert bigorre_address not in shown and not any(there.hex[:6] in e for e in shown)
    assert there.hex[:6] not in errors and bigorre_address not in errors
    assert here.hex[:6] in errors  # its own territory's failures stay readable
    [by_bigorre] = [h for h in seen["history"] if h["source"] == "advisor"]
    assert by_bigorre["note"] is None and by_bigorre["changed_by"] is None
    assert by_bigorre["status"] == "in_contact"  # the follow-up itself is shared

    # The other way round: the advisor of the Bigorre reads their own note, not the Gers' addresses.
    theirs = await api.get(f"/v1/synergies/{s.synergy_id}/followup", bigorre)
    assert [h["note"] for h in theirs["history"] if h["source"] == "advisor"] == [note]
    shown = {d["email"] for d in theirs["deliveries"] if d["email"]}
    assert bigorre_address in shown and gers_address not in shown
    assert str(gers_id) not in {d["recipient_id"] for d in theirs["deliveries"]}
    # The admin, who follows every territory, reads everything.
    full = await api.get(f"/v1/synergies/{s.synergy_id}/followup")
    assert [h["note"] for h in full["history"] if h["source"] == "advisor"] == [note]
    assert all(d["email"] and d["last_error"] for d in full["deliveries"])


async def test_only_the_advisors_of_the_territory_holding_a_synergy_approve_it(
    setup: tuple[Notifier, Api],
) -> None:
    n, api = setup
    _, gers, _ = await api.advisor("Gers", ["32"])
    _, bigorre, _ = await api.advisor("Bigorre", ["65"])
    assert (await api.put("/v1/territories/65/review-mode", {"enabled": True}, bigorre)).status_code == 200
    # Nor may the other territory read that review mode.
    r = await api.http.get("/v1/territories/65/review-mode", headers={"Authorization": f"Bearer {gers}"})
    assert r.status_code == 403
    assert (await api.get("/v1/territories/65/review-mode", bigorre))["enabled"] is True

    here, there = await n.people.company("Laiterie", "32"), await n.people.company("Fromagerie", "65")
    s = synergy(here, there, territories=("32", "65"))
    await n.recorder.handle(SynergyProposed(synergy=s))
    follow = await api.get(f"/v1/synergies/{s.synergy_id}/followup", gers)
    assert not follow["released"] and follow["held_by"] == ["65"]

    for status in ("contacted", "refused"):
        r = await api.post(f"/v1/synergies/{s.synergy_id}/status", {"status": status}, gers)
        assert r.status_code == 403, r.text
    r = await api.post(f"/v1/synergies/{s.synergy_id}/status", {"status": "contacted"}, bigorre)
    assert r.status_code == 200 and r.json()["released"] and r.json()["held_by"] == []
