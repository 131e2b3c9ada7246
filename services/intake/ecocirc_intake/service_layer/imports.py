"""Bulk import of an advisor's interview spreadsheet: validated as a whole, written all or nothing."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from ecocirc_intake.adapters.spreadsheet import ReadLimits, SpreadsheetError, read_table
from ecocirc_intake.adapters.store import CompanyRecord, IntakeStore, IntakeTx
from ecocirc_intake.domain.import_rows import CompanyRow, ImportPlan, ImportRejected, RowProblem, plan_import
from ecocirc_intake.service_layer.errors import InvalidInput, Problem, Unavailable
from ecocirc_intake.service_layer.principals import Advisor, Principal, hash_token, new_token
from ecocirc_intake.service_layer.sign_in import SignInPolicy, queue_welcome
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


@dataclass(frozen=True)
class ImportLimits:
    """What one import may cost: the file's size in rows and columns, and time."""

    read: ReadLimits = field(default_factory=ReadLimits)
    max_seconds: float = 60.0


class _Stopped(Exception):
    """Raised inside the parsing thread when the import is given up (deadline, or the caller left)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _Budget:
    """The deadline of one import, and a flag that stops its parsing thread from outside."""

    def __init__(self, max_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.max_seconds = max_seconds
        self._clock = clock
        self._deadline = clock() + max_seconds
        self.abandoned = threading.Event()

    def remaining(self) -> float:
        return self._deadline - self._clock()

    def check(self) -> None:
        """Called before each row, in the parsing thread."""
        if self.abandoned.is_set():
            raise _Stopped("Import abandonné : la connexion a été fermée.")
        if self.remaining() <= 0:
            raise _Stopped(self.too_slow())

    def too_slow(self) -> str:
        return (
            f"L'import a dépassé {self.max_seconds:g} s : rien n'a été enregistré."
            " Découpez le fichier en plusieurs envois."
        )


def _rejected(problems: list[RowProblem]) -> InvalidInput:
    return InvalidInput(REJECTED, [Problem(p.field, p.message, row=p.row, column=p.column) for p in problems])


def _plan(content: bytes, limits: ReadLimits, check: Callable[[], None]) -> ImportPlan:
    try:
        table = read_table(content, limits, check)
    except SpreadsheetError as error:
        raise InvalidInput(REJECTED, [Problem("file", str(error))]) from None
    try:
        return plan_import(table.header, table.rows, check)
    except ImportRejected as rejected:
        raise _rejected(list(rejected.problems)) from None


async def _plan_in_thread(content: bytes, limits: ReadLimits, budget: _Budget) -> ImportPlan:
    """Parse and validate off the event loop; a cancelled caller stops the thread at its next row."""
    try:
        return await asyncio.to_thread(_plan, content, limits, budget.check)
    except _Stopped as stopped:
        raise InvalidInput(REJECTED, [Problem("file", stopped.message)]) from None
    finally:
        # The await may end early (cancelled: the client left); the thread itself cannot be
        # cancelled, so it is told to stop, and does so before its next row.
        budget.abandoned.set()


async def import_spreadsheet(
    store: IntakeStore,
    principal: Principal,
    content: bytes,
    filename: str | None,
    *,
    dry_run: bool,
    limits: ImportLimits = ImportLimits(),
    welcome: SignInPolicy | None = None,
) -> ImportReport:
    """Create the file's new companies, declare its new flows, revise the changed ones.

    Sending the same file again changes nothing: companies are recognised by SIRET (else name and
    commune) and flows by company, direction, category and label. A dry run reports the same without
    writing (and without tokens). The whole import, writing included, must end within
    `limits.max_seconds`, or nothing is written.
    """
    advisor = require_advisor(principal, "importer un fichier")
    budget = _Budget(limits.max_seconds)
    # Parsing and validating thousands of rows is CPU work: off the event loop.
    plan = await _plan_in_thread(content, limits.read, budget)
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
        async with asyncio.timeout(max(budget.remaining(), 0)), store.transaction() as tx:
            # One import at a time, so two sends of one file cannot both create its companies.
            await tx.lock("intake-import")
            await _write(tx, advisor, plan, report, welcome)
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
    except TimeoutError:
        # The transaction was rolled back. Writing is slow here when another import holds the lock
        # or the database is loaded: a temporary state, so 503 rather than a fault of the file.
        raise Unavailable(budget.too_slow()) from None
    return report


async def _write(
    tx: IntakeTx, advisor: Advisor, plan: ImportPlan, report: ImportReport, welcome: SignInPolicy | None
) -> None:
    records: dict[str, CompanyRecord] = {}
    problems: list[RowProblem] = []
    for row in plan.companies:
        record = await _company(tx, advisor, row, report, problems, welcome)
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
    tx: IntakeTx,
    advisor: Advisor,
    row: CompanyRow,
    report: ImportReport,
    problems: list[RowProblem],
    welcome: SignInPolicy | None,
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
    if welcome is not None:
        await queue_welcome(tx, company_id, company.name, company.contact_email, welcome)
    report.companies.append(ImportedCompany(row.row, company_id, company.name, "created", token))
    created = await tx.get_company(company_id)
    assert created is not None
    return created
