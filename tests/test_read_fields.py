"""``Book.read(spec, fields=...)``: only the fields asked for are typed and kept, while
the sheet's mapping, its blank rows and its unknown columns stay as a whole read finds
them; ``compute`` reads the customers sheet that way and behaves as before.

The workbook is written here with openpyxl, laid out like the ecommerce template
(invented data), with a wholly blank row, a row holding only a name, and a column the
template does not know.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from xl_crm import compute
from xl_crm.book import open_book
from xl_crm.errors import CustomerKeyError
from xl_crm.metrics.plan import read_fields
from xl_crm.specs import load_spec

HEADER = ["客户ID", "姓名", "电子邮件", "手机号码", "最近一次购买日期", "购买频率", "微信号"]


def _book(path: Path, name_only_row: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(HEADER)
    ws.append([1001, "王芳", "wf@example.com", "13800000001", None, 2, "wx_1"])
    ws.append([None] * len(HEADER))  # wholly blank: skipped by both reads
    ws.append([1002, "李雷", "ll@example.com", "13800000002", "2026-05-01", 1, None])
    if name_only_row:
        ws.append([None, "韩梅梅", None, None, None, None, None])
    ws.append([1003, None, None, None, None, None, "wx_3"])
    orders = wb.create_sheet("订单")
    orders.append(["订单编号", "客户ID", "下单时间", "金额", "商品类别", "渠道"])
    orders.append(["D1", 1001, "2026-05-01", 10.5, "服装", "天猫"])
    orders.append(["D2", 1002, "2026-06-01", 99, "数码", "京东"])
    wb.save(path)
    return path


def _read(path: Path, fields=None):
    spec = load_spec("ecommerce")
    book = open_book(path)
    try:
        return book.read(spec, fields=fields)
    finally:
        book.close()


def test_only_the_fields_asked_for_are_read(tmp_path):
    path = _book(tmp_path / "customers.xlsx", name_only_row=True)
    whole = _read(path)["customers"]
    some = _read(path, {"customers": ["customer_id", "purchase_frequency"]})["customers"]

    assert list(some.frame.columns) == ["customer_id", "purchase_frequency"]
    assert set(whole.frame.columns) > set(some.frame.columns)
    # the mapping, the rows and the unknown column are those of a whole read
    assert some.letters == whole.letters and some.headers == whole.headers
    assert some.blank_rows == whole.blank_rows == [3]
    assert list(some.frame.index) == list(whole.frame.index) == [2, 4, 5, 6]
    pd.testing.assert_frame_equal(some.frame, whole.frame[list(some.frame.columns)])
    pd.testing.assert_frame_equal(some.extras, whole.extras)
    # the row with only a name is known to hold something in a column not read
    assert whole.unread_filled is None
    assert some.unread_filled.to_dict() == {2: True, 4: True, 5: True, 6: False}


def test_other_sheets_are_read_whole(tmp_path):
    path = _book(tmp_path / "customers.xlsx")
    tables = _read(path, {"customers": ["customer_id"]})
    assert set(tables["orders"].frame.columns) == {
        "order_id", "customer_id", "ordered_at", "amount", "category", "channel",
    }  # fmt: skip


def test_compute_reads_only_what_it_needs():
    spec = load_spec("ecommerce")
    assert read_fields(spec) == {
        "customers": ["customer_id", "last_purchase", "purchase_frequency"]
    }


def test_compute_still_refuses_a_customer_row_without_a_key(tmp_path):
    """A row holding only a name is a customer with no key, though compute does not read
    the name column: refused as before, and the file is left as it was."""
    path = _book(tmp_path / "customers.xlsx", name_only_row=True)
    before = path.read_bytes()
    with pytest.raises(CustomerKeyError) as info:
        compute(path, template="ecommerce", as_of="2026-06-30", backups=0)
    assert "客户!A5" in str(info.value)
    assert path.read_bytes() == before


def test_compute_writes_once_then_finds_nothing_to_change(tmp_path):
    path = _book(tmp_path / "customers.xlsx")
    first = compute(path, template="ecommerce", as_of="2026-06-30", backups=0)
    assert first.written
    data = _read(path)["customers"]
    assert data.frame.loc[4, "purchase_frequency"] == 1
    assert "RFM 评分" in data.extras.columns
    second = compute(path, template="ecommerce", as_of="2026-06-30", backups=0)
    assert not second.written


def test_blank_cells_agrees_with_is_blank():
    """A column not read decides blank rows in Arrow; it must call blank what the typed
    view calls blank (spaces, zero-width and other invisible characters)."""
    import pyarrow as pa

    from xl_crm.fields.coercion import INVISIBLE, blank_cells, is_blank

    values = ["a", " ", "", None, "\u200b", "\ufeff x", " \t\n", "\u3000", "张", " a "]
    values += list(INVISIBLE) + [c + "b" for c in INVISIBLE]
    arrow = blank_cells(pa.chunked_array([pa.array(values)]))
    assert arrow.tolist() == is_blank(pd.Series(values, dtype=object)).tolist()
    assert arrow[:4].tolist() == [False, True, True, True]
