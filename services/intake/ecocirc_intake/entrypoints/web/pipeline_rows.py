"""Leads as an advisor's lists show them: the list of the API's scope and filters, each lead worded by
the shared confidentiality rules (names, resource), with its place in the pipeline."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from ecocirc_intake.adapters import directory as intake_directory
from ecocirc_intake.adapters import notifier_reads
from ecocirc_intake.adapters.store import IntakeStore
from ecocirc_intake.entrypoints.synergy_routes import viewer_of
from ecocirc_intake.entrypoints.web.present import kind_label, status_label
from ecocirc_intake.service_layer.principals import Advisor
from ecocirc_shared import french
from ecocirc_shared.followup import OPEN, SynergyStatus
from ecocirc_shared.wording import synergy_view


@dataclass(frozen=True)
class PipelineRow:
    id: UUID
    title: str
    reference: str
    kind: str
    status: str
    status_text: str
    score: str
    parties: tuple[str, ...]
    owner: str | None
    next_action: str | None
    overdue: bool
    moved: str | None
    recorded: bool


def day(value: date | None) -> str | None:
    return None if value is None else french.day(value)


async def pipeline_rows(
    store: IntakeStore,
    advisor: Advisor,
    *,
    filters: notifier_reads.Filters,
    include_withdrawn: bool,
    limit: int,
    offset: int,
    owners: dict[UUID, str],
    today: date,
) -> tuple[list[PipelineRow], int]:
    """The leads of the advisor's territories that the filters keep, best first."""
    rows, total = await notifier_reads.list_synergies(
        store.pool,
        notifier_reads.Scope(territories=advisor.territories),
        company_id=None,
        include_withdrawn=include_withdrawn,
        limit=limit,
        offset=offset,
        filters=filters,
    )
    companies = {p.company_id for r in rows for p in r.snapshot.participants}
    async with store.pool.acquire() as conn:
        directory = await intake_directory.companies(conn, companies)
        introduced = await notifier_reads.introduced(conn, [r.snapshot.synergy_id for r in rows])
    viewer = viewer_of(advisor, directory)
    shown = []
    for row in rows:
        row = dataclasses.replace(row, introduced=row.snapshot.synergy_id in introduced)
        view = synergy_view(row.snapshot, directory, viewer, introduced=row.introduced)
        pipeline = row.pipeline
        due = pipeline.next_action_on
        shown.append(
            PipelineRow(
                id=row.snapshot.synergy_id,
                title=view.resource[:1].upper() + view.resource[1:],
                reference=view.reference,
                kind=kind_label(row.snapshot.kind.value),
                status=row.status,
                status_text=status_label(row.status),
                score=view.score,
                parties=tuple(
                    (p.name if p.named and p.name else p.description) + (f" ({p.city})" if p.city else "")
                    for p in view.parties
                ),
                owner=owners.get(pipeline.owner_id) if pipeline.owner_id else None,
                next_action=day(due),
                overdue=due is not None and due < today and SynergyStatus(row.status) in OPEN,
                moved=day(pipeline.moved_at.date()) if pipeline.moved_at else None,
                recorded=pipeline.origin == "advisor",
            )
        )
    return shown, total
