"""Edge cases of the in-place writer and the cell marks, found by review (each failed before
its fix): paths that must agree, rows and cells without r, text SpreadsheetML would decode,
dates Excel counts its own way, columns and tables found right, notes that must stay one."""

from __future__ import annotations

import datetime as dt
import decimal
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.comments import Comment
from openpyxl.worksheet.table import Table
from python_calamine import CalamineWorkbook

from tests.sheetxml import book, cell, sheet
from xl_crm.errors import WorkbookError
from xl_crm.xlsx.inplace import ColumnWrite, write_columns
from xl_crm.xlsx.marks import mark_cells

HEADER = '<row r="1">' + cell("A1", "id") + cell("B1", "X") + "</row>"


def both_paths(tmp_path, rows: str, columns, block: int = 1 << 22, **kw):
    """The sheet written with the fast path allowed and with the general path only."""
    fast = book(tmp_path / "fast.xlsx", rows, **kw)
    write_columns(fast, "S", columns, header_row=1, backups=0, block_size=block)
    general = book(tmp_path / "general.xlsx", rows, **kw)
    write_columns(
        general, "S", columns, header_row=1, backups=0, block_size=block, patch_path="general"
    )
    return fast, general


def sheet_book(path, header: list, rows: list[list]) -> openpyxl.Workbook:
    """An openpyxl workbook with sheet "S" holding ``header`` and ``rows`` (not saved)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for row in [header, *rows]:
        ws.append(row)
    return wb


def data_rows(n: int, *, without_r=()) -> str:
    return "".join(
        ("<row>" if r in without_r else f'<row r="{r}">') + cell(f"A{r}", r) + "</row>"
        for r in range(2, n + 2)
    )


def test_booleans_and_edge_numbers_are_written_alike(tmp_path):
    rows = data_rows(6)
    columns = [
        ColumnWrite("X", pd.Series([1, 0] * 3, pd.RangeIndex(2, 8)), kind="boolean"),
        ColumnWrite("Y", {2: 2.0**53, 3: -0.0, 4: 1e16, 5: 1.5, 6: 3.0, 7: -2.0}, kind="number"),
        ColumnWrite("Z", {r: ["yes", "no", "是", "否", True, 0][r - 2] for r in range(2, 8)}),
    ]
    columns[2].kind = "boolean"
    fast, general = both_paths(tmp_path, HEADER + rows, columns)
    assert sheet(fast) == sheet(general)
    ws = openpyxl.load_workbook(fast)["S"]
    assert [ws.cell(r, 2).value for r in range(2, 8)] == [True, False] * 3
    assert [ws.cell(r, 3).value for r in range(2, 8)] == [2.0**53, 0, 1e16, 1.5, 3, -2]
    assert [ws.cell(r, 4).value for r in range(2, 8)] == [True, False, True, False, True, False]
    assert "<v>-0</v>" not in sheet(fast) and "9007199254740992.0" not in sheet(fast)
    with pytest.raises(WorkbookError, match="not a yes/no value"):
        write_columns(fast, "S", [ColumnWrite("Z", {2: "maybe"}, kind="boolean")], header_row=1)


@pytest.mark.parametrize(
    ("without_r", "written", "block"),
    [({61}, range(2, 80), 313), (set(range(30, 60)), range(50, 60), 400)],
    ids=["after-a-fast-block", "after-a-passed-block"],
)
def test_rows_without_r_keep_their_numbers(tmp_path, without_r, written, block):
    rows = data_rows(78, without_r=without_r)
    columns = [ColumnWrite("X", {r: f"v{r}" for r in written})]
    fast, general = both_paths(tmp_path, HEADER + rows, columns, block=block)
    for path in (fast, general):
        ws = openpyxl.load_workbook(path)["S"]
        assert [ws.cell(r, 1).value for r in range(2, 80)] == list(range(2, 80))
        assert [ws.cell(r, 2).value for r in written] == [f"v{r}" for r in written]
        numbers = [int(n) for n in re.findall(r'<row r="(\d+)"', sheet(path))]
        assert numbers == sorted(set(numbers))


def test_a_prefixed_shared_formula_master_is_not_broken(tmp_path):
    rows = HEADER.replace("<", "<x:").replace("<x:/", "</x:")
    master = '<x:f t="shared" ref="B2:B5" si="0">A2*2</x:f><x:v>2</x:v>'
    rows += f'<x:row r="2"><x:c r="B2">{master}</x:c></x:row>'
    rows += "".join(
        f'<x:row r="{r}"><x:c r="B{r}"><x:f t="shared" si="0"/></x:c></x:row>' for r in range(3, 6)
    )
    path = book(tmp_path / "sdk.xlsx", rows, prefix="x:")
    original = path.read_bytes()
    with pytest.raises(WorkbookError, match="shared or array formula of B2:B5"):
        write_columns(path, "S", [ColumnWrite("X", {2: 99}, kind="number")], header_row=1)
    assert path.read_bytes() == original


def test_text_that_spreadsheetml_would_decode_reads_back_as_written(tmp_path):
    path = book(tmp_path / "t.xlsx", HEADER + data_rows(4))
    texts = ["_x0041_", "x_x000D_y", "a\r\nb", "tab\there"]
    write_columns(
        path,
        "S",
        [ColumnWrite("X", dict(zip(range(2, 6), texts, strict=True)))],
        header_row=1,
        backups=0,
    )
    ws = openpyxl.load_workbook(path)["S"]
    calamine = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").to_python()
    assert [row[1] for row in calamine[1:5]] == texts
    assert ws["B5"].value == "tab\there"  # (openpyxl does not decode _x000D_; Excel does)


def test_excel_dates_count_its_29_february_1900_and_reach_9999(tmp_path):
    columns = [
        ColumnWrite(
            "X",
            {
                2: dt.date(1900, 1, 1),
                3: dt.date(1900, 2, 28),
                4: dt.date(1900, 3, 1),
                5: dt.datetime(2300, 1, 1, 12),
            },
            kind="date",
        ),
        ColumnWrite(
            "Y",
            pd.Series(
                np.array(
                    ["2300-01-01", "9999-12-31", "2026-06-30", "1900-01-01"], dtype="datetime64[ms]"
                ),
                pd.RangeIndex(2, 6),
            ),
            kind="date",
        ),
    ]
    fast, general = both_paths(tmp_path, HEADER + data_rows(4), columns)
    assert sheet(fast) == sheet(general)
    values = re.findall(r'<c r="B\d" s="\d+"><v>([^<]+)</v>', sheet(fast))
    assert values[:3] == ["1", "59", "61"]  # Excel: 1 = 1900-01-01, 60 = its 29 February
    ws = openpyxl.load_workbook(fast)["S"]
    assert ws["B5"].value == dt.datetime(2300, 1, 1, 12)
    assert [ws.cell(r, 3).value.date() for r in range(2, 6)] == [
        dt.date(2300, 1, 1),
        dt.date(9999, 12, 31),
        dt.date(2026, 6, 30),
        dt.date(1900, 1, 1),
    ]
    with pytest.raises(WorkbookError, match="before 1900-01-01"):
        write_columns(
            fast, "S", [ColumnWrite("X", {2: dt.date(1899, 12, 1)}, kind="date")], header_row=1
        )


def test_columns_are_placed_safely(tmp_path):
    path = tmp_path / "p.xlsx"
    rows = [[f"n{i}", "old", f"a note without a header {i}"] for i in range(3)]  # C: no header
    sheet_book(path, ["Name", "RFM Segment"], rows).save(path)
    with pytest.raises(WorkbookError, match="would all be written into column A"):
        write_columns(
            path, "S", [ColumnWrite("Name", {2: "a"}), ColumnWrite("name ", {2: "b"})], header_row=1
        )
    write_columns(
        path,
        "S",
        [
            ColumnWrite(
                "RFM 客户分类", {r: "重要价值客户" for r in range(2, 5)}, match={"RFM Segment"}
            ),
            ColumnWrite("score", {r: r for r in range(2, 5)}, kind="number"),
        ],
        header_row=1,
        backups=0,
    )
    ws = openpyxl.load_workbook(path)["S"]
    assert [c.value for c in ws[1]] == ["Name", "RFM Segment", None, "score"]  # header kept
    assert [ws.cell(r, 3).value for r in range(2, 5)] == [
        f"a note without a header {i}" for i in range(3)
    ]
    assert [ws.cell(r, 4).value for r in range(2, 5)] == [2, 3, 4]


def test_a_new_column_extends_the_table_it_touches(tmp_path):
    path = tmp_path / "t.xlsx"
    wb = sheet_book(path, ["id", "name", None, "k", "v"], [[i, "x", None, i, i] for i in range(3)])
    ws = wb["S"]
    ws.add_table(Table(displayName="T1", ref="A1:B4"))
    ws.add_table(Table(displayName="T2", ref="D1:E4"))
    wb.save(path)
    write_columns(
        path, "S", [ColumnWrite("new", {2: 1, 3: 2, 4: 3}, kind="number")], header_row=1, backups=0
    )
    refs = {t.displayName: t.ref for t in openpyxl.load_workbook(path)["S"].tables.values()}
    assert refs == {"T1": "A1:B4", "T2": "D1:F4"}


def test_decimals_are_numbers(tmp_path):
    path = book(tmp_path / "d.xlsx", HEADER + data_rows(2))
    write_columns(
        path,
        "S",
        [ColumnWrite("X", {2: decimal.Decimal("1.25"), 3: decimal.Decimal("3")}, kind="number")],
        header_row=1,
        backups=0,
    )
    ws = openpyxl.load_workbook(path)["S"]
    assert (ws["B2"].value, ws["B3"].value) == (1.25, 3)


def test_date_cells_do_not_borrow_a_decorated_style(tmp_path):
    path = tmp_path / "s.xlsx"
    wb = sheet_book(path, ["id", "when"], [[1, None]])
    other = wb.create_sheet("other")
    other["A1"] = dt.date(2026, 1, 1)
    other["A1"].number_format = "yyyy-mm-dd"
    other["A1"].font = openpyxl.styles.Font(bold=True, strike=True)
    wb.save(path)
    write_columns(
        path,
        "S",
        [ColumnWrite("when", {2: dt.date(2026, 3, 1)}, kind="date")],
        header_row=1,
        backups=0,
    )
    cell_ = openpyxl.load_workbook(path)["S"]["B2"]
    assert cell_.value == dt.datetime(2026, 3, 1) and cell_.is_date
    assert not cell_.font.b and not cell_.font.strike


def test_marks_on_cells_and_rows_without_r(tmp_path):
    rows = HEADER + "".join(
        ("<row>" if r == 3 else f'<row r="{r}">')
        + f'<c><v>{r}</v></c><c s="2"><v>43831</v></c></row>'
        for r in range(2, 6)
    )
    path = book(tmp_path / "m.xlsx", rows)
    mark_cells(path, "S", {"B3": "bad date", "A4": "check"}, backups=0)
    ws = openpyxl.load_workbook(path)["S"]
    assert ws["B3"].value == dt.datetime(2020, 1, 1) and ws["B3"].number_format == "yyyy-mm-dd"
    assert ws["B3"].comment.text == "bad date" and ws["A4"].comment.text == "check"
    assert [ws.cell(r, 1).value for r in range(2, 6)] == [2, 3, 4, 5]
    assert len(re.findall(r'<row r="3"', sheet(path))) == 1


def test_a_cell_with_the_users_note_keeps_it(tmp_path):
    path = tmp_path / "n.xlsx"
    wb = sheet_book(path, ["id", "v"], [[i, i] for i in range(3)])
    ws = wb["S"]
    ws["B3"].comment = Comment("user's own note", "Alice")
    wb.save(path)
    mark_cells(path, "S", {"B3": "bad value", "B2": "also bad"}, backups=0)
    with zipfile.ZipFile(path) as z:
        comments = next(z.read(n).decode() for n in z.namelist() if "comments" in n)
    assert len(re.findall(r'<comment ref="B3"', comments)) == 1
    ws = openpyxl.load_workbook(path)["S"]
    assert ws["B3"].comment.text.startswith("user's own note")
    assert ws["B3"].fill.fgColor.rgb == "FFFFC7CD" and ws["B2"].comment.text == "also bad"


def test_excel_counts_utf16_units_per_cell(tmp_path):
    path = book(tmp_path / "e.xlsx", HEADER + data_rows(1))
    with pytest.raises(WorkbookError, match="over Excel's limit of 32,767"):
        write_columns(path, "S", [ColumnWrite("X", {2: "😀" * 20_000})], header_row=1)
    write_columns(path, "S", [ColumnWrite("X", {2: "😀" * 16_000})], header_row=1, backups=0)
    assert openpyxl.load_workbook(path)["S"]["B2"].value == "😀" * 16_000


def test_a_rows_extension_list_is_kept(tmp_path):
    ext = '<extLst><ext uri="{x}"><note>kept</note></ext></extLst>'
    rows = HEADER + '<row r="2">' + cell("A2", 2) + ext + "</row>"
    path = book(tmp_path / "x.xlsx", rows)
    write_columns(path, "S", [ColumnWrite("X", {2: 5}, kind="number")], header_row=1, backups=0)
    xml = sheet(path)
    assert ext in xml and xml.index('<c r="B2"') < xml.index("<extLst>")
    assert openpyxl.load_workbook(path)["S"]["B2"].value == 5


def test_a_date_keeps_the_look_of_the_cell_it_goes_into(tmp_path):
    from openpyxl.styles import Font, PatternFill

    path = tmp_path / "look.xlsx"
    wb = sheet_book(path, ["id", "when"], [[1, 5], [2, 6]])
    ws = wb["S"]
    ws["B2"].fill = PatternFill("solid", fgColor="FFFFFF00")
    ws["B2"].font = Font(italic=True)
    ws["B2"].number_format = "0.00"
    wb.save(path)
    days = {2: dt.date(2026, 3, 1), 3: dt.date(2026, 3, 2)}
    write_columns(path, "S", [ColumnWrite("when", days, kind="date")], header_row=1, backups=0)
    ws = openpyxl.load_workbook(path)["S"]
    assert ws["B2"].value == dt.datetime(2026, 3, 1) and ws["B2"].is_date
    assert ws["B2"].fill.fgColor.rgb == "FFFFFF00" and ws["B2"].font.i
    assert ws["B3"].value == dt.datetime(2026, 3, 2) and ws["B3"].is_date


def test_notes_do_not_go_into_a_header_pictures_vml(tmp_path):
    import xlsxwriter
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (8, 8), "red").save(logo)
    path = tmp_path / "hf.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_row(0, 0, ["id", "v"])
    ws.write_row(1, 0, [1, 2])
    ws.set_header("&L&G", {"image_left": str(logo)})
    wb.close()
    with zipfile.ZipFile(path) as z:
        before = {n: z.read(n) for n in z.namelist() if n.endswith(".vml")}
    assert len(before) == 1
    mark_cells(path, "S", {"B2": "bad value"}, backups=0)
    with zipfile.ZipFile(path) as z:
        after = {n: z.read(n) for n in z.namelist() if n.endswith(".vml")}
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    (hf,) = before
    assert after[hf] == before[hf] and len(after) == 2  # the picture's VML untouched
    ids = re.findall(r"<legacyDrawing(?:HF)?\b[^>]*r:id=\"([^\"]+)\"", xml)
    assert len(ids) == 2 and len(set(ids)) == 2
    assert openpyxl.load_workbook(path)["S"]["B2"].comment.text == "bad value"


def test_clearing_a_mark_gives_the_cell_its_style_back(tmp_path):
    path = tmp_path / "c.xlsx"
    wb = sheet_book(path, ["id", "when"], [[1, dt.date(2024, 5, 1)]])
    wb["S"]["B2"].number_format = "yyyy-mm-dd"
    wb.save(path)
    mark_cells(path, "S", {"B2": "check this date"}, backups=0)
    assert openpyxl.load_workbook(path)["S"]["B2"].fill.fgColor.rgb == "FFFFC7CD"
    mark_cells(path, "S", {}, backups=0)
    cell_ = openpyxl.load_workbook(path)["S"]["B2"]
    assert cell_.number_format == "yyyy-mm-dd" and cell_.value == dt.datetime(2024, 5, 1)
    assert cell_.fill.fgColor.rgb != "FFFFC7CD"


def test_marks_on_an_empty_sheet_and_rows_with_extensions(tmp_path):
    empty = book(tmp_path / "e.xlsx", "")
    xml = sheet(empty).replace("<sheetData></sheetData>", "<sheetData/>")
    with zipfile.ZipFile(empty) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(empty, "w") as z:
        for info, data in items:
            z.writestr(info, xml.encode() if info.filename.endswith("sheet1.xml") else data)
    mark_cells(empty, "S", {"B3": "note"}, backups=0)
    assert openpyxl.load_workbook(empty)["S"]["B3"].comment.text == "note"
    ext = '<extLst><ext uri="{x}"><note>kept</note></ext></extLst>'
    path = book(tmp_path / "x.xlsx", HEADER + '<row r="2">' + cell("A2", 2) + ext + "</row>")
    mark_cells(path, "S", {"A2": "look"}, backups=0)
    assert ext in sheet(path)


def test_notes_keep_the_vml_valid_and_the_users_note_single(tmp_path):
    import xml.etree.ElementTree as ET

    from xl_crm.xlsx.builder import build_workbook

    path = tmp_path / "b.xlsx"
    build_workbook("ecommerce", path, sample=10, seed=1)  # openpyxl-written VML (ns0: ...)
    mark_cells(path, "客户", {"C5": "bad e-mail"}, backups=0)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith(".vml"):
                ET.fromstring(z.read(name))  # raises on an unbound prefix
    user = tmp_path / "u.xlsx"
    book(user, HEADER + data_rows(3))
    wb = openpyxl.load_workbook(user)
    wb["S"]["B3"].comment = Comment("user's own note", "Alice")
    wb.save(user)
    with zipfile.ZipFile(user) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(user, "w") as z:  # the user's note written authorId first
        for info, data in items:
            if "comments" in info.filename:
                data = re.sub(rb'ref="B3" authorId="0"', b'authorId="0" ref="B3"', data)
            z.writestr(info, data)
    mark_cells(user, "S", {"B3": "bad"}, backups=0)
    with zipfile.ZipFile(user) as z:
        comments = next(z.read(n).decode() for n in z.namelist() if "comments" in n)
    assert len(re.findall(r'ref="B3"', comments)) == 1


def test_a_row_end_inside_a_text_does_not_cut_a_row(tmp_path):
    rows = HEADER + "".join(
        f'<row r="{r}">'
        + cell(f"A{r}", r)
        + cell(f"B{r}", "see x:row> here" if r == 20 else "v")
        + "</row>"
        for r in range(2, 60)
    )
    path = book(tmp_path / "t.xlsx", rows)
    mark_cells(path, "S", {"B20": "check", "B40": "check"}, backups=0, block_size=300)
    assert len(re.findall(r'<row r="20"', sheet(path))) == 1
    assert openpyxl.load_workbook(path)["S"]["B20"].value == "see x:row> here"


def test_a_date_goes_into_a_days_format_as_a_date(tmp_path):
    path = tmp_path / "d.xlsx"
    wb = sheet_book(path, ["id", "when"], [[1, 5], [2, 6]])
    for r in (2, 3):
        wb["S"].cell(r, 2).number_format = '0" days"'
    wb.save(path)
    write_columns(
        path,
        "S",
        [ColumnWrite("when", {2: dt.date(2024, 5, 2), 3: dt.date(2024, 5, 3)}, kind="date")],
        header_row=1,
        backups=0,
    )
    ws = openpyxl.load_workbook(path)["S"]
    assert ws["B2"].is_date and ws["B2"].value == dt.datetime(2024, 5, 2)


def test_data_under_no_header_far_down_is_not_overwritten(tmp_path):
    rows = HEADER + "".join(
        f'<row r="{r}">'
        + cell(f"A{r}", r)
        + cell(f"B{r}", "x")
        + (cell(f"C{r}", "user memo") if r >= 60 else "")
        + "</row>"
        for r in range(2, 80)
    )
    path = book(tmp_path / "n.xlsx", rows)  # no <dimension>, memos below the first rows
    original = path.read_bytes()
    with pytest.raises(WorkbookError, match="column C has data"):
        write_columns(
            path,
            "S",
            [ColumnWrite("Score", {r: 1 for r in range(2, 80)}, kind="number")],
            header_row=1,
        )
    assert path.read_bytes() == original


def test_compute_restores_computed_columns_cleared_by_hand(tmp_path):
    from xl_crm import compute
    from xl_crm.xlsx.builder import build_workbook

    path = tmp_path / "l.xlsx"
    build_workbook("ledger", path, sample=40, seed=1)
    first = compute(path, as_of="2025-06-30", backups=0)
    wb = openpyxl.load_workbook(path)
    ws = wb[first.sheet]
    header_row = next(r for r in range(1, 4) if "客户分组" in [c.value for c in ws[r]])
    col = [c.value for c in ws[header_row]].index("客户分组") + 1
    before = [ws.cell(r, col).value for r in range(header_row + 1, header_row + 6)]
    for r in range(header_row + 1, header_row + 6):
        ws.cell(r, col).value = None
    wb.save(path)
    again = compute(path, as_of="2025-06-30", backups=0)
    ws = openpyxl.load_workbook(path)[first.sheet]
    assert again.written
    assert [ws.cell(r, col).value for r in range(header_row + 1, header_row + 6)] == before


def test_a_marked_cell_created_in_a_formatted_column_keeps_the_format(tmp_path):
    path = tmp_path / "c.xlsx"
    wb = sheet_book(path, ["id", "when"], [[1, dt.date(2024, 5, 1)], [2, None]])
    wb["S"].column_dimensions["B"].number_format = "yyyy-mm-dd"
    wb.save(path)
    mark_cells(path, "S", {"B3": "missing date"}, backups=0)
    cell_ = openpyxl.load_workbook(path)["S"]["B3"]
    assert cell_.number_format == "yyyy-mm-dd" and cell_.fill.fgColor.rgb == "FFFFC7CD"


def test_notes_drop_characters_xml_cannot_hold(tmp_path):
    path = book(tmp_path / "c.xlsx", HEADER + data_rows(2))
    mark_cells(path, "S", {"B2": "bad\x01value\x0b"}, backups=0)
    assert openpyxl.load_workbook(path)["S"]["B2"].comment.text == "badvalue"


def test_errors_from_the_stream_name_file_sheet_and_cell(tmp_path):
    path = book(tmp_path / "where.xlsx", HEADER + data_rows(3))
    with pytest.raises(WorkbookError) as caught:
        write_columns(
            path, "S", [ColumnWrite("X", {3: dt.date(1899, 1, 1)}, kind="date")], header_row=1
        )
    error = caught.value
    assert (error.file, error.sheet, error.cell) == (str(path), "S", "B3")
    assert str(error).startswith(f"{path}: S!B3: 1899-01-01 is before 1900-01-01")
    assert "write such dates as text" in str(error)


def test_bad_arguments_are_refused_with_our_error(tmp_path):
    import pandas as pd

    from xl_crm.errors import (
        CellNotWritableError,
        InvalidOptionError,
        SheetNotFoundError,
        ValueNotWritableError,
    )

    path = book(tmp_path / "e.xlsx", HEADER + data_rows(3))
    original = path.read_bytes()
    twice = pd.Series([1, 2, 3], index=[2, 3, 3])
    with pytest.raises(ValueNotWritableError, match="row 3 is given two values"):
        write_columns(path, "S", [ColumnWrite("X", twice, kind="number")], header_row=1)
    with pytest.raises(InvalidOptionError, match="unknown patch path 'quick'"):
        write_columns(path, "S", [ColumnWrite("X", {2: 1})], header_row=1, patch_path="quick")
    with pytest.raises(CellNotWritableError, match="not a cell reference: 'B-2'"):
        mark_cells(path, "S", {"B-2": "bad"})
    with pytest.raises(SheetNotFoundError, match="no sheet called 'T'"):
        mark_cells(path, "T", {"B2": "bad"})
    assert path.read_bytes() == original


def test_a_workbook_that_cannot_be_replaced_is_a_clear_write_failed_and_no_temp_is_left(tmp_path):
    """The new package cannot take the original's place (here its backup cannot be made: a
    file stands where the backup folder goes; Excel holding the file open on Windows fails
    the same way, in ``os.replace``): a write-failed error naming the file, the workbook as
    it was, no temporary file left beside it."""
    from xl_crm.errors import WriteFailedError
    from xl_crm.xlsx.inplace import ColumnWrite, write_columns

    book = tmp_path / "shop.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["客户ID", "姓名"])
    wb.active.append([1, "王芳"])
    wb.save(book)
    (tmp_path / ".xlcrm-backups").write_text("not a folder", encoding="utf-8")
    before = book.read_bytes()
    with pytest.raises(WriteFailedError) as info:
        write_columns(book, "Sheet", [ColumnWrite("姓名", {2: "李娜"})], header_row=1, backups=1)
    assert info.value.file == str(book) and "could not be replaced" in str(info.value)
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".xlcrm-backups", "shop.xlsx"]
