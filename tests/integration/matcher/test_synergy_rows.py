"""A synergy's row and events through its life: copied in at revision 1, upserted once it has a row."""

from __future__ import annotations

from typing import Any

import pytest

from ecocirc_matcher.adapters.store import SCHEMA, MatcherStore
from ecocirc_matcher.bootstrap import MIGRATIONS
from ecocirc_matcher.domain.knowledge import load_knowledge
from ecocirc_matcher.service_layer.matching import MatcherService
from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.events import FlowDeclared, FlowRevised, SynergyProposed, SynergyWithdrawn, decode
from ecocirc_shared.outbox import outbox_ddl
from ecocirc_shared.settings import MatcherSettings
from ecocirc_shared.synergies import SynergySnapshot
from tests.integration.matcher.test_workers import fresh_database
from tests.unit.matcher.factories import need, offer

pytestmark = pytest.mark.integration


async def test_a_withdrawn_synergy_proposed_again_keeps_its_row_and_numbers_on(postgres: Any) -> None:
    """A synergy that comes back has a row already: it must take the upsert at its next revision (a copy
    at revision 1 would break the primary key and fail the batch)."""
    url = await fresh_database(postgres.url)
    pool = await create_pool(MatcherSettings(embedded=True, database_url=url), SCHEMA, max_size=2)
    await migrate(pool, SCHEMA, MIGRATIONS, extra_ddl=outbox_ddl(SCHEMA))
    service = MatcherService(MatcherStore(pool), load_knowledge())
    await service.rebuild()
    chips = offer("Plaquettes de bois")
    boiler = need("Chaudière bois", road_km=5)
    await service.handle_batch([FlowDeclared(flow=chips), FlowDeclared(flow=boiler)])
    elsewhere = boiler.model_copy(update={"version": 2, "label": "Gobelets en carton pour la cantine"})
    await service.handle_batch([FlowRevised(flow=elsewhere)])
    again = boiler.model_copy(update={"version": 3})
    await service.handle_batch([FlowRevised(flow=again)])

    rows = await pool.fetch("SELECT synergy_id, revision, active, flow_ids, snapshot FROM synergies")
    assert len(rows) == 1
    row = rows[0]
    assert row["revision"] == 3 and row["active"]
    assert sorted(row["flow_ids"]) == sorted([chips.flow_id, boiler.flow_id])
    snapshot = SynergySnapshot.model_validate_json(row["snapshot"])
    assert snapshot.synergy_id == row["synergy_id"] and snapshot.revision == 3
    events = [
        decode(r["payload"])
        for r in await pool.fetch(
            "SELECT payload FROM outbox WHERE key = $1 ORDER BY seq", str(row["synergy_id"])
        )
    ]
    revisions = [e.revision if isinstance(e, SynergyWithdrawn) else e.synergy.revision for e in events]  # type: ignore[union-attr]
    assert list(zip(map(type, events), revisions, strict=True)) == [
        (SynergyProposed, 1),
        (SynergyWithdrawn, 2),
        (SynergyProposed, 3),
    ]
    await pool.close()
