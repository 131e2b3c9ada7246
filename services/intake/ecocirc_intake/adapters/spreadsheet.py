"""Reads the advisors' spreadsheet (CSV or XLSX) into a header and numbered rows of cell values."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

MAX_ROWS = 5000
MAX_COLUMNS = 100
# An XLSX is a zip: refuse one that would inflate beyond this (a "zip bomb") before openpyxl opens it.
MAX_XLSX_UNCOMPRESSED = 64 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"


class SpreadsheetError(ValueError):
    """The file cannot be read as a table; the message says why, in French."""


@dataclass(frozen=True)
class Table:
    """The header (first non-empty row) and the data rows, each with its row number in the file."""

    header: list[str]
    rows: list[tuple[int, list[object]]]


def read_table(content: bytes) -> Table:
    """A CSV (UTF-8 or Windows-1252, comma, semicolon or tab separated) or the first sheet of an XLSX."""
    if not content.strip():
        raise SpreadsheetError("Le fichier est vide.")
    numbered = _read_xlsx(content) if content.startswith(_ZIP_MAGIC) else _read_csv(content)
    if not numbered:
        raise SpreadsheetError("Le fichier ne contient aucune ligne.")
    (_, header_cells), data = numbered[0], numbered[1:]
    if len(header_cells) > MAX_COLUMNS:
        raise SpreadsheetError(
            f"Le fichier a trop de colonnes ({len(header_cells)} ; au plus {MAX_COLUMNS})."
        )
    if not data:
        raise SpreadsheetError("Le fichier ne contient que la ligne d'en-tête : aucune ligne de flux.")
    header = ["" if cell is None else str(cell).strip() for cell in header_cells]
    return Table(header, data)


def _append(rows: list[tuple[int, list[object]]], number: int, cells: list[object]) -> None:
    """Keep a non-empty row; stop reading once the file is known to be too long."""
    if not any(_filled(cell) for cell in cells):
        return
    if len(rows) > MAX_ROWS:  # the header plus MAX_ROWS rows are already there
        raise SpreadsheetError(f"Le fichier a plus de {MAX_ROWS} lignes de données : découpez-le.")
    rows.append((number, cells))


def _filled(cell: object) -> bool:
    return cell is not None and (not isinstance(cell, str) or cell.strip() != "")


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel in French saves "CSV (séparateur: point-virgule)" in Windows-1252.
        try:
            return content.decode("cp1252")
        except UnicodeDecodeError:
            raise SpreadsheetError(
                "Le fichier n'est ni un CSV lisible (UTF-8 ou Windows-1252) ni un classeur XLSX."
            ) from None


def _read_csv(content: bytes) -> list[tuple[int, list[object]]]:
    text = _decode(content)
    if "\x00" in text:
        raise SpreadsheetError("Le fichier contient des caractères nuls : ce n'est pas un CSV.")
    first_line = text.split("\n", 1)[0]
    # The header decides the separator: French spreadsheets use ";" since "," is the decimal mark.
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[object]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            _append(rows, number, list(record))
    except csv.Error as error:
        raise SpreadsheetError(f"Le CSV est mal formé (ligne {reader.line_num}) : {error}.") from None
    return rows


def _read_xlsx(content: bytes) -> list[tuple[int, list[object]]]:
    import openpyxl  # type: ignore[import-untyped]  # here: only XLSX imports need it

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise SpreadsheetError("Le classeur XLSX est illisible (archive endommagée).") from None
    if inflated > MAX_XLSX_UNCOMPRESSED:
        raise SpreadsheetError("Le classeur XLSX est trop volumineux une fois décompressé.")
    rows: list[tuple[int, list[object]]] = []
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                _append(rows, number, [_cell(value) for value in values[: MAX_COLUMNS + 1]])
        finally:
            book.close()
    except SpreadsheetError:
        raise
    except Exception:  # any failure of the parser on an untrusted file is the file's fault
        raise SpreadsheetError(
            "Le classeur XLSX est illisible : enregistrez-le de nouveau depuis votre tableur, ou en CSV."
        ) from None
    return rows


def _cell(value: object) -> object:
    # A whole number typed in a cell comes back as a float (32130.0): give it back its integer form.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # dates and times: their text, which no field expects, so they are reported
