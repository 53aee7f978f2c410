"""What a user inside Excel is told, and what the Excel layer keeps as the sheet holds it:
errors name the function's argument or the macro's field (never a command-line option),
dates as Excel shows them, the real or a plain name for a range; Lite's 0 for an empty
ID cell stays empty; an error cell gives its error; the masked copy keeps each cell; the
validate macro masks personal data on request.  Each runtime's input shapes are used."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import pytest
import xlwings

from tests import xwstandin as xs
from tests.excelshapes import classic as classic_shape
from tests.excelshapes import lite as lite_shape
from tests.excelshapes import serial
from tests.test_excel_book import RUNTIMES, excel_book
from tests.test_excel_macros import without_bad_key
from tests.test_seam import AS_OF, dirty_frames
from xl_crm.excel import classic, lite, macros
from xl_crm.excel.functions import (
    crm_is_valid_id,
    crm_is_valid_phone,
    crm_mask,
    crm_purchase_frequency,
    crm_total_spend,
    crm_validate,
)
from xl_crm.excel.macros import FINDINGS_SHEET

SHAPES = {"classic": classic_shape, "lite": lite_shape}
CUSTOMERS = [["客户ID"], [1001], [1002]]
ORDERS = [["订单编号", "客户ID", "下单时间", "金额"], ["A-1", 1001, dt.datetime(2026, 5, 1), 10]]
CLI_OPTION = re.compile(r"--[a-z]")


@pytest.mark.parametrize("shape", SHAPES)
def test_now_as_as_of_is_shown_as_excel_shows_it_and_the_fix_names_the_argument(shape):
    now = dt.datetime(2026, 5, 1, 14, 30)
    cell = SHAPES[shape]([[now]])[0][0]  # classic: a datetime; Lite: its serial number
    assert cell == (now if shape == "classic" else serial(now))
    text = crm_total_spend(CUSTOMERS, ORDERS, cell)
    assert text.startswith("#VALUE! as_of 2026-05-01 14:30 ")
    assert "TODAY()" in text and "datetime" not in text and not CLI_OPTION.search(text)


def test_a_wrong_as_of_text_or_window_names_the_argument_not_an_option():
    text = crm_total_spend(CUSTOMERS, ORDERS, "2026-13-01")
    assert 'as_of "2026-13-01"' in text and "DATE(2026,6,30)" in text
    window = crm_purchase_frequency(CUSTOMERS, ORDERS, AS_OF, 0.0)
    assert window.startswith("#VALUE! window_days 0 ") and "365" in window
    huge = crm_purchase_frequency(CUSTOMERS, ORDERS, AS_OF, 1e9)  # no pandas text
    assert huge.split(" / ")[1] == (
        "window_days 1000000000 is not usable; give window_days a whole number of days from "
        "1 to 36500, e.g. 365 or 90; empty: 365"
    )  # the expected part is said in the message: not again
    assert not CLI_OPTION.search(text + window)


@pytest.mark.parametrize("shape", SHAPES)
def test_an_empty_id_cell_is_empty_in_both_runtimes(shape):
    rows = [
        ["客户ID", "姓名", "电子邮件", "手机号码"],
        [1, "甲", "a@example.com", "13812345678"],
        [None, "乙", "b@example.com", "13812345679"],
        [None, "丙", "c@example.com", "13812345670"],
    ]
    found = [r[:3] for r in crm_validate(SHAPES[shape](rows), "ecommerce", "en")[1:]]
    assert [r for r in found if r[0].startswith("A") and r[0] != "A1"] == [
        ["A3", "客户ID", "required"],
        ["A4", "客户ID", "required"],
    ]  # not a duplicate 0 out of range


@pytest.mark.parametrize("shape", ["classic", "lite"])
def test_an_error_cell_gives_its_error_not_an_empty_result(shape):
    cells = SHAPES[shape]([["#N/A"], ["13812345678"], [None]])
    assert crm_is_valid_phone(cells) == [["#N/A"], [True], [""]]
    assert crm_mask(cells, "phone")[0] == ["#N/A"]


def test_an_unknown_region_is_an_error_naming_it():
    text = crm_is_valid_phone("13812345678", "ZZ")
    assert text.startswith("#VALUE! ") and '"ZZ"' in text
    assert crm_is_valid_phone("+85261234567", "HK") is True


def test_resident_ids_with_spaces_are_judged_as_the_file_validator_judges_them():
    # xl_crm.fields reads a 身份证 number trimmed, not with inner spaces or hyphens removed
    # (validation reports resident-id for them): the function says the same
    ids = ["110105 19491231 002X", "110105-19491231-002X", " 11010519491231002X "]
    found = crm_validate(
        [["客户编号", "客户名称", "电话", "身份证号"]]
        + [[f"C{i}", "王", "13812345678", v] for i, v in enumerate(ids)],
        "car_sales",
        "en",
    )
    flagged = {r[0] for r in found if r[2] == "resident-id"}
    assert flagged == {"D2", "D3"}
    assert crm_is_valid_id(ids) == [False, False, True]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_range_without_a_sheet_is_called_the_range_in_the_chosen_language(lang):
    text = crm_validate([["foo", "bar"], [1, 2]], "ecommerce", lang)
    assert ("：所给区域 (" if lang == "zh" else "sheets seen: the range (") in text
    assert "seen: range" not in text and "工作表：range" not in text


@pytest.mark.parametrize("shape", SHAPES)
def test_a_metric_message_says_the_range_and_its_rows_in_each_language(shape):
    """Keys a range holds twice: each half of the text in its own words, the cells as rows
    of the range (their address on the sheet is not known), no "nothing was written"."""
    ids = SHAPES[shape]([["客户ID"], [1001], [1002], [1001]])
    text = crm_total_spend(ids, SHAPES[shape](ORDERS), AS_OF)
    assert text == (
        "#VALUE! “客户ID”必须每行唯一且不为空，才能计算："
        "所给区域第 2 行、所给区域第 4 行 都是 1001；"
        "修改: 每位客户一个唯一的编号：改正或合并重复的行、填好空的编号 / "
        "'客户ID' must be filled in and unique on every row to compute: row 2 of the range and "
        "row 4 of the range both hold 1001; fix: give each customer one unique ID: correct or "
        "merge the repeated rows and fill in the empty IDs"
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_a_title_cell_above_the_id_header_is_left_out(shape):
    to = SHAPES[shape]
    plain = crm_purchase_frequency(to(CUSTOMERS), to(ORDERS), AS_OF)
    assert plain == [["购买频率(近365天)"], [1], [0]]
    banded = crm_purchase_frequency(to([["客户信息（手工录入）"], *CUSTOMERS]), to(ORDERS), AS_OF)
    assert banded == [[""], *plain]


@pytest.mark.parametrize("shape", SHAPES)
def test_the_orders_given_as_the_customers_say_what_to_give(shape):
    to = SHAPES[shape]
    text = crm_total_spend(to(ORDERS), to(ORDERS), AS_OF)
    assert text.split(" / ")[1] == (
        "the customers range is the Orders table (by its headers), not the customers; "
        "expected: the Customers table or IDs; fix: give customers one column of customer "
        "IDs (Customer ID), or the customers table with its header row"
    )
    assert text.startswith("#VALUE! customers 区域是订单表（看表头），不是客户表；")
    lacking = crm_total_spend(to([["姓名", "手机号码"], ["王", "13812345678"]]), to(ORDERS), AS_OF)
    assert lacking.split(" / ")[1].startswith(
        "the customers range has no 'Customer ID' (客户ID) column; fix: give customers"
    )


def formula_clash(runtime: str) -> xs.Book:
    """A book whose computed 购买频率 cell F2 holds a formula that compute would change."""
    book = excel_book(without_bad_key(dirty_frames()), runtime)
    macros.run_macro(book, macros.compute_book, template="ecommerce", as_of=AS_OF)
    cell = xs.cell_at(book.sheets["客户"], "F2")
    cell.formula, cell.value = "=1+1", 9
    return book


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_overwrite_in_lite_names_the_scripts_force_field(lang):
    book = formula_clash(xs.LITE)
    asyncio.run(lite.compute_columns(book, "ecommerce", AS_OF, lang))
    prompt, _, mode = book.impl.alerts[-1]
    assert mode == "critical" and "force" in prompt and "xlwings Lite" in prompt
    assert not CLI_OPTION.search(prompt)
    asyncio.run(lite.compute_columns(book, "ecommerce", AS_OF, lang, 365, True))
    assert book.impl.alerts[-1][2] == "info"


def test_a_refused_overwrite_in_classic_names_the_runpython_argument(monkeypatch):
    book = formula_clash(xs.CLASSIC)
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: book))
    classic.compute_columns("ecommerce", AS_OF, "en")
    prompt = book.impl.alerts[-1][0]
    assert "crm.compute_columns(force=True)" in prompt and not CLI_OPTION.search(prompt)
    classic.compute_columns("ecommerce", AS_OF, "en", 365, True)
    assert book.impl.alerts[-1][2] == "info"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_macro_dialogs_never_advise_a_command_line_option(runtime):
    book = excel_book(without_bad_key(dirty_frames()), runtime)
    for options in (
        {"template": None},  # no template named
        {"template": "ecommerce", "as_of": "2026-13-01"},
        {"template": "ecommerce", "as_of": AS_OF, "window_days": 0},
    ):
        via = "lite" if runtime == xs.LITE else "classic"
        for lang in ("zh", "en"):
            macros.run_macro(book, macros.compute_book, lang=lang, runtime=via, **options)
            prompt, _, mode = book.impl.alerts[-1]
            assert mode == "critical" and not CLI_OPTION.search(prompt), prompt
    assert "as_of" in book.impl.alerts[-3][0] or "window_days" in book.impl.alerts[-1][0]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_masked_copy_keeps_every_cell_that_is_not_personal(runtime):
    book = xs.book_from_rows(
        {
            "客户": [
                ["客户ID", "姓名", "手机号码", "兴趣类别"],
                ["C004", "王芳", "13812345678", "007"],
                [1002, "李雷", 13912340002, "服装"],
            ]
        },
        "shop.xlsx",
        runtime,
    )
    macros.export_masked(macros_book(book), template="ecommerce", lang="zh")
    masked = xs.grid(book.sheets["脱敏 客户"])
    assert masked[0] == ["客户ID", "姓名", "手机号码", "兴趣类别"]
    assert masked[1] == ["C004", "王*", "138****5678", "007"]
    assert masked[2][0] == 1002 and masked[2][2] == "139****0002"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_masked_copy_keeps_error_values_as_they_are(runtime, tmp_path):
    rows = [
        ["客户ID", "姓名", "电子邮件", "手机号码"],
        [1001, "#N/A", "#VALUE!", "#N/A"],
        [1002, "李雷", "li@example.com", "13912340002"],
    ]
    book = xs.book_from_rows({"客户": rows}, "shop.xlsx", runtime)
    macros.export_masked(macros_book(book), template="ecommerce", lang="en")
    masked = xs.grid(book.sheets["masked 客户"])
    assert masked[1] == [1001, "#N/A", "#VALUE!", "#N/A"]
    assert masked[2] == [1002, "李*", "l***@example.com", "139****0002"]
    # the same in a file, where the cells are Excel's error values
    import openpyxl

    from xl_crm.xlsx.book import XlsxBook

    path = tmp_path / "shop.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "客户"
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    macros.export_masked(XlsxBook(path, backups=0), template="ecommerce", lang="en")
    copied = openpyxl.load_workbook(path)["masked 客户"]
    assert [c.value for c in copied[2]] == [1001, "#N/A", "#VALUE!", "#N/A"]


def macros_book(book: xs.Book):
    from xl_crm.excel.book import XlwingsBook

    return XlwingsBook(book)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_validate_macro_masks_personal_data_when_asked(runtime, monkeypatch):
    book = excel_book(dirty_frames(), runtime)
    if runtime == xs.LITE:
        asyncio.run(lite.validate_workbook(book, "ecommerce", "en", True))
    else:
        monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: book))
        classic.validate_workbook("ecommerce", "en", True)
    listed = xs.grid(book.sheets[FINDINGS_SHEET])
    values = [str(r[4]) for r in listed[1:] if r[3] in ("手机号码", "电子邮件")]
    assert values and all("*" in v for v in values)
    assert "xq.wu#example.com" not in str(listed)
    plain = excel_book(dirty_frames(), runtime)
    macros.run_macro(plain, macros.validate_book, lang="en", template="ecommerce")
    assert "xq.wu#example.com" in str(xs.grid(plain.sheets[FINDINGS_SHEET]))
