"""``make demo`` on files laid out like a user's own: a shop's 客户资料 workbook kept by hand
and an orders-only CSV export (xl_crm.demo.run_user_books)."""

from __future__ import annotations

import csv
import shutil

import openpyxl

from tests.relayout import computed_values
from xl_crm import build_workbook, load_spec
from xl_crm.compute import compute
from xl_crm.demo import BLANK_EVERY, SHOP_CUSTOMERS, SHOP_ERRORS, run_user_books
from xl_crm.validation import detect_template, validate

ROWS = 60
AS_OF = "2026-06-30"


def test_shop_workbook_and_orders_csv_are_validated_and_computed(tmp_path):
    spec = load_spec("ecommerce")
    source = tmp_path / "ecommerce_zh.xlsx"
    build_workbook("ecommerce", source, lang="zh", sample=ROWS, seed=9)
    reference = tmp_path / "reference.xlsx"
    shutil.copy(source, reference)
    expected = compute(reference, as_of=AS_OF, backups=0)

    lines = list(run_user_books(tmp_path, as_of=AS_OF))
    book, export = tmp_path / "shop_customers.xlsx", tmp_path / "shop_orders.csv"
    assert f"planted {len(SHOP_ERRORS)}, found {len(SHOP_ERRORS)} errors" in "\n".join(lines)

    # laid out by hand, not by xl-crm: no template property, no group band, Sheet1/Sheet2
    assert detect_template(book) is None
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["Sheet1", "Sheet2"]
    sheet1 = [list(r) for r in wb["Sheet1"].iter_rows(values_only=True)]
    assert sheet1[1] == [None] * len(sheet1[1])  # a blank row under the title
    assert all(isinstance(r[0], str) for r in sheet1[3:] if r[0] is not None)  # IDs as text
    wb.close()

    # validate: exactly the bad cells typed in; blank rows skipped and counted
    report = validate(book, template=spec)
    assert {m.sheet: m.template_sheet for m in report.mapping.sheets} == {
        "Sheet1": "customers",
        "Sheet2": "orders",
    }
    errors = sorted((f.field, f.row, f.value) for f in report.findings if f.severity == "error")
    first_data_row = 4  # title, blank row, header
    assert errors == sorted((fid, first_data_row + i, bad) for fid, i, bad in SHOP_ERRORS)
    unknown = {f.header for f in report.findings if f.rule == "unknown-column"}
    assert {"微信号", "备注2"} <= unknown  # with the RFM columns compute added
    assert report.blank_rows == {
        "Sheet1": (ROWS - 1) // BLANK_EVERY,
        "Sheet2": (2 * ROWS - 1) // BLANK_EVERY,
    }
    assert report.rows == {"Sheet1": ROWS, "Sheet2": 2 * ROWS}

    # compute wrote the same values per customer as on the workbook xl-crm built
    result = compute(book, template=spec, as_of=AS_OF, backups=0)
    assert result.sheet == "Sheet1" and result.rows == ROWS and not result.written
    key = dict((fid, h) for fid, h in SHOP_CUSTOMERS)["customer_id"]
    got = computed_values(book, result, key)
    want = computed_values(reference, expected, "客户ID")
    assert len(got) == ROWS and got == want

    # the orders-only CSV: every order read, the customers sheet reported missing once
    with export.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["order_no", "customer_id", "order_date", "total", "channel"]
    assert len(rows) == 2 * ROWS + 1
    report = validate(export, template=spec)
    assert report.errors == 0 and report.rows == {"shop_orders": 2 * ROWS}
    assert [f.rule for f in report.findings if f.rule == "missing-sheet"] == ["missing-sheet"]
