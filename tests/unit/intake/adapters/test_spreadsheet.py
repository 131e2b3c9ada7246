"""Reading CSV (UTF-8 or Windows-1252, any usual separator) and XLSX into numbered rows."""

from __future__ import annotations

import io
import zipfile

import openpyxl  # type: ignore[import-untyped]
import pytest

from ecocirc_intake.adapters import spreadsheet
from ecocirc_intake.adapters.spreadsheet import SpreadsheetError, read_table


def test_csv_in_windows_1252_with_semicolons_and_blank_lines() -> None:
    table = read_table("Entreprise;Libellé\n\nScierie;Sciure; de chêne\n".encode("cp1252"))
    assert table.header == ["Entreprise", "Libellé"]
    assert table.rows == [(3, ["Scierie", "Sciure", " de chêne"])]


def test_csv_with_commas_and_a_bom() -> None:
    table = read_table("\ufeffa,b\n1,2\n".encode())
    assert table.header == ["a", "b"] and table.rows == [(2, ["1", "2"])]


def test_xlsx_numbers_come_back_whole() -> None:
    book = openpyxl.Workbook()
    book.active.append(["code_postal", "quantité"])
    book.active.append([32130.0, 12.5])
    out = io.BytesIO()
    book.save(out)
    assert read_table(out.getvalue()).rows == [(2, [32130, 12.5])]


def test_zip_bombs_are_refused_before_opening(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheet, "MAX_XLSX_UNCOMPRESSED", 1000)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.xml", "0" * 10_000)
    with pytest.raises(SpreadsheetError, match="trop volumineux"):
        read_table(out.getvalue())


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 2)
    with pytest.raises(SpreadsheetError, match="plus de 2 lignes"):
        read_table(b"a\n1\n2\n3\n")


@pytest.mark.parametrize("content", [b"", b"  \n", b"a;b\n", b"PK\x03\x04not a zip", b"\xff\xfe\x00\x00"])
def test_unreadable(content: bytes) -> None:
    with pytest.raises(SpreadsheetError):
        read_table(content)
