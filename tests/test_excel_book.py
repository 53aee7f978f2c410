"""The Excel medium (xl_crm.excel.book.XlwingsBook) on the xlwings stand-in, in both
runtimes: it is a Book, reads each sheet in one call, gives the findings and computed
values the file gives, writes only changed cells (one range call per run of them), keeps
formulas and the user's notes, and clears its own marks on the next run."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import types
from pathlib import Path

import pandas as pd
import pytest
import xlwings

import xl_crm
from tests import xwstandin as xs
from tests.memorybook import cell_value, frames_from_xlsx, write_xlsx
from tests.test_seam import AS_OF, REAL, REAL_FILES, dirty_frames, findings
from xl_crm.book import Book, open_book
from xl_crm.errors import ExcelFeatureError, OverwriteRefusedError, SheetNotWritableError
from xl_crm.excel.book import XlwingsBook
from xl_crm.excel.cells import cell_out, same_value
from xl_crm.excel.ledger import LEDGER, MARK_FILL, link_formula
from xl_crm.table import CellMark, ColumnUpdate, NewColumn

RUNTIMES = [xs.CLASSIC, xs.LITE]


def rows_of(frames: dict[str, pd.DataFrame]) -> dict[str, list[list[object]]]:
    """The frames as sheets' rows (header in row 1)."""
    return {
        name: [
            list(frame.columns),
            *([cell_value(v) for v in r] for r in frame.itertuples(index=False)),
        ]
        for name, frame in frames.items()
    }


def excel_book(frames: dict[str, pd.DataFrame], runtime: str = xs.CLASSIC) -> xs.Book:
    return xs.book_from_rows(rows_of(frames), "shop.xlsx", runtime)


def medium(book: xs.Book) -> XlwingsBook:
    """The medium as a Lite script hands it over (formulas loaded), or as classic does."""
    out = XlwingsBook(book)
    if book.impl.runtime == xs.LITE:
        asyncio.run(out.load_formulas())
    return out


def test_an_xlwings_book_is_a_book_and_open_book_finds_its_medium():
    book = XlwingsBook(xs.Book())
    assert isinstance(book, Book)
    real = xlwings.Book(impl=types.SimpleNamespace(name="客户.xlsx"))  # an xlwings object
    opened = open_book(real)
    assert isinstance(opened, XlwingsBook) and opened.book is real and opened.name == "客户.xlsx"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_each_sheet_is_read_in_one_range_call(runtime):
    book = excel_book(dirty_frames(), runtime)
    xl = XlwingsBook(book)
    tables = xl.read(xl_crm.load_spec("ecommerce"))
    assert set(tables) == {"customers", "orders"}
    assert book.impl.calls["read"] == 2  # header scan and full read share the one read
    assert xl.rows("客户")[1][:2] == [100001, "林小雨"]
    assert xl.rows("客户", 1) == [list(dirty_frames()["客户"].columns)]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("name", REAL_FILES)
def test_validate_finds_in_excel_what_it_finds_in_the_file(name, runtime):
    path = REAL / name
    in_excel = xl_crm.validate(
        medium(excel_book(frames_from_xlsx(path), runtime)), template="ecommerce"
    )
    in_file = xl_crm.validate(path, template="ecommerce")
    assert findings(in_excel) == findings(in_file)
    assert in_excel.mapping.to_dict() == in_file.mapping.to_dict()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_validate_finds_each_wrong_cell_of_an_invented_book_in_excel_as_in_the_file(
    tmp_path, runtime
):
    path = tmp_path / "dirty.xlsx"
    write_xlsx(dirty_frames(), path)
    in_excel = xl_crm.validate(medium(excel_book(dirty_frames(), runtime)), template="ecommerce")
    assert findings(in_excel) == findings(xl_crm.validate(path, template="ecommerce"))
    assert len(findings(in_excel)) >= 12


def sheet_values(sheet: xs.Sheet, headers: list[str]) -> list[list[object]]:
    """The columns ``headers`` of a sheet, comparable (numbers rounded, dates as datetimes)."""
    grid = xs.grid(sheet)
    return [[same(r[grid[0].index(h)] if grid[0].index(h) < len(r) else None) for r in grid[1:]]
            for h in headers]  # fmt: skip


def same(v: object) -> object:
    v = cell_value(v)
    if isinstance(v, int | float) and not isinstance(v, bool):
        return round(float(v), 6)
    return v


def file_values(path: Path, sheet: str, headers: list[str]) -> list[list[object]]:
    frame = frames_from_xlsx(path)[sheet]
    return [[same(v) for v in frame[h]] for h in headers]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("name", [*REAL_FILES, "dirty"])
