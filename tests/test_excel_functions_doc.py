"""The examples of docs/excel-functions.md are what the functions give.

The page holds two small sheets (``<!-- excel-sheet: NAME -->`` tables, row numbers and
column letters as Excel shows them), a table of formulas with their results
(``<!-- excel-examples -->``; a spilled result as an Excel array constant, ``…`` ending a
text that is shown only in part) and a full validation result
(``<!-- excel-validate: FORMULA -->``).  Each formula is evaluated as classic xlwings and
as xlwings Lite pass the cells (``tests/excelshapes.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import xl_crm.excel.functions as functions
from tests.excelshapes import classic, lite

PAGE = (Path(__file__).resolve().parents[1] / "docs" / "excel-functions.md").read_text(
    encoding="utf-8"
)
SHAPES = {"classic": classic, "lite": lite}


def table_after(marker: str) -> list[list[str]]:
    """The markdown table right after ``marker`` (its header row first)."""
    lines = PAGE.split(marker, 1)[1].split("\n", 1)[1].splitlines()
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split(" | ")])
    return [rows[0], *rows[2:]]


def typed(text: str):
    """A sheet cell as Excel holds it: empty, a number, a date and time, or text."""
    if text == "":
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text) if "." in text else int(text)
    if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", text):
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M")
    return text


def sheets() -> dict[str, list[list]]:
    out = {}
    for name in re.findall(r"<!-- excel-sheet: (\S+) -->", PAGE):
        rows = table_after(f"<!-- excel-sheet: {name} -->")
        out[name] = [[typed(c) for c in row[1:]] for row in rows[1:]]
    return out


def cell_ref(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    column = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(m.group(1))))
    return int(m.group(2)) - 1, column - 1


def split_args(text: str) -> list[str]:
    args, depth, quoted, current = [], 0, False, ""
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if not quoted and ch == "(":
            depth += 1
        if not quoted and ch == ")":
            depth -= 1
        if ch == "," and not quoted and depth == 0:
            args.append(current.strip())
            current = ""
        else:
            current += ch
    return [*args, current.strip()] if current.strip() else args


def argument(text: str, book: dict[str, list[list]], shape):
    if text.startswith('"'):
        return text[1:-1].replace('""', '"')
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        number = float(text)
        return shape([[number]])[0][0]  # Lite: an int, classic: a float
    sheet, _, ref = text.partition("!")
    first, _, last = ref.partition(":")
    (r0, c0), (r1, c1) = cell_ref(first), cell_ref(last or first)
    return shape([row[c0 : c1 + 1] for row in book[sheet][r0 : r1 + 1]])  # ndim=2: rows


def evaluate(formula: str, shape) -> object:
    m = re.fullmatch(r"=?(CRM_\w+)\((.*)\)", formula)
    assert m, formula
    function = getattr(functions, m.group(1).lower())
    book = sheets()
    return function(*(argument(a, book, shape) for a in split_args(m.group(2))))


def constant(text: str):
    """An Excel array constant or a single value, as written on the page."""

    def value(item: str):
        if item.startswith('"'):
            return item[1:-1].replace('""', '"')
        if item in ("TRUE", "FALSE"):
            return item == "TRUE"
        if re.fullmatch(r"-?\d+(\.\d+)?", item):
            return float(item)
        return item

    if not text.startswith("{"):
        return [[value(text)]]
    rows = re.findall(r'(?:"(?:[^"]|"")*"|[^;])+', text[1:-1])
    return [[value(i) for i in re.findall(r'(?:"(?:[^"]|"")*"|[^,])+', row)] for row in rows]


def matches(expected, got) -> bool:
    if isinstance(got, dt.datetime):
        got = got.strftime("%Y-%m-%d %H:%M")
    if isinstance(expected, str) and expected.endswith("…"):
        return isinstance(got, str) and got.startswith(expected[:-1])
    if isinstance(expected, float) and not isinstance(got, bool):
        return isinstance(got, int | float) and abs(got - expected) < 1e-9
    return expected == got


EXAMPLES = table_after("<!-- excel-examples -->")[1:]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("formula", "result"), [(f.strip("`"), r.strip("`")) for f, r in EXAMPLES])
def test_each_example_gives_the_result_shown(formula, result, shape):
    got = evaluate(formula, SHAPES[shape])
    rows = got if isinstance(got, list) else [[got]]
    expected = constant(result)
    assert len(rows) == len(expected), (formula, got)
    for want, have in zip(expected, rows, strict=True):
        assert len(want) == len(have) and all(map(matches, want, have)), (formula, got)


@pytest.mark.parametrize("shape", SHAPES)
def test_the_full_validation_result_is_the_one_shown(shape):
    formula = re.search(r"<!-- excel-validate: (.*?) -->", PAGE).group(1)
    shown = table_after(f"<!-- excel-validate: {formula} -->")
    assert evaluate(formula, SHAPES[shape]) == shown
    assert len(shown) == 4


def test_every_function_has_an_example_and_a_section():
    used = {re.match(r"`=(CRM_\w+)", f).group(1).lower() for f, _ in EXAMPLES}
    assert used == set(functions.__all__)
    for name in functions.__all__:
        assert name.upper() in PAGE.split("## The functions", 1)[1].split("## Examples")[0]
