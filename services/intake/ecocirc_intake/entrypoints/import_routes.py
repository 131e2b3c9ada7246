"""Bulk import of an advisor's spreadsheet (CSV or XLSX, one row per flow with its company)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import asdict
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, File, Query, Request, UploadFile, status

from ecocirc_intake.adapters.spreadsheet import ReadLimits
from ecocirc_intake.entrypoints.api import ERRORS, PrincipalDep, StoreDep
from ecocirc_intake.entrypoints.limits import IMPORT_LIMIT
from ecocirc_intake.entrypoints.schemas import ImportReportPublic
from ecocirc_intake.service_layer import imports
from ecocirc_intake.service_layer.errors import ClientGone, TooLarge
from ecocirc_shared.logging import get_logger
from ecocirc_shared.settings import Settings

router = APIRouter(prefix="/v1", responses=ERRORS)
log = get_logger(__name__)
T = TypeVar("T")


def import_limits(settings: Settings) -> imports.ImportLimits:
    return imports.ImportLimits(
        read=ReadLimits(
            max_rows=settings.import_max_rows,
            max_columns=settings.import_max_columns,
            max_sheet_rows=settings.import_max_sheet_rows,
        ),
        max_seconds=settings.import_max_seconds,
    )


async def _client_gone(request: Request) -> None:
    """Returns when the client closes the connection.

    The body has been read whole by then, so the next ASGI message can only be the disconnect
    (servers send it when the client goes, or once the answer is sent).
    """
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def while_connected(request: Request, work: Coroutine[Any, Any, T]) -> T:
    """Run `work`, cancelling it (and whatever it waits for) if the client goes away first."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_client_gone(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:  # the server is stopping
        task.cancel()
        raise
    finally:
        watcher.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task  # its transaction rolls back, its parsing thread is told to stop
    log.info("import_abandoned", reason="client disconnected")
    raise ClientGone("Import abandonné : la connexion a été fermée.")


DESCRIPTION = """
One row per flow; the company's columns are repeated on each of its rows, or only its name after the
first. Columns (English names, or their French equivalents such as `entreprise`, `code_naf`, `sens`,
`catégorie`, `libellé`, `quantité`, `unité`, `période`, `mois`, `dangereux`, `confidentialité`):
`company_name`, `naf_code`, `contact_email`, `siret`, `postcode`, `city`, `lat`, `lon`, `territory`,
`consent_to_be_named`, `direction` (offer/offre, need/besoin), `category`, `label`, `description`,
`ewc_code`, `quantity_amount`, `quantity_unit`, `quantity_period`, `months` (« 3, 4, 5 », « mars-mai »),
`hazardous` (oui/non), `max_distance_km`, `confidentiality` (public, advisor_only/conseiller).

The file is validated as a whole: on any error nothing is written, and the answer lists every error with
its row and column. Sending the same file again changes nothing (companies are recognised by SIRET, else
name and commune; flows by company, direction, category and label); a changed row revises its flow.
`dry_run=true` reports what would happen without writing.

Bounds, from the settings: at most `ECOCIRC_IMPORT_MAX_ROWS` data rows (5,000) and
`ECOCIRC_IMPORT_MAX_COLUMNS` columns (100), nothing beyond row `ECOCIRC_IMPORT_MAX_SHEET_ROWS` (20,000,
blank rows included), and `ECOCIRC_IMPORT_MAX_SECONDS` (60 s) for the whole import; past any of them the
file is refused and nothing is written. A client that closes the connection abandons its import.
"""


@router.post(
    "/imports",
    status_code=status.HTTP_200_OK,
    response_model=ImportReportPublic,
    tags=["imports"],
    summary="Import an interview spreadsheet (advisor)",
    description=DESCRIPTION,
)
async def import_file(
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="The spreadsheet, .csv or .xlsx.")],
    dry_run: Annotated[bool, Query(description="Validate and report without writing.")] = False,
) -> ImportReportPublic:
    content = await file.read(IMPORT_LIMIT + 1)
    if len(content) > IMPORT_LIMIT:
        raise TooLarge(f"Fichier trop volumineux : au plus {IMPORT_LIMIT // (1024 * 1024)} Mio.")
    settings: Settings = request.app.state.settings
    report = await while_connected(
        request,
        imports.import_spreadsheet(
            store,
            principal,
            content,
            file.filename,
            dry_run=dry_run,
            limits=import_limits(settings),
            welcome=request.app.state.sign_in_policy,
        ),
    )
    return ImportReportPublic.model_validate(
        {
            "import_id": report.import_id,
            "dry_run": report.dry_run,
            "rows": report.rows,
            "counts": report.counts(),
            "companies": [asdict(c) for c in report.companies],
            "flows": [asdict(f) for f in report.flows],
        }
    )
