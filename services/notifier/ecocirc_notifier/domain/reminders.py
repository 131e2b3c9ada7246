"""The weekly reminders: when a week's reminders are due, which leads wait on someone (a next action
past, or nobody moved them for 30 days), and to whom each goes: its owner, else every advisor of its
territories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from ecocirc_shared.directory import AdvisorEntry
from ecocirc_shared.followup import OPEN, SynergyStatus


@dataclass(frozen=True)
class ReminderSchedule:
    """Once a week, on `weekday` (1 = Monday) from `hour` o'clock in `timezone`."""

    weekday: int = 1
    hour: int = 8
    timezone: str = "Europe/Paris"
    stale_days: int = 30

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def week_of(now: datetime, schedule: ReminderSchedule) -> date:
    """The Monday of the week `now` falls in, in the programme's time zone: the reminders' key."""
    local = now.astimezone(schedule.zone).date()
    return local - timedelta(days=local.weekday())


def due_week(now: datetime, schedule: ReminderSchedule) -> date | None:
    """The week whose reminders are due at `now` (its weekday and hour have come), else None.

    A notifier down at that hour sends them when it is back within the week; a later week waits for
    its own day, so nobody gets two reminders in one week or one the day after another.
    """
    week = week_of(now, schedule)
    when = datetime.combine(
        week + timedelta(days=schedule.weekday - 1), time(schedule.hour), tzinfo=schedule.zone
    )
    return week if now >= when else None


class Why(StrEnum):
    OVERDUE = "overdue"  # its next action's date is past
    STALE = "stale"  # nobody moved it for `stale_days`


class Lead(BaseModel):
    """A lead as a reminder lists it (stored with the planned reminder, so a retry says the same; its
    wording is made at sending time, within what the advisor may read then)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    synergy_id: UUID
    status: SynergyStatus
    territories: tuple[str, ...]
    owner_id: UUID | None
    next_action_on: date | None
    moved_at: datetime
    why: Why | None = None


def why_due(lead: Lead, today: date, stale_before: datetime) -> Why | None:
    """Why an open lead waits on someone, or None. A past next action says more than staleness."""
    if lead.status not in OPEN:
        return None
    if lead.next_action_on is not None and lead.next_action_on < today:
        return Why.OVERDUE
    if lead.moved_at < stale_before:
        return Why.STALE
    return None


def reminders(
    leads: Iterable[Lead], advisors: Sequence[AdvisorEntry], now: datetime, schedule: ReminderSchedule
) -> dict[UUID, list[Lead]]:
    """For each advisor to remind, the leads that wait, most overdue first.

    A lead with an owner who still follows one of its territories goes to its owner alone; any other
    to every advisor following one of its territories. Advisors without a mailbox or who opted out
    get nothing.
    """
    today = now.astimezone(schedule.zone).date()
    stale_before = now - timedelta(days=schedule.stale_days)
    reachable = [a for a in advisors if a.email and not a.opted_out]
    by_id = {a.id: a for a in advisors}
    found: dict[UUID, list[Lead]] = {}
    for lead in leads:
        why = why_due(lead, today, stale_before)
        if why is None:
            continue
        item = lead.model_copy(update={"why": why})
        owner = by_id.get(lead.owner_id) if lead.owner_id else None
        if owner is not None and any(owner.covers(t) for t in lead.territories):
            targets = [owner] if owner in reachable else []
        else:
            targets = [a for a in reachable if any(a.covers(t) for t in lead.territories)]
        for advisor in targets:
            found.setdefault(advisor.id, []).append(item)
    for items in found.values():
        items.sort(key=lambda x: (x.why is not Why.OVERDUE, x.next_action_on or date.max, x.moved_at))
    return found
