"""A territory's report as files funders open in a spreadsheet: CSV and XLSX, every text cell
protected against formula injection (a cell starting with = + - @ tab or CR is prefixed with ')."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

# What a spreadsheet may read as the start of a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run is prefixed with a quote; numbers and None pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: Sequence[tuple[str, Any]], table: Sequence[Sequence[Any]]) -> bytes:
    """Semicolon-separated UTF-8 with a BOM (what a French spreadsheet opens as is): the header's
    (name, value) lines, a blank line, then the table."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for name, value in header:
        writer.writerow([safe_cell(name), safe_cell(value)])
    writer.writerow([])
    for row in table:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(sheets: Sequence[tuple[str, Sequence[tuple[str, Any]], Sequence[Sequence[Any]]]]) -> bytes:
    """One sheet per (title, header lines, table), numbers as numbers."""
    from openpyxl import Workbook  # type: ignore[import-untyped]  # only exports need it
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    book = Workbook()
    book.remove(book.active)
    for title, header, table in sheets:
        sheet = book.create_sheet(title)
        for name, value in header:
            sheet.append([safe_cell(name), safe_cell(value)])
        sheet.append([])
        first = sheet.max_row + 1
        for row in table:
            sheet.append([safe_cell(v) for v in row])
        for cell in sheet[first]:
            cell.font = Font(bold=True)
        for column, width in zip("ABCDEFGHIJ", (38, 60, 16, 16, 16, 16, 16, 16, 16, 60), strict=False):
            sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
