"""Advisors' digests: which news wait for each advisor, and when they leave together as one email."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from ecocirc_notifier.domain.news import digest_key
from ecocirc_notifier.domain.schedule import digest_due
from ecocirc_shared.db import Connection


async def plan(conn: Connection, now: datetime, interval: timedelta) -> int:
    """Fix the content of every digest whose window has closed; return how many were planned.

    Planning is committed before sending: a digest retried after an SMTP failure or a crash carries
    the same news and Message-ID, and news queued meanwhile waits for the next one.
    """
    planned = 0
    advisors = await conn.fetch(
        """SELECT recipient_id, min(created_at) AS oldest FROM deliveries
           WHERE status = 'pending' AND digest AND batch_key IS NULL
           GROUP BY recipient_id"""
    )
    for advisor in advisors:
        if digest_due(advisor["oldest"], interval) > now:
            continue
        async with conn.transaction():
            rows = await conn.fetch(
                """SELECT news_key FROM deliveries
                   WHERE recipient_id = $1 AND status = 'pending' AND digest AND batch_key IS NULL
                   FOR UPDATE SKIP LOCKED""",
                advisor["recipient_id"],
            )
            if not rows:
                continue
            keys = [r["news_key"] for r in rows]
            await conn.execute(
                "UPDATE deliveries SET batch_key = $2, next_attempt_at = $3 WHERE news_key = ANY($1::text[])",
                keys,
                digest_key(keys),
                now,
            )
            planned += 1
    return planned


async def next_due(conn: Connection, now: datetime) -> list[asyncpg.Record]:
    """The rows of one planned digest due now, locked until the caller's transaction ends."""
    batch = await conn.fetchval(
        """SELECT batch_key FROM deliveries
           WHERE status = 'pending' AND digest AND batch_key IS NOT NULL AND next_attempt_at <= $1
           ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED""",
        now,
    )
    if batch is None:
        return []
    return list(
        await conn.fetch(
            """SELECT d.news_key, d.news, d.recipient, d.email, d.attempts, d.batch_key,
                      s.snapshot AS latest, s.active
               FROM deliveries d JOIN synergies s USING (synergy_id)
               WHERE d.batch_key = $1 AND d.status = 'pending'
               ORDER BY d.created_at FOR UPDATE OF d""",
            batch,
        )
    )
