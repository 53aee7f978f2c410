"""What the in-place writer adds must suit Excel: workbooks written the way Excel writes
them (by XlsxWriter, whose test suite compares its files with Excel's), with form-control
VML, merged cells, formulas, print areas, validations and cells at the far edge."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from tests.conftest import convert_to_csv
from xl_crm.errors import WorkbookError
from xl_crm.xlsx.inplace import ColumnWrite, write_columns
from xl_crm.xlsx.marks import mark_cells


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def vml_parts(path: Path) -> dict[str, str]:
    return {n: d.decode() for n, d in parts(path).items() if n.endswith(".vml")}


def shape_numbers(vml: str) -> list[int]:
    return [int(n) for n in re.findall(r'<v:shape\b[^>]*\bid="_x0000_s(\d+)"', vml)]


def idmap(vml: str) -> set[int]:
    (data,) = re.findall(r'<o:idmap\b[^>]*\bdata="([^"]*)"', vml)
    return {int(x) for x in data.split(",")}


def customers(ws, rows: int = 4) -> None:
    ws.write_row(0, 0, ["id", "name"])
    for r in range(1, rows + 1):
        ws.write_row(r, 0, [r, f"n{r}"])


def excel_book(path: Path, add=None) -> Path:
    """An XlsxWriter workbook with sheet "S" of customers (A:B, rows 1-5) and whatever
    ``add(workbook, sheet)`` puts in it."""
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("S")
    customers(ws)
    if add is not None:
        add(wb, ws)
    wb.close()
    return path


def test_notes_on_a_sheet_with_a_button_are_valid_vml_with_excels_ids(tmp_path):
    path = tmp_path / "buttons.xlsx"
    wb = xlsxwriter.Workbook(path)
    noted = wb.add_worksheet("Notes")  # a note of the user's: VML block 1
    customers(noted)
    noted.write_comment("B2", "the user's own note")
    button = wb.add_worksheet("Buttons")  # a form control only: VML block 2, no t202
    customers(button)
    button.insert_button("D2", {"macro": "run", "caption": "Run"})
    wb.close()
    before = vml_parts(path)
    assert not any("_x0000_t202" in v for v in before.values() if "_x0000_t201" in v)

    mark_cells(path, "Buttons", {"B3": "bad name", "A4": "bad id"}, backups=0)
    mark_cells(path, "Notes", {"A3": "bad id"}, backups=0)

    after = vml_parts(path)
    buttons_vml = next(v for v in after.values() if "_x0000_t201" in v)
    # the note shape type is defined where it is used, the button is kept
    assert re.search(r'<v:shapetype id="_x0000_t202"', buttons_vml)
    assert 'ObjectType="Button"' in buttons_vml
    assert "xlcrm_" not in "".join(after.values())
    # shape ids are Excel's, inside each part's own id blocks, never shared by two parts
    seen: list[int] = []
    blocks: list[set[int]] = []
    for vml in after.values():
        numbers = shape_numbers(vml)
        assert numbers and all(n // 1024 in idmap(vml) for n in numbers)
        seen += numbers
        blocks.append(idmap(vml))
    assert len(seen) == len(set(seen))
    assert not blocks[0] & blocks[1]
    ws = openpyxl.load_workbook(path)["Buttons"]
    assert ws["B3"].comment.text == "bad name" and ws["A4"].comment.text == "bad id"
    assert openpyxl.load_workbook(path)["Notes"]["B2"].comment.text == "the user's own note"
    # a rerun replaces its own shapes and keeps the ids unique
    mark_cells(path, "Buttons", {"B3": "bad name"}, backups=0)
    again = next(v for v in vml_parts(path).values() if "_x0000_t201" in v)
    assert len(shape_numbers(again)) == 2  # the button and one note
    assert convert_to_csv(path, tmp_path, sheet=2)[2][1] == "n2"  # LibreOffice opens it


def test_a_mark_on_a_cell_hidden_in_merged_cells_goes_to_the_top_left(tmp_path):
    path = excel_book(tmp_path / "merged.xlsx", lambda wb, ws: ws.merge_range("B2:B3", "n1 2"))
    result = mark_cells(path, "S", {"B3": "too short", "B2": "check", "A4": "bad"}, backups=0)
    assert result.moved == {"B3": "B2"} and result.marked == 2
    ws = openpyxl.load_workbook(path)["S"]
    assert ws["B2"].comment.text == "check\nB3 → B2 (B2:B3): too short"
    assert ws["B3"].comment is None and ws["A4"].comment.text == "bad"
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert not re.search(r'<c r="B3" s=', sheet)  # the hidden cell keeps no mark fill

    only = mark_cells(path, "S", {"B3": "too short"}, backups=0)  # the top-left not marked
    assert only.moved == {"B3": "B2"}
    assert openpyxl.load_workbook(path)["S"]["B2"].comment.text == "B3 → B2 (B2:B3): too short"


def _book_reading(path: Path, how: str) -> None:
    """Data in A:B (header and 4 rows), and something that reads further right."""
    excel_book(path, lambda wb, ws: _reading(wb, ws, how))


def _reading(wb, ws, how: str) -> None:
    if how == "formula":
        ws.write_formula("A7", "=C2+D2")  # reads C and D, empty today
    elif how == "range":
        ws.write_formula("A7", "=SUM(C2:C5)")
    elif how == "columns":
        ws.write_formula("A7", "=LOG10(A2)+SUM($C:$E)")  # LOG10 is a function, not a cell
    elif how == "print area":
        ws.print_area("A1:E20")
    elif how == "defined name":
        wb.define_name("Targets", "=S!$A$1:$F$5")
    elif how == "validation":
        ws.data_validation("C2:C5", {"validate": "integer", "criteria": ">", "value": 0})
    elif how == "conditional format":
        fmt = wb.add_format({"bold": True})
        ws.conditional_format("C2:G5", {"type": "cell", "criteria": ">", "value": 1, "format": fmt})


@pytest.mark.parametrize(
    "how, letter",
    [
        ("formula", "E"),
        ("range", "D"),
        ("columns", "F"),
        ("print area", "F"),
        ("defined name", "G"),
        ("validation", "D"),
        ("conditional format", "H"),
    ],
)
def test_a_new_column_goes_beyond_what_formulas_names_and_rules_read(tmp_path, how, letter):
    path = tmp_path / "reads.xlsx"
    _book_reading(path, how)
    result = write_columns(
        path, "S", [ColumnWrite("score", {2: 5, 3: 6, 4: 7, 5: 8}, kind="number")],
        header_row=1, backups=0,
    )  # fmt: skip
    assert result.columns == {"score": letter}
    ws = openpyxl.load_workbook(path)["S"]
    assert [ws[f"{letter}{r}"].value for r in range(1, 6)] == ["score", 5, 6, 7, 8]
    skipped = range(3, ord(letter) - ord("A") + 1)  # C up to the new column: left empty
    assert all(ws.cell(r, c).value is None for r in range(1, 6) for c in skipped)


def test_overwriting_what_formulas_read_asks_excel_to_recalculate(tmp_path):
    def doubles(wb, ws) -> None:
        ws.write("C1", "double")
        for r in range(2, 6):
            ws.write_formula(f"C{r}", f"=A{r}*2", None, (r - 1) * 2)

    path = excel_book(tmp_path / "sum.xlsx", doubles)
    result = write_columns(
        path, "S", [ColumnWrite("id", {2: 10, 3: 20}, kind="number")], header_row=1, backups=0
    )
    assert result.recalculate
    workbook = parts(path)["xl/workbook.xml"].decode()
    assert re.search(r'<calcPr\b[^>]*fullCalcOnLoad="1"', workbook)
    assert len(re.findall(r"<calcPr\b", workbook)) == 1
    assert openpyxl.load_workbook(path)["S"]["C3"].value == "=A3*2"  # the formulas stay
    # (LibreOffice recalculates Excel files on load only when its settings say so)
    assert convert_to_csv(path, tmp_path)[2][:2] == ["20", "n2"]

    plain = excel_book(tmp_path / "plain.xlsx")  # no formula: workbook.xml is left alone
    before = parts(plain)["xl/workbook.xml"]
    result = write_columns(plain, "S", [ColumnWrite("id", {2: 10})], header_row=1, backups=0)
    assert not result.recalculate and parts(plain)["xl/workbook.xml"] == before


def test_calc_pr_is_added_where_excel_puts_it(tmp_path):
    from xl_crm.xlsx.parts.workbook import with_full_calc_on_load

    excel = (
        '<workbook xmlns="m"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="x">S!$A$1</definedName></definedNames>'
        "<extLst/></workbook>"
    )
    added = with_full_calc_on_load(excel)
    assert '</definedNames><calcPr fullCalcOnLoad="1"/><extLst/>' in added
    kept = with_full_calc_on_load('<x:workbook><x:calcPr calcId="191029"/></x:workbook>')
    assert kept == '<x:workbook><x:calcPr calcId="191029" fullCalcOnLoad="1"/></x:workbook>'


def test_a_formula_over_whole_rows_leaves_no_room_and_says_so(tmp_path):
    path = excel_book(tmp_path / "rows.xlsx", lambda wb, ws: ws.write_formula("A7", "=SUM(3:3)"))
    original = path.read_bytes()
    with pytest.raises(WorkbookError) as err:
        write_columns(path, "S", [ColumnWrite("score", {3: 1})], header_row=1, backups=0)
    assert "the formula =SUM(3:3) in A7 reads up to column XFD" in err.value.text("en")
    assert "A7 的公式 =SUM(3:3)读到 XFD 列" in err.value.text("zh")
    assert path.read_bytes() == original


@pytest.mark.parametrize("what", ["note", "format"])
def test_no_room_for_a_column_names_what_reaches_the_last_one(tmp_path, what):
    path = tmp_path / "far.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("S")
    ws.write("A1", "id")
    if what == "note":
        ws.write_comment("XFD1048576", "far away")
    else:
        ws.write_blank("XFD1048576", None, wb.add_format({"bg_color": "yellow"}))
    wb.close()
    original = path.read_bytes()
    with pytest.raises(WorkbookError) as err:
        write_columns(path, "S", [ColumnWrite("score", {2: 1})], header_row=1, backups=0)
    expected = {
        "note": "cell XFD1048576 has a note",
        "format": "cell XFD1048576 has a format (no value)",
    }[what]
    assert f"the used range reaches the last column: {expected}" in err.value.text("en")
    assert err.value.text("zh").count("XFD1048576") == 1
    assert path.read_bytes() == original


def test_a_shared_formulas_copies_count_as_far_as_they_reach(tmp_path):
    from tests.sheetxml import book, cell

    rows = (
        '<row r="1">' + cell("A1", "id") + cell("B1", "name") + "</row>"
        + "".join(f'<row r="{r}">' + cell(f"A{r}", r) + cell(f"B{r}", f"n{r}") + "</row>"
                  for r in range(2, 5))
        # as Excel writes a formula filled right: the master holds the text, copies its si
        + '<row r="6"><c r="A6"><f t="shared" ref="A6:C6" si="0">B2</f><v>0</v></c>'
        '<c r="B6"><f t="shared" si="0"/><v>0</v></c><c r="C6"><f t="shared" si="0"/>'
        "<v>0</v></c></row>"
    )  # fmt: skip
    path = book(tmp_path / "shared.xlsx", rows)
    result = write_columns(path, "S", [ColumnWrite("score", {2: 1})], header_row=1, backups=0)
    assert result.columns == {"score": "E"}  # the copy in C6 reads D2


def test_references_in_formula_texts():
    from xl_crm.xlsx.references import areas

    def spans(formula: str) -> list[tuple]:
        return [(a.sheet, a.first_col, a.first_row, a.last_col, a.last_row) for a in areas(formula)]

    assert spans("LOG10(A1)+ATAN2(B2,1)") == [(None, 1, 1, 1, 1), (None, 2, 2, 2, 2)]
    assert spans('"C3"&D$4') == [(None, 4, 4, 4, 4)]
    assert spans("'It''s'!$B:$C") == [("It's", 2, 1, 3, 1048576)]
    assert spans("SUM(客户!A2:A9)") == [("客户", 1, 2, 1, 9)]
    assert spans("[1]Other!A1+Table1[Col]+ABCD12") == []
