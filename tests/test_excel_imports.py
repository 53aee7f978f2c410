"""What xlwings Lite imports must load in Pyodide: no fastexcel, calamine, zlib-ng, threads,
no sockets on the path of ``xl_crm.excel.functions`` (issue 10; Pyodide has none of them,
``../shared/research/xlwings.md`` §2.4).  A fresh interpreter blocks them all, imports
the functions and runs one of each kind."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.pyodide_limits import PRELUDE

ROOT = Path(__file__).resolve().parents[1]

PROBE = (
    PRELUDE
    + r"""
import xl_crm.excel.functions as f

orders = [["订单编号", "客户ID", "下单时间", "金额"], ["A1", 1, 46143, "¥89.50"]]
print(json.dumps({
    "phone": f.crm_is_valid_phone("13812345678"),
    "findings": [r[2] for r in f.crm_validate([["客户ID", "姓名", "手机号码"], [1, "王", "123"]],
                                               "ecommerce", "en")[1:]],
    "spend": f.crm_total_spend(1, orders, "2026-06-30"),
    "segment": f.crm_segment([[1]], orders, "zh", "2026-06-30"),
    "blocked": [sys.modules[n] is None for n in ("fastexcel", "python_calamine", "zlib_ng")],
}, ensure_ascii=False))
"""
)


def test_the_functions_load_and_run_without_calamine_threads_or_sockets():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {
        "phone": True,
        "findings": ["missing-optional-column", "missing-optional-column", "phone"],
        "spend": 89.5,
        "segment": [["一般挽留客户"]],
        "blocked": [True, True, True],
    }


def test_importing_the_package_loads_no_xlwings():
    """``xl_crm.excel`` is a docstring: xlwings comes only with the functions or macros."""
    code = "import sys, xl_crm.excel; print([m for m in sys.modules if m.startswith('xlwings')])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
