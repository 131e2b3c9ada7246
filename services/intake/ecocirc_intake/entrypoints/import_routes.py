"""Bulk import of an advisor's spreadsheet (CSV or XLSX, one row per flow with its company)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile, status

from ecocirc_intake.entrypoints.api import ERRORS, PrincipalDep, StoreDep
from ecocirc_intake.entrypoints.limits import IMPORT_LIMIT
from ecocirc_intake.entrypoints.schemas import ImportReportPublic
from ecocirc_intake.service_layer import imports
from ecocirc_intake.service_layer.errors import TooLarge

router = APIRouter(prefix="/v1", responses=ERRORS)

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
    store: StoreDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="The spreadsheet, .csv or .xlsx.")],
    dry_run: Annotated[bool, Query(description="Validate and report without writing.")] = False,
) -> ImportReportPublic:
    content = await file.read(IMPORT_LIMIT + 1)
    if len(content) > IMPORT_LIMIT:
        raise TooLarge(f"Fichier trop volumineux : au plus {IMPORT_LIMIT // (1024 * 1024)} Mio.")
    report = await imports.import_spreadsheet(store, principal, content, file.filename, dry_run=dry_run)
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
