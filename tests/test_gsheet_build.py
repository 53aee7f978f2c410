"""Building a template into a Google Sheet (sheets_sync.build) against the Sheets emulator
over real HTTP: one batchUpdate; the Google Sheet Book reads the template, the sheets, the
dropdowns and the dates back; the same findings and computed values as the .xlsx the same
template and sample build; other sheets kept; a sheet of the same name refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

import xl_crm
from sheets_sync.book import GoogleSheetBook
from sheets_sync.build import CELL_LIMIT, build_sheet
from sheets_sync.emulator import client
from tests.gsheets import api_requests, comparable, forget_requests, stored_cells
from xl_crm.errors import InvalidOptionError, NotInTemplateError, SheetNotWritableError
from xl_crm.specs import load_spec
from xl_crm.xlsx.book import XlsxBook
from xl_crm.xlsx.layout import SheetLayout

TEMPLATES = ["ecommerce", "hotel", "ledger", "car_sales"]
AS_OF = "2026-06-30"
#: wrong cells written into both media: (sheet, cell, value)
DIRT = [("客户", "C4", "xq.wu#example.com"), ("客户", "D5", "1391234"),
        ("订单", "D4", "一百元"), ("订单", "B6", 999999)]  # fmt: skip


@pytest.fixture
def gc(sheets_emulator):
    """A gspread Client for the emulator with room for a build on a busy machine (the
    sheets_client fixture's 5 s timeouts are for the fault tests)."""
    return client(sheets_emulator.url, timeout=60)


def findings(report: xl_crm.Report) -> set[tuple[str, str, str]]:
    return {(f.rule, f.sheet, f.cell) for f in report.findings}


def batch_updates(emulator) -> list[dict]:
    return [r for r in api_requests(emulator) if r["path"].endswith(":batchUpdate")
            and "/values" not in r["path"]]  # fmt: skip


def metadata(sh) -> dict:
    return sh.fetch_sheet_metadata(
        {
            "fields": "developerMetadata,sheets(properties,protectedRanges,basicFilter,"
            "conditionalFormats,merges,developerMetadata)"
        }
    )


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_built_template_reads_back_through_the_book(template, sheets_emulator, gc):
    spec = load_spec(template)
    forget_requests(sheets_emulator)
    result = build_sheet(gc, template, rows=200)
    assert len(batch_updates(sheets_emulator)) == 1 and result.requests == 1
    book = GoogleSheetBook(gc.open_by_key(result.spreadsheet_id))
    assert book.template() == template
    titles = [s.label.zh for s in spec.sheets]
    assert book.sheet_names() == titles  # the blank Sheet1 of the new spreadsheet is gone
    report = xl_crm.validate(book)  # the template found in the developer metadata
    matched = {m.template_sheet: (m.sheet, m.score, m.missing_fields)
               for m in report.mapping.sheets}  # fmt: skip
    assert matched == {s.id: (s.label.zh, 1.0, []) for s in spec.sheets}
    assert not report.mapping.missing_sheets
    for sheet in spec.sheets:
        layout = SheetLayout(sheet, "zh", 0)
        assert book.rows(layout.title)[layout.header_row - 1] == [
            f.header("zh") for f in sheet.fields
        ]
        structure = book.structure(layout.title)
        for letter, f in layout.columns():
            if f.type == "choice":
                assert structure.validations[letter].choices == f.choice_labels("zh")
                assert not structure.validations[letter].allow_blank  # strict
            if f.ftype.storage in ("date", "datetime"):
                assert structure.number_formats[letter] == f.ftype.number_format
        assert result.grid[layout.title] == (layout.header_row + 200, len(sheet.fields))


def test_the_sheet_has_the_workbooks_layout(sheets_emulator, gc):
    result = build_sheet(gc, "ecommerce", sample=10, rows=50)
    got = metadata(result.spreadsheet)
    sheets = {s["properties"]["title"]: s for s in got["sheets"]}
    customers = sheets["客户"]
    grid = customers["properties"]["gridProperties"]
    assert (grid["rowCount"], grid["columnCount"]) == (2 + 10 + 50, 7)
    assert (grid["frozenRowCount"], grid["frozenColumnCount"]) == (2, 1)  # band + header
    span = customers["basicFilter"]["range"]  # zero indices left out, as the API does
    assert [span.get(k, 0) for k in ("startRowIndex", "endRowIndex", "startColumnIndex",
                                     "endColumnIndex")] == [1, 62, 0, 7]  # fmt: skip
    spec = load_spec("ecommerce").sheet("customers")
    computed = [i for i, f in enumerate(spec.fields) if f.computed]
    protected = customers["protectedRanges"]
    assert sorted(p["range"]["startColumnIndex"] for p in protected) == computed
    assert all(p["warningOnly"] and "xl-crm" in p["description"] for p in protected)
    assert customers["merges"]  # the field group band
    formulas = [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
                for r in customers["conditionalFormats"]]  # fmt: skip
    assert any("COUNTIF($A$3:$A$62,A3)" in f for f in formulas)  # duplicate customer IDs
    top = {m["metadataKey"]: m["metadataValue"] for m in got["developerMetadata"]}
    assert top["xlcrm.template"] == "ecommerce" and top["xlcrm.lang"] == "zh"
    assert customers["developerMetadata"][0]["metadataValue"] == "customers"
    header = stored_cells(GoogleSheetBook(result.spreadsheet), "客户", "A2:B2")[0]
    assert header[0]["userEnteredValue"] == {"stringValue": "客户ID"}
    assert "客户ID / Customer ID" in header[0]["note"]
    multi = next(i for i, f in enumerate(spec.fields) if f.type == "multi_choice")
    cells = result.spreadsheet.fetch_sheet_metadata(
        {"ranges": ["'客户'!A3:G3"], "fields": "sheets(data(rowData(values(dataValidation))))"}
    )["sheets"][0]["data"][0]["rowData"][0]["values"]
    rule = cells[multi]["dataValidation"]
    assert rule["condition"]["type"] == "CUSTOM_FORMULA"
    assert "REGEXMATCH" in rule["condition"]["values"][0]["userEnteredValue"]


def test_identifiers_typed_into_the_sheet_stay_text(gc):
    result = build_sheet(gc, "ledger", lang="en", rows=20)
    ws = result.spreadsheet.worksheet("Customers")
    ws.update_acell("A3", "007")  # USER_ENTERED, as typed in the UI: a TEXT column
    ws.update_acell("I3", "2026-05-01")  # a date column: parsed to a date
    book = GoogleSheetBook(result.spreadsheet)
    row = book.rows("Customers")[2]
    assert row[0] == "007" and row[8] == dt.date(2026, 5, 1)


def test_a_header_starting_with_an_equals_sign_stays_text(tmp_path, gc):
    spec = tmp_path / "odd.yaml"
    spec.write_text(
        "name: odd\ntitle: Odd\nsheets:\n  - id: things\n    label: Things\n    fields:\n"
        "      - {id: total, label: '=SUM(A1:A9)', type: integer}\n"
        "      - {id: code, label: Code, type: text}\n",
        encoding="utf-8",
    )
    result = build_sheet(gc, spec, rows=5)
    cells = stored_cells(GoogleSheetBook(result.spreadsheet), "Things", "A1:B1")[0]
    assert cells[0]["userEnteredValue"] == {"stringValue": "=SUM(A1:A9)"}


def test_the_same_findings_and_computed_values_as_the_xlsx_build(tmp_path, sheets_emulator, gc):
    path = tmp_path / "ecommerce.xlsx"
    xl_crm.build_workbook("ecommerce", path, sample=60, seed=3)
    wb = openpyxl.load_workbook(path)
    for sheet, cell, value in DIRT:
        wb[sheet][cell] = value
    wb.save(path)
    result = build_sheet(gc, "ecommerce", sample=60, seed=3)
    for sheet, cell, value in DIRT:
        result.spreadsheet.worksheet(sheet).update([[value]], cell, raw=True)
    book = GoogleSheetBook(result.spreadsheet)
    for name in ("客户", "订单"):  # every cell, dates as dates (beyond the 40 probed rows too)
        assert comparable(book.rows(name)) == comparable(XlsxBook(path).rows(name)), name
    assert isinstance(book.rows("订单")[100][2], dt.datetime)
    on_sheet = xl_crm.validate(book)
    assert findings(on_sheet) == findings(xl_crm.validate(path))
    assert {("email", "客户", "C4"), ("reference", "订单", "B6")} <= findings(on_sheet)
    computed = xl_crm.compute(book, as_of=AS_OF)
    xl_crm.compute(path, as_of=AS_OF, backups=0)
    assert computed.written
    fresh = GoogleSheetBook(result.spreadsheet)
    assert comparable(fresh.rows("客户")) == comparable(XlsxBook(path).rows("客户"))


def test_building_into_a_spreadsheet_keeps_its_other_sheets(sheets_emulator, gc):
    sh = gc.create("Team")
    sh.sheet1.update([["our notes"], ["0042"]], "A1", raw=True)
    forget_requests(sheets_emulator)
    result = build_sheet(sh, "hotel", lang="en", sheets=["guests"], rows=10)
    assert len(batch_updates(sheets_emulator)) == 1 and not result.created
    book = GoogleSheetBook(sh)
    assert book.sheet_names() == ["Sheet1", "Guests"]
    assert book.rows("Sheet1") == [["our notes"], ["0042"]]
    assert book.template() == "hotel"


def test_an_empty_sheet_of_the_same_name_is_reused(sheets_emulator, gc):
    sh = gc.create("Team")
    empty = sh.add_worksheet("Guests", rows=5, cols=2)
    result = build_sheet(sh, "hotel", lang="en", sheets=["Guests"], rows=2000)
    book = GoogleSheetBook(sh)
    assert book.sheet_names() == ["Sheet1", "Guests"]
    info = book.fetch.info("Guests")
    assert info.sheet_id == empty.id and (info.rows, info.columns) == (2001, 3)
    headers = [f.header("en") for f in load_spec("hotel").sheet("guests").fields]
    assert book.rows("Guests")[0] == headers
    assert result.grid["Guests"] == (2001, 3)


def test_a_sheet_of_the_same_name_holding_data_is_refused(sheets_emulator, gc):
    sh = gc.create("Team")
    sh.add_worksheet("客户", rows=100, cols=3).update([["mine"]], "B50", raw=True)
    forget_requests(sheets_emulator)
    with pytest.raises(SheetNotWritableError) as caught:
        build_sheet(sh, "hotel")
    error = caught.value
    assert error.reason == "sheet-not-writable" and error.sheet == "客户"
    assert "客户" in error.text("zh") and "holding data" in error.text("en")
    assert "rename" in (error.hint or "")
    assert batch_updates(sheets_emulator) == []  # nothing sent
    assert GoogleSheetBook(sh).sheet_names() == ["Sheet1", "客户"]


def test_bad_options_are_refused_before_anything_is_sent(sheets_emulator, gc):
    forget_requests(sheets_emulator)
    with pytest.raises(InvalidOptionError) as caught:
        build_sheet(gc, "ecommerce", sample=CELL_LIMIT // 10)
    assert "10,000,000" in caught.value.text("en")
    with pytest.raises(NotInTemplateError):
        build_sheet(gc, "ecommerce", sheets=["nope"])
    with pytest.raises(InvalidOptionError):
        build_sheet(gc, "ecommerce", lang="fr")  # type: ignore[arg-type]
    assert api_requests(sheets_emulator) == []  # no spreadsheet created


def test_a_rebuild_replaces_the_recorded_template_only_when_asked(gc):
    sh = gc.create("Team")
    build_sheet(sh, "hotel", lang="en", rows=5)
    with pytest.raises(InvalidOptionError, match="built from the template hotel"):
        build_sheet(sh, "ecommerce", rows=5)
    assert GoogleSheetBook(sh).template() == "hotel"
    # its zh sheet names do not clash with the en ones
    build_sheet(sh, "ecommerce", rows=5, replace_template=True)
    got = metadata(sh)
    keys = [m["metadataKey"] for m in got["developerMetadata"]]
    assert keys.count("xlcrm.template") == 1
    assert GoogleSheetBook(sh).template() == "ecommerce"


def test_the_result_is_json_ready(gc, tmp_path: Path):
    result = build_sheet(gc, "hotel", title="Hotel", sample=5, rows=5)
    data = result.to_dict()
    assert data["title"] == "Hotel" and data["sheets"] == {"客户": 5, "入住记录": 10}
    assert data["requests"] == 1 and data["bytes"] > 0 and "spreadsheet" not in data
