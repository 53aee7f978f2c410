"""The Google Sheets medium (sheets_sync.book) against the Sheets emulator over real HTTP:
cells read as their types, the same findings and computed values as the .xlsx file with
the same rows, changed cells written RAW, formulas refused, marks placed and cleared,
and a fixed number of API requests whatever the rows."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

import xl_crm
from sheets_sync.book import GoogleSheetBook, open_book, spreadsheet_key
from sheets_sync.cells import value_ranges
from sheets_sync.emulator import client
from sheets_sync.marking import chunks
from tests.emulated import no_default_credentials
from tests.gsheets import (
    api_requests,
    columns_of,
    comparable,
    forget_requests,
    sheet_from_xlsx,
    stored_cells,
)
from xl_crm.book import Book
from xl_crm.errors import NoDefaultCredentialsError, OverwriteRefusedError
from xl_crm.table import CellMark, ColumnUpdate
from xl_crm.xlsx.book import XlsxBook

REAL = Path("../shared/cases/real-inputs")
AS_OF = "2026-06-30"


def findings(report: xl_crm.Report) -> set[tuple[str, str, str]]:
    return {(f.rule, f.sheet, f.cell) for f in report.findings}


def dirty_ecommerce(path: Path, rows: int = 40) -> Path:
    """The ecommerce template with ``rows`` sample customers and a wrong cell of several
    kinds (a bad e-mail, a short phone, an amount in words, an unknown customer)."""
    xl_crm.build_workbook("ecommerce", path, sample=rows, seed=3)
    wb = openpyxl.load_workbook(path)
    customers, orders = wb["客户"], wb["订单"]
    customers["C4"] = "xq.wu#example.com"
    customers["D5"] = "1391234"
    orders["D4"] = "一百元"
    orders["B6"] = 999999
    wb.save(path)
    return path


# -- the seam ---------------------------------------------------------------------------


def test_a_google_sheet_is_a_book_opened_by_xl_crm(sheets_client):
    sh = sheets_client.create("Customers")
    book = xl_crm.open_book(sh)
    assert isinstance(book, GoogleSheetBook) and isinstance(book, Book)
    assert book.name == "Customers" and book.sheet_names() == ["Sheet1"]


def test_keys_are_read_from_gsheet_and_addresses():
    assert spreadsheet_key("gsheet://1AbC-dEf_123") == "1AbC-dEf_123"
    url = "https://docs.google.com/spreadsheets/d/1AbC-dEf_123/edit#gid=0"
    assert spreadsheet_key(url) == "1AbC-dEf_123"
    assert spreadsheet_key("customers.xlsx") is None


def test_a_key_opens_with_a_client_without_the_metadata_request(sheets_client, sheets_emulator):
    sh = sheets_client.create("Keyed")
    sh.sheet1.update([["客户ID"], ["0042"]], "A1")
    forget_requests(sheets_emulator)
    book = open_book(f"gsheet://{sh.id}", client=sheets_client)
    assert api_requests(sheets_emulator) == []  # nothing asked before it is needed
    assert book.rows("Sheet1") == [["客户ID"], ["0042"]]


def test_a_key_without_a_client_asks_connect_for_one(tmp_path, monkeypatch):
    """Without a client, ``sheets_sync.connect()`` is asked: with no credentials anywhere
    that is a clear error saying how to sign in (docs/sheets.md)."""
    no_default_credentials(monkeypatch, tmp_path)
    with pytest.raises(NoDefaultCredentialsError, match="gcloud auth application-default"):
        xl_crm.open_book("gsheet://1AbC-dEf_123")


def test_a_key_reaches_the_endpoint_connect_is_given(sheets_client, sheets_emulator, monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("XL_CRM_SHEETS_ENDPOINT", sheets_emulator.url)
    key = sheets_client.create("By key").id
    assert xl_crm.open_book(f"gsheet://{key}").sheet_names() == ["Sheet1"]


# -- reading ------------------------------------------------------------------------------


def test_cells_read_as_their_types(sheets_client):
    """Dates entered in a sheet are serial numbers with a date format (Sheets API
    reference, DateTimeRenderOption.SERIAL_NUMBER: days since 1899-12-30); identifiers
    written RAW stay text; trailing empty cells are not there (research/gsheets.md §2.3)."""
    sh = sheets_client.create("Types")
    ws = sh.sheet1
    ws.update(
        [
            ["id", "when", "at", "amount", "vip", "note"],
            ["x", "2026-05-01", "2026-05-02 10:30", "1,234.5", "TRUE", "ok"],
            ["x", "1999-01-02", "", 7, "FALSE", ""],
        ],
        "A1",
        raw=False,
    )
    ws.update([["0042"], ["+8613800138000"]], "A2", raw=True)
    book = GoogleSheetBook(sh)
    assert book.rows("Sheet1") == [
        ["id", "when", "at", "amount", "vip", "note"],
        ["0042", dt.date(2026, 5, 1), dt.datetime(2026, 5, 2, 10, 30), 1234.5, True, "ok"],
        ["+8613800138000", dt.date(1999, 1, 2), None, 7, False],
    ]
    assert book.rows("Sheet1", 2) == book.rows("Sheet1")[:2]
    assert book.visible("Sheet1") and book.template() is None


def test_rows_below_the_probe_take_their_columns_date_format(sheets_client):
    sh = sheets_client.create("Long")
    ws = sh.sheet1
    ws.update([["day"]] + [[f"2026-01-{1 + i % 28:02d}"] for i in range(120)], "A1", raw=False)
    rows = GoogleSheetBook(sh).rows("Sheet1")
    assert len(rows) == 121 and {type(r[0]) for r in rows[1:]} == {dt.date}
    assert rows[100] == [dt.date(2026, 1, 1 + 99 % 28)]


def test_a_hidden_sheet_is_not_visible_and_dropdowns_are_its_structure(sheets_client):
    sh = sheets_client.create("Hidden")
    sh.sheet1.update([["渠道"], ["天猫"]], "A1")
    sh.batch_update(
        {
            "requests": [
                {"addSheet": {"properties": {"title": "secret", "hidden": True}}},
                {
                    "setDataValidation": {
                        "range": {
                            "sheetId": 0,
                            "startRowIndex": 1,
                            "endRowIndex": 50,
                            "startColumnIndex": 0,
                            "endColumnIndex": 1,
                        },
                        "rule": {
                            "condition": {
                                "type": "ONE_OF_LIST",
                                "values": [
                                    {"userEnteredValue": "天猫"},
                                    {"userEnteredValue": "京东"},
                                ],
                            },
                            "strict": True,
                        },
                    }
                },
            ]
        }
    )
    book = GoogleSheetBook(sh)
    assert book.sheet_names() == ["Sheet1", "secret"] and not book.visible("secret")
    assert book.structure("Sheet1").validations["A"].choices == ["天猫", "京东"]


# -- the same findings and computed values as the .xlsx file ------------------------------


#: stands for the real cases when ../shared/cases/real-inputs holds none
NO_CASES = "no-real-inputs"


def real_cases() -> list[str]:
    """The .xlsx files of ../shared/cases/real-inputs, or [NO_CASES] when there are none,
    so the test below runs (and fails under CI=true) instead of collecting nothing."""
    return sorted(p.name for p in REAL.glob("*.xlsx")) or [NO_CASES]


@pytest.mark.parametrize("name", real_cases())
def test_a_real_case_gives_on_a_sheet_what_it_gives_in_the_file(
    name, tmp_path, sheets_emulator, sheets_client
):
    if name == NO_CASES:
        missing = f"no .xlsx case in {REAL.resolve()} (../shared must be beside the project)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(missing)
        pytest.skip(missing)
    path = tmp_path / name
    shutil.copyfile(REAL / name, path)
    book = sheet_from_xlsx(sheets_emulator, sheets_client, path)
    on_sheet = xl_crm.validate(book, template="ecommerce")
    in_file = xl_crm.validate(path, template="ecommerce")
    assert findings(on_sheet) == findings(in_file)
    assert on_sheet.mapping.to_dict()["sheets"] == in_file.mapping.to_dict()["sheets"]
    computed = xl_crm.compute(book, template="ecommerce", as_of=AS_OF)
    expected = xl_crm.compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    assert computed.columns == expected.columns and computed.written
    assert computed.segments == expected.segments
    fresh = GoogleSheetBook(book.spreadsheet)  # what the sheet now holds, read again
    columns = computed.columns
    assert columns_of(fresh.rows("客户"), columns) == columns_of(
        XlsxBook(path).rows("客户"), columns
    )
    assert not xl_crm.compute(fresh, template="ecommerce", as_of=AS_OF).written


@pytest.mark.parametrize("template", ["ecommerce", "hotel", "ledger", "car_sales"])
def test_a_built_in_templates_sample_gives_on_a_sheet_what_it_gives_in_the_file(
    template, tmp_path, sheets_emulator, sheets_client
):
    path = tmp_path / f"{template}.xlsx"
    if template == "ecommerce":
        dirty_ecommerce(path)
    else:
        xl_crm.build_workbook(template, path, sample=30, seed=2)
    book = sheet_from_xlsx(sheets_emulator, sheets_client, path)
    on_sheet = xl_crm.validate(book, template=template)
    assert findings(on_sheet) == findings(xl_crm.validate(path, template=template))
    if template == "ecommerce":
        assert {("email", "客户", "C4"), ("phone", "客户", "D5"), ("type", "订单", "D4"),
                ("reference", "订单", "B6")} <= findings(on_sheet)  # fmt: skip
    names = [n for n in XlsxBook(path).sheet_names() if not n.startswith("_")]
    computed = xl_crm.compute(book, template=template, as_of=AS_OF)
    xl_crm.compute(path, template=template, as_of=AS_OF, backups=0)
    fresh = GoogleSheetBook(book.spreadsheet)
    for name in names if computed.written else []:
        assert comparable(fresh.rows(name)) == comparable(XlsxBook(path).rows(name)), name


def test_a_book_of_orders_gets_the_same_customer_summary_sheet(
    tmp_path, sheets_emulator, sheets_client
):
    path = tmp_path / "orders.xlsx"
    wb = openpyxl.load_workbook(REAL / "baseline.xlsx")
    wb.remove(wb["客户"])
    wb.save(path)
    book = sheet_from_xlsx(sheets_emulator, sheets_client, path)
    on_sheet = xl_crm.compute(book, template="ecommerce", as_of=AS_OF)
    in_file = xl_crm.compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    assert on_sheet.sheet == in_file.sheet
    fresh = GoogleSheetBook(book.spreadsheet)
    assert on_sheet.sheet in fresh.sheet_names()
    assert comparable(fresh.rows(on_sheet.sheet)) == comparable(XlsxBook(path).rows(in_file.sheet))


# -- writing ------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["兴趣类别", "备注"])  # a column there (values RAW), a new one
def test_text_that_looks_like_a_formula_is_written_as_text(
    header, tmp_path, sheets_emulator, sheets_client
):
    """Text goes as USER_ENTERED input behind a ``'`` (parsed "as if the user typed them
    into the UI", Sheets API reference, ValueInputOption, where a leading ``'`` makes text):
    text starting with = + - @ stays text, never a formula (research/gsheets.md §5)."""
    path = tmp_path / "b.xlsx"
    shutil.copyfile(REAL / "baseline.xlsx", path)
    book = sheet_from_xlsx(sheets_emulator, sheets_client, path)
    table = book.read(xl_crm.load_spec("ecommerce"))["customers"]
    texts = ['=HYPERLINK("http://x.invalid","y")', "+8613800138000", "-1", "@me"]
    rows = [2, 3, 4, 5]
    forget_requests(sheets_emulator)
    book.write(table, [ColumnUpdate(header, pd.Series(texts, index=rows))])
    sent = [r for r in api_requests(sheets_emulator) if r["method"] == "POST"]
    assert len(sent) == 1  # a new column too: one values.batchUpdate, no format request
    assert sent[0]["path"].endswith("values:batchUpdate")
    assert sent[0]["body"]["valueInputOption"] == "USER_ENTERED"
    assert all(row[0].startswith("'") for d in sent[0]["body"]["data"] for row in d["values"])
    fresh = GoogleSheetBook(book.spreadsheet)
    column = fresh.rows("客户")[table.header_row - 1].index(header) + 1
    letter = openpyxl.utils.get_column_letter(column)
    stored = stored_cells(fresh, "客户", f"{letter}2:{letter}5")
    assert [r[0]["userEnteredValue"] for r in stored] == [{"stringValue": t} for t in texts]
    assert [fresh.rows("客户")[r - 1][column - 1] for r in rows] == texts


def interests_formatted(tmp_path, emulator, gc, kind: str, pattern: str) -> Any:
    """The baseline case as a sheet whose interests column (兴趣类别), rows 2-20, has the
    number format ``kind`` / ``pattern`` of its own; its gspread Spreadsheet."""
    path = tmp_path / "b.xlsx"
    shutil.copyfile(REAL / "baseline.xlsx", path)
    sh = sheet_from_xlsx(emulator, gc, path).spreadsheet
    column = GoogleSheetBook(sh).rows("客户")[0].index("兴趣类别")
    grid = {"sheetId": sh.worksheet("客户").id, "startRowIndex": 1, "endRowIndex": 20,
            "startColumnIndex": column, "endColumnIndex": column + 1}  # fmt: skip
    fields = "userEnteredFormat.numberFormat"
    cell = {"userEnteredFormat": {"numberFormat": {"type": kind, "pattern": pattern}}}
    sh.batch_update({"requests": [{"repeatCell": {"range": grid, "cell": cell, "fields": fields}}]})
    return sh


def test_text_into_a_plain_text_column_goes_without_the_quote(
    tmp_path, sheets_emulator, sheets_client
):
    """A cell formatted as plain text keeps what is typed as text, a ``'`` included (Sheets
    Help, "Format numbers in a spreadsheet": Plain text), so text goes there as it is."""
    sh = interests_formatted(tmp_path, sheets_emulator, sheets_client, "TEXT", "@")
    book = GoogleSheetBook(sh)
    table = book.read(xl_crm.load_spec("ecommerce"))["customers"]
    texts = ["=1+2", "007", "'quoted"]
    book.write(table, [ColumnUpdate("兴趣类别", pd.Series(texts, index=[2, 3, 4]))])
    fresh = GoogleSheetBook(sh)
    at = fresh.rows("客户")[0].index("兴趣类别")
    assert [r[at] for r in fresh.rows("客户")[1:4]] == texts
    assert not fresh.fetch.formulas_of("客户")


@pytest.mark.parametrize("header", ["兴趣类别", "下次回访日"])  # NUMBER-formatted, new
def test_dates_written_read_back_as_dates(header, tmp_path, sheets_emulator, sheets_client):
    """Dates go as ISO text (USER_ENTERED), which the API parses into serials with a date
    format when the cell has none (research/gsheets.md §2.3, "USER_ENTERED parsing"): a new
    column takes one request; a column whose own format is a number gets a date format
    first (one ``repeatCell``), or its dates would read back as numbers."""
    sh = interests_formatted(tmp_path, sheets_emulator, sheets_client, "NUMBER", "0.00")
    book = GoogleSheetBook(sh)
    table = book.read(xl_crm.load_spec("ecommerce"))["customers"]
    days = [dt.date(2026, 7, 1), dt.datetime(2026, 7, 2, 9, 30), None, dt.date(1999, 1, 2)]
    forget_requests(sheets_emulator)
    book.write(table, [ColumnUpdate(header, pd.Series(days, index=[2, 3, 4, 5]), kind="date")])
    sent = [r["path"].rsplit("/", 1)[-1] for r in api_requests(sheets_emulator)
            if r["method"] == "POST"]  # fmt: skip
    new = header == "下次回访日"
    assert sent == (
        ["values:batchUpdate"] if new else [f"{sh.id}:batchUpdate", "values:batchUpdate"]
    )
    fresh = GoogleSheetBook(sh)
    at = fresh.rows("客户")[0].index(header)
    assert [r[at] if at < len(r) else None for r in fresh.rows("客户")[1:5]] == days


def test_formulas_read_as_their_values_and_text_starting_with_eq_as_text(
    sheets_emulator, sheets_client
):
    """Values are read ``FORMULA``-rendered: a formula as its text, any other cell as
    UNFORMATTED_VALUE gives it (Sheets API reference, ValueRenderOption); a sheet with a
    cell starting with = is asked again UNFORMATTED_VALUE, and only cells that differ hold
    formulas (text stored RAW renders the same both ways)."""
    sh = sheets_client.create("Formulas")
    sh.sheet1.update([["id", "total"], ["a", "=1+5"], ["b", "=2*3"]], "A1", raw=False)
    sh.sheet1.update([["c", "=not a formula"]], "A4", raw=True)
    plain_sheet = sheets_client.create("Plain")
    plain_sheet.sheet1.update([["id", "total"], ["a", 1]], "A1", raw=True)
    forget_requests(sheets_emulator)
    book = GoogleSheetBook(sh)
    assert book.rows("Sheet1") == [["id", "total"], ["a", 6], ["b", 6], ["c", "=not a formula"]]
    assert book.fetch.formulas_of("Sheet1") == {(2, 2): "=1+5", (3, 2): "=2*3"}
    gets = [r["api"] for r in api_requests(sheets_emulator)].count(
        "sheets.spreadsheets.values.batchGet"
    )
    assert gets == 2
    forget_requests(sheets_emulator)
    plain = GoogleSheetBook(plain_sheet)
    assert plain.rows("Sheet1") == [["id", "total"], ["a", 1]] and not plain.fetch.formulas_of(
        "Sheet1"
    )
    assert [r["api"] for r in api_requests(sheets_emulator)].count(
        "sheets.spreadsheets.values.batchGet"
    ) == 1


def test_a_write_is_one_block_of_values_with_nulls_where_nothing_changes():
    """Cells not written are ``null`` ("Null values will be skipped", Sheets API
    reference, ValueRange), None empties a cell (``""``), text goes behind a ``'``; a long
    run of rows writing nothing starts a new range, and a big block is cut into bands."""
    columns = {2: {2: "a", 3: None}, 4: {2: 1.5, 40: dt.date(2026, 1, 2)}}
    assert value_ranges("客户", columns) == [
        {"range": "'客户'!B2:D3", "values": [["'a", None, 1.5], [""]]},
        {"range": "'客户'!B40:D40", "values": [[None, None, "2026-01-02"]]},
    ]
    big = {1: {r: "x" * 100 for r in range(1, 101)}}
    bands = value_ranges("S", big, part_bytes=3_000)
    assert [b["range"] for b in bands] == [
        "'S'!A1:A25",
        "'S'!A26:A50",
        "'S'!A51:A75",
        "'S'!A76:A100",
    ]
    assert all(len(json.dumps(b["values"])) <= 3_000 for b in bands)
    assert len(chunks(bands, limit=len(json.dumps(bands[0])) * 2 + 10)) == 2
    wide = {"v": "客" * 100}  # sent as \u5ba2: 6 bytes a character, not UTF-8's 3
    utf8 = len(json.dumps(wide, ensure_ascii=False).encode())
    assert len(chunks([wide, wide], limit=2 * utf8 + 10)) == 2


def test_formulas_are_not_written_over_unless_forced(tmp_path, sheets_emulator, sheets_client):
    path = tmp_path / "b.xlsx"
    shutil.copyfile(REAL / "baseline.xlsx", path)
    book = sheet_from_xlsx(sheets_emulator, sheets_client, path)
    header = book.rows("客户")[0]
    column = header.index("购买频率") + 1
    letter = openpyxl.utils.get_column_letter(column)
    book.spreadsheet.values_update(
        f"'客户'!{letter}2",
        params={"valueInputOption": "USER_ENTERED"},
        body={"values": [["=1+5"]]},
    )
    fresh = GoogleSheetBook(book.spreadsheet)
    forget_requests(sheets_emulator)
    with pytest.raises(OverwriteRefusedError) as info:
        xl_crm.compute(fresh, template="ecommerce", as_of=AS_OF)
    assert f"{letter}2" in str(info.value.text("en"))
    assert not [r for r in api_requests(sheets_emulator) if r["method"] != "GET"]
    done = xl_crm.compute(fresh, template="ecommerce", as_of=AS_OF, force=True)
    assert done.overwritten and f"{letter}2" in done.overwritten[0][0]
    stored = stored_cells(GoogleSheetBook(book.spreadsheet), "客户", f"{letter}2")
    assert "formulaValue" not in stored[0][0]["userEnteredValue"]


# -- marks --------------------------------------------------------------------------------


def test_marks_are_placed_cleared_on_the_next_run_and_the_users_own_kept(
    tmp_path, sheets_emulator, sheets_client
):
    path = tmp_path / "dirty.xlsx"
    dirty_ecommerce(path, rows=20)
    book = sheet_from_xlsx(sheets_emulator, sheets_client, path)
    user_fill = {"red": 0.2, "green": 0.8, "blue": 0.2}
    book.spreadsheet.batch_update(
        {
            "requests": [
                {"repeatCell": {"range": {"sheetId": book.fetch.info("客户").sheet_id,
                                          "startRowIndex": 9, "endRowIndex": 10,
                                          "startColumnIndex": 1, "endColumnIndex": 2},
                                "cell": {"userEnteredFormat": {"backgroundColor": user_fill}},
                                "fields": "userEnteredFormat.backgroundColor"}},
                {"repeatCell": {"range": {"sheetId": book.fetch.info("客户").sheet_id,
                                          "startRowIndex": 10, "endRowIndex": 11,
                                          "startColumnIndex": 1, "endColumnIndex": 2},
                                "cell": {"note": "the user's"}, "fields": "note"}},
            ]
        }
    )  # fmt: skip
    book = GoogleSheetBook(book.spreadsheet)
    report = xl_crm.validate(book, template="ecommerce")
    result = xl_crm.annotate(book, report)
    assert result.marked == len({(f.sheet, f.cell) for f in report.findings}) >= 4
    marked = stored_cells(book, "客户", "C4")[0][0]
    assert marked["userEnteredFormat"]["backgroundColor"]["red"] == pytest.approx(1.0)
    assert "xq.wu#example.com" in marked["note"] or "邮" in marked["note"]
    assert "_xlcrm_marks" not in book.sheet_names()
    # a mark on the user's own note keeps the note
    kept = book.mark([CellMark("客户", "B11", "xl-crm's note")], sheets=["客户", "订单"])
    assert kept and stored_cells(book, "客户", "B11")[0][0]["note"] == "the user's"
    assert "backgroundColor" not in stored_cells(book, "客户", "C4")[0][0].get(
        "userEnteredFormat", {}
    )  # that run marked only B11: the marks before it were cleared
    # the next run, the e-mail fixed: its mark goes, the user's colour stays
    book.spreadsheet.values_update("'客户'!C4", params={"valueInputOption": "RAW"},
                                   body={"values": [["fixed@example.com"]]})  # fmt: skip
    again = GoogleSheetBook(book.spreadsheet)
    xl_crm.annotate(again, xl_crm.validate(again, template="ecommerce"))
    cleared = stored_cells(again, "客户", "C4")[0][0]
    assert "backgroundColor" not in cleared.get("userEnteredFormat", {})
    assert "note" not in cleared
    assert stored_cells(again, "客户", "B11")[0][0]["note"] == "the user's"
    assert "backgroundColor" not in stored_cells(again, "客户", "B11")[0][0].get(
        "userEnteredFormat", {}
    )
    user = stored_cells(again, "客户", "B10")[0][0]
    assert user["userEnteredFormat"]["backgroundColor"] == pytest.approx(user_fill)


# -- requests -----------------------------------------------------------------------------


def run_all(emulator, client, rows: int, tmp_path: Path) -> int:
    """validate + compute + annotate of a dirty ecommerce sheet of ``rows`` customers:
    the API requests they made, from the gspread Spreadsheet on."""
    path = dirty_ecommerce(tmp_path / f"e{rows}.xlsx", rows=rows)
    key = emulator.load(path)[0]
    sh = client.open_by_key(key)
    forget_requests(emulator)
    book = GoogleSheetBook(sh)
    report = xl_crm.validate(book, template="ecommerce")
    assert xl_crm.compute(book, template="ecommerce", as_of=AS_OF).written
    assert xl_crm.annotate(book, report).marked >= 4
    return len(api_requests(emulator))


def test_validate_compute_annotate_take_the_same_requests_for_1000_and_20000_rows(
    tmp_path, sheets_emulator
):
    """The target of issue 11: at most 6 API requests, constant as rows grow (100,000
    rows: benchmarks/bench_sheets.py, docs/performance.md)."""
    patient = client(sheets_emulator.url, timeout=300)  # 20,000 rows take the emulator a while
    small = run_all(sheets_emulator, patient, 1_000, tmp_path)
    big = run_all(sheets_emulator, patient, 20_000, tmp_path)
    assert small == big <= 6


@pytest.mark.parametrize(
    "target", ["gsheet://", "gsheet:", "https://docs.google.com/spreadsheets/d/"]
)
def test_an_address_without_a_key_says_the_key_is_missing(target):
    from xl_crm.errors import NotASpreadsheetError

    with pytest.raises(NotASpreadsheetError) as info:
        xl_crm.open_book(target)
    assert "the spreadsheet key is missing" in info.value.text("en")
    assert "between /d/ and /edit" in info.value.text("en")
    assert "file not found" not in info.value.text("en")