def test_compute_writes_into_excel_the_values_it_writes_into_the_file(name, tmp_path, runtime):
    path = tmp_path / "book.xlsx"
    if name == "dirty":
        frames = dirty_frames()
        frames["客户"] = frames["客户"].iloc[:-1]
        write_xlsx(frames, path)
    else:
        shutil.copyfile(REAL / name, path)
    book = excel_book(frames_from_xlsx(path), runtime)
    in_excel = xl_crm.compute(medium(book), template="ecommerce", as_of=AS_OF)
    in_file = xl_crm.compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    assert in_excel.columns == in_file.columns and in_excel.segments == in_file.segments
    assert sheet_values(book.sheets["客户"], in_excel.columns) == file_values(
        path, "客户", in_file.columns
    )
    writes = book.impl.calls["write"]
    assert 0 < writes <= len(in_excel.columns)  # one range call per column written
    again = xl_crm.compute(medium(book), template="ecommerce", as_of=AS_OF)
    assert not again.written and book.impl.calls["write"] == writes


def big_shop(tmp_path: Path, rows: int) -> xs.Book:
    """A workbook built from the ecommerce template with ``rows`` sample rows, in Excel."""
    import openpyxl

    path = tmp_path / "big.xlsx"
    xl_crm.build_workbook("ecommerce", path, sample=rows, seed=7)
    wb = openpyxl.load_workbook(path, read_only=True)
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    return xs.book_from_rows(sheets, "big.xlsx")


def test_a_large_table_is_written_one_range_call_per_column_and_then_only_what_changed(
    tmp_path,
):
    book = big_shop(tmp_path, 3000)
    customers = book.sheets["客户"]
    grid = xs.grid(customers)
    header = next(i for i, r in enumerate(grid) if "客户ID" in r)
    for col in ("最近一次购买日期", "购买频率"):  # computed columns start empty
        j = grid[header].index(col) + 1
        customers.range((header + 2, j), (len(grid), j)).clear_contents()
    first = xl_crm.compute(XlwingsBook(book), as_of=AS_OF, template="ecommerce")
    assert first.rows > 1000
    assert book.impl.calls["write"] == len(book.impl.writes) <= len(first.columns)
    assert all(a.count(":") == 1 for _, a in book.impl.writes)  # never cell by cell
    # one customer's newest order moves a day: only that customer's cells change
    orders = book.sheets["订单"]
    grid = xs.grid(orders)
    top = next(i for i, r in enumerate(grid) if "下单时间" in r)
    when = grid[top].index("下单时间") + 1
    newest = max(range(top + 1, len(grid)), key=lambda r: grid[r][when - 1] or dt.datetime.min)
    cell = orders.range((newest + 1, when))
    cell.value = grid[newest][when - 1] - dt.timedelta(days=1)
    book.impl.writes.clear()
    xl_crm.compute(XlwingsBook(book), as_of=AS_OF, template="ecommerce")
    assert book.impl.writes and all(":" not in a for _, a in book.impl.writes)  # single cells
    # last purchase and recency; the R score, RFM score and segment when they move
    assert 2 <= len(book.impl.writes) <= 5


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_formula_in_a_computed_column_is_kept_unless_forced(runtime):
    frames = dirty_frames()
    frames["客户"] = frames["客户"].iloc[:-1]
    book = excel_book(frames, runtime)
    sheet = book.sheets["客户"]
    xs.cell_at(sheet, "F2").formula = "=1+1"  # 购买频率 of the first customer
    xs.cell_at(sheet, "F2").value = 9
    with pytest.raises(OverwriteRefusedError, match="F2") as info:
        xl_crm.compute(medium(book), template="ecommerce", as_of=AS_OF)
    assert "公式 =1+1" in info.value.text("zh")
    assert book.impl.calls["write"] == 0 and xs.cell_at(sheet, "F2").formula == "=1+1"
    result = xl_crm.compute(medium(book), template="ecommerce", as_of=AS_OF, force=True)
    assert result.overwritten[0][0] == "客户!F2" and xs.cell_at(sheet, "F2").formula is None


def test_lite_refuses_to_write_before_its_formulas_are_loaded():
    frames = dirty_frames()
    frames["客户"] = frames["客户"].iloc[:-1]
    book = excel_book(frames, xs.LITE)
    with pytest.raises(ExcelFeatureError, match="load_formulas") as info:
        xl_crm.compute(XlwingsBook(book), template="ecommerce", as_of=AS_OF)
    assert info.value.reason == "excel-feature-missing" and "公式" in info.value.text("zh")
    assert book.impl.calls["write"] == 0


