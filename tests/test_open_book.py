"""open_book picks the medium: files, Books passed through, the extras' media loaded lazily."""

from __future__ import annotations

import importlib.util

import openpyxl
import pytest

from xl_crm import Book, open_book
from xl_crm.errors import MissingExtraError, WorkbookError
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


def test_a_google_sheet_address_needs_the_sheets_extra():
    url = "https://docs.google.com/spreadsheets/d/1AbC-dEf_123/edit#gid=0"
    if importlib.util.find_spec("gspread") is None:
        with pytest.raises(MissingExtraError, match=r"xl-crm\[sheets\]"):
            open_book(url)
    else:  # the extra is there: the medium itself says what it can do
        with pytest.raises(WorkbookError):
            open_book(url)


def test_something_else_is_refused_with_what_to_pass():
    with pytest.raises(WorkbookError, match="not a workbook, a file path or a Book") as info:
        open_book(42)
    assert "xl_crm.book.Book" in info.value.text("en")
