"""The macro bodies (xl_crm.excel.macros) on the xlwings stand-in, in both runtimes, and on
the same cells as an .xlsx file (XlsxBook): the same findings, the same computed values;
and their shells: Lite scripts (xl_crm.excel.lite) and classic macros
(xl_crm.excel.classic), which show a failure as a message, never a traceback."""

from __future__ import annotations

import asyncio

import openpyxl
import pandas as pd
import pytest
import xlwings

from tests import xwstandin as xs
from tests.memorybook import write_xlsx
from tests.test_excel_book import RUNTIMES, excel_book, file_values, medium, sheet_values
from tests.test_seam import AS_OF, dirty_frames, findings
from xl_crm.errors import ExcelFeatureError, SheetNotWritableError, TemplateUndetectedError
from xl_crm.excel import classic, lite, macros
from xl_crm.excel.book import SETTINGS_SHEET, XlwingsBook
from xl_crm.excel.macros import FINDINGS_HEADERS, FINDINGS_SHEET
from xl_crm.xlsx.book import XlsxBook


def without_bad_key(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    frames["客户"] = frames["客户"].iloc[:-1]  # the customer whose ID is not a number
    return frames


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_validate_book_gives_the_files_findings_marks_them_and_lists_them_linked(tmp_path, runtime):
    path = tmp_path / "dirty.xlsx"
    write_xlsx(dirty_frames(), path)
    book = excel_book(dirty_frames(), runtime)
    in_excel = macros.validate_book(XlwingsBook(book), template="ecommerce", lang="en")
    in_file = macros.validate_book(XlsxBook(path, backups=0), template="ecommerce", lang="en")
    assert findings(in_excel.report) == findings(in_file.report) != set()
    assert in_excel.en == in_file.en and "12 errors" in in_excel.en
    # the findings sheet: the same rows in both; in Excel the first column links each cell
    listed = xs.grid(book.sheets[FINDINGS_SHEET])
    in_book = [
        [c.value for c in r] for r in openpyxl.load_workbook(path)[FINDINGS_SHEET].iter_rows()
    ]
    assert listed[0] == in_book[0] == FINDINGS_HEADERS["en"]
    assert [r[1:] for r in listed] == [[v if v != "" else None for v in r[1:]] for r in in_book]
    assert [f'=HYPERLINK("#{r[0]}","{r[0]}")' for r in in_book[1:]] == [r[0] for r in listed[1:]]
    assert xs.cell_at(book.sheets["客户"], "B3").note == "'姓名' must not be empty"
    # a second run rewrites the sheet (no second findings sheet) and keeps the marks
    again = macros.validate_book(XlwingsBook(book), template="ecommerce", lang="zh")
    assert "12 个错误" in again.zh and book.sheet_names.count(FINDINGS_SHEET) == 1
    assert xs.grid(book.sheets[FINDINGS_SHEET])[0] == FINDINGS_HEADERS["zh"]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_compute_book_writes_what_it_writes_into_the_file(tmp_path, runtime):
    path = tmp_path / "dirty.xlsx"
    write_xlsx(without_bad_key(dirty_frames()), path)
    book = excel_book(without_bad_key(dirty_frames()), runtime)
    in_excel = macros.compute_book(medium(book), template="ecommerce", as_of=AS_OF)
    in_file = macros.compute_book(XlsxBook(path, backups=0), template="ecommerce", as_of=AS_OF)
    columns = in_excel.computed.columns
    assert columns == in_file.computed.columns and in_excel.zh == in_file.zh
    assert sheet_values(book.sheets["客户"], columns) == file_values(path, "客户", columns)
    assert "2026-06-30" in in_excel.zh and "customers" in in_excel.en
    again = macros.compute_book(medium(book), template="ecommerce", as_of=AS_OF)
    assert "未写入" in again.zh and not again.computed.written


def test_the_template_comes_from_the_settings_sheet_or_a_clear_error():
    frames = without_bad_key(dirty_frames())
    book = excel_book(frames)
    with pytest.raises(TemplateUndetectedError) as info:
        macros.compute_book(XlwingsBook(book), as_of=AS_OF)
    assert "xl-crm" in info.value.text("zh") and "template row" in info.value.text("en")
    xs.put_rows(book.sheets.add(name=SETTINGS_SHEET), [["设置"], ["template", "ecommerce"]])
    assert XlwingsBook(book).template() == "ecommerce"
    assert macros.compute_book(XlwingsBook(book), as_of=AS_OF).computed.written


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_build_template_adds_headers_formats_and_dropdowns(tmp_path, runtime):
    book = xs.Book("new.xlsx", runtime=runtime)
    result = macros.build_template(XlwingsBook(book), "ecommerce", lang="zh", rows=50)
    assert result.sheets == ["客户", "订单"] and book.sheet_names == ["Sheet1", "客户", "订单"]
    customers = book.sheets["客户"]
    header = xs.grid(customers)[0]
    assert header[:4] == ["客户ID", "姓名", "电子邮件", "手机号码"]
    assert xs.cell_at(customers, "E51").number_format == "yyyy-mm-dd hh:mm"
    assert xs.cell_at(customers, "B2").number_format == "@"  # text stays text
    orders = book.sheets["订单"]
    channel = xs.grid(orders)[0].index("渠道") + 1
    assert xs.cell_at(orders, f"{chr(64 + channel)}51").choices[:2] == ["天猫", "京东"]
    # the same body on a file: headers and formats (dropdowns need Excel)
    path = tmp_path / "new.xlsx"
    openpyxl.Workbook().save(path)
    macros.build_template(XlsxBook(path, backups=0), "ecommerce", lang="en", rows=5)
    wb = openpyxl.load_workbook(path)
    assert [c.value for c in wb["Customers"][1]][:2] == ["Customer ID", "Name"]
    # a sheet of that name with data is refused, nothing added
    with pytest.raises(SheetNotWritableError):
        macros.build_template(XlwingsBook(book), "ecommerce", lang="zh")
    assert book.sheet_names == ["Sheet1", "客户", "订单"]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sort_puts_the_newest_first_with_excels_sort(runtime):
    frames = without_bad_key(dirty_frames())
    book = excel_book(frames, runtime)
    macros.compute_book(medium(book), template="ecommerce", as_of=AS_OF)
    customers = book.sheets["客户"]
    xs.add_table(customers, "tbl_customers", customers.used_range.address)  # as built
    result = macros.sort_by_last_update(XlwingsBook(book), template="ecommerce", lang="en")
    assert set(result.sheets) == {"客户", "订单"}
    last = xs.grid(customers)[0].index("最近一次购买日期")
    dates = [r[last] for r in xs.grid(customers)[1:]]
    filled = [d for d in dates if d is not None]
    assert filled == sorted(filled, reverse=True) and dates[: len(filled)] == filled
    ids = [r[0] for r in xs.grid(customers)[1:]]
    assert ids[0] == 100001  # 2026-05-01, the newest purchase
    orders = xs.grid(book.sheets["订单"])
    assert "1 dates are text" in result.en  # 订单!C3 holds 2026年3月2日 as text
    # Excel sorts text after numbers, so before them when descending: the text date first
    assert [r[0] for r in orders[1:]] == ["A-2", "A-1", "A-4", "A-3", None]


def test_sort_is_an_excel_macro_only(tmp_path):
    path = tmp_path / "dirty.xlsx"
    write_xlsx(dirty_frames(), path)
    with pytest.raises(ExcelFeatureError, match="inside Excel"):
        macros.sort_by_last_update(XlsxBook(path, backups=0), template="ecommerce")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_export_masked_masks_personal_fields_and_leaves_unknown_columns_out(runtime):
    frames = dirty_frames()
    frames["客户"]["备忘"] = "私人备注"  # a column the template does not know
    book = excel_book(frames, runtime)
    result = macros.export_masked(XlwingsBook(book), template="ecommerce", lang="zh")
    assert result.sheets == ["脱敏 客户", "脱敏 订单"]
    masked = xs.grid(book.sheets["脱敏 客户"])
    assert "备忘" not in masked[0] and masked[0][0] == "客户ID"
    row = dict(zip(masked[0], masked[1], strict=False))
    assert row["姓名"] == "林**" and row["手机号码"] == "139****0001"
    assert row["电子邮件"] == "x***@example.com" and row["客户ID"] == 100001
    again = macros.export_masked(XlwingsBook(book), template="ecommerce", lang="zh")
    assert again.sheets == result.sheets  # rewritten, not added again


def test_run_macro_shows_the_outcome_or_the_error_text_in_a_message():
    book = excel_book(without_bad_key(dirty_frames()))
    assert macros.run_macro(book, macros.compute_book, lang="en", template=None) is None
    prompt, title, mode = book.impl.alerts[-1]
    assert title == "xl-crm" and mode == "critical"
    assert prompt.startswith("shop.xlsx: cannot tell which template") and "Traceback" not in prompt
    assert "fix:" in prompt
    done = macros.run_macro(book, macros.compute_book, lang="zh", template="ecommerce", as_of=AS_OF)
    assert done is not None and book.impl.alerts[-1] == (done.zh, "xl-crm", "info")


def test_classic_macros_find_the_calling_book_and_show_errors_in_a_message_box(monkeypatch):
    book = excel_book(without_bad_key(dirty_frames()))
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: book))
    classic.validate_workbook()  # no template named anywhere: a message, no exception
    assert "无法判断这个工作簿使用哪个模板" in book.impl.alerts[-1][0]
    classic.validate_workbook("ecommerce", "en")
    assert book.impl.alerts[-1][2] == "info" and FINDINGS_SHEET in book.sheet_names
    classic.compute_columns("ecommerce", AS_OF)
    assert "已为 4 位客户计算" in book.impl.alerts[-1][0]
    classic.export_masked_copy("ecommerce")
    copy = book.impl.added[0]  # into a new workbook
    assert "脱敏 客户" in copy.sheet_names and "脱敏 客户" not in book.sheet_names


