"""Advisors' email preferences, kept in the notifier's schema (the notifier reads them when it writes)."""

from __future__ import annotations

from uuid import UUID

import asyncpg


async def set_advisor_preferences(
    pool: asyncpg.Pool, advisor_id: UUID, *, delivery: str | None, opted_out: bool | None
) -> tuple[str | None, bool]:
    """Store what was given (None keeps the current value of opted_out); return the preferences now."""
    row = await pool.fetchrow(
        """INSERT INTO notifier.advisor_preferences (advisor_id, delivery, opted_out)
           VALUES ($1, $2, coalesce($3, false))
           ON CONFLICT (advisor_id) DO UPDATE
           SET delivery = EXCLUDED.delivery,
               opted_out = coalesce($3, notifier.advisor_preferences.opted_out),
               updated_at = now()
           RETURNING delivery, opted_out""",
        advisor_id,
        delivery,
        opted_out,
    )
    assert row is not None
    return row["delivery"], row["opted_out"]
