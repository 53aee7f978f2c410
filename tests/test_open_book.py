"""open_book picks the medium: files, Books passed through, the extras' media loaded lazily."""

from __future__ import annotations

import importlib.util

import openpyxl
import pytest

from tests.emulated import no_default_credentials
from xl_crm import Book, open_book
from xl_crm.errors import MissingExtraError, NoDefaultCredentialsError, WorkbookError
from xl_crm.table import ColumnUpdate
from xl_crm.xlsx.book import XlsxBook


def test_a_path_opens_the_file_medium_and_a_book_passes_through(tmp_path):
    path = tmp_path / "客户.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "客户"
    wb.active.append(["客户ID", "姓名"])
    wb.save(path)
    book = open_book(path)
    assert isinstance(book, XlsxBook) and isinstance(book, Book)
    assert book.writable and book.sheet_names() == ["客户"]
    assert book.rows("客户", 1) == [["客户ID", "姓名"]]
    assert open_book(book) is book


def test_a_csv_is_read_only(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("客户ID,金额\n1,2\n", encoding="utf-8")
    book = open_book(path)
    assert not book.writable and book.sheet_names() == ["orders"]
    with pytest.raises(WorkbookError, match=r"only write into \.xlsx and \.xlsm"):
        book.write(None, [ColumnUpdate("x", None)])


def test_a_google_sheet_address_needs_the_sheets_extra(tmp_path, monkeypatch):
    url = "https://docs.google.com/spreadsheets/d/1AbC-dEf_123/edit#gid=0"
    if importlib.util.find_spec("gspread") is None:
        with pytest.raises(MissingExtraError, match=r"xl-crm\[sheets\]"):
            open_book(url)
    else:  # the extra is there: sheets_sync.connect() says what credentials it needs
        no_default_credentials(monkeypatch, tmp_path)
        with pytest.raises(NoDefaultCredentialsError):
            open_book(url)


def test_something_else_is_refused_with_what_to_pass():
    with pytest.raises(WorkbookError, match="not a workbook, a file path or a Book") as info:
        open_book(42)
    assert "xl_crm.book.Book" in info.value.text("en")


def _typed_rows_books(tmp_path):
    """Two workbooks not made by xl-crm with text, ints, floats, bools, dates, datetimes,
    times, blanks, empty rows between and a far cell: by openpyxl, and by XlsxWriter in the
    1904 date system (shared strings, as Excel writes them)."""
    import datetime as dt

    import xlsxwriter

    rows = [
        ["text", "int", "float", "bool", "date", "datetime"],
        ["王芳", 3, 2.5, True, dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4, 5)],
        [None, -7, 1e20, False, dt.date(1999, 12, 31), dt.datetime(2026, 6, 30, 23, 59)],
    ]
    opx = tmp_path / "openpyxl.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for row in rows:
        ws.append(row)
    ws["A6"] = "after two empty rows"
    ws["H9"] = 42
    ws["B10"] = dt.time(9, 30)
    wb.save(opx)
    xw = tmp_path / "xlsxwriter.xlsx"
    wb = xlsxwriter.Workbook(xw, {"date_1904": True})
    ws = wb.add_worksheet("S")
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, stamp)
            elif isinstance(value, dt.date):
                ws.write_datetime(r, c, value, day)
            elif value is not None:
                ws.write(r, c, value)
    ws.write(5, 0, "after two empty rows")
    ws.write(8, 7, 42)
    wb.close()
    return [opx, xw]


def test_rows_with_a_limit_are_the_first_rows_of_the_whole_sheet(tmp_path):
    import datetime as dt

    for path in _typed_rows_books(tmp_path):
        book = open_book(path)
        whole = book.rows("S")
        assert whole[1] == [
            "王芳", 3.0, 2.5, True, dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4, 5)
        ]  # fmt: skip
        assert [type(v) for v in whole[2]] == [
            type(None), float, float, bool, dt.date, dt.datetime
        ]  # fmt: skip
        assert whole[3:5] == [[], []] and whole[5] == ["after two empty rows"]
        for n in range(len(whole) + 2):
            assert book.rows("S", limit=n) == whole[:n], (path.name, n)


def test_an_encrypted_books_tables_and_errors_name_the_users_file(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    from xl_crm import load_spec, validate

    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "客户"
    for row in [["客户ID", "姓名", "手机号码"], [100001, "王芳", "13812345678"]]:
        wb.active.append(row)
    wb.create_sheet("空")  # no header
    wb.save(plain)
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as src, locked.open("wb") as dst:
        OOXMLFile(src).encrypt("s3cret", dst)
    book = open_book(locked, password="s3cret")
    tables = book.read(load_spec("ecommerce"))
    assert tables["customers"].path == locked  # not the decrypted copy it was read from
    with pytest.raises(WorkbookError) as err:
        validate(locked, template="ecommerce", password="s3cret", sheets={"customers": "空"})
    assert err.value.reason == "no-header" and err.value.file == str(locked)
