"""What tests/test_excel_pyodide.py runs both in CPython and in Pyodide under Node: the
parts of xl_crm.excel that need no pandas (reading the runtimes' cells, addresses,
options, results and error texts), the masking and the check characters.  Returns
JSON-ready data."""

from __future__ import annotations

import datetime as dt
import sys


def run() -> dict:
    import xlwings

    import xl_crm.excel.functions as functions
    import xl_crm.excel.values as xv
    from xl_crm.fields.identifiers import resident_id_check_char, uscc_check_char
    from xl_crm.privacy import mask

    aware = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
    cells = [None, "", "王", 7, 7.0, True, -2146826246, -2147352572, aware, dt.date(2026, 5, 1)]
    shown = [xv.cell(c) for c in cells]
    return {
        "python": sys.version_info[:2] >= (3, 11),
        "xlwings": xlwings.__version__,
        "plain": [hasattr(getattr(functions, n), "__xlfunc__") for n in functions.__all__],
        "functions": functions.__all__,
        "cells": [c.isoformat() if isinstance(c, dt.datetime) else c for c in shown],
        "shapes": [xv.shape(v) for v in ("x", ["a", 1], (("a",), ("b",)), [])],
        "grid": xv.grid([["客户ID", None], [1.0, ""], [-2146826246, 2]]),
        "reshape": xv.reshape([1, 2, 3, 4], [["a", "b"], ["c", "d"]]),
        "first_cells": [xv.first_cell(a) for a in ("B3", "'[Book 1.xlsx]Q1 data'!$C$5", "客户!A1")],
        "options": [xv.option(None, "zh"), xv.language("EN"), xv.region("hk")],
        "results": [xv.shown(v) for v in (None, float("nan"), 3, "x", True)],
        "errors": [xv.error_text(ValueError("bad\nline")), xv.is_empty(0), xv.is_empty("a")],
        "masks": [
            mask("13812345678", "phone"),
            mask("wang@qq.com", "email"),
            mask("王小明", "name"),
        ],
        "checks": [
            resident_id_check_char("11010519491231002"),
            uscc_check_char("91350100M000100Y4"),
        ],
    }
