"""compute on a hand-made workbook that lacks a column the metrics need: a clear
missing-column error naming the sheet and the field, nothing written."""

from __future__ import annotations

import hashlib

import pytest
import xlsxwriter

from xl_crm import compute
from xl_crm.errors import MissingColumnError

CUSTOMERS = ["客户ID", "姓名", "电子邮件", "手机号码"]
ORDERS = ["订单编号", "客户ID", "下单时间", "订单金额"]


def book(path, customers, orders):
    wb = xlsxwriter.Workbook(str(path))
    for name, header, rows in (
        ("客户", customers, [["100001", "王伟", "w@example.com", "13800138000"]]),
        ("订单", orders, [["A1", "100001", "2026-05-01", 88.5]]),
    ):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, header)
        for i, row in enumerate(rows, start=1):
            ws.write_row(
                i,
                0,
                [
                    v
                    for h, v in zip(CUSTOMERS if name == "客户" else ORDERS, row, strict=True)
                    if h in header
                ],
            )
    wb.close()
    return path


@pytest.mark.parametrize(
    ("customers", "orders", "sheet", "field"),
    [
        (CUSTOMERS[1:], ORDERS, "客户", "customer_id"),
        (CUSTOMERS, [h for h in ORDERS if h != "客户ID"], "订单", "customer_id"),
        (CUSTOMERS, [h for h in ORDERS if h != "下单时间"], "订单", "ordered_at"),
    ],
)
def test_a_missing_column_is_named_and_nothing_is_written(
    tmp_path, customers, orders, sheet, field
):
    path = book(tmp_path / "shop.xlsx", customers, orders)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(MissingColumnError) as info:
        compute(path, template="ecommerce", as_of="2026-06-30")
    err = info.value
    assert err.reason == "missing-column" and err.sheet == sheet
    assert err.field == field
    assert sheet in err.text("zh") and sheet in err.text("en")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
