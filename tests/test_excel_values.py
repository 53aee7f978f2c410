"""``xl_crm.excel.values``: both runtimes' cells made the library's values, and results and
errors made what Excel shows."""

from __future__ import annotations

import datetime as dt
import gc

import numpy as np
import pandas as pd
import pytest

from tests.excelshapes import COM_CODES, TimeType, classic, lite
from xl_crm.errors import AsOfDateError, InvalidOptionError, InvalidWindowError, XlCrmError
from xl_crm.excel import errortext, ranges
from xl_crm.excel import values as xv
from xl_crm.specs import load_spec


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        ("", None),
        ("王", "王"),
        (True, True),
        (7, 7),
        (7.0, 7.0),
        (float("nan"), None),
        (-2146826246, "#N/A"),  # a COM error code
        (xv.COM_MISSING, None),  # an optional argument left out
        (TimeType(2026, 5, 1, 9, 30, tzinfo=dt.UTC), dt.datetime(2026, 5, 1, 9, 30)),
        (dt.date(2026, 5, 1), dt.datetime(2026, 5, 1)),
        (np.int64(3), 3),
        (np.float64(2.5), 2.5),
        (np.bool_(True), True),
        (pd.NA, None),
        (pd.NaT, None),
    ],
)
def test_each_cell_becomes_a_value_the_typed_view_reads(given, expected):
    got = xv.cell(given)
    assert got == expected and type(got) is type(expected)


def test_every_com_error_code_is_its_text():
    assert {xv.cell(code) for code in COM_CODES.values()} == set(COM_CODES)


def test_a_plain_range_is_taken_as_it_is_and_an_odd_one_cell_by_cell():
    rows = (("客户ID", "姓名"), (1.0, None), (2.0, ""))
    assert xv.grid(rows) == list(rows)
    assert xv.grid(rows)[1] is rows[1]  # no copy of a plain range
    odd = (("a", -2146826246), (TimeType(2026, 1, 2, tzinfo=dt.UTC), np.int64(1)))
    assert xv.grid(odd) == [["a", "#N/A"], [dt.datetime(2026, 1, 2), 1]]


@pytest.mark.parametrize(
    ("given", "shape", "cells"),
    [
        ("x", "cell", [["x"]]),
        (["x", 2], "list", [["x"], [2]]),
        ((("x",), ("y",)), "grid", [("x",), ("y",)]),
        ([["x", 1]], "grid", [["x", 1]]),
        ([], "list", []),
    ],
)
def test_shapes(given, shape, cells):
    assert xv.shape(given) == shape
    assert xv.grid(given) == cells


def test_results_come_back_in_the_shape_the_cells_came():
    assert xv.reshape([1], "x") == 1
    assert xv.reshape([1, 2], ["a", "b"]) == [1, 2]
    assert xv.reshape([1, 2, 3, 4], (("a", "b"), ("c", "d"))) == [[1, 2], [3, 4]]


def test_a_dataframe_is_its_header_and_rows():
    frame = pd.DataFrame({"客户ID": [1.0, np.nan], "姓名": ["王", None]})
    assert xv.grid(frame) == [["客户ID", "姓名"], (1.0, "王"), (None, None)]
    assert xv.reshape([1, 2, 3, 4, 5, 6], frame) == [[1, 2], [3, 4], [5, 6]]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, ("", 1, 1)),
        ("B3", ("", 3, 2)),
        ("$AB$12", ("", 12, 28)),
        ("客户!C5", ("客户", 5, 3)),
        ("'Q1 data'!$A$1", ("Q1 data", 1, 1)),
        ("[Book1.xlsx]客户!$B$2", ("客户", 2, 2)),
        ("'[Book 1.xlsx]Bob''s'!$B$2", ("Bob's", 2, 2)),
        ("A1:H500", ("", 1, 1)),
        ([["D4"]], ("", 4, 4)),
    ],
)
def test_first_cell_reads_an_address_as_cell_gives_it(given, expected):
    assert xv.first_cell(given) == expected


def test_first_cell_refuses_what_is_no_address():
    with pytest.raises(InvalidOptionError, match="not a cell address"):
        xv.first_cell("here")


def test_the_as_of_day_in_every_form_a_cell_holds():
    today = pd.Timestamp(dt.date.today())
    assert xv.as_of_day(None) == xv.as_of_day("") == xv.as_of_day(0) == today
    june = pd.Timestamp(2026, 6, 30)
    assert xv.as_of_day(46203.0) == xv.as_of_day(46203) == june  # classic, Lite serials
    assert xv.as_of_day(dt.datetime(2026, 6, 30)) == xv.as_of_day([[dt.date(2026, 6, 30)]]) == june
    assert xv.as_of_day("2026年6月30日") == xv.as_of_day(" 2026-06-30 ") == june
    with pytest.raises(AsOfDateError):
        xv.as_of_day("06/07/2026")  # reads two ways
    with pytest.raises(AsOfDateError):
        xv.as_of_day(46203.5)  # a time of day
    with pytest.raises(AsOfDateError):
        xv.as_of_day(-3.0)


def test_the_window_is_a_whole_number_of_days():
    assert xv.whole_days(None) == 365 and xv.whole_days(30.0) == 30 and xv.whole_days([[90]]) == 90
    for bad in (0, 2.5, "x", -1):
        with pytest.raises(InvalidWindowError):
            xv.whole_days(bad)


