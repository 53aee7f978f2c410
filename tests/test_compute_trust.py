"""compute on workbooks laid out by hand: key refusal, duplicate orders, money format,
prospects, and the real-input cases."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from xl_crm import compute
from xl_crm.cli.app import app
from xl_crm.errors import CustomerKeyError, WorkbookError

AS_OF = "2026-06-30"
REAL = Path("../shared/cases/real-inputs")
CUSTOMER_HEADER = ["客户ID", "姓名", "手机号码", "最近一次购买日期", "购买频率"]
ORDER_HEADER = ["订单编号", "客户ID", "下单时间", "金额", "渠道"]


def shop(path: Path, customers: list[list], orders: list[list], *, spend_format=None) -> Path:
    """A workbook as a user keeps it (written with openpyxl, not built by xl-crm)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    header = CUSTOMER_HEADER + (["累计消费金额"] if spend_format else [])
    ws.append(header)
    for row in customers:
        ws.append(row)
    if spend_format:
        for r in range(2, len(customers) + 2):
            ws.cell(r, len(header)).number_format = spend_format
    wo = wb.create_sheet("订单")
    wo.append(ORDER_HEADER)
    for row in orders:
        wo.append(row)
    wb.save(path)
    return path


def customer(key, name="王芳", phone="13912340001"):
    return [key, name, phone, None, None]


ORDERS = [
    ["A1", 7, dt.datetime(2026, 5, 1, 10), 199.0, "天猫"],
    ["A2", 8, dt.datetime(2026, 3, 2, 9), 89.5, "京东"],
]


@pytest.mark.parametrize(
    "second",
    ["007", "７", " 7 ", 7.0],
    ids=["leading-zero", "full-width", "spaces", "same-number"],
)
def test_compute_refuses_a_repeated_customer_key_and_writes_nothing(tmp_path, second):
    path = shop(
        tmp_path / "shop.xlsx",
        [
            customer(7),
            customer(8, "李雷", "13912340002"),
            customer(9, "韩梅", "13912340003"),
            customer(second, "赵六", "13912340004"),
        ],
        ORDERS,
    )
    before = path.read_bytes()
    with pytest.raises(CustomerKeyError) as caught:
        compute(path, template="ecommerce", as_of=AS_OF)
    exc = caught.value
    assert isinstance(exc, WorkbookError) and exc.sheet == "客户"
    assert exc.problems == [("客户!A2、客户!A5 都是 7", "客户!A2 and 客户!A5 both hold 7")]
    assert "客户!A2 and 客户!A5 both hold 7" in exc.text("en")
    assert "未写入任何内容" in exc.text("zh") and "修改" in exc.text("zh")
    assert path.read_bytes() == before
    assert not (tmp_path / ".xlcrm-backups").exists()


def test_compute_refuses_empty_and_unreadable_keys_naming_each_cell(tmp_path):
    path = shop(
        tmp_path / "shop.xlsx",
        [
            customer(7),
            customer(None, "李雷", "13912340002"),
            [None, None, None, None, None],  # a wholly blank row is not a customer
            customer("abc", "韩梅", "13912340003"),
            customer(7.5, "赵六", "13912340004"),
        ],
        ORDERS,
    )
    before = path.read_bytes()
    args = ["compute", str(path), "--template", "ecommerce", "--as-of", AS_OF]
    result = CliRunner().invoke(app, [*args, "--lang", "en"])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    for cell in ("客户!A3 is empty", "客户!A5 'abc' is not a valid ID", "客户!A6 '7.5'"):
        assert cell in text
    assert "客户!A4" not in text
    zh = CliRunner().invoke(app, args)  # Chinese by default
    assert zh.exit_code == 2 and "客户!A3 为空" in zh.output and "is empty" not in zh.output
    assert path.read_bytes() == before


