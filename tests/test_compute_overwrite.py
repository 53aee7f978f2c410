"""compute does not silently replace what the user made in a computed column: their own
formulas, or cells hidden inside merged cells.  It refuses, naming the cells, unless
forced (``force=True``, ``--force``), and then says what it wrote over.  A formula column
that already gives the computed values is left alone.  Workbooks made by openpyxl and
XlsxWriter, not by xl-crm."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from typer.testing import CliRunner

from tests.conftest import convert_to_csv
from tests.zipparts import edit_parts
from xl_crm import compute
from xl_crm.cli.app import app
from xl_crm.errors import OverwriteRefusedError
from xl_crm.xlsx.inplace import ColumnWrite, write_columns

AS_OF = "2026-06-30"
CUSTOMERS = ["客户ID", "姓名", "购买频率"]
ORDERS = ["订单编号", "客户ID", "下单时间", "金额"]


def _orders(wb, day) -> None:
    ws = wb.add_worksheet("订单")
    ws.write_row(0, 0, ORDERS)
    for r, key in enumerate([100001, 100002, 100002], 1):
        ws.write_row(r, 0, [f"O{r}", key])
        ws.write_datetime(r, 2, dt.datetime(2026, r, 2), day)
        ws.write(r, 3, 10 * r)


def formula_book(path: Path, *, cached: bool = True, merged: bool = False) -> Path:
    """XlsxWriter: customers 100001 (1 order) and 100002 (2 orders), 购买频率 (C) filled
    by the user's COUNTIF formulas, with their results saved (``cached``) as Excel saves
    them; ``merged``: C2:C3 merged instead (a value, no formulas)."""
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("客户")
    ws.write_row(0, 0, CUSTOMERS)
    for r, (key, name, orders) in enumerate([(100001, "王芳", 1), (100002, "李娜", 2)], 1):
        ws.write_row(r, 0, [key, name])
        if not merged:
            ws.write_formula(r, 2, f"=COUNTIF(订单!B:B,A{r + 1})", None, orders if cached else 0)
    if merged:
        ws.merge_range("C2:C3", 1)
    _orders(wb, wb.add_format({"num_format": "yyyy-mm-dd"}))
    wb.close()
    return path


def test_formulas_that_give_other_values_are_refused_then_forced(tmp_path):
    path = formula_book(tmp_path / "f.xlsx", cached=False)  # results 0: not what compute gives
    original = path.read_bytes()
    with pytest.raises(OverwriteRefusedError) as err:
        compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    assert err.value.reason == "would-overwrite" and err.value.sheet == "客户"
    assert err.value.problems == [
        ("C2:C3",
         "2 个公式单元格会被数值替换（C2 =COUNTIF(订单!B:B,A2)、C3 =COUNTIF(订单!B:B,A3)）",
         "2 cells with formulas would be replaced by values (C2 =COUNTIF(订单!B:B,A2), "
         "C3 =COUNTIF(订单!B:B,A3))"),
    ]  # fmt: skip
    assert "--force" in err.value.text("en") and "--force" in err.value.text("zh")
    assert path.read_bytes() == original
    result = compute(path, template="ecommerce", as_of=AS_OF, backups=0, force=True)
    assert [c for c, _, _ in result.overwritten] == ["客户!C2:C3"]
    assert result.to_dict()["overwritten"][0]["cell"] == "客户!C2:C3"
    ws = openpyxl.load_workbook(path)["客户"]
    assert [ws["C2"].value, ws["C3"].value] == [1, 2]
    assert convert_to_csv(path, tmp_path)[2][:3] == ["100002", "李娜", "2"]


def test_the_command_line_refuses_and_forces_the_same_way(tmp_path):
    path = formula_book(tmp_path / "f.xlsx", cached=False)
    refused = CliRunner().invoke(
        app, ["compute", str(path), "-t", "ecommerce", "--as-of", AS_OF, "--lang", "en"]
    )
    assert refused.exit_code == 2 and "C2 =COUNTIF(订单!B:B,A2)" in refused.output
    forced = CliRunner().invoke(
        app,
        ["compute", str(path), "-t", "ecommerce", "--as-of", AS_OF, "--lang", "en", "--force",
         "--json", "-"],
    )  # fmt: skip
    assert forced.exit_code == 0, forced.output
    shown = json.loads(forced.stdout)
    assert [o["cell"] for o in shown["overwritten"]] == ["客户!C2:C3"]
    assert "places written over with --force" in forced.stderr


def test_formulas_that_already_give_the_values_are_left_alone(tmp_path):
    path = formula_book(tmp_path / "f.xlsx")  # saved results 1 and 2: what compute gives
    result = compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    assert result.written and not result.overwritten  # the RFM columns are new
    ws = openpyxl.load_workbook(path)["客户"]
    assert ws["C2"].value == "=COUNTIF(订单!B:B,A2)" and ws["C3"].value == "=COUNTIF(订单!B:B,A3)"
    headers = [c.value for c in ws[1]]
    assert "最近一次购买日期" in headers and "累计消费金额" in headers
    assert convert_to_csv(path, tmp_path)[1][:3] == ["100001", "王芳", "1"]


def test_cells_hidden_in_merged_cells_are_refused_then_forced(tmp_path):
    path = formula_book(tmp_path / "m.xlsx", merged=True)
    original = path.read_bytes()
    with pytest.raises(OverwriteRefusedError) as err:
        compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    assert err.value.problems == [
        ("C3", "藏在合并单元格 C2:C3 中，写入的值不会显示",
         "hidden in the merged cells C2:C3: a value written there would not show"),
    ]  # fmt: skip
    assert path.read_bytes() == original
    result = compute(path, template="ecommerce", as_of=AS_OF, backups=0, force=True)
    assert result.overwritten == [("客户!C3", *err.value.problems[0][1:])]
    with zipfile.ZipFile(path) as z:  # (openpyxl shows no value in a merged cell)
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert re.search(r'<c r="C3"[^>]*><v>2</v></c>', xml)


def test_a_new_column_goes_beyond_merged_cells_among_the_rows(tmp_path):
    from tests.sheetxml import book, cell

    rows = '<row r="1">' + cell("A1", "id") + cell("B1", "name") + "</row>"
    rows += "".join(
        f'<row r="{r}">' + cell(f"A{r}", r) + cell(f"B{r}", f"n{r}") + "</row>" for r in range(2, 5)
    )
    path = book(tmp_path / "merged.xlsx", rows)
    merge = b'<mergeCells count="1"><mergeCell ref="B3:D3"/></mergeCells></worksheet>'
    edit_parts(path, {"xl/worksheets/sheet1.xml": lambda xml: xml.replace(b"</worksheet>", merge)})
    result = write_columns(
        path,
        "S",
        [ColumnWrite("score", {2: 1, 3: 2, 4: 3}, kind="number")],
        header_row=1,
        backups=0,
    )
    assert result.columns == {"score": "E"}  # C3 and D3 are hidden under B3
    assert [c.value for c in openpyxl.load_workbook(path)["S"]["E"]] == ["score", 1, 2, 3]
