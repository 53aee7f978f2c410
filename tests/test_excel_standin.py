"""The xlwings stand-in (tests/xwstandin.py) follows xlwings: every member it implements has
the signature of the real class's member (inspected on xlwings.main), and it behaves as
xlwings documents (value shapes, what each runtime hands over, what Lite cannot read)."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
import xlwings.main as real

from tests import xwstandin as xs

#: stand-in class -> the xlwings.main class it stands in for
CLASSES = {
    xs.App: real.App,
    xs.Books: real.Books,
    xs.Book: real.Book,
    xs.Sheets: real.Sheets,
    xs.Sheet: real.Sheet,
    xs.Range: real.Range,
    xs.Note: real.Note,
    xs.DataValidation: real.DataValidation,
    xs.Font: real.Font,
    xs.Table: real.Table,
}
#: dunder members that are part of the API (the rest: Python's own)
API_DUNDERS = {"__getitem__", "__call__", "__len__", "__iter__"}


def parameters(fn) -> list[tuple[str, object, object]]:
    """(name, kind, default) of each parameter: what a caller relies on."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def differences(fake: type, model: type) -> tuple[list[str], int]:
    """Where ``fake``'s public members differ from ``model``'s, and how many were compared."""
    out, checked = [], 0
    for name, member in vars(fake).items():
        if name.startswith("_") and name not in API_DUNDERS:
            continue
        theirs = inspect.getattr_static(model, name, None)
        where = f"{fake.__name__}.{name}"
        if theirs is None:
            out.append(f"{where}: not in xlwings")
            continue
        checked += 1
        if isinstance(member, property):
            if not isinstance(theirs, property):
                out.append(f"{where}: a property here, not in xlwings")
            elif member.fset is not None and theirs.fset is None:
                out.append(f"{where}: settable here, read-only in xlwings")
        elif callable(member):
            if isinstance(theirs, property) or not callable(theirs):
                out.append(f"{where}: a method here, not in xlwings")
            elif inspect.iscoroutinefunction(member) != inspect.iscoroutinefunction(theirs):
                out.append(f"{where}: async differs")
            elif parameters(member) != parameters(theirs):
                out.append(f"{where}: {inspect.signature(member)} != {inspect.signature(theirs)}")
    return out, checked


def test_every_member_of_the_standin_has_the_signature_of_xlwings():
    found, checked = [], 0
    for fake, model in CLASSES.items():
        diff, n = differences(fake, model)
        found += diff
        checked += n
    assert found == []
    assert checked >= 70  # the stand-in implements this much of the API


def test_the_signature_check_finds_a_wrong_member():
    class Range:
        def add_note(self, text, author=None): ...

        @property
        def hyperlink(self): ...

        @hyperlink.setter
        def hyperlink(self, value): ...

        def sort(self, keys, ascending=False, has_headers=False): ...

        def not_there(self): ...

    found, _ = differences(Range, real.Range)
    assert [f.split(":")[0] for f in found] == [
        "Range.add_note",
        "Range.hyperlink",
        "Range.sort",
        "Range.not_there",
    ]


def sheet_of(runtime: str) -> xs.Sheet:
    book = xs.book_from_rows(
        {"S": [["id", "when", "name"], [1, dt.datetime(2026, 5, 1), "王"], [2.5, None, ""]]},
        runtime=runtime,
    )
    return book.sheets["S"]


def test_values_have_the_shapes_xlwings_documents():
    sheet = sheet_of(xs.CLASSIC)
    assert sheet.range("A2").value == 1.0  # one cell: a scalar
    assert sheet.range("A1:C1").value == ["id", "when", "name"]  # one row: a flat list
    assert sheet.range("A1:A3").value == ["id", 1.0, 2.5]  # one column: a flat list
    assert sheet.range("A1").options(ndim=2).value == [["id"]]  # ndim=2: always rows
    assert sheet.range("A1:A2").options(ndim=2).value == [["id"], [1.0]]
    assert sheet.used_range.address == "$A$1:$C$3"
    assert sheet.range("A1").expand().address == "$A$1:$C$3"
    assert sheet.range("A1").expand("right").address == "$A$1:$C$1"


def test_each_runtime_hands_numbers_dates_and_empty_cells_over_its_way():
    classic, lite = sheet_of(xs.CLASSIC), sheet_of(xs.LITE)
    assert classic.range("A2:C3").value == [
        [1.0, dt.datetime(2026, 5, 1), "王"],
        [2.5, None, None],
    ]
    got = lite.range("A2:A3").value
    assert got == [1, 2.5] and type(got[0]) is int  # JSON: a whole number is an int


def test_writing_a_value_works_like_typing_it():
    sheet = sheet_of(xs.CLASSIC)
    sheet.range("D1:D6").value = [["=A2*2"], ["0012"], ["'0012"], ["TRUE"], ["2026-05-01"], ["'=x"]]
    cells = [xs.cell_at(sheet, f"D{r}") for r in range(1, 7)]
    assert cells[0].formula == "=A2*2" and cells[0].value is None
    assert [c.value for c in cells[1:]] == [12.0, "0012", True, dt.datetime(2026, 5, 1), "=x"]


def test_lite_cannot_read_fills_note_texts_or_formulas_synchronously():
    sheet = sheet_of(xs.LITE)
    cell = sheet.range("A2")
    cell.color = "#FFC7CD"
    note = cell.add_note("bad")
    for read in (lambda: cell.color, lambda: note.text, lambda: cell.formula):
        with pytest.raises(NotImplementedError):
            read()
    assert cell.note is not None  # whether a cell has a note is known (the payload says)
    classic = sheet_of(xs.CLASSIC).range("A2")
    classic.color = "#FFC7CD"
    assert classic.color == (255, 199, 205)
    with pytest.raises(ValueError, match="already has a note"):
        classic.add_note("x") and classic.add_note("y")


def test_sorting_puts_blanks_last_and_refuses_a_table_range():
    book = xs.book_from_rows({"S": [["k"], [2], [None], [1], ["b"], [3]]})
    sheet = book.sheets["S"]
    sheet.range("A2:A6").sort(1, False)
    # Excel's order (numbers, text, logical values) reversed; blanks last either way
    assert sheet.range("A2:A6").value == ["b", 3.0, 2.0, 1.0, None]
    xs.add_table(sheet, "T", "A1:A6")
    with pytest.raises(ValueError, match=r"Table\.sort"):
        sheet.range("A2:A6").sort(1)
