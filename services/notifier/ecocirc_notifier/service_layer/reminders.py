"""The advisors' weekly reminders: planned once a week (the ledger of weeks and of (advisor, week)
rows makes it once), then sent like any email, retried with backoff, re-read at sending time."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import asyncpg

from ecocirc_notifier.adapters.directory import load_directory
from ecocirc_notifier.domain.news import message_id
from ecocirc_notifier.domain.reminders import Lead, ReminderSchedule, due_week, reminders
from ecocirc_shared.db import Connection
from ecocirc_shared.followup import OPEN


async def plan(conn: Connection, now: datetime, schedule: ReminderSchedule, mail_domain: str) -> int | None:
    """Fix the content of this week's reminders if they are due and not planned yet; return how many
    (None: not due, or planned before). One transaction: the week's row is the lock and the proof."""
    week = due_week(now, schedule)
    if week is None:
        return None
    async with conn.transaction():
        first = await conn.fetchval(
            """INSERT INTO reminder_weeks (week_start, planned_at) VALUES ($1, $2)
               ON CONFLICT (week_start) DO NOTHING RETURNING true""",
            week,
            now,
        )
        if not first:
            return None
        today = now.astimezone(schedule.zone).date()
        rows = await conn.fetch(
            """SELECT synergy_id, status, territories, owner_id, next_action_on, moved_at FROM synergies
               WHERE status = ANY($1::text[]) AND (next_action_on < $2 OR moved_at < $3)""",
            [s.value for s in OPEN],
            today,
            now - timedelta(days=schedule.stale_days),
        )
        leads = [Lead.model_validate({**dict(r), "territories": tuple(r["territories"])}) for r in rows]
        directory = await load_directory(conn, [], digest=False)
        found = reminders(leads, directory.advisors, now, schedule)
        emails = {a.id: a.email for a in directory.advisors}
        await conn.executemany(
            """INSERT INTO reminders (advisor_id, week_start, email, leads, message_id, next_attempt_at, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $6)""",
            [
                (
                    advisor_id,
                    week,
                    emails[advisor_id],
                    json.dumps([lead.model_dump(mode="json") for lead in items]),
                    message_id(f"reminder:{advisor_id}:{week.isoformat()}", mail_domain),
                    now,
                )
                for advisor_id, items in found.items()
            ],
        )
    return len(found)


async def next_due(conn: Connection, now: datetime) -> asyncpg.Record | None:
    """One reminder due now, locked until the caller's transaction ends."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """SELECT advisor_id, week_start, email, leads, message_id, attempts FROM reminders
           WHERE status = 'pending' AND next_attempt_at <= $1
           ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED""",
        now,
    )
    return row


async def snapshots(conn: Connection, leads: list[Lead]) -> dict[object, str]:
    """The current snapshot of each lead, to word it at sending time."""
    rows = await conn.fetch(
        "SELECT synergy_id, snapshot FROM synergies WHERE synergy_id = ANY($1::uuid[])",
        [lead.synergy_id for lead in leads],
    )
    return {r["synergy_id"]: r["snapshot"] for r in rows}


async def mark_sent(conn: Connection, row: asyncpg.Record, at: datetime, email: str) -> None:
    await conn.execute(
        """UPDATE reminders SET status = 'sent', attempts = attempts + 1, sent_at = $3, email = $4, last_error = NULL
           WHERE advisor_id = $1 AND week_start = $2""",
        row["advisor_id"],
        row["week_start"],
        at,
        email,
    )


async def mark_failed(
    conn: Connection, row: asyncpg.Record, error: str, *, give_up: bool, retry_at: datetime
) -> None:
    await conn.execute(
        """UPDATE reminders SET status = $3, attempts = attempts + 1, last_error = $4, next_attempt_at = $5
           WHERE advisor_id = $1 AND week_start = $2""",
        row["advisor_id"],
        row["week_start"],
        "failed" if give_up else "pending",
        error[:500],
        retry_at,
    )


async def cancel(conn: Connection, row: asyncpg.Record, reason: str) -> None:
    await conn.execute(
        "UPDATE reminders SET status = 'cancelled', last_error = $3 WHERE advisor_id = $1 AND week_start = $2",
        row["advisor_id"],
        row["week_start"],
        reason,
    )
