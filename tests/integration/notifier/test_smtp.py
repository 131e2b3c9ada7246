"""Against a real SMTP server (aiosmtpd): what both parts of an email say, and SMTP down then back."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecocirc_devstack.components import free_port
from ecocirc_devstack.smtp_sink import start_sink
from ecocirc_shared.events import SynergyProposed
from tests.conftest import Mailbox
from tests.integration.notifier.conftest import MakeNotifier, Notifier, sent_to, synergy

pytestmark = pytest.mark.integration


def _count(mail: Path) -> int:
    return len(list(mail.glob("*.eml")))


async def test_both_parts_say_the_same_thing_in_french(notifier: Notifier, smtp: Mailbox) -> None:
    a, b = await notifier.people.company("Scierie", consent=True), await notifier.people.company("Elevage")
    s = synergy(a, b)
    await notifier.recorder.handle(SynergyProposed(synergy=s))
    await notifier.deliverer.deliver_due()
    [mail] = sent_to(smtp, a.hex[:6])
    assert mail["Subject"].startswith("Eco'circulaire — nouvelle piste de synergie : sciures de bois")
    assert mail["Content-Language"] == "fr" and mail["Auto-Submitted"] == "auto-generated"
    [row] = [r for r in await notifier.deliveries(s.synergy_id) if r["email"] == str(mail["To"])]
    assert mail["Message-ID"] == row["message_id"]  # deterministic, from the ledger key
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    plain, markup = text.get_content(), html.get_content()
    for content in (plain, markup):
        assert "Litière" in content and "environ 5" in content and "Fiabilité" in content
        assert "/v1/unsubscribe?kind=company" in content
        assert "Elevage" not in content  # the counterpart did not consent to be named
    assert "<html" in markup and "<" not in plain
    [to_b] = sent_to(smtp, b.hex[:6])
    body_b = to_b.get_body(preferencelist=("plain",))
    assert body_b is not None and "Scierie" in body_b.get_content()  # it consented: named to its counterpart


async def test_smtp_down_then_back_sends_each_email_once(make_notifier: MakeNotifier, tmp_path: Path) -> None:
    port = free_port()  # nothing listens there yet
    n: Notifier = await make_notifier(smtp_port=port)
    a, b = await n.people.company("Huilerie"), await n.people.company("Savonnerie")
    s = synergy(a, b)
    await n.recorder.handle(SynergyProposed(synergy=s))
    await n.deliverer.deliver_due()
    rows = await n.deliveries(s.synergy_id)
    assert {(r["status"], r["attempts"]) for r in rows} == {("pending", 1)}
    sink = start_sink(tmp_path, port)
    try:
        n.clock.advance(seconds=1)
        await n.deliverer.deliver_due()
        assert _count(tmp_path) == 0  # still backing off (2 s)
        n.clock.advance(seconds=1)
        await n.deliverer.deliver_due()
        await n.deliverer.deliver_due()
    finally:
        sink.stop()
    assert _count(tmp_path) == 3  # two companies and the admin, once each
    assert {(r["status"], r["attempts"]) for r in await n.deliveries(s.synergy_id)} == {("sent", 2)}
