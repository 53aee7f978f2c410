"""Adding a worksheet to a workbook in place (xl_crm.xlsx.newsheet)."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.table import Table
from python_calamine import CalamineWorkbook

from tests import rich_fixture
from tests.conftest import convert_to_csv
from xl_crm.errors import WorkbookError
from xl_crm.xlsx.newsheet import SheetColumn, check_sheet_name, write_sheet
from xl_crm.xlsx.zipcopy import raw_member

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def columns() -> list[SheetColumn]:
    return [
        SheetColumn("编号", ["=1+1", "K-2", " 3 "]),
        SheetColumn("日期", [dt.datetime(2026, 1, 2), None, dt.datetime(1904, 1, 5)], "date"),
        SheetColumn("金额", [1234.5, 0.0, None], "number", "¥#,##0.00", width=14),
        SheetColumn("次数", [3, 0, 1], "number"),
    ]


def prefixed_book(path: Path, *, date1904: bool = False) -> Path:
    """A package written the .NET Open XML SDK way: ``x:`` for SpreadsheetML, the
    relationships namespace under another prefix, absolute targets, no docProps."""
    pr = ' date1904="1"' if date1904 else ""
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{SML}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SML}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{SML}.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG}"><Relationship Id="R1" Type="{REL}/officeDocument" '
            'Target="/xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<x:workbook xmlns:x="{MAIN}" xmlns:rel="{REL}"><x:workbookPr{pr}/><x:sheets>'
            '<x:sheet name="Data &amp; more" sheetId="7" rel:id="R9"/></x:sheets></x:workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PKG}">'
            f'<Relationship Id="R9" Type="{REL}/worksheet" Target="/xl/worksheets/sheet1.xml"/>'
            f'<Relationship Id="R2" Type="{REL}/styles" Target="/xl/styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'<x:styleSheet xmlns:x="{MAIN}"><x:fonts count="1"><x:font><x:sz val="11"/>'
            '<x:name val="Calibri"/></x:font></x:fonts><x:fills count="1"><x:fill>'
            '<x:patternFill patternType="none"/></x:fill></x:fills><x:borders count="1">'
            '<x:border/></x:borders><x:cellStyleXfs count="1"><x:xf numFmtId="0" '
            'fontId="0" fillId="0" borderId="0"/></x:cellStyleXfs><x:cellXfs count="1">'
            '<x:xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></x:cellXfs>'
            "</x:styleSheet>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1"><x:c r="A1" '
            't="inlineStr"><x:is><x:t>kept</x:t></x:is></x:c></x:row></x:sheetData>'
            "</x:worksheet>"
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, xml in parts.items():
            z.writestr(name, '<?xml version="1.0" encoding="utf-8"?>' + xml)
    return path


def test_prefixed_package_gets_a_valid_sheet(tmp_path):
    path = prefixed_book(tmp_path / "sdk.xlsx")
    result = write_sheet(path, "汇总 & <新>", columns(), backups=0)
    assert result.added and result.part == "xl/worksheets/sheet2.xml" and result.rows == 3
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        styles = z.read("xl/styles.xml").decode()
        sheet = z.read(result.part).decode()
    assert '<x:sheet name="汇总 &amp; &lt;新&gt;" sheetId="8" rel:id="rId3"/>' in book
    assert '<x:numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>' in styles
    assert "<x:b/>" in styles and 'cellXfs count="4"' in styles
    assert "<f>" not in sheet and "<t>=1+1</t>" in sheet  # text is never a formula
    assert '<t xml:space="preserve"> 3 </t>' in sheet
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Data & more", "汇总 & <新>"]
    ws = wb["汇总 & <新>"]
    assert [c.value for c in ws[1]] == ["编号", "日期", "金额", "次数"]
    assert ws["A2"].data_type == "s" and ws["A2"].value == "=1+1"
    assert ws["B2"].value == dt.datetime(2026, 1, 2) and ws["B2"].number_format == "yyyy-mm-dd"
    assert ws["C2"].number_format == "¥#,##0.00" and ws["C3"].value == 0
    assert ws["B3"].value is None and ws["C4"].value is None
    assert ws.column_dimensions["C"].width == 14
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data & more").to_python()
    assert rows == [["kept"]]


def test_libreoffice_opens_the_prefixed_package(tmp_path):
    path = prefixed_book(tmp_path / "sdk.xlsx")
    write_sheet(path, "Summary", columns(), backups=0)
    rows = convert_to_csv(path, tmp_path, sheet=2)
    assert rows[0] == ["编号", "日期", "金额", "次数"]
    assert rows[1] == ["=1+1", "2026-01-02", "1234.5", "3"]


def test_1904_date_system(tmp_path):
    path = prefixed_book(tmp_path / "mac.xlsx", date1904=True)
    write_sheet(path, "S", columns(), backups=0)
    wb = openpyxl.load_workbook(path)
    assert wb.epoch == openpyxl.utils.datetime.MAC_EPOCH
    assert wb["S"]["B2"].value == dt.datetime(2026, 1, 2)
    assert wb["S"]["B4"].value == dt.datetime(1904, 1, 5)


def test_second_write_reuses_styles_and_keeps_the_sheets_look(tmp_path):
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.save(path)
    write_sheet(path, "Sum", columns(), backups=0)
    wb = openpyxl.load_workbook(path)
    wb["Sum"].column_dimensions["A"].width = 33  # the user widens a column (Excel saves)
    wb["Sum"]["F9"] = "note"
    wb.save(path)
    with zipfile.ZipFile(path) as z, path.open("rb") as fh:
        styles = raw_member(fh, z.getinfo("xl/styles.xml"))
    shorter = [
        SheetColumn(c.header, list(c.values)[:2], c.kind, c.number_format) for c in columns()
    ]
    result = write_sheet(path, "Sum", shorter, replace_if=lambda header: header[0] == "编号")
    assert not result.added and result.rows == 2 and result.backup is not None
    ws = openpyxl.load_workbook(path)["Sum"]
    assert ws.column_dimensions["A"].width == 33  # everything around the rows is kept
    assert ws.dimensions == "A1:D3"  # the old rows (F9 too) are gone
    assert ws["C2"].number_format == "¥#,##0.00" and ws["A1"].font.b
    with zipfile.ZipFile(path) as z, path.open("rb") as fh:
        assert raw_member(fh, z.getinfo("xl/styles.xml")) == styles  # no style added


def test_refusals_leave_the_file_untouched(tmp_path):
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["a", "b"])
    ws.append([1, 2])
    ws.add_table(Table(displayName="T1", ref="A1:B2"))
    wb.save(path)
    kept = path.read_bytes()
    with pytest.raises(WorkbookError, match="already holds other data") as err:
        write_sheet(path, "data", columns())
    assert err.value.sheet == "Data"
    with pytest.raises(WorkbookError, match="Excel Table"):
        write_sheet(path, "Data", columns(), replace_if=lambda header: True)
    with pytest.raises(WorkbookError, match=r"\.xlsx and \.xlsm"):
        write_sheet(tmp_path / "x.csv", "S", columns())
    assert path.read_bytes() == kept
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]  # no temporary, no backup


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "cannot be empty"),
        ("x" * 32, "at most 31"),
        ("a:b", "cannot hold"),
        ("'quoted'", "apostrophe"),
        ("history", "keeps for itself"),
    ],
)
def test_sheet_names_excel_would_refuse(name, problem):
    with pytest.raises(WorkbookError, match=problem):
        check_sheet_name(name)


def test_every_other_part_of_a_rich_xlsm_is_copied_byte_for_byte(tmp_path):
    path = tmp_path / "rich.xlsm"
    rich_fixture.make(str(path), rows=20, vba=True)
    with zipfile.ZipFile(path) as z, path.open("rb") as fh:
        before = {i.filename: raw_member(fh, i) for i in z.infolist()}
    with pytest.raises(WorkbookError, match="already holds other data"):
        write_sheet(path, "Summary", columns(), backups=0)  # "summary" is there already
    result = write_sheet(path, "客户汇总", columns(), backups=0)
    with zipfile.ZipFile(path) as z, path.open("rb") as fh:
        after = {i.filename: raw_member(fh, i) for i in z.infolist()}
        assert z.testzip() is None
    changed = {n for n in before if before[n] != after[n]}
    assert changed == {
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
        "xl/styles.xml",
    }
    assert set(after) - set(before) == {result.part}
    wb = openpyxl.load_workbook(path, keep_vba=True)
    assert wb.sheetnames == ["customers", "lists", "summary", "客户汇总"]
    assert wb["客户汇总"]["C2"].value == 1234.5


def test_a_chart_sheet_is_not_written_over(tmp_path):
    import xlsxwriter

    path = tmp_path / "charts.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Data")
    ws.write_column("A1", [1, 2, 3])
    chart = wb.add_chart({"type": "line"})
    chart.add_series({"values": "=Data!$A$1:$A$3"})
    wb.add_chartsheet("Trend").set_chart(chart)
    wb.close()
    kept = path.read_bytes()
    with pytest.raises(WorkbookError, match="chart sheet"):
        write_sheet(path, "Trend", columns(), replace_if=lambda header: True)
    assert path.read_bytes() == kept
    write_sheet(path, "Summary", columns(), backups=0)
    assert openpyxl.load_workbook(path).sheetnames == ["Data", "Trend", "Summary"]
