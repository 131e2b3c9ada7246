"""When emails leave, on a clock the tests move: the hold that coalesces revisions, and advisors' digests."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from ecocirc_notifier.options import NotifierOptions
from ecocirc_shared.events import SynergyProposed, SynergyRevised, SynergyWithdrawn
from ecocirc_shared.synergies import Participant, Role
from tests.conftest import Mailbox
from tests.integration.notifier.conftest import MakeNotifier, Notifier, sent_to, subjects, synergy

pytestmark = pytest.mark.integration

HOLD = NotifierOptions(hold=timedelta(seconds=30), max_hold=timedelta(seconds=120))


async def test_a_burst_of_revisions_gives_one_email_with_the_last_state(
    make_notifier: MakeNotifier, smtp: Mailbox
) -> None:
    n: Notifier = await make_notifier(HOLD)
    a, b, c = [await n.people.company(name) for name in ("Menuiserie", "Chaufferie", "Serre")]
    s = synergy(a, b)
    await n.recorder.handle(SynergyProposed(synergy=s))
    # Within the hold: a third company joins, then leaves again, and the score moves each time.
    extra = Participant(company_id=c, flow_id=uuid.uuid4(), role=Role.RECEIVER, flow_label="Chaleur")
    joined = s.model_copy(update={"revision": 2, "score": 0.85, "participants": (*s.participants, extra)})
    for seconds, revision in ((20, joined), (20, s.model_copy(update={"revision": 3, "score": 0.93}))):
        n.clock.advance(seconds=seconds)
        await n.recorder.handle(SynergyRevised(synergy=revision))
        assert await n.deliverer.deliver_due() == 0  # each revision restarts the hold
    n.clock.advance(seconds=30)
    await n.deliverer.deliver_due()
    [to_a] = sent_to(smtp, a.hex[:6])
    text = to_a.get_body(preferencelist=("plain",))
    # The last revision's score, 0.93, as a company reads it before the introduction (to 5 points).
    assert text is not None and "Fiabilité : 95\u00a0%" in text.get_content()
    assert len(subjects(smtp, b.hex[:6])) == 1 and subjects(smtp, c.hex[:6]) == []


async def test_the_hold_is_capped_so_a_busy_synergy_is_still_announced(
    make_notifier: MakeNotifier, smtp: Mailbox
) -> None:
    n: Notifier = await make_notifier(HOLD)
    a, b = await n.people.company("Verrerie"), await n.people.company("Sablerie")
    s = synergy(a, b)
    await n.recorder.handle(SynergyProposed(synergy=s))
    for revision in range(2, 7):  # a revision every 25 s, for 125 s
        n.clock.advance(seconds=25)
        await n.recorder.handle(SynergyRevised(synergy=s.model_copy(update={"revision": revision})))
        await n.deliverer.deliver_due()
    assert len(subjects(smtp, a.hex[:6])) == 1  # sent at 120 s despite the revisions


async def test_advisors_get_one_digest_per_interval(make_notifier: MakeNotifier, smtp: Mailbox) -> None:
    n: Notifier = await make_notifier(
        NotifierOptions(hold=timedelta(0), max_hold=timedelta(0), advisor_digest=timedelta(minutes=10))
    )
    advisor, _ = await n.people.advisor("Conseillere", ["81"])
    tag = advisor.hex[:6]
    companies = [await n.people.company(f"Atelier{i}", territory="81") for i in range(6)]
    first = synergy(companies[0], companies[1], territories=("81",))
    await n.recorder.handle(SynergyProposed(synergy=first))
    await n.deliverer.deliver_due()
    await n.deliverer.deliver_digests()
    assert subjects(smtp, tag) == [] and len(subjects(smtp, companies[0].hex[:6])) == 1  # companies at once
    n.clock.advance(minutes=4)
    second = synergy(companies[2], companies[3], territories=("81",))
    await n.recorder.handle(SynergyProposed(synergy=second))
    n.clock.advance(minutes=5, seconds=59)
    await n.deliverer.deliver_digests()
    assert subjects(smtp, tag) == []  # the oldest news is 9 min 59 s old
    n.clock.advance(seconds=1)
    await n.deliverer.deliver_digests()
    [digest] = subjects(smtp, tag)
    assert "récapitulatif : 2 nouvelles pistes" in digest
    # The first of them is withdrawn: that advisor was told, so the notice waits for the next digest.
    await n.recorder.handle(
        SynergyWithdrawn(synergy_id=first.synergy_id, revision=2, reason="flow_withdrawn")
    )
    third = synergy(companies[4], companies[5], territories=("81",))
    n.clock.advance(minutes=3)
    await n.recorder.handle(SynergyProposed(synergy=third))
    n.clock.advance(minutes=6, seconds=59)
    await n.deliverer.deliver_digests()
    assert len(subjects(smtp, tag)) == 1  # the withdrawal notice is 9 min 59 s old
    n.clock.advance(seconds=1)
    await n.deliverer.deliver_digests()
    later = subjects(smtp, tag)
    assert len(later) == 2 and "1 nouvelle piste" in later[1] and "1 piste retirée" in later[1]
