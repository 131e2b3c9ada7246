"""Reads the advisors' spreadsheet (CSV or XLSX) into a header and numbered rows of cell values."""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

# An XLSX is a zip: refuse one that would inflate beyond this (a "zip bomb") before openpyxl opens it.
MAX_XLSX_UNCOMPRESSED = 64 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"


class SpreadsheetError(ValueError):
    """The file cannot be read as a table; the message says why, in French."""


@dataclass(frozen=True)
class ReadLimits:
    """How much of a file is read: data rows, columns, and how far down the sheet, blank rows included.

    The last one matters for XLSX: rows are numbered in the file (`<row r="...">`), so 1 KB can claim a
    row ten thousand billion lines down, and a reader that walks the gap never finishes.
    """

    max_rows: int = 5000
    max_columns: int = 100
    max_sheet_rows: int = 20_000


@dataclass(frozen=True)
class Table:
    """The header (first non-empty row) and the data rows, each with its row number in the file."""

    header: list[str]
    rows: list[tuple[int, list[object]]]


def _no_check() -> None:
    return None


def read_table(
    content: bytes, limits: ReadLimits = ReadLimits(), check: Callable[[], None] = _no_check
) -> Table:
    """A CSV (UTF-8 or Windows-1252, comma, semicolon or tab separated) or the first sheet of an XLSX.

    `check` is called before each row of the file; it may raise to stop the reading (a deadline, a
    client that went away), and what it raises goes through unchanged.
    """
    if not content.strip():
        raise SpreadsheetError("Le fichier est vide.")
    reader = _Reader(limits, check)
    if content.startswith(_ZIP_MAGIC):
        _read_xlsx(content, reader)
    else:
        _read_csv(content, reader)
    if not reader.rows:
        raise SpreadsheetError("Le fichier ne contient aucune ligne.")
    (_, header_cells), data = reader.rows[0], reader.rows[1:]
    if not data:
        raise SpreadsheetError("Le fichier ne contient que la ligne d'en-tête : aucune ligne de flux.")
    header = ["" if cell is None else str(cell).strip() for cell in header_cells]
    return Table(header, data)


class _Reader:
    """Collects the non-empty rows of a file within its limits."""

    def __init__(self, limits: ReadLimits, check: Callable[[], None]):
        self.limits = limits
        self.check = check
        self.rows: list[tuple[int, list[object]]] = []

    def take(self, number: int, cells: list[object]) -> None:
        """Keep a non-empty row, trimmed of its empty trailing cells; stop once a limit is passed."""
        self.check()
        limits = self.limits
        if number > limits.max_sheet_rows:
            raise SpreadsheetError(
                f"Le fichier va au-delà de la ligne {limits.max_sheet_rows} (lignes vides comprises) :"
                " supprimez les lignes vides en fin de feuille ou découpez le fichier."
            )
        last = max((i for i, cell in enumerate(cells) if _filled(cell)), default=-1)
        if last < 0:
            return
        if last >= limits.max_columns:
            raise SpreadsheetError(
                f"La ligne {number} a des valeurs au-delà de la colonne {limits.max_columns} :"
                f" au plus {limits.max_columns} colonnes."
            )
        if len(self.rows) > limits.max_rows:  # the header plus max_rows rows are already there
            raise SpreadsheetError(f"Le fichier a plus de {limits.max_rows} lignes de données : découpez-le.")
        self.rows.append((number, cells[: last + 1]))


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


def _read_csv(content: bytes, reader: _Reader) -> None:
    text = _decode(content)
    if "\x00" in text:
        raise SpreadsheetError("Le fichier contient des caractères nuls : ce n'est pas un CSV.")
    first_line = text.split("\n", 1)[0]
    # The header decides the separator: French spreadsheets use ";" since "," is the decimal mark.
    delimiter = max(";,\t", key=first_line.count)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, record in enumerate(records, start=1):
            reader.take(number, list(record))
    except csv.Error as error:
        raise SpreadsheetError(f"Le CSV est mal formé (ligne {records.line_num}) : {error}.") from None


def _read_xlsx(content: bytes, reader: _Reader) -> None:
    import openpyxl  # type: ignore[import-untyped]  # here: only XLSX imports need it

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise SpreadsheetError("Le classeur XLSX est illisible (archive endommagée).") from None
    if inflated > MAX_XLSX_UNCOMPRESSED:
        raise SpreadsheetError("Le classeur XLSX est trop volumineux une fois décompressé.")
    unreadable = SpreadsheetError(
        "Le classeur XLSX est illisible : enregistrez-le de nouveau depuis votre tableur, ou en CSV."
    )
    # Any failure of the parser on an untrusted file is the file's fault; failures of our own
    # checks (limits, `check`) go through as they are.
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise unreadable from None
    try:
        if not book.worksheets:
            raise unreadable
        limits = reader.limits
        # Explicit bounds: openpyxl otherwise trusts the sheet's own <dimension> and pads every row
        # to it. One row and one column past the limits, so that reaching them can be told.
        rows = book.worksheets[0].iter_rows(
            max_row=limits.max_sheet_rows + 1, max_col=limits.max_columns + 1, values_only=True
        )
        for number in itertools.count(1):
            try:
                values = next(rows)
            except StopIteration:
                break
            except Exception:
                raise unreadable from None
            # Blank rows (gaps are filled with them) skip the per-cell work: C-level count only.
            blank = values.count(None) == len(values)
            reader.take(number, [] if blank else [_cell(value) for value in values])
    finally:
        book.close()


def _cell(value: object) -> object:
    # A whole number typed in a cell comes back as a float (32130.0): give it back its integer form.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # dates and times: their text, which no field expects, so they are reported