def test_text_keys_compare_normalised(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户台账"
    ws.append(["客户编号", "客户名称", "联系方式", "公司名称"])
    ws.append(["C001", "王芳", "13912340001", "甲公司"])
    ws.append(["ｃ００１ ", "李雷", "13912340002", "乙公司"])
    ws.append(["C002", "韩梅", "13912340003", "丙公司"])
    wt = wb.create_sheet("交易历史")
    wt.append(["客户编号", "交易日期", "购买记录", "金额"])
    wt.append(["C002", dt.date(2026, 5, 1), "年费", 1000])
    path = tmp_path / "ledger.xlsx"
    wb.save(path)
    before = path.read_bytes()
    with pytest.raises(CustomerKeyError) as caught:
        compute(path, template="ledger", as_of=AS_OF)
    assert caught.value.problems[-1][1] == "客户台账!A2 and 客户台账!A3 both hold c001"
    assert path.read_bytes() == before


def test_exact_duplicate_orders_are_a_warning_and_still_counted(tmp_path):
    when = dt.datetime(2026, 5, 1, 10)
    path = shop(
        tmp_path / "shop.xlsx",
        [customer(7), customer(8, "李雷", "13912340002")],
        [
            ["A1", 7, when, 199.0, "天猫"],
            ["A2", 8, when, 199.0, "天猫"],  # another customer: not a copy
            ["A1", 7, when, 199.0, "天猫"],  # the first row again
            ["A3", 7, when, 199.0, "天猫"],  # another order number: not a copy
        ],
    )
    result = compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    assert result.duplicates == [
        ("订单!A4", "与第 2 行完全相同（重复录入？）", "is an exact copy of row 2 (entered twice?)")
    ]
    ws = openpyxl.load_workbook(path)["客户"]
    assert ws["E2"].value == 3  # counted all the same: the warning asks the user to look
    args = ["compute", str(path), "--template", "ecommerce", "--as-of", AS_OF]
    cli = CliRunner().invoke(app, [*args, "--lang", "en"])
    assert cli.exit_code == 0, cli.output
    assert "warning: 1 order rows repeat" in cli.output
    assert "订单!A4: is an exact copy of row 2" in cli.output
    zh = CliRunner().invoke(app, args)
    assert "警告: 1 行订单" in zh.output and "订单!A4: 与第 2 行完全相同" in zh.output


def test_spend_gets_a_money_format_unless_the_column_has_one(tmp_path):
    plain = shop(tmp_path / "plain.xlsx", [customer(7), customer(8, "李雷", "13912340002")], ORDERS)
    compute(plain, template="ecommerce", as_of=AS_OF, backups=0)
    ws = openpyxl.load_workbook(plain)["客户"]
    assert ws["F1"].value == "累计消费金额"
    assert (ws["F2"].value, ws["F2"].number_format) == (199, "¥#,##0.00")
    assert (ws["F3"].value, ws["F3"].number_format) == (89.5, "¥#,##0.00")
    assert ws["G2"].number_format == "General"  # days since: a plain number
    dollars = '"$"#,##0.00'
    own = shop(
        tmp_path / "own.xlsx",
        [[7, "王芳", "13912340001", None, None, None]],
        ORDERS[:1],
        spend_format=dollars,
    )
    compute(own, template="ecommerce", as_of=AS_OF, backups=0)
    cell = openpyxl.load_workbook(own)["客户"]["F2"]
    assert (cell.value, cell.number_format) == (199, dollars)


def test_a_customer_without_orders_is_a_prospect(tmp_path):
    path = shop(
        tmp_path / "shop.xlsx",
        [customer(7), customer(8, "李雷", "13912340002"), customer(9, "韩梅", "13912340003")],
        ORDERS,
    )
    result = compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    ws = openpyxl.load_workbook(path)["客户"]
    assert [c.value for c in ws[4]][4:] == [0, 0, None, None, "未购买"]
    assert result.segments["rfm_segment_cn"]["未购买"] == 1


def test_real_input_baseline_figures(tmp_path):
    path = tmp_path / "baseline.xlsx"
    shutil.copyfile(REAL / "baseline.xlsx", path)
    result = compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    assert result.written and result.duplicates == []
    ws = openpyxl.load_workbook(path)["客户"]
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(2, values_only=True)}
    # the figures of ../shared/cases/real-inputs/README.md
    expected = {
        100001: (2, 288.5, dt.datetime(2026, 5, 1)),
        100002: (1, 2999, dt.datetime(2026, 1, 15)),
        100003: (1, 320, dt.datetime(2025, 12, 1)),
    }
    for key, (frequency, spend, last) in expected.items():
        row = rows[key]
        assert row["购买频率"] == frequency and row["累计消费金额"] == pytest.approx(spend)
        assert row["最近一次购买日期"].date() == last.date()
    # R: 60/166/211 days; F: 2/1/1 in the window; M: 288.5/2999/320 (docs/metrics.md)
    assert [rows[k]["RFM 评分"] for k in expected] == ["551", "325", "123"]
    assert [rows[k]["RFM 客户分类"] for k in expected] == [
        "一般价值客户",
        "重要挽留客户",
        "一般挽留客户",
    ]


def test_validate_warns_of_exact_duplicate_rows(tmp_path):
    from xl_crm import validate

    when = dt.datetime(2026, 5, 1, 10)
    path = shop(
        tmp_path / "shop.xlsx",
        [customer(7), customer(8, "李雷", "13912340002")],
        [
            ["A1", 7, when, 199.0, "天猫"],
            ["A2", 7, "2026年5月1日", 89.5, "天猫"],
            ["A2", 7, "2026年5月2日", 89.5, "天猫"],  # another day, as text: not a copy
            ["A1", 7, when, 199.0, "天猫"],
            ["A1", 7, when, 199.0, "天猫"],
        ],
    )
    report = validate(path, template="ecommerce")
    copies = [
        (f.cell, f.severity, f.message("en")) for f in report.findings if f.rule == "duplicate-row"
    ]
    assert copies == [
        ("A5", "warning", "This row is an exact copy of row 2 (every column the same)"),
        ("A6", "warning", "This row is an exact copy of row 2 (every column the same)"),
    ]


@pytest.mark.parametrize(
    ("own_format", "kept"),
    [("General", False), ("0.00%", False), ("@", False), ("#,##0.00", True), ("yyyy-mm-dd", False)],
)
def test_money_cells_keep_their_look_and_a_number_format_of_their_own(tmp_path, own_format, kept):
    from openpyxl.styles import Font, PatternFill

    from xl_crm.xlsx.inplace import ColumnWrite, write_columns

    path = tmp_path / "styled.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户", "金额"])
    for r in (2, 3):
        ws.cell(r, 1, f"C{r}")
        cell = ws.cell(r, 2)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="FFFF00")
        cell.number_format = own_format
    wb.save(path)
    values = pd.Series([1234.5, 7.0], index=[2, 3])
    write_columns(
        path, "Sheet", [ColumnWrite("金额", values, kind="money")], header_row=1, backups=0
    )
    cell = openpyxl.load_workbook(path)["Sheet"]["B2"]
    assert cell.value == 1234.5 and cell.font.bold and cell.fill.fgColor.rgb == "00FFFF00"
    assert cell.number_format == (own_format if kept else "¥#,##0.00")