def test_lite_scripts_load_formulas_and_run_the_same_bodies():
    book = excel_book(without_bad_key(dirty_frames()), xs.LITE)
    sheet = book.sheets["客户"]
    xs.cell_at(sheet, "F2").formula = "=1+1"
    xs.cell_at(sheet, "F2").value = 9  # the computed value is 2: a change
    asyncio.run(lite.compute_columns(book, "ecommerce", AS_OF, "en"))
    prompt, _, mode = book.impl.alerts[-1]
    assert mode == "critical" and "the formula =1+1" in prompt  # loaded, so refused
    asyncio.run(lite.validate_workbook(book, "ecommerce", "zh"))
    assert book.impl.alerts[-1][2] == "info" and FINDINGS_SHEET in book.sheet_names
    new = xs.Book("empty.xlsx", runtime=xs.LITE)
    asyncio.run(lite.build_template(new, "hotel", "en"))
    assert len(new.sheet_names) > 1 and new.impl.alerts[-1][2] == "info"


@pytest.mark.parametrize("said", ["EN", "en-US", "English", "英文"])
def test_a_language_in_any_spelling_is_read(said, monkeypatch):
    book = excel_book(dirty_frames())
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: book))
    classic.validate_workbook("ecommerce", said)
    assert book.impl.alerts[-1][0].startswith("Checked: 12 errors")
    assert xs.grid(book.sheets[FINDINGS_SHEET])[0] == FINDINGS_HEADERS["en"]
    found = macros.validate_book(XlwingsBook(book), template="ecommerce", lang="zh-CN")
    assert found.zh.startswith("校验完成") and book.impl.alerts[-1][0].startswith("Checked")
    assert xs.grid(book.sheets[FINDINGS_SHEET])[0] == FINDINGS_HEADERS["zh"]


