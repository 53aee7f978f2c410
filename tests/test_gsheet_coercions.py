"""The report's "cells read as their column's type" line on a Google Sheet and on the .xlsx
file with the same rows (issue 11's review, finding 12; docs/google-sheets.md, "What a cell
reads as").  Real files, the emulator over real HTTP."""

from __future__ import annotations

import openpyxl

import xl_crm
from sheets_sync.book import GoogleSheetBook
from sheets_sync.emulator.snapshot import load_snapshot
from xl_crm.fields.coercion import parse_number

CUSTOMERS = [
    ["客户编号", "客户姓名", "手机", "购买次数"],
    ["0001", "王芳", "13812345678", "3"],
    ["0002", "李雷", "13912345678", "1,200"],
    ["３", "韩梅梅", "13712345678", ""],
    ["4", "赵六", "13612345678", "¥5"],
]
ORDERS = [
    ["订单编号", "客户编号", "下单时间", "金额"],
    ["000123", "0001", "2026年5月1日", "¥89.50"],
    ["000124", "0002", "2026-05-03 14:30", "1,234.00"],
    ["000125", "4", "2026/4/1", "-10"],
]
#: the number columns of the rows above (客户编号, 购买次数; 客户编号, 金额)
NUMBERS = {"客户": (0, 3), "订单": (1, 3)}


def _file(tmp_path):
    path = tmp_path / "typed_by_hand.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "客户"
    for row in CUSTOMERS:
        wb.active.append(row)
    orders = wb.create_sheet("订单")
    for row in ORDERS:
        orders.append(row)
    wb.save(path)  # every cell text, none starting with "=": stored as strings
    return path


def _text_numbers(rows, columns) -> int:
    """Cells of the number columns that hold a number as text (what the report counts)."""
    return sum(
        1 for row in rows[1:] for c in columns if row[c] and parse_number(row[c]) is not None
    )


def _counts(report, how):
    return {sheet: counts.get(how, 0) for sheet, counts in report.coerced.items()}


def test_a_sheet_loaded_from_the_file_counts_every_number_stored_as_text(
    tmp_path, sheets_emulator, sheets_client
):
    path = _file(tmp_path)
    with sheets_emulator.store.lock:  # the cells as the file stores them: text
        (key,) = load_snapshot(sheets_emulator.store, path)
    sheet = xl_crm.validate(GoogleSheetBook(sheets_client.open_by_key(key)), template="ecommerce")
    assert _counts(sheet, "text number") == {
        "客户": _text_numbers(CUSTOMERS, NUMBERS["客户"]),
        "订单": _text_numbers(ORDERS, NUMBERS["订单"]),
    }
    assert _counts(sheet, "text date")["订单"] == 3


def test_rows_typed_into_a_sheet_count_only_what_sheets_kept_as_text(sheets_client):
    # USER_ENTERED: "parsed as if the user typed them into the UI" (Sheets API reference,
    # ValueInputOption): "0001" -> 1, "1,200" -> 1200, "2026/4/1" -> a date (en_US), so
    # the typed sheet holds numbers and dates where the file holds text; only what Sheets
    # keeps as text is read as the column's type ("３", "¥5", "2026年5月1日").
    sh = sheets_client.create("typed by hand")
    sh.sheet1.update_title("客户")
    # the full-width ３ typed behind a ' (kept text): whether Sheets reads full-width digits
    # as a number is not recorded anywhere we could find (the emulator's parser does)
    typed = [[("'" + v if v == "３" else v) for v in row] for row in CUSTOMERS]
    sh.sheet1.update(typed, "A1", value_input_option="USER_ENTERED")
    orders = sh.add_worksheet("订单", 100, 10)
    orders.update(ORDERS, "A1", value_input_option="USER_ENTERED")
    book = GoogleSheetBook(sheets_client.open_by_key(sh.id))
    report = xl_crm.validate(book, template="ecommerce")
    assert _counts(report, "text number") == {"客户": 2, "订单": 1}  # ３, ¥5; ¥89.50
    assert _counts(report, "text date")["订单"] == 1  # 2026年5月1日
