"""A new column goes beyond what the rest of the workbook reads on its sheet: formulas on
other sheets (whole columns, quoted names, spans of sheets), defined names, charts, pivot
caches, validations and conditional formats elsewhere.  Workbooks made by XlsxWriter (as
Excel writes them) and openpyxl, not by xl-crm."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from tests.conftest import convert_to_csv
from tests.zipparts import edit_parts
from xl_crm.errors import NoRoomForColumnError
from xl_crm.xlsx.inplace import ColumnWrite, write_columns

SCORES = {2: 5, 3: 6, 4: 7, 5: 8}


def customers(ws) -> None:
    """Customers in A:B (header and 4 rows)."""
    ws.write_row(0, 0, ["id", "name"])
    for r in range(1, 5):
        ws.write_row(r, 0, [r, f"n{r}"])


def excel_book(path: Path, how: str, name: str = "客户") -> Path:
    """An XlsxWriter workbook: sheet ``name`` of customers, and on another sheet (or in
    the workbook) something that reads it as ``how`` says."""
    wb = xlsxwriter.Workbook(path)
    if how == "span":
        wb.add_worksheet("Jan")
    ws = wb.add_worksheet(name)
    customers(ws)
    other = wb.add_worksheet("Dec" if how == "span" else "Sheet2")
    other.write("A1", "total")
    if how == "cell":
        other.write_formula("B1", "=客户!C2")
    elif how == "whole columns":
        other.write_formula("B1", "=SUM(客户!C:D)")
    elif how == "quoted name":
        other.write_formula("B1", "=SUM('My 客户'!$C$2:$C$5)")
    elif how == "span":
        other.write_formula("B1", "=SUM(Jan:Dec!D2)")  # 客户 lies between Jan and Dec
    elif how == "local name":
        wb.define_name("Sheet2!Totals", "=客户!$C$2:$E$5")
    elif how == "chart":
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"categories": "=客户!$B$2:$B$5", "values": "=客户!$C$2:$C$5"})
        chart.add_series({"categories": "=客户!$B$2:$B$5", "values": "=客户!$D$2:$D$5"})
        other.insert_chart("D2", chart)
    elif how == "validation":
        other.data_validation("B2:B9", {"validate": "list", "source": "=客户!$C$2:$C$5"})
    elif how == "conditional format":
        fmt = wb.add_format({"bold": True})
        other.conditional_format(
            "B2:B5", {"type": "formula", "criteria": "=客户!$D2>0", "format": fmt}
        )
    elif how == "own cells":  # Sheet2's own C and D, and 客户 below the rows written
        other.write_formula("B1", "=SUM(C2:D9)+Sheet2!E2+客户!C9")
    wb.close()
    return path


@pytest.mark.parametrize(
    "how, letter",
    [
        ("cell", "D"),
        ("whole columns", "E"),
        ("quoted name", "D"),
        ("span", "E"),
        ("local name", "F"),
        ("chart", "E"),
        ("validation", "D"),
        ("conditional format", "E"),
        ("own cells", "C"),  # nothing reads 客户's C within rows 1-5: C is free
    ],
)
def test_a_new_column_goes_beyond_what_other_sheets_read(tmp_path, how, letter):
    name = "My 客户" if how == "quoted name" else "客户"
    path = excel_book(tmp_path / "reads.xlsx", how, name)
    result = write_columns(
        path, name, [ColumnWrite("score", SCORES, kind="number")], header_row=1, backups=0
    )
    assert result.columns == {"score": letter}
    ws = openpyxl.load_workbook(path)[name]
    assert [ws[f"{letter}{r}"].value for r in range(1, 6)] == ["score", 5, 6, 7, 8]
    skipped = range(3, ord(letter) - ord("A") + 1)  # C up to the new column: left empty
    assert all(ws.cell(r, c).value is None for r in range(1, 6) for c in skipped)
    sheet = 2 if how == "span" else 1
    assert convert_to_csv(path, tmp_path, sheet=sheet)[1][: ord(letter) - 64][-1] == "5"


def test_an_openpyxl_workbook_reading_a_whole_column_elsewhere(tmp_path):
    path = tmp_path / "openpyxl.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    for row in [["id", "name"], [1, "a"], [2, "b"]]:
        ws.append(row)
    wb.create_sheet("汇总")["A1"] = "=SUM(客户!C:C)"  # no saved value, as openpyxl writes it
    wb.save(path)
    result = write_columns(path, "客户", [ColumnWrite("score", {2: 1, 3: 2})], header_row=1)
    assert result.columns == {"score": "D"}
    assert convert_to_csv(path, tmp_path)[1][:4] == ["1", "a", "", "1"]


def _with_pivot_cache(path: Path, ref: str) -> None:
    """Add a pivot cache whose source is ``客户!ref`` (as Excel stores one: a part named
    by workbook.xml's <pivotCaches>, its relationship and its content type)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    cache = (
        f'<pivotCacheDefinition xmlns="{main}" xmlns:r="{rel}" refreshOnLoad="1">'
        f'<cacheSource type="worksheet"><worksheetSource ref="{ref}" sheet="客户"/>'
        '</cacheSource><cacheFields count="1"><cacheField name="id"><sharedItems/>'
        "</cacheField></cacheFields></pivotCacheDefinition>"
    )
    edit_parts(
        path,
        {
            "xl/workbook.xml": lambda xml: xml.replace(
                b"</sheets>",
                b'</sheets><pivotCaches><pivotCache cacheId="1" r:id="rIdP"/></pivotCaches>',
            ),
            "xl/_rels/workbook.xml.rels": lambda xml: xml.replace(
                b"</Relationships>",
                f'<Relationship Id="rIdP" Type="{rel}/pivotCacheDefinition" '
                'Target="pivotCache/pivotCacheDefinition1.xml"/></Relationships>'.encode(),
            ),
            "[Content_Types].xml": lambda xml: xml.replace(
                b"</Types>",
                b'<Override PartName="/xl/pivotCache/pivotCacheDefinition1.xml" '
                b'ContentType="application/vnd.openxmlformats-officedocument.'
                b'spreadsheetml.pivotCacheDefinition+xml"/></Types>',
            ),
        },
        {"xl/pivotCache/pivotCacheDefinition1.xml": cache},
    )