def test_an_unknown_language_is_refused_before_anything_is_written(monkeypatch):
    book = excel_book(dirty_frames())
    before = {name: xs.grid(book.sheets[name]) for name in book.sheet_names}
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: book))
    classic.validate_workbook("ecommerce", "fr")
    prompt, title, mode = book.impl.alerts[-1]
    assert (title, mode) == ("xl-crm", "critical")
    assert prompt == (
        "语言 'fr' 无效\n  应为: zh（中文）或 en（English）\n  修改: 语言参数写 zh 或 en\n\n"
        "unknown language 'fr'\n  expected: zh (中文) or en (English)\n"
        "  fix: write zh or en as the language"
    )
    assert {name: xs.grid(book.sheets[name]) for name in book.sheet_names} == before
    assert xs.cell_at(book.sheets["客户"], "B3").note is None


def test_a_template_name_in_any_case_is_the_catalogues():
    book = xs.Book("new.xlsx")
    result = macros.build_template(XlwingsBook(book), "HOTEL", lang="en", rows=5)
    assert result.en.startswith("added the sheets of the template 'Hotel")
    found = macros.validate_book(XlwingsBook(excel_book(dirty_frames())), template="Ecommerce")
    assert found.report.errors == 12


def test_compute_takes_an_excel_serial_and_shows_a_datetime_as_excel_does(monkeypatch):
    import datetime as dt

    book = excel_book(without_bad_key(dirty_frames()))
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: book))
    classic.compute_columns("ecommerce", 46203, "en")  # 2026-06-30, Excel's serial number
    assert "(as of 2026-06-30)" in book.impl.alerts[-1][0]
    classic.compute_columns("ecommerce", 46203.0, "en")
    assert book.impl.alerts[-1][0].startswith("the computed columns of 4 customers are up to date")
    classic.compute_columns("ecommerce", dt.datetime(2026, 6, 30, 14, 30), "en")
    prompt, _, mode = book.impl.alerts[-1]
    assert mode == "critical" and "datetime" not in prompt
    assert prompt.startswith("as_of '2026-06-30 14:30' has a time of day")
