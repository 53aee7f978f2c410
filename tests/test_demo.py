"""``make demo`` on files laid out like a user's own: a shop's 客户资料 workbook kept by hand
and an orders-only CSV export whose customers are derived (xl_crm.demo.run_user_books)."""

from __future__ import annotations

import csv
import shutil

import openpyxl
import pytest

from tests.relayout import computed_values, normalise_key
from xl_crm import build_workbook, compute, load_spec, validate
from xl_crm.demo import BLANK_EVERY, SHOP_CUSTOMERS, SHOP_ERRORS, run_user_books
from xl_crm.metrics.plan import EXTRA_HEADERS
from xl_crm.metrics.summary import HEADERS, SUMMARY_SHEET
from xl_crm.xlsx.book import template_of as detect_template

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

    # the customers derived from the CSV: per customer with orders, the same last purchase,
    # orders in the window, spend and recency as compute wrote on the built workbook
    lang = "en"  # the CSV's headers are English (snake case)
    derived = records(tmp_path / "shop_orders_summary.xlsx", SUMMARY_SHEET[lang])
    built = records(reference, spec.sheet("customers").label.zh)
    zh_headers = {
        "last_purchase": "最近一次购买日期",
        "purchase_frequency": "购买频率",
        "total_spend": EXTRA_HEADERS["total_spend"][0],
        "recency_days": EXTRA_HEADERS["recency_days"][0],
    }
    buyers = {k: v for k, v in built.items() if v[zh_headers["total_spend"]]}
    assert derived.keys() == buyers.keys() and 0 < len(derived) < ROWS
    for metric, zh in zh_headers.items():
        header = HEADERS[metric][1].format(w=365)
        got = {k: v[header] for k, v in derived.items()}
        want = {k: buyers[k][zh] for k in derived}
        if metric == "total_spend":  # sums of the same amounts, maybe in another order
            want = pytest.approx(want)
        assert got == want, metric


def records(path, sheet: str) -> dict[str, dict[str, object]]:
    """key (first column, as text) -> {header: value} for each data row of ``sheet``, whose
    header is the first row naming a key column."""
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    wb.close()
    h = next(i for i, r in enumerate(rows) if r and r[0] in ("客户ID", "Customer ID"))
    out = {}
    for r in rows[h + 1 :]:
        if r[0] is not None:
            out[normalise_key(r[0])] = dict(zip(rows[h], r, strict=False))
    return out
