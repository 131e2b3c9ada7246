"""Reading CSV (UTF-8 or Windows-1252, any usual separator) and XLSX into numbered rows."""

from __future__ import annotations

import io
import zipfile

import openpyxl  # type: ignore[import-untyped]
import pytest

from ecocirc_intake.adapters import spreadsheet
from ecocirc_intake.adapters.spreadsheet import ReadLimits, SpreadsheetError, read_table
from tests.unit.intake.adapters.handmade_xlsx import ROW_JUMP, cell, row, xlsx


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


def test_too_many_rows() -> None:
    with pytest.raises(SpreadsheetError, match="plus de 2 lignes"):
        read_table(b"a\n1\n2\n3\n", ReadLimits(max_rows=2))
    assert len(read_table(b"a\n1\n2\n", ReadLimits(max_rows=2)).rows) == 2


def test_a_row_number_jump_in_an_xlsx_stops_at_the_sheet_bound() -> None:
    # Before the bound, this 1.5 KB file made the reader walk ten thousand billion empty rows.
    assert len(ROW_JUMP) < 2048
    with pytest.raises(SpreadsheetError, match="au-delà de la ligne 20000"):
        read_table(ROW_JUMP)


def test_blank_rows_count_towards_the_sheet_bound() -> None:
    limits = ReadLimits(max_sheet_rows=10)
    near = xlsx(row(1, cell("A1", "a")), row(10, cell("A10", "x")))
    assert read_table(near, limits).rows == [(10, ["x"])]
    far = xlsx(row(1, cell("A1", "a")), row(11, cell("A11", "x")))
    with pytest.raises(SpreadsheetError, match="au-delà de la ligne 10"):
        read_table(far, limits)
    with pytest.raises(SpreadsheetError, match="au-delà de la ligne 10"):
        read_table(b"a\n" + b"\n" * 12 + b"x\n", limits)


def test_columns_are_bounded_in_xlsx_and_csv() -> None:
    limits = ReadLimits(max_columns=3)
    wide_header = xlsx(row(1, *(cell(f"{c}1", c) for c in "ABCD")), row(2, cell("A2", "x")))
    with pytest.raises(SpreadsheetError, match="colonne 3"):
        read_table(wide_header, limits)
    # A cell far to the right (column XFD, the last Excel allows) is not read, nor padded up to.
    far_cell = xlsx(row(1, cell("A1", "a")), row(2, cell("A2", "x"), cell("XFD2", "loin")))
    assert read_table(far_cell, limits).rows == [(2, ["x"])]
    with pytest.raises(SpreadsheetError, match="colonne 3"):
        read_table(b"a;b\n1;2;3;4\n", limits)
    # Empty trailing cells are not columns.
    assert read_table(b"a;b;;;;;\n1;2;;;;;\n", limits).rows == [(2, ["1", "2"])]


def test_reading_stops_when_asked() -> None:
    calls = 0

    class Stop(Exception):
        pass

    def check() -> None:
        nonlocal calls
        calls += 1
        if calls > 50:
            raise Stop

    # Limits so wide the row jump would be walked for hours: only the check ends it.
    with pytest.raises(Stop):
        read_table(ROW_JUMP, ReadLimits(max_sheet_rows=10**15), check)
    with pytest.raises(Stop):
        read_table(b"a\n" + b"1\n" * 1000, ReadLimits(), check)


@pytest.mark.parametrize("content", [b"", b"  \n", b"a;b\n", b"PK\x03\x04not a zip", b"\xff\xfe\x00\x00"])
def test_unreadable(content: bytes) -> None:
    with pytest.raises(SpreadsheetError):
        read_table(content)
