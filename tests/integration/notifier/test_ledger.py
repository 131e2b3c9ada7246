"""The ledger against real PostgreSQL and SMTP: each news once per recipient, withdrawals only to
those told, nothing about a synergy withdrawn before sending, SMTP failures retried then recorded."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from ecocirc_shared.directory import RecipientKind
from ecocirc_shared.events import EmailPreferencesChanged, SynergyProposed, SynergyRevised, SynergyWithdrawn
from tests.conftest import Mailbox
from tests.integration.notifier.conftest import FlakySender, Notifier, subjects, synergy

pytestmark = pytest.mark.integration


async def test_each_news_once_and_withdrawal_to_those_told(notifier: Notifier, smtp: Mailbox) -> None:
    recorder, deliverer, people = notifier.recorder, notifier.deliverer, notifier.people
    a, b = await people.company("Scierie"), await people.company("Elevage")
    s1 = synergy(a, b)
    assert await recorder.handle(SynergyProposed(synergy=s1)) == "recorded"
    assert await recorder.handle(SynergyProposed(synergy=s1)) == "duplicate"  # redelivery
    await deliverer.deliver_due()
    tag = a.hex[:6]
    assert len(subjects(smtp, tag)) == 1
    # A revision with another score is not news; the replayed old revision is ignored.
    await recorder.handle(SynergyRevised(synergy=s1.model_copy(update={"revision": 2, "score": 0.9})))
    await recorder.handle(SynergyProposed(synergy=s1))
    await deliverer.deliver_due()
    assert len(subjects(smtp, tag)) == 1
    await recorder.handle(SynergyWithdrawn(synergy_id=s1.synergy_id, revision=3, reason="flow_withdrawn"))
    await recorder.handle(SynergyWithdrawn(synergy_id=s1.synergy_id, revision=3, reason="flow_withdrawn"))
    await deliverer.deliver_due()
    told = subjects(smtp, tag)
    assert len(told) == 2 and "retirée" in told[1]
    assert len(subjects(smtp, b.hex[:6])) == 2
    history = await notifier.pool.fetch(
        "SELECT status, source FROM status_history WHERE synergy_id = $1 ORDER BY id", s1.synergy_id
    )
    assert [(h["status"], h["source"]) for h in history] == [
        ("proposed", "matcher"),
        ("withdrawn", "matcher"),
    ]


async def test_nobody_hears_of_a_synergy_withdrawn_before_sending(notifier: Notifier, smtp: Mailbox) -> None:
    a, b = await notifier.people.company("Brasserie"), await notifier.people.company("Ferme")
    s1 = synergy(a, b)
    await notifier.recorder.handle(SynergyProposed(synergy=s1))
    await notifier.recorder.handle(
        SynergyWithdrawn(synergy_id=s1.synergy_id, revision=2, reason="flow_withdrawn")
    )
    await notifier.deliverer.deliver_due()
    assert subjects(smtp, a.hex[:6]) == [] and subjects(smtp, b.hex[:6]) == []


async def test_below_threshold_reaches_no_company(notifier: Notifier, smtp: Mailbox) -> None:
    a, b = await notifier.people.company("Garage"), await notifier.people.company("Fonderie")
    await notifier.recorder.handle(SynergyProposed(synergy=synergy(a, b, score=0.1)))
    await notifier.deliverer.deliver_due()
    assert subjects(smtp, a.hex[:6]) == []


async def test_smtp_failures_are_retried_with_backoff_then_recorded_as_failed(notifier: Notifier) -> None:
    people, clock = notifier.people, notifier.clock
    a, b = await people.company("Laiterie"), await people.company("Porcherie")
    await notifier.recorder.handle(SynergyProposed(synergy=synergy(a, b)))
    flaky = FlakySender(failures=1)
    retrying = notifier.with_sender(flaky)
    await retrying.deliver_due()
    assert len(flaky.sent) == 2  # the first attempt failed; the other two recipients were served
    await retrying.deliver_due()
    assert len(flaky.sent) == 2  # backing off: not due yet
    clock.advance(seconds=2)
    await retrying.deliver_due()
    assert len(flaky.sent) == 3  # two companies and the admin, each once

    c, d = await people.company("Imprimerie"), await people.company("Cartonnerie")
    s2 = synergy(c, d)
    await notifier.recorder.handle(SynergyProposed(synergy=s2))
    dead = notifier.with_sender(FlakySender(failures=10_000))
    for _ in range(notifier.options.max_attempts):
        await dead.deliver_due()
        clock.advance(minutes=11)
    rows = [r for r in await notifier.deliveries(s2.synergy_id) if c.hex[:6] in r["email"]]
    assert [(r["status"], r["attempts"]) for r in rows] == [("failed", notifier.options.max_attempts)]
    assert "SMTP down" in rows[0]["last_error"]


async def test_an_unsubscribed_recipient_is_not_written_to(notifier: Notifier, smtp: Mailbox) -> None:
    a, b = await notifier.people.company("Tonnellerie"), await notifier.people.company("Distillerie")
    await notifier.recorder.handle(SynergyProposed(synergy=synergy(a, b)))
    # Opting out after the email was queued still counts: preferences are read at sending time.
    await notifier.decisions.handle(
        EmailPreferencesChanged(recipient_kind=RecipientKind.COMPANY, recipient_id=a, opted_out=True)
    )
    await notifier.deliverer.deliver_due()
    assert subjects(smtp, a.hex[:6]) == [] and len(subjects(smtp, b.hex[:6])) == 1


class Crash(BaseException):
    """The process dying: not an error the delivery loop handles, so its transaction never commits."""


class AcceptsThenCrashes:
    """An SMTP server that accepts the message (its "250"), then the notifier dies before it commits."""

    def __init__(self) -> None:
        self.accepted: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.accepted.append(message)
        raise Crash


async def test_a_crash_between_the_smtp_answer_and_the_commit_resends_once_with_the_same_message_id(
    notifier: Notifier,
) -> None:
    """SMTP cannot take part in our transaction: that window is the only way to a duplicate email.

    The send happens inside the transaction that holds the ledger row's lock, so nothing else
    (another notifier, a withdrawal) acts on that row meanwhile; if the process dies after the server
    accepted the message and before the commit, the row is still pending and the email goes again on
    restart, with the same deterministic Message-ID, which receiving mail systems use to drop a repeat.
    """
    a, b = await notifier.people.company("Vinaigrerie"), await notifier.people.company("Conserverie")
    s = synergy(a, b)
    await notifier.recorder.handle(SynergyProposed(synergy=s))
    crashing = AcceptsThenCrashes()
    with pytest.raises(Crash):
        await notifier.with_sender(crashing).deliver_due()
    [first] = crashing.accepted
    [row] = [d for d in await notifier.deliveries(s.synergy_id) if d["email"] == str(first["To"])]
    assert (row["status"], row["attempts"]) == ("pending", 0)  # as if never tried

    restarted = FlakySender(failures=0)
    await notifier.with_sender(restarted).deliver_due()
    [again] = [m for m in restarted.sent if m["To"] == first["To"]]
    assert again["Message-ID"] == first["Message-ID"] and again["Subject"] == first["Subject"]
    # Once committed, never again.
    await notifier.with_sender(restarted).deliver_due()
    assert [m["To"] for m in restarted.sent].count(first["To"]) == 1
    rows = await notifier.deliveries(s.synergy_id)
    assert {(r["status"], r["attempts"]) for r in rows} == {("sent", 1)}
