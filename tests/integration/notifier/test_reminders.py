"""The advisors' weekly reminders on real PostgreSQL and SMTP, on a clock the test moves: due on the
week's day and hour, never twice in a week, to the lead's owner or its territory's advisors, with a
link to each lead's page; retried after an SMTP failure with the same Message-ID."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from ecocirc_notifier.domain.reminders import ReminderSchedule
from ecocirc_notifier.options import NotifierOptions
from ecocirc_shared.events import FollowUpChanged, SynergyProposed
from ecocirc_shared.followup import SynergyStatus
from tests.conftest import Mailbox
from tests.integration.notifier.conftest import (
    FlakySender,
    MakeNotifier,
    Notifier,
    sent_to,
    subjects,
    synergy,
)

pytestmark = pytest.mark.integration

WEEKLY = NotifierOptions(
    hold=timedelta(0),
    max_hold=timedelta(0),
    reminders=ReminderSchedule(weekday=1, hour=8, timezone="Europe/Paris"),
)
# Monday 3 February 2025, 09:00 in Paris (08:00 UTC); 8:00 in Paris is 07:00 UTC all winter.
START = datetime(2025, 2, 3, 8, 0, tzinfo=UTC)
MONDAY_10_MARCH_8 = datetime(2025, 3, 10, 7, 0, tzinfo=UTC)


async def _decide(n: Notifier, synergy_id: uuid.UUID, advisor: uuid.UUID, **change: object) -> None:
    outcome = await n.decisions.handle(FollowUpChanged(synergy_id=synergy_id, advisor_id=advisor, **change))
    assert outcome == "applied"


async def test_advisors_get_one_reminder_a_week_of_the_leads_that_wait(
    make_notifier: MakeNotifier, smtp: Mailbox
) -> None:
    n: Notifier = await make_notifier(WEEKLY, admin_email=None)
    claire, _ = await n.people.advisor("Claire", ["32"])
    marc, _ = await n.people.advisor("Marc", ["32"])
    bigorre, _ = await n.people.advisor("Bigorre", ["65"])
    n.clock.now = START
    companies = [await n.people.company(f"Atelier{i}") for i in range(4)]
    far = [await n.people.company(f"Haras{i}", "65") for i in range(2)]
    stale = synergy(companies[0], companies[1])
    owned = synergy(companies[2], companies[3])
    done = synergy(companies[1], companies[2])
    elsewhere = synergy(far[0], far[1], territories=("65",))
    for s in (stale, owned, done, elsewhere):
        await n.recorder.handle(SynergyProposed(synergy=s))
    await _decide(n, owned.synergy_id, claire, owner_id=marc, next_action_on=date(2025, 2, 20))
    await _decide(n, done.synergy_id, claire, status=SynergyStatus.DONE)
    await n.deliverer.deliver_due()
    before = {who: len(subjects(smtp, who.hex[:6])) for who in (claire, marc, bigorre)}

    def reminded(who: uuid.UUID) -> list[str]:
        return [s for s in subjects(smtp, who.hex[:6]) if "rappel de la semaine" in s]

    # Five weeks later, a minute before Monday 08:00 in Paris: nothing yet.
    n.clock.now = MONDAY_10_MARCH_8 - timedelta(minutes=1)
    assert await n.deliverer.deliver_reminders() == 0
    n.clock.now = MONDAY_10_MARCH_8
    assert await n.deliverer.deliver_reminders() == 3
    assert reminded(claire) == [
        "Eco'circulaire — rappel de la semaine : 1 piste attend une action sur vos territoires"
    ]
    assert len(reminded(marc)) == 1 and len(reminded(bigorre)) == 1
    [to_claire] = [m for m in sent_to(smtp, claire.hex[:6]) if "rappel" in str(m["Subject"])]
    text = to_claire.get_body(preferencelist=("plain",))
    assert text is not None
    body = text.get_content()
    assert f"/pistes/{stale.synergy_id}" in body and "aucun mouvement depuis le 3 février 2025" in body
    assert str(owned.synergy_id) not in body and str(done.synergy_id) not in body  # Marc's; and done
    [to_marc] = [m for m in sent_to(smtp, marc.hex[:6]) if "rappel" in str(m["Subject"])]
    marc_text = to_marc.get_body(preferencelist=("plain",))
    assert (
        marc_text is not None
        and "prochaine action prévue le 20 février 2025, date dépassée" in marc_text.get_content()
    )
    html = to_marc.get_body(preferencelist=("html",))
    assert (
        html is not None and f'href="http://127.0.0.1:8000/pistes/{owned.synergy_id}"' in html.get_content()
    )

    # Never twice the same week, whatever the hour or the process.
    for hours in (1, 30, 100):
        n.clock.now = MONDAY_10_MARCH_8 + timedelta(hours=hours)
        assert await n.deliverer.deliver_reminders() == 0
        assert await n.with_sender(FlakySender(0)).deliver_reminders() == 0
    assert len(reminded(claire)) == 1

    # Claire moves her lead on Wednesday: next Monday she has nothing to be reminded of; Marc's action is
    # still past. An SMTP failure is retried with the same Message-ID.
    n.clock.now = MONDAY_10_MARCH_8 + timedelta(days=2)
    await _decide(n, stale.synergy_id, claire, note="Appel : la scierie réfléchit")
    n.clock.now = MONDAY_10_MARCH_8 + timedelta(days=7)
    flaky = FlakySender(failures=1)
    assert await n.with_sender(flaky).deliver_reminders() == 1  # one of two failed
    n.clock.advance(seconds=3)
    assert await n.with_sender(flaky).deliver_reminders() == 1
    assert sorted(str(m["To"]).split("-")[0] for m in flaky.sent) == ["bigorre", "marc"]  # not Claire
    rows = await n.pool.fetch(
        "SELECT advisor_id, week_start, status, attempts, message_id FROM reminders ORDER BY week_start, advisor_id"
    )
    assert {(r["advisor_id"], r["week_start"]) for r in rows} == {
        (claire, date(2025, 3, 10)),
        (marc, date(2025, 3, 10)),
        (bigorre, date(2025, 3, 10)),
        (marc, date(2025, 3, 17)),
        (bigorre, date(2025, 3, 17)),
    }
    assert all(r["status"] == "sent" for r in rows) and sorted(r["attempts"] for r in rows) == [1, 1, 1, 1, 2]
    assert len({r["message_id"] for r in rows}) == 5
    # The retried one went with the Message-ID planned for it.
    assert {str(m["Message-ID"]) for m in flaky.sent} == {
        r["message_id"] for r in rows if r["week_start"].day == 17
    }
    assert {who: len(subjects(smtp, who.hex[:6])) - before[who] for who in before} == {
        claire: 1,
        marc: 1,
        bigorre: 1,
    }
