"""The notifier's migration 007 on data of the first follow-up: statuses in the pipeline's words, reasons
for what was refused, the last advisor's move kept for the reminders, and the v1 views still in the old
words for an intake of the previous release."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ecocirc_notifier.bootstrap import MIGRATIONS
from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.settings import Settings

pytestmark = pytest.mark.integration

CREATED = datetime(2024, 9, 1, tzinfo=UTC)


async def test_the_first_follow_up_moves_into_the_pipeline(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    before = tmp_path / "before-007"
    before.mkdir()
    for path in sorted(MIGRATIONS.glob("00[1-6]_*.sql")):
        shutil.copy(path, before / path.name)
    pool = await create_pool(make_settings(), "notifier")
    statuses = ["under_review", "proposed", "contacted", "accepted", "refused", "done", "withdrawn"]
    ids = {status: uuid.uuid4() for status in statuses}
    advisor = uuid.uuid4()
    try:
        await migrate(pool, "notifier", before)
        for status, synergy_id in ids.items():
            await pool.execute(
                """INSERT INTO synergies (synergy_id, revision, active, status, kind, score, company_ids, territories,
                                          snapshot, released, created_at)
                   VALUES ($1, 1, $2, $3, 'substitution', 0.8, '{}', '{32}', '{}', $4, $5)""",
                synergy_id,
                status != "withdrawn",
                status,
                status != "under_review",
                CREATED,
            )
        contacted = ids["contacted"]
        for previous, status, source, at in (
            (None, "proposed", "matcher", CREATED),
            ("proposed", "contacted", "advisor", CREATED + timedelta(days=3)),
            ("contacted", "contacted", "advisor", CREATED + timedelta(days=9)),  # a note
        ):
            await pool.execute(
                """INSERT INTO status_history (synergy_id, status, previous, source, changed_by, note, changed_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7)""",
                contacted,
                status,
                previous,
                source,
                advisor if source == "advisor" else None,
                "Appel" if previous == status else None,
                at,
            )
        assert await migrate(pool, "notifier", MIGRATIONS) == ["007_pipeline_outcomes_reminders.sql"]
        now = {r["synergy_id"]: r for r in await pool.fetch("SELECT * FROM synergies")}
        history = await pool.fetch(
            "SELECT status, previous, changes FROM status_history WHERE synergy_id = $1 ORDER BY id",
            contacted,
        )
        v1 = {
            r["synergy_id"]: r["status"] for r in await pool.fetch("SELECT * FROM notifier_read.synergies_v1")
        }
        v2 = {
            r["synergy_id"]: r["status"] for r in await pool.fetch("SELECT * FROM notifier_read.synergies_v2")
        }
        old_history = await pool.fetch(
            "SELECT status FROM notifier_read.status_history_v1 WHERE synergy_id = $1 ORDER BY id", contacted
        )
    finally:
        await pool.close()
    mapped = {
        "under_review": "idea",
        "proposed": "proposed",
        "contacted": "in_contact",
        "accepted": "study",
        "refused": "abandoned",
        "done": "done",
        "withdrawn": "withdrawn",
    }
    assert {status: now[ids[status]]["status"] for status in statuses} == mapped
    assert now[ids["refused"]]["abandon_reason"] == "other"
    assert {s for s in statuses if now[ids[s]]["abandon_reason"]} == {"refused"}
    # The reminders' clock: the last advisor's move, else the lead's creation.
    assert now[contacted]["moved_at"] == CREATED + timedelta(days=9)
    assert now[ids["accepted"]]["moved_at"] == CREATED
    assert [(h["status"], h["previous"], h["changes"]) for h in history] == [
        ("proposed", None, ["status"]),
        ("in_contact", "proposed", ["status"]),
        ("in_contact", "in_contact", ["note"]),
    ]
    assert v2 == {ids[s]: mapped[s] for s in statuses}
    assert v1 == {ids[s]: s for s in statuses}  # an older intake reads the words it knows
    assert [r["status"] for r in old_history] == ["proposed", "contacted", "contacted"]
