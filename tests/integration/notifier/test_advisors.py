"""The admin changes or deactivates an advisor (PATCH /v1/advisors/{id}) and the emails follow at once,
queued ones included; the admin itself has no mailbox unless one is configured."""

from __future__ import annotations

import pytest

from ecocirc_shared.events import SynergyProposed
from tests.conftest import Mailbox
from tests.integration.notifier.conftest import Api, MakeNotifier, Notifier, sent_to, subjects, synergy

pytestmark = pytest.mark.integration


async def test_a_deactivated_advisor_gets_no_more_email_nor_access(
    setup: tuple[Notifier, Api], smtp: Mailbox
) -> None:
    n, api = setup
    advisor_id, token, address = await api.advisor("Partie", ["32"])
    a, b = await n.people.company("Fonderie"), await n.people.company("Sablerie")
    queued = synergy(a, b)
    await n.recorder.handle(SynergyProposed(synergy=queued))  # queued for the advisor, not sent yet

    r = await api.patch(f"/v1/advisors/{advisor_id}", {"active": False})
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False
    assert (await api.http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401

    await n.deliverer.deliver_due()
    assert sent_to(smtp, address) == []  # the email queued before the departure is not sent
    assert len(subjects(smtp, a.hex[:6])) == 1
    [row] = [d for d in await n.deliveries(queued.synergy_id) if d["recipient_id"] == advisor_id]
    assert (row["status"], row["last_error"]) == ("cancelled", "no longer a recipient")

    # Nor is anything queued for them afterwards.
    later = synergy(a, b)
    await n.recorder.handle(SynergyProposed(synergy=later))
    assert advisor_id not in {d["recipient_id"] for d in await n.deliveries(later.synergy_id)}


async def test_a_new_address_and_new_territories_count_for_what_is_queued(
    setup: tuple[Notifier, Api], smtp: Mailbox
) -> None:
    n, api = setup
    moved_id, _, old_address = await api.advisor("Adresse", ["32"])
    elsewhere_id, _, elsewhere_address = await api.advisor("Mutation", ["32"])
    a, b = await n.people.company("Tuilerie"), await n.people.company("Briqueterie")
    await n.recorder.handle(SynergyProposed(synergy=synergy(a, b)))

    new_address = f"nouvelle-{moved_id.hex[:6]}@cci.example"
    assert (await api.patch(f"/v1/advisors/{moved_id}", {"email": new_address})).status_code == 200
    r = await api.patch(f"/v1/advisors/{elsewhere_id}", {"territories": ["65"]})
    assert r.status_code == 200 and r.json()["territories"] == ["65"]

    await n.deliverer.deliver_due()
    assert sent_to(smtp, old_address) == [] and len(sent_to(smtp, new_address)) == 1
    assert sent_to(smtp, elsewhere_address) == []  # no longer follows the synergy's territory


async def test_only_the_admin_changes_advisors_and_nobody_changes_the_admin(
    setup: tuple[Notifier, Api],
) -> None:
    _, api = setup
    advisor_id, token, _ = await api.advisor("Claire", ["32"])
    other_id, _, _ = await api.advisor("Marc", ["31"])
    assert (await api.patch(f"/v1/advisors/{other_id}", {"active": False}, token)).status_code == 403
    admin = (await api.get("/v1/me"))["id"]
    assert (await api.patch(f"/v1/advisors/{admin}", {"email": "moi@cci.example"})).status_code == 409
    bad = await api.patch(
        f"/v1/advisors/{advisor_id}", {"email": "pas-une-adresse", "territories": ["*", "32"]}
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"email", "territories"}


async def test_without_a_mailbox_the_admin_is_written_to_by_nobody(
    make_notifier: MakeNotifier, smtp: Mailbox
) -> None:
    """No ECOCIRC_ADMIN_EMAIL: the admin is no recipient, and companies with no advisor of their own
    are given the programme's contact (ECOCIRC_PROGRAMME_CONTACT), not admin@localhost."""
    n: Notifier = await make_notifier(admin_email=None, programme_contact="eit@cci.example")
    a, b = await n.people.company("Moulin", "65"), await n.people.company("Boulangerie", "65")
    s = synergy(a, b, territories=("65",))
    await n.recorder.handle(SynergyProposed(synergy=s))
    await n.deliverer.deliver_due()
    assert {d["recipient_kind"] for d in await n.deliveries(s.synergy_id)} == {"company"}
    [mail] = sent_to(smtp, a.hex[:6])
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None and "eit@cci.example" in text.get_content()
    assert "admin@localhost" not in mail.as_string()
