"""Intake's migration 004 hands the email opt-outs it recorded over to the notifier, which owns them
now, as decision events in its outbox that the notifier reads like any other."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from ecocirc_intake.bootstrap import MIGRATIONS
from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.events import EmailPreferencesChanged, decode
from ecocirc_shared.outbox import outbox_ddl
from ecocirc_shared.settings import Settings
from ecocirc_shared.topics import DECISION_EVENTS

pytestmark = pytest.mark.integration


async def test_recorded_opt_outs_become_decision_events(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    before = tmp_path / "before-004"
    before.mkdir()
    for path in sorted(MIGRATIONS.glob("00[123]_*.sql")):
        shutil.copy(path, before / path.name)
    pool = await create_pool(make_settings(), "intake")
    try:
        await migrate(pool, "intake", before, extra_ddl=outbox_ddl("intake"))
        opted, other = uuid.uuid4(), uuid.uuid4()
        for company_id, opt_out in ((opted, True), (other, False)):
            await pool.execute(
                """INSERT INTO companies (id, name, naf_code, contact_email, lat, lon, territory, email_opt_out)
                   VALUES ($1, 'Scierie', '16.10A', 'c@example.org', 43.5, 0.9, '32', $2)""",
                company_id,
                opt_out,
            )
        applied = await migrate(pool, "intake", MIGRATIONS, extra_ddl=outbox_ddl("intake"))
        assert applied[0] == "004_advisor_changes_and_read_contract.sql"  # later ones may follow
        rows = await pool.fetch("SELECT topic, key, payload FROM outbox")
    finally:
        await pool.close()
    [(topic, key, payload)] = [(r["topic"], r["key"], r["payload"]) for r in rows]
    event = decode(payload)
    assert topic == DECISION_EVENTS and key == f"company:{opted}"
    assert isinstance(event, EmailPreferencesChanged)
    assert (event.recipient_id, event.opted_out, event.delivery) == (opted, True, None)
