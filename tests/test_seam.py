"""The Book seam: validate, compute and annotate run unchanged on a book held in memory
(a dict of DataFrames, tests/memorybook.py) and give what they give on the same cells
saved as an .xlsx file."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import xl_crm
from tests.memorybook import MemoryBook, cell_value, frames_from_xlsx, write_xlsx
from xl_crm.book import Book
from xl_crm.specs.dump import spec_to_data

REAL = Path("../shared/cases/real-inputs")
REAL_FILES = [
    "baseline.xlsx",
    "amounts_as_text.xlsx",
    "chinese_text_dates.xlsx",
    "blank_rows.xlsx",
    "error_values.xlsx",
]
AS_OF = "2026-06-30"


def dirty_frames() -> dict[str, pd.DataFrame]:
    """An invented ecommerce book with a wrong cell of each common kind."""
    customers = pd.DataFrame(
        [
            [100001, "林小雨", "xiaoyu.lin@example.com", "13912340001", None, None, "服装"],
            [100002, None, "dashan.zhou@example.com", "15812340002", None, None, "数码"],
            [100003, "吴晓晴", "xq.wu#example.com", "1391234", None, None, "美妆"],
            [100004, "赵一", "XIAOYU.LIN@example.com", "13712340004", None, None, "服装、玩具"],
            ["abc", "钱二", "qian@example.com", "13612340005", None, None, None],
        ],
        columns=[
            "客户ID",
            "姓名",
            "电子邮件",
            "手机号码",
            "最近一次购买日期",
            "购买频率",
            "兴趣类别",
        ],
        dtype=object,
    )
    orders = pd.DataFrame(
        [
            ["A-1", 100001, dt.datetime(2026, 5, 1, 10, 0), 199.0, "服装", "天猫"],
            ["A-2", 100001, "2026年3月2日", "¥89.50", "服装", "京东"],
            ["A-3", 100002, dt.datetime(2026, 1, 15), "一百元", "数码", "天猫"],
            ["A-4", 999999, dt.datetime(2026, 2, 1), 50.0, "数码", "淘宝"],
            [None, 100003, dt.datetime(2025, 12, 1), -3.0, "美妆", "京东"],
        ],
        columns=["订单编号", "客户ID", "下单时间", "金额", "商品类别", "渠道"],
        dtype=object,
    )
    return {"客户": customers, "订单": orders}


def findings(report: xl_crm.Report) -> set[tuple[str, str, str]]:
    return {(f.rule, f.sheet, f.cell) for f in report.findings}


def test_the_memory_book_is_a_book():
    assert isinstance(MemoryBook({}), Book)


@pytest.mark.parametrize("name", REAL_FILES)
def test_validate_finds_on_a_memory_book_what_it_finds_in_the_file(name):
    path = REAL / name
    memory = MemoryBook(frames_from_xlsx(path), template="ecommerce")
    in_memory = xl_crm.validate(memory)
    in_file = xl_crm.validate(path, template="ecommerce")
    assert findings(in_memory) == findings(in_file)
    assert in_memory.mapping.to_dict() == in_file.mapping.to_dict()
    if name == "error_values.xlsx":  # the case that has findings: one per error cell
        assert {r for r, _, _ in findings(in_memory)} >= {"formula-error"}
    else:
        assert findings(in_memory) == set()


def test_validate_finds_each_wrong_cell_of_an_invented_book_in_memory_as_in_the_file(tmp_path):
    frames = dirty_frames()
    path = tmp_path / "dirty.xlsx"
    write_xlsx(frames, path)
    in_memory = xl_crm.validate(MemoryBook(frames), template="ecommerce")
    in_file = xl_crm.validate(path, template="ecommerce")
    assert findings(in_memory) == findings(in_file)
    assert findings(in_memory) >= {
        ("required", "客户", "B3"),
        ("email", "客户", "C4"),
        ("phone", "客户", "D4"),
        ("duplicate", "客户", "C2"),
        ("duplicate", "客户", "C5"),
        ("choice", "客户", "G5"),
        ("type", "客户", "A6"),
        ("type", "订单", "D4"),
        ("reference", "订单", "B5"),
        ("choice", "订单", "F5"),
        ("required", "订单", "A6"),
        ("out-of-range", "订单", "D6"),
    }


def computed(frames: dict[str, pd.DataFrame], columns: list[str]) -> list[list[object]]:
    """The computed columns of the customers sheet, as comparable cell values."""

    def same(v: object) -> object:
        v = cell_value(v)
        if isinstance(v, int | float) and not isinstance(v, bool):
            return round(float(v), 6)
        return v

    frame = frames["客户"]
    return [[same(v) for v in frame[c]] for c in columns]


@pytest.mark.parametrize("name", [*REAL_FILES, "dirty"])
def test_compute_writes_into_a_memory_book_the_values_it_writes_into_the_file(name, tmp_path):
    path = tmp_path / "book.xlsx"
    if name == "dirty":  # without the customer whose ID is not a number (no compute then)
        frames = dirty_frames()
        frames["客户"] = frames["客户"].iloc[:-1]
        write_xlsx(frames, path)
    else:
        shutil.copyfile(REAL / name, path)
    memory = MemoryBook(frames_from_xlsx(path), template="ecommerce")
    in_memory = xl_crm.compute(memory, as_of=AS_OF)
    in_file = xl_crm.compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    assert in_memory.columns == in_file.columns
    assert in_memory.written and in_file.written and memory.writes == 1
    assert in_memory.unused == in_file.unused
    assert in_memory.segments == in_file.segments
    assert computed(memory.sheets, in_memory.columns) == computed(
        frames_from_xlsx(path), in_file.columns
    )
    again = xl_crm.compute(memory, as_of=AS_OF)  # the same inputs: nothing to write
    assert not again.written and memory.writes == 1


def test_compute_adds_the_same_customer_summary_to_a_book_of_orders(tmp_path):
    """A book of orders only: the customer summary sheet goes through ``Book.add_sheet``."""
    path = tmp_path / "orders.xlsx"
    write_xlsx({"订单": frames_from_xlsx(REAL / "amounts_as_text.xlsx")["订单"]}, path)
    memory = MemoryBook(frames_from_xlsx(path))
    in_memory = xl_crm.compute(memory, template="ecommerce", as_of=AS_OF)
    in_file = xl_crm.compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    assert in_memory.sheet == in_file.sheet
    assert list(memory.sheets) == ["订单", in_memory.sheet]
    in_book = frames_from_xlsx(path)[in_file.sheet]
    summary = memory.sheets[in_memory.sheet]
    assert list(summary.columns) == list(in_book.columns)
    assert computed({"客户": summary}, list(summary.columns)) == computed(
        {"客户": in_book}, list(in_book.columns)
    )
    assert len(summary) == 3


def test_compute_refuses_a_bad_key_in_memory_as_in_the_file(tmp_path):
    path = tmp_path / "dirty.xlsx"
    write_xlsx(dirty_frames(), path)
    memory = MemoryBook(dirty_frames(), template="ecommerce")
    for book in (memory, path):
        with pytest.raises(xl_crm.CustomerKeyError) as info:
            xl_crm.compute(book, template="ecommerce", as_of=AS_OF, backups=0)
        assert "客户!A6 'abc' is not a valid ID" in str(info.value)
    assert memory.writes == 0
    assert (
        frames_from_xlsx(path)["客户"].columns.tolist() == dirty_frames()["客户"].columns.tolist()
    )


def test_compute_on_a_memory_book_gives_the_documented_figures():
    """The right result of the real-input cases (their README), from a memory book."""
    memory = MemoryBook(frames_from_xlsx(REAL / "chinese_text_dates.xlsx"))
    xl_crm.compute(memory, template="ecommerce", as_of=AS_OF)
    frame = memory.sheets["客户"].set_index("客户ID")
    assert frame["购买频率"].to_dict() == {100001: 2, 100002: 1, 100003: 1}
    assert frame["累计消费金额"].to_dict() == {100001: 288.5, 100002: 2999, 100003: 320}
    assert {k: v.date() for k, v in frame["最近一次购买日期"].items()} == {
        100001: dt.date(2026, 5, 1),
        100002: dt.date(2026, 1, 15),
        100003: dt.date(2025, 12, 1),
    }


def test_annotate_marks_arrive_at_the_books_mark(tmp_path):
    frames = dirty_frames()
    memory = MemoryBook(frames, template="ecommerce")
    report = xl_crm.validate(memory)
    marked = xl_crm.annotate(memory, report, lang="en").marked
    expected: dict[str, dict[str, list[str]]] = {}
    for f in report.findings:
        if f.row is not None:
            expected.setdefault(f.sheet, {}).setdefault(f.cell, []).append(f.message("en"))
    assert memory.marks == {
        s: {c: "\n".join(m) for c, m in cells.items()} for s, cells in expected.items()
    }
    assert marked == sum(len(cells) for cells in expected.values()) > 10

    path = tmp_path / "dirty.xlsx"  # the same marks land in the file's notes
    write_xlsx(frames, path)
    assert (
        xl_crm.annotate(path, xl_crm.validate(path, template="ecommerce"), lang="en").marked
        == marked
    )
    wb = openpyxl.load_workbook(path)
    notes = {
        ws.title: {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}
        for ws in wb.worksheets
    }
    for sheet, cells in memory.marks.items():
        assert {c: notes[sheet][c] for c in cells} == cells


def test_a_passed_in_book_is_not_closed_by_the_pipeline():
    memory = MemoryBook(frames_from_xlsx(REAL / "baseline.xlsx"), template="ecommerce")
    xl_crm.annotate(memory, xl_crm.validate(memory))
    xl_crm.compute(memory, as_of=AS_OF)
    assert not memory.closed


@pytest.mark.parametrize("name", ["baseline.xlsx", "chinese_text_dates.xlsx", "blank_rows.xlsx"])
def test_infer_reads_a_memory_book_as_it_reads_the_file(name):
    memory = MemoryBook(frames_from_xlsx(REAL / name), name=name)
    in_memory = spec_to_data(xl_crm.infer_spec(memory))
    in_file = spec_to_data(xl_crm.infer_spec(REAL / name))
    assert in_memory == in_file
    assert [s["id"] for s in in_memory["sheets"]] == ["customers", "orders"]
