"""Bulk import of an advisor's interview spreadsheet: validated as a whole, written all or nothing."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass, field

from ecocirc_intake.adapters.spreadsheet import SpreadsheetError, read_table
from ecocirc_intake.adapters.store import CompanyRecord, IntakeStore, IntakeTx
from ecocirc_intake.domain.import_rows import CompanyRow, ImportPlan, ImportRejected, RowProblem, plan_import
from ecocirc_intake.service_layer.errors import InvalidInput, Problem
from ecocirc_intake.service_layer.principals import Advisor, Principal, hash_token, new_token
from ecocirc_intake.service_layer.use_cases import (
    company_columns,
    company_territory,
    require_advisor,
    save_new_flow,
    save_revision,
)

REJECTED = (
    "Le fichier contient des erreurs : rien n'a été enregistré. Corrigez les lignes indiquées et renvoyez-le."
)


@dataclass
class ImportedCompany:
    row: int
    id: uuid.UUID
    name: str
    status: str  # "created" | "existing"
    token: str | None = None


@dataclass
class ImportedFlow:
    row: int
    id: uuid.UUID
    company_id: uuid.UUID
    status: str  # "created" | "revised" | "unchanged"
    version: int


@dataclass
class ImportReport:
    import_id: uuid.UUID | None
    dry_run: bool
    rows: int
    companies: list[ImportedCompany] = field(default_factory=list)
    flows: list[ImportedFlow] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        tally = {"rows": self.rows}
        for kind, items in (("companies", self.companies), ("flows", self.flows)):
            for item in items:
                tally[f"{kind}_{item.status}"] = tally.get(f"{kind}_{item.status}", 0) + 1
        return tally


class _DryRun(Exception):
    """Rolls back a dry run's transaction once its report is known."""


def _rejected(problems: list[RowProblem]) -> InvalidInput:
    return InvalidInput(REJECTED, [Problem(p.field, p.message, row=p.row, column=p.column) for p in problems])


def _plan(content: bytes) -> ImportPlan:
    try:
        table = read_table(content)
    except SpreadsheetError as error:
        raise InvalidInput(REJECTED, [Problem("file", str(error))]) from None
    try:
        return plan_import(table.header, table.rows)
    except ImportRejected as rejected:
        raise _rejected(list(rejected.problems)) from None


async def import_spreadsheet(
    store: IntakeStore, principal: Principal, content: bytes, filename: str | None, *, dry_run: bool
) -> ImportReport:
    """Create the file's new companies, declare its new flows, revise the changed ones.

    Sending the same file again changes nothing: companies are recognised by SIRET (else name and
    commune) and flows by company, direction, category and label. A dry run reports the same without
    writing (and without tokens).
    """
    advisor = require_advisor(principal, "importer un fichier")
    # Parsing and validating thousands of rows is CPU work: off the event loop.
    plan = await asyncio.to_thread(_plan, content)
    problems = []
    for company in plan.companies:
        territory = company_territory(company.company)
        if territory is None:
            problems.append(RowProblem(company.row, "territory", "Indiquez le territoire de l'entreprise."))
        elif not advisor.covers(territory):
            problems.append(
                RowProblem(
                    company.row,
                    "territory",
                    f"Le territoire {territory} ne fait pas partie de vos territoires.",
                )
            )
    if problems:
        raise _rejected(problems)
    report = ImportReport(None if dry_run else uuid.uuid4(), dry_run, len(plan.flows))
    try:
        async with store.transaction() as tx:
            # One import at a time, so two sends of one file cannot both create its companies.
            await tx.lock("intake-import")
            await _write(tx, advisor, plan, report)
            if dry_run:
                raise _DryRun
            assert report.import_id is not None
            summary = {**report.counts(), "filename": filename}
            await tx.insert_import(
                report.import_id, advisor.id, hashlib.sha256(content).digest(), filename, summary
            )
    except _DryRun:
        for imported in report.companies:
            imported.token = None
    return report


async def _write(tx: IntakeTx, advisor: Advisor, plan: ImportPlan, report: ImportReport) -> None:
    records: dict[str, CompanyRecord] = {}
    problems: list[RowProblem] = []
    for row in plan.companies:
        record = await _company(tx, advisor, row, report, problems)
        if record is not None:
            records[row.key] = record
    if problems:
        raise _rejected(problems)
    for flow_row in plan.flows:
        company = records[flow_row.company_key]
        existing = await tx.flow_by_import_key(company.id, flow_row.import_key)
        if existing is None:
            snapshot = await save_new_flow(
                tx, company, flow_row.flow, advisor.id, import_key=flow_row.import_key
            )
            status = "created"
        elif existing.declared == flow_row.flow.declared():
            snapshot, status = existing.snapshot, "unchanged"
        else:
            snapshot = await save_revision(tx, existing.snapshot, flow_row.flow, advisor.id)
            status = "revised"
        report.flows.append(
            ImportedFlow(flow_row.row, snapshot.flow_id, company.id, status, snapshot.version)
        )


async def _company(
    tx: IntakeTx, advisor: Advisor, row: CompanyRow, report: ImportReport, problems: list[RowProblem]
) -> CompanyRecord | None:
    """The known company of a row, or a new one; a known company outside the advisor's reach is an error."""
    company = row.company
    known = await tx.find_company(
        siret=company.siret, name=company.name, commune_insee=company.site.commune_insee
    )
    if known is not None:
        if not advisor.covers(known.territory):
            problems.append(
                RowProblem(
                    row.row,
                    "siret" if company.siret else "company_name",
                    "Cette entreprise est déjà enregistrée sur un territoire qui n'est pas le vôtre.",
                )
            )
            return None
        report.companies.append(ImportedCompany(row.row, known.id, known.name, "existing"))
        return known
    territory = company_territory(company)
    assert territory is not None  # checked before the transaction
    company_id, token = uuid.uuid4(), new_token()
    await tx.insert_company(
        company_id, company_columns(company, territory, row.consent_to_be_named), advisor.id
    )
    await tx.insert_token(hash_token(token), company_id=company_id)
    report.companies.append(ImportedCompany(row.row, company_id, company.name, "created", token))
    created = await tx.get_company(company_id)
    assert created is not None
    return created