def test_text_is_written_as_text_never_as_a_formula_or_a_number():
    book = excel_book({"S": pd.DataFrame({"名称": ["a", "b", "c", "d"]})})
    xl = XlwingsBook(book)
    spec = xl_crm.load_spec("ecommerce")
    table = types.SimpleNamespace(sheet="S", header_row=1)
    values = pd.Series(['=HYPERLINK("http://x")', "0012", "1/2", "+1"], index=range(2, 6))
    xl.write(table, [ColumnUpdate("备注", values)])
    cells = [xs.cell_at(book.sheets["S"], f"B{r}") for r in range(1, 6)]
    assert [c.value for c in cells] == ["备注", '=HYPERLINK("http://x")', "0012", "1/2", "+1"]
    assert all(c.formula is None for c in cells)
    assert cell_out("x") == "'x" and cell_out("") is None and cell_out(float("nan")) is None
    assert spec.name == "ecommerce"


def test_same_value_compares_as_a_cell_shows_it():
    assert same_value(3.0, 3) and same_value(None, float("nan")) and same_value("", None)
    assert same_value(dt.datetime(2026, 5, 1), dt.date(2026, 5, 1))
    assert same_value(dt.datetime(2026, 5, 1), pd.Timestamp("2026-05-01"))
    assert not same_value("3", 3) and not same_value(True, 1) and not same_value(1.0, 1.5)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_marks_of_an_earlier_run_are_cleared_and_the_users_notes_kept(runtime):
    frames = dirty_frames()
    book = excel_book(frames, runtime)
    customers = book.sheets["客户"]
    xs.cell_at(customers, "C4").note = "客户说邮箱以后再给"  # the user's note on a bad cell
    xl = XlwingsBook(book)
    report = xl_crm.validate(xl, template="ecommerce")
    xl_crm.annotate(xl, report, lang="en")
    marked = {m.cell for m in xl_crm.pipeline.report_marks(report) if m.sheet == "客户"}
    assert {"B3", "C4", "D4"} <= marked
    for ref in marked:
        assert xs.cell_at(customers, ref).color == (255, 199, 205)
    assert xs.cell_at(customers, "C4").note == "客户说邮箱以后再给"  # kept; the fill marks it
    assert "must not be empty" in xs.cell_at(customers, "B3").note
    assert not book.sheets[LEDGER].visible
    # the user fixes the name and the phone: their marks go, the others stay
    customers.range("B3").value = "周大山"
    customers.range("D4").value = "13912340003"
    xl = XlwingsBook(book)
    xl_crm.annotate(xl, xl_crm.validate(xl, template="ecommerce"), lang="en")
    for ref in ("B3", "D4"):
        assert xs.cell_at(customers, ref).color is None and xs.cell_at(customers, ref).note is None
    assert xs.cell_at(customers, "C4").color == (255, 199, 205)
    assert xs.cell_at(customers, "C4").note == "客户说邮箱以后再给"
    assert xl.sheet_names() == ["客户", "订单"]  # the ledger is the medium's own


def test_a_sheet_without_marks_is_left_alone_and_nothing_to_mark_writes_nothing():
    book = excel_book(dirty_frames())
    xl = XlwingsBook(book)
    assert xl.mark([], sheets=["客户"]) == []
    assert book.impl.calls == {} and book.sheet_names == ["客户", "订单"]
    placed = xl.mark([CellMark("客户", "$b$3", "x")])
    assert placed[0].cell == "$b$3" and xs.cell_at(book.sheets["客户"], "B3").note == "x"
    assert xs.cell_at(book.sheets["订单"], "A1").color is None
    assert MARK_FILL == "#FFC7CD"


def test_add_sheet_writes_one_block_and_refuses_a_sheet_with_data():
    book = excel_book(dirty_frames())
    xl = XlwingsBook(book)
    columns = [
        NewColumn("客户ID", pd.Series([1, 2])),
        NewColumn("日期", pd.Series([dt.datetime(2026, 5, 1), None]), kind="date"),
        NewColumn("文字", pd.Series(["=1+1", None])),
    ]
    name = xl.add_sheet("汇总", columns)
    sheet = book.sheets[name]
    assert xs.grid(sheet) == [
        ["客户ID", "日期", "文字"],
        [1, dt.datetime(2026, 5, 1), "=1+1"],
        [2, None, None],
    ]
    assert (
        xs.cell_at(sheet, "C2").formula is None
        and xs.cell_at(sheet, "B2").number_format == "yyyy-mm-dd"
    )
    assert len(book.impl.writes) == 1
    with pytest.raises(SheetNotWritableError):
        xl.add_sheet("客户", columns)
    assert (
        xl.add_sheet("汇总", columns[:1], replace_if=lambda first: first[0] == "客户ID") == "汇总"
    )
    assert xs.grid(book.sheets["汇总"]) == [["客户ID"], [1], [2]]


def test_links_are_formulas_of_quoted_text():
    assert link_formula("客户!B3", "客户!B3") == '=HYPERLINK("#客户!B3","客户!B3")'
    tricky = "'He said \"hi\"'!A1"
    assert link_formula(tricky, "x") == '=HYPERLINK("#\'He said ""hi""\'!A1","x")'
