"""The sheet patch's fast (column-wise) path writes exactly what the general path writes.

Random workbooks (two producers, gaps, styled and unstyled cells, existing and new target
columns, missing values of every kind, a title row above the header, a namespace prefix)
are written twice: once as usual and once with the fast path turned off; the sheet XML must
be byte-identical, the fast path must really have been taken, and the values must read back.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from xl_crm.xlsx.inplace import ColumnWrite, write_columns

TEXTS = ["重要价值客户", "A & B <c>", "  leading", "trailing ", "545", "x" * 40, "=1+1"]
BOOK_TEXTS = TEXTS[:-1]  # openpyxl and XlsxWriter would store "=1+1" as a formula


def _book(path: Path, rng: random.Random, producer: str) -> tuple[int, int, list[str]]:
    """A sheet with a title row, a header and rows with gaps; (header row, rows, headers)."""
    ncols = rng.randint(2, 8)
    headers = [f"列{i}" for i in range(ncols)]
    nrows = rng.randint(30, 400)
    title = rng.random() < 0.5
    header_row = 2 if title else 1
    data = []
    for r in range(nrows):
        row = []
        for c in range(ncols):
            if rng.random() < 0.2:
                row.append(None)
            elif c % 3 == 0:
                row.append(r * 10 + c)
            elif c % 3 == 1:
                row.append(rng.choice(BOOK_TEXTS))
            else:
                row.append(round(rng.random() * 1000, 2))
        data.append(row)
    if producer == "openpyxl":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "客户"
        if title:
            ws.append(["客户资料表"])
        ws.append(headers)
        for row in data:
            ws.append(row)
        for r in range(header_row + 1, header_row + nrows + 1, 7):
            ws.cell(r, 1).number_format = "0.00"  # some cells carry a style
        wb.save(path)
    else:
        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet("客户")
        money = wb.add_format({"num_format": "#,##0.00"})
        if title:
            ws.write(0, 0, "客户资料表")
        ws.write_row(header_row - 1, 0, headers)
        for i, row in enumerate(data):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    ws.write_string(header_row + i, c, value)  # "=1+1" stays text
                elif value is not None:
                    ws.write(header_row + i, c, value, money if c % 3 == 2 else None)
        wb.close()
    return header_row, nrows, headers


def _columns(rng: random.Random, header_row: int, nrows: int, headers: list[str], series: bool):
    first = header_row + 1
    rows = list(range(first, first + nrows))
    if rng.random() < 0.3:
        rows = rows[: rng.randint(nrows // 2, nrows)]  # fewer values than rows
    names = rng.sample(headers, rng.randint(0, min(3, len(headers)))) + [
        f"新{i}" for i in range(rng.randint(1, 4))
    ]
    out = []
    for name in names:
        kind = rng.choice(["number", "float", "date", "datetime", "text", "boolean"])
        gaps = rng.random() < 0.4

        def value(r: int, kind: str = kind, gaps: bool = gaps):
            if gaps and r % 5 == 0:
                return None
            if kind == "number":
                return r % 9
            if kind == "float":
                return r * 1.25 if r % 3 else float(r)
            if kind in ("date", "datetime"):
                day = dt.datetime(2026, 1, 1) + dt.timedelta(days=r % 400)
                return day if kind == "date" else day + dt.timedelta(seconds=r * 37)
            if kind == "boolean":
                return bool(r % 2)
            return TEXTS[r % len(TEXTS)]

        values = {r: value(r) for r in rows}
        write_kind = {"float": "number"}.get(kind, kind)
        if series:
            if kind in ("date", "datetime"):
                data = pd.Series(pd.to_datetime(pd.Series(values)), dtype="datetime64[ns]")
            elif kind in ("number", "float"):
                data = pd.Series(values, dtype=float)
            elif kind == "boolean" and not gaps:
                data = pd.Series(values, dtype=bool)
            else:
                data = pd.Series(values, dtype=object)
            out.append(ColumnWrite(name, data, kind=write_kind))
        else:
            out.append(ColumnWrite(name, values, kind=write_kind))
    return out


def _prefixed(path: Path) -> None:
    """The sheet rewritten the way the .NET Open XML SDK writes it (``x:`` prefix)."""
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode()
                xml = xml.replace(
                    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                    'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                )
                xml = re.sub(r"<(/?)(?!\?)(\w+)([ >/])", r"<\1x:\2\3", xml)
                data = xml.encode()
            z.writestr(info, data)


def _sheet(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("seed", range(24))
def test_fast_path_writes_what_the_general_path_writes(tmp_path, seed):
    rng = random.Random(seed)
    producer = "openpyxl" if seed % 2 else "xlsxwriter"
    original = tmp_path / "book.xlsx"
    header_row, nrows, headers = _book(original, rng, producer)
    if seed % 6 == 5:
        _prefixed(original)
    columns = _columns(rng, header_row, nrows, headers, series=seed % 3 == 0)
    block = 1 << 11  # many blocks, the header in one
    fast, general = tmp_path / "fast.xlsx", tmp_path / "general.xlsx"
    fast.write_bytes(original.read_bytes())
    general.write_bytes(original.read_bytes())
    result = write_columns(
        fast, "客户", columns, header_row=header_row, backups=0, block_size=block
    )
    again = write_columns(
        general,
        "客户",
        columns,
        header_row=header_row,
        backups=0,
        block_size=block,
        patch_path="general",
    )

    assert result.fast_blocks > 0, "the fast path was never taken"
    assert again.fast_blocks == 0
    a, b = _sheet(fast), _sheet(general)
    at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), None)
    assert a == b, (a[at - 150 : at + 60], b[at - 150 : at + 60]) if at is not None else None
    assert result.rows_changed == again.rows_changed
    _check_values(fast, columns, result.columns, header_row)


def _check_values(path: Path, columns, letters: dict[str, str], header_row: int) -> None:
    ws = openpyxl.load_workbook(path)["客户"]
    for col in columns:
        letter = letters[col.header]
        assert ws[f"{letter}{header_row}"].value == col.header
        values = col.values.to_dict() if isinstance(col.values, pd.Series) else col.values
        for row, want in values.items():
            got = ws[f"{letter}{row}"].value
            if want is None or (isinstance(want, float) and math.isnan(want)) or want is pd.NaT:
                assert got is None, (letter, row, got)
            elif isinstance(want, dt.datetime | pd.Timestamp):
                assert abs(got - pd.Timestamp(want).to_pydatetime()) < dt.timedelta(seconds=1)
            elif isinstance(want, bool) or col.kind == "boolean":
                assert got is bool(want)
            elif col.kind == "text":
                assert got == str(want)
            else:
                assert got == pytest.approx(float(want))


def test_series_and_dicts_write_the_same_sheet(tmp_path):
    rng = random.Random(7)
    book = tmp_path / "book.xlsx"
    header_row, nrows, _ = _book(book, rng, "openpyxl")
    rows = pd.RangeIndex(header_row + 1, header_row + 1 + nrows)
    n = np.arange(nrows)
    series = [
        ColumnWrite("金额", pd.Series(n * 1.5, rows), kind="number"),
        ColumnWrite("日期", pd.Series(pd.Timestamp("2026-03-01") + pd.to_timedelta(n, "h"), rows)),
        ColumnWrite("分类", pd.Series(np.array(TEXTS, object)[n % len(TEXTS)], rows)),
        ColumnWrite("次数", pd.Series(n % 4, rows), kind="number"),
    ]
    series[1].kind = "datetime"
    dicts = [
        ColumnWrite(c.header, {int(r): v for r, v in c.values.items()}, kind=c.kind) for c in series
    ]
    for c in dicts:
        c.values = {
            r: (
                v.to_pydatetime()
                if isinstance(v, pd.Timestamp)
                else getattr(v, "item", lambda v=v: v)()
            )
            for r, v in c.values.items()
        }
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    a.write_bytes(book.read_bytes())
    b.write_bytes(book.read_bytes())
    write_columns(a, "客户", series, header_row=header_row, backups=0)
    write_columns(b, "客户", dicts, header_row=header_row, backups=0)
    assert _sheet(a) == _sheet(b)


def test_a_million_values_take_megabytes_not_a_gigabyte():
    from xl_crm.xlsx.sheetpatch import EPOCH_1900, ColumnValues

    rows = pd.RangeIndex(2, 1_048_577)
    text = ColumnValues(pd.Series("重要价值客户", rows), "text", EPOCH_1900)
    assert text.codes is not None and text.codes.nbytes == len(rows)  # one byte a value
    assert text.uniques == ["重要价值客户"]
    numbers = ColumnValues(pd.Series(np.arange(len(rows)) * 1.5, rows), "number", EPOCH_1900)
    assert numbers.array.dtype == np.float64
    assert numbers.get(5) == (True, 4.5) and numbers.get(1) == (False, None)


def test_parallel_deflate_is_one_valid_deflate_stream(tmp_path):
    import zlib

    from xl_crm.xlsx.package import ParallelDeflate, parallel_deflate

    rng = random.Random(3)
    words = [f"<c r='A{i}'><v>{i * 7}</v></c>".encode() for i in range(5000)]
    data = b"".join(rng.choice(words) for _ in range(400_000))  # ~9 MB, compressible
    deflate = ParallelDeflate(level=6, workers=3)
    out, pos = [], 0
    while pos < len(data):
        step = rng.randint(1, 1 << 20)
        out.append(deflate.compress(data[pos : pos + step]))
        pos += step
    out.append(deflate.flush())
    stream = b"".join(out)
    assert zlib.decompress(stream, -15) == data
    single = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert len(stream) < 1.05 * len(single.compress(data) + single.flush())  # same ratio

    path = tmp_path / "member.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z, z.open("x.xml", "w") as raw:
        parallel_deflate(raw)
        for i in range(0, len(data), 1 << 19):
            raw.write(data[i : i + (1 << 19)])
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None and z.read("x.xml") == data


def test_heap_threshold_is_fixed_on_glibc_and_left_alone_elsewhere():
    import os
    import platform

    from xl_crm.xlsx.heap import fix_mmap_threshold

    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    wanted = glibc and "MALLOC_MMAP_THRESHOLD_" not in os.environ  # the user's setting wins
    assert fix_mmap_threshold() is wanted


def test_new_cells_take_the_column_style_and_dates_a_date_style(tmp_path):
    path = tmp_path / "styled.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户ID", "金额", "日期"])
    for i in range(1, 6):
        ws.append([i, i * 10.5, i])
        ws.cell(i + 1, 3).number_format = "0.00"  # a number style where a date will go
    ws.column_dimensions["D"].number_format = "0.0%"  # the column's own style
    wb.save(path)
    rows = range(2, 7)
    write_columns(
        path,
        "客户",
        [
            ColumnWrite("日期", {r: dt.datetime(2026, 3, r) for r in rows}, kind="date"),
            ColumnWrite("占比", {r: r / 100 for r in rows}, kind="number"),
        ],
        header_row=1,
        backups=0,
    )
    ws = openpyxl.load_workbook(path)["客户"]
    assert [ws.cell(r, 3).value for r in rows] == [dt.datetime(2026, 3, r) for r in rows]
    assert all(ws.cell(r, 3).is_date for r in rows)
    assert {ws.cell(r, 4).number_format for r in rows} == {"0.0%"}
    assert [ws.cell(r, 4).value for r in rows] == [r / 100 for r in rows]


def test_texts_that_look_like_markup_are_left_alone(tmp_path):
    """A cell's text may hold quotes and words like spans="1:2" or row r="1" (only "<" and
    "&" are escaped in XML text): writing columns and marking cells must not touch them."""
    from xl_crm.xlsx.marks import mark_cells

    path = tmp_path / "tricky.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户ID", "备注"])
    tricky = ['x spans="1:2" y', 'row r="1" and t="array"', "a </sheetData> b"]
    for i in range(1, 200):
        ws.append([i, tricky[i % 3]])
    wb.save(path)
    write_columns(
        path,
        "客户",
        [ColumnWrite("分数", pd.Series(np.arange(199) * 2, pd.RangeIndex(2, 201)), kind="number")],
        header_row=1,
        backups=0,
    )
    mark_cells(path, "客户", {"B200": "last row", "C199": "next to last"}, backups=0)
    ws = openpyxl.load_workbook(path)["客户"]
    assert [ws.cell(r, 2).value for r in range(2, 201)] == [tricky[i % 3] for i in range(1, 200)]
    assert [ws.cell(r, 3).value for r in range(2, 201)] == [i * 2 for i in range(199)]
    assert ws["B200"].comment.text == "last row" and ws["C199"].comment.text == "next to last"


def test_progress_is_reported_block_by_block(tmp_path):
    book = tmp_path / "book.xlsx"
    header_row, nrows, _ = _book(book, random.Random(11), "openpyxl")
    calls: list[tuple[int, int]] = []
    rows = pd.RangeIndex(header_row + 1, header_row + 1 + nrows)
    write_columns(
        book,
        "客户",
        [ColumnWrite("新", pd.Series(np.arange(nrows), rows), kind="number")],
        header_row=header_row,
        backups=0,
        progress=lambda done, total: calls.append((done, total)),
        block_size=1 << 12,
    )
    assert len(calls) > 3
    assert all(total == nrows + 1 for _, total in calls)
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == nrows + 1


def test_fast_path_formats_awkward_numbers_and_gaps_as_the_general_path_does(tmp_path):
    """Floats whose shortest text is an exponent or long, whole floats, -0.0, huge values,
    and columns with gaps (empty values in styled and unstyled cells) in Series of every
    kind: the fast path writes them byte for byte as the general path does."""
    rng = random.Random(11)
    book = tmp_path / "book.xlsx"
    header_row, nrows, headers = _book(book, rng, "openpyxl")
    rows = pd.RangeIndex(header_row + 1, header_row + 1 + nrows)
    awkward = [1e-07, 0.1 + 0.2, 123456789.123, 1e16, 2.5e300, -0.0, -2.5, 7.0, 1 / 3, -1e-300]
    n = np.arange(nrows)
    floats = np.array(awkward)[n % len(awkward)]
    gaps = n % 4 == 1
    texts = np.where(gaps, None, np.array(TEXTS, object)[n % 7])
    dates = pd.Series(pd.Timestamp("1900-02-27") + pd.to_timedelta(n * 7, "h") * 13, rows)
    columns = [
        ColumnWrite(headers[0], pd.Series(floats, rows), kind="number"),  # an existing column
        ColumnWrite("浮点空", pd.Series(np.where(gaps, np.nan, floats), rows), kind="money"),
        ColumnWrite("整数空", pd.Series(np.where(gaps, np.nan, n * 1.0), rows), kind="number"),
        ColumnWrite("日期空", dates.mask(pd.Series(gaps, rows)), kind="datetime"),
        ColumnWrite("文本空", pd.Series(texts, rows)),
        ColumnWrite("是否", pd.Series(np.where(gaps, np.nan, n % 2), rows), kind="boolean"),
    ]
    fast, general = tmp_path / "fast.xlsx", tmp_path / "general.xlsx"
    for path in (fast, general):
        path.write_bytes(book.read_bytes())
    result = write_columns(fast, "客户", columns, header_row=header_row, backups=0, block_size=4096)
    again = write_columns(
        general, "客户", columns, header_row=header_row, backups=0, patch_path="general"
    )
    assert result.fast_blocks > 0 and again.fast_blocks == 0
    assert _sheet(fast) == _sheet(general)
    assert b"<v>1e-07</v>" in _sheet(fast) and b"<v>1e+16</v>" in _sheet(fast)
    _check_values(fast, columns, result.columns, header_row)