def test_options_languages_regions_templates():
    assert xv.option(None, "zh") == xv.option("", "zh") == xv.option(0, "zh") == "zh"
    assert xv.option(" en ", "zh") == "en" and xv.option(2.0, "x") == "2"
    assert xv.language("EN") == "en" and xv.language(None) == "zh"
    assert xv.region("hk") == "HK"
    for bad in (lambda: xv.language("fr"), lambda: xv.region("CHN"), lambda: xv.template("", "")):
        with pytest.raises(InvalidOptionError):
            bad()
    assert xv.template("ecommerce") is xv.template([["ecommerce"]])  # loaded once


def test_results_are_what_excel_takes():
    assert [xv.shown(v) for v in (None, np.nan, pd.NA, pd.NaT, "x", True, 3)] == [
        "", "", "", "", "x", True, 3,
    ]  # fmt: skip
    assert xv.shown(np.int64(3)) == 3 and type(xv.shown(np.float64(2.5))) is float
    aware = pd.Timestamp("2026-05-01 09:30", tz="Asia/Shanghai")
    assert xv.shown(aware) == dt.datetime(2026, 5, 1, 9, 30)
    assert type(xv.shown(pd.Timestamp(2026, 5, 1))) is dt.datetime
    series = pd.Series([1.0, np.nan, 3.5])
    assert xv.column_shown(series) == [1.0, "", 3.5]


def test_errors_are_excel_text_never_a_traceback():
    error = XlCrmError(("模板不存在", "no such template"))
    assert xv.error_text(error, "zh") == "#VALUE! 模板不存在；修改: 按提示修改后重试"
    assert xv.error_text(error, "en") == (
        "#VALUE! no such template; fix: correct what the message names and try again"
    )
    assert xv.error_text(error) == (
        "#VALUE! 模板不存在；修改: 按提示修改后重试 / "
        "no such template; fix: correct what the message names and try again"
    )
    assert xv.error_text(ValueError("bad\nsecond line")) == "#VALUE! ValueError: bad"
    assert xv.error_text(KeyError()) == "#VALUE! KeyError"


def test_an_error_in_a_cell_says_what_was_wrong_expected_and_the_fix():
    error = InvalidOptionError(
        ("地区 “X” 无效", "region 'X' is unknown"),
        expected=("两个字母，如 CN", "two letters such as CN"),
        hint=("写 CN、HK 或 US\n（不区分大小写）", "write CN, HK or US\n(any case)"),
    )
    assert xv.error_text(error, "en") == (
        "#VALUE! region 'X' is unknown; expected: two letters such as CN; "
        "fix: write CN, HK or US (any case)"
    )
    assert xv.error_text(error, "zh") == (
        "#VALUE! 地区 “X” 无效；应为: 两个字母，如 CN；修改: 写 CN、HK 或 US （不区分大小写）"
    )
    # a fix for the command line (--help, --template) is not shown in a cell
    plain = InvalidOptionError(("语言无效", "unknown language"), expected=("zh", "zh"))
    assert xv.error_text(plain, "en") == (
        "#VALUE! unknown language; expected: zh; "
        "fix: correct the argument of the formula the message names"
    )
    hint = ("改表头；或 --template", "fix the headers; or --template")
    mixed = InvalidOptionError("x", hint=hint)
    assert xv.error_text(mixed, "en") == "#VALUE! x; fix: fix the headers"
    # a part said in the message is not said again; a long one is cut to one cell's worth
    said = InvalidOptionError(("give zh", "give zh"), expected=("zh", "zh"), hint="give zh")
    assert xv.error_text(said, "en") == "#VALUE! give zh"
    long = xv.error_text(XlCrmError("A2, " * 200, hint="h"), "en")
    assert long == "#VALUE! " + ("A2, " * 200)[: errortext.CELL_PART_MAX - 1] + "…; fix: h"


def test_answer_pauses_the_collector_and_puts_it_back():
    seen = []
    assert xv.answer(lambda: seen.append(gc.isenabled()) or 5) == 5
    assert seen == [False] and gc.isenabled()
    assert xv.answer(lambda: 1 / 0, "en") == "#VALUE! ZeroDivisionError: division by zero"
    assert gc.isenabled()
    gc.disable()
    try:
        xv.answer(lambda: 1)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
    assert xv.answer(lambda: 1 / 0, "nonsense").startswith("#VALUE! ZeroDivisionError")


def test_lite_zeros_in_a_table_are_empty_cells_where_the_rule_says():
    """Band row, header row, a column without a header, text, date and yes/no columns,
    rows of nothing but zeros: empty.  A column of numbers keeps its zeros."""
    spec = load_spec("ecommerce")
    rows = [
        [None, None, "订单详情", None, None, None, None],
        ["订单编号", "客户ID", "下单时间", "金额", "商品类别", "渠道", None],
        ["A1", 100001, dt.datetime(2026, 5, 1), 0.0, None, "天猫", None],
        [None, None, None, None, None, None, None],
    ]
    from_lite = ranges.read_tables(lite(rows), spec)["orders"]
    from_classic = ranges.read_tables(classic(rows), spec)["orders"]
    assert from_lite.frame.equals(from_classic.frame)
    assert from_lite.frame.at[3, "amount"] == 0.0  # the number column keeps its 0
    assert from_lite.unknown == from_classic.unknown == []
    assert list(from_lite.frame.index) == [3]


def test_customer_keys_with_or_without_their_header_cell():
    spec = load_spec("ecommerce")
    tables, rows, head = ranges.customer_rows([[None], ["客户ID"], [100001.0], [0], [100002]], spec)
    assert head == 1 and len(rows) == 5
    assert tables["customers"].frame["customer_id"].to_dict() == {3: 100001.0, 5: 100002.0}
    tables, _, head = ranges.customer_rows([100001, 100002], spec)
    assert head is None
    assert tables["customers"].frame["customer_id"].to_dict() == {1: 100001.0, 2: 100002.0}
