"""Weekly reminders, pure: when a week is due, which leads wait, and who hears of each."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from ecocirc_notifier.domain.reminders import Lead, ReminderSchedule, Why, due_week, reminders, week_of
from ecocirc_shared.directory import AdvisorEntry
from ecocirc_shared.followup import SynergyStatus

SCHEDULE = ReminderSchedule(weekday=1, hour=8, timezone="Europe/Paris", stale_days=30)
# Monday 10 March 2025, 08:00 in Paris is 07:00 UTC (winter time).
MONDAY_8 = datetime(2025, 3, 10, 7, 0, tzinfo=UTC)


def test_a_week_is_due_from_its_day_and_hour_in_the_programme_s_time_zone() -> None:
    assert due_week(MONDAY_8 - timedelta(seconds=1), SCHEDULE) is None
    assert due_week(MONDAY_8, SCHEDULE) == date(2025, 3, 10)
    assert due_week(MONDAY_8 + timedelta(days=6, hours=15, minutes=59), SCHEDULE) == date(
        2025, 3, 10
    )  # Sunday 23:59
    # Sunday 23:30 UTC is Monday 00:30 in Paris: a new week, not due before 08:00.
    assert week_of(datetime(2025, 3, 16, 23, 30, tzinfo=UTC), SCHEDULE) == date(2025, 3, 17)
    assert due_week(datetime(2025, 3, 16, 23, 30, tzinfo=UTC), SCHEDULE) is None
    friday = ReminderSchedule(weekday=5, hour=14)
    assert due_week(MONDAY_8 + timedelta(days=4, hours=5), friday) is None
    assert due_week(MONDAY_8 + timedelta(days=4, hours=6), friday) == date(2025, 3, 10)


def _lead(territory: str = "32", **fields: object) -> Lead:
    values: dict[str, object] = {
        "synergy_id": uuid.uuid4(),
        "status": SynergyStatus.PROPOSED,
        "territories": (territory,),
        "owner_id": None,
        "next_action_on": None,
        "moved_at": MONDAY_8 - timedelta(days=3),
    }
    return Lead.model_validate({**values, **fields})


def _advisor(territories: tuple[str, ...], **fields: object) -> AdvisorEntry:
    return AdvisorEntry.model_validate(
        {
            "id": uuid.uuid4(),
            "name": "A",
            "email": f"{uuid.uuid4().hex[:6]}@cci.example",
            "territories": territories,
            **fields,
        }
    )


def test_leads_wait_when_their_next_action_is_past_or_nobody_moved_them_for_30_days() -> None:
    claire = _advisor(("32",))
    overdue = _lead(next_action_on=date(2025, 3, 9))
    today = _lead(next_action_on=date(2025, 3, 10))
    stale = _lead(moved_at=MONDAY_8 - timedelta(days=31))
    fresh = _lead(moved_at=MONDAY_8 - timedelta(days=29))
    done = _lead(status=SynergyStatus.DONE, moved_at=MONDAY_8 - timedelta(days=90))
    abandoned = _lead(status=SynergyStatus.ABANDONED, next_action_on=date(2025, 1, 1))
    found = reminders([stale, fresh, done, abandoned, today, overdue], [claire], MONDAY_8, SCHEDULE)
    assert [(lead.synergy_id, lead.why) for lead in found[claire.id]] == [
        (overdue.synergy_id, Why.OVERDUE),
        (stale.synergy_id, Why.STALE),
    ]


def test_an_owned_lead_goes_to_its_owner_alone_others_to_their_territories_advisors() -> None:
    claire, marc, bigorre = _advisor(("32",)), _advisor(("32",)), _advisor(("65",))
    quiet = _advisor(("32",), opted_out=True)
    no_mailbox = _advisor(("*",), email=None)
    moved_away = _advisor(("81",))
    old = MONDAY_8 - timedelta(days=40)
    owned = _lead(owner_id=marc.id, moved_at=old)
    orphan = _lead(owner_id=moved_away.id, moved_at=old)  # its owner no longer follows the 32
    unowned = _lead(moved_at=old)
    far = _lead("65", moved_at=old)
    found = reminders(
        [owned, orphan, unowned, far],
        [claire, marc, bigorre, quiet, no_mailbox, moved_away],
        MONDAY_8,
        SCHEDULE,
    )
    ids = {who: {lead.synergy_id for lead in leads} for who, leads in found.items()}
    assert ids == {
        claire.id: {orphan.synergy_id, unowned.synergy_id},
        marc.id: {owned.synergy_id, orphan.synergy_id, unowned.synergy_id},
        bigorre.id: {far.synergy_id},
    }
