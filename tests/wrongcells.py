"""An ecommerce workbook with one wrong cell of each kind, at known cells: the ground
truth of the validation, report and annotation tests."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def inject_ecommerce(path: Path) -> set[tuple[str, str]]:
    """Write a wrong value of each kind into the ecommerce workbook at ``path`` (built by
    ``build_workbook("ecommerce", path, sample=40)``); returns the findings that must come
    of it, as (``sheet!cell``, rule) pairs."""
    wb = openpyxl.load_workbook(path)
    ws, orders = wb["客户"], wb["订单"]
    expected = set()

    def put(sheet, cell, value, rule):
        sheet[cell] = value
        expected.add((f"{sheet.title}!{cell}", rule))

    put(ws, "B5", None, "required")
    put(ws, "B6", "名" * 51, "too-long")
    put(ws, "C7", "wang.fang#qq.com", "email")
    put(ws, "D8", "1381234567", "phone")
    put(ws, "D9", "1.38E+10", "damaged-id")
    put(ws, "D10", "13812345678.0", "damaged-id")
    ws["C11"] = ws["C3"].value.upper()  # the same e-mail, other case: both cells flagged
    expected |= {("客户!C11", "duplicate"), ("客户!C3", "duplicate")}
    ws["D12"] = "+86 " + ws["D4"].value[:3] + "-" + ws["D4"].value[3:]
    expected |= {("客户!D12", "duplicate"), ("客户!D4", "duplicate")}
    put(ws, "F14", -1, "out-of-range")
    put(ws, "F15", 2.5, "not-integer")
    put(ws, "G16", "服装、玩具", "choice")
    put(ws, "E17", "2024/13/45", "type")
    ws["E18"] = "2024-01-05 10:30"  # a readable text date: no finding
    ws["E19"] = "2024年1月6日"
    put(ws, "H2", "微信号", "unknown-column")
    # a new customer row with a text id
    put(ws, "A43", "abc", "type")
    ws["B43"], ws["D43"] = "新客户", "13900001111"
    put(orders, "B5", 999999, "reference")
    put(orders, "F6", "淘宝", "choice")
    put(orders, "D7", "一百元", "type")
    put(orders, "D8", -3, "out-of-range")
    put(orders, "A9", None, "required")
    wb.save(path)
    return expected


def findings_set(report) -> set[tuple[str, str]]:
    """A report's findings as (``sheet!cell``, rule) pairs."""
    return {(f.where, f.rule) for f in report.findings}