def test_a_new_column_goes_beyond_a_pivot_tables_source(tmp_path):
    path = excel_book(tmp_path / "pivot.xlsx", "none")
    _with_pivot_cache(path, "A1:E5")
    result = write_columns(path, "客户", [ColumnWrite("score", SCORES)], header_row=1, backups=0)
    assert result.columns == {"score": "F"}
    with zipfile.ZipFile(path) as z:  # the cache is kept as it was
        assert b'ref="A1:E5"' in z.read("xl/pivotCache/pivotCacheDefinition1.xml")


def test_a_formula_elsewhere_over_whole_rows_leaves_no_room_and_says_where(tmp_path):
    path = tmp_path / "rows.xlsx"
    wb = xlsxwriter.Workbook(path)
    customers(wb.add_worksheet("客户"))
    wb.add_worksheet("Sheet2").write_formula("A1", "=COUNTA(客户!1:1)")  # counts the headers
    wb.close()
    original = path.read_bytes()
    with pytest.raises(NoRoomForColumnError) as err:
        write_columns(path, "客户", [ColumnWrite("score", SCORES)], header_row=1, backups=0)
    assert "the formula =COUNTA(客户!1:1) in Sheet2!A1 reads up to column XFD" in err.value.text(
        "en"
    )
    assert "Sheet2!A1 的公式 =COUNTA(客户!1:1)读到 XFD 列" in err.value.text("zh")
    assert path.read_bytes() == original


def test_references_across_sheets_in_formula_texts():
    from xl_crm.xlsx.references import ReadsWatch, areas

    assert [(a.sheet, a.first_col, a.last_col) for a in areas("SUM(Jan:Dec!B2)+'A:B'!C1")] == [
        ("Jan:Dec", 2, 2),
        ("A:B", 3, 3),
    ]
    watch = ReadsWatch("Mar", (1, 9), host="Sheet2", order=["Jan", "Mar", "Dec", "Apr"])
    assert watch.names_sheet("Jan:Dec") and watch.names_sheet("MAR")
    assert not watch.names_sheet("Dec:Apr") and not watch.names_sheet("Sheet2")
