"""The emulator reproduces the real Sheets API's value behaviour, each case with where it
is documented or recorded: the API reference, or gspread's recorded responses from the live
API (burnash/gspread ``tests/cassettes/<Class>.<test>.json``, cited as [rec name])."""

from __future__ import annotations

import gspread
import pytest

from sheets_sync.emulator import Emulator, client


@pytest.fixture
def ws(sheets_client):
    return sheets_client.create("Values").sheet1


def raw_get(ws, rng: str, **params) -> dict:
    """The API's ValueRange for ``rng`` (gspread's values_get keeps the whole reply)."""
    return ws.spreadsheet.values_get(rng, params=params)


def test_trailing_empty_cells_and_rows_are_trimmed_interior_ones_kept(ws):
    # [rec SpreadsheetTest.test_values_get]: [["A1","B1","","D1"],[],[],["A4","B4","","D4"]]
    ws.update(
        [["A1", "B1", "", "D1"], ["", "", "", ""], ["", "", "", ""], ["A4", "B4", "", "D4"]], "A1"
    )
    got = raw_get(ws, "Sheet1!A1:F6")
    assert got == {
        "range": "Sheet1!A1:F6",
        "majorDimension": "ROWS",
        "values": [["A1", "B1", "", "D1"], [], [], ["A4", "B4", "", "D4"]],
    }


def test_an_empty_range_has_no_values_key(ws):
    # [rec SpreadsheetTest.test_values_get]: {"range":"Sheet1!A1:D2","majorDimension":"ROWS"}
    assert raw_get(ws, "Sheet1!A1:D2") == {"range": "Sheet1!A1:D2", "majorDimension": "ROWS"}


def test_unbounded_ranges_are_clamped_to_the_grid(ws):
    # research/gsheets.md §2.3 [rec]: A2:2 -> "Sheet1!A2:Z2"; the whole sheet -> A1:Z1000
    assert raw_get(ws, "Sheet1!A2:2")["range"] == "Sheet1!A2:Z2"
    assert raw_get(ws, "Sheet1")["range"] == "Sheet1!A1:Z1000"
    assert raw_get(ws, "Sheet1!B:C")["range"] == "Sheet1!B1:C1000"


def test_titles_are_quoted_only_when_needed(sheets_client):
    # [rec SpreadsheetTest.test_values_get, WorksheetTest.*]: Sheet1!A1:D2 bare,
    # '🌵 test_values_get 1'!A1:J10 and 'D3'!A1:D1 quoted
    sh = sheets_client.create("Titles")
    for title in ("My sheet", "D3", "🌵 cactus", "it's"):
        sh.add_worksheet(title, 10, 10)
    assert sh.values_get("'My sheet'!A1:B2")["range"] == "'My sheet'!A1:B2"
    assert sh.values_get("'D3'!A1:D1")["range"] == "'D3'!A1:D1"
    assert sh.values_get("'🌵 cactus'!A1:J10")["range"] == "'🌵 cactus'!A1:J10"
    assert sh.values_get("'it''s'!A1")["range"] == "'it''s'!A1"
    assert sh.values_get("Sheet1!A1:D2")["range"] == "Sheet1!A1:D2"


def test_a_single_cell_is_written_b1_not_b1_colon_b1(ws):
    # [rec WorksheetTest.test_update_cell]: "updatedRange": "Sheet1!B1"
    reply = ws.update([["x"]], "B1:B1")
    assert reply["updatedRange"] == "Sheet1!B1"
    assert raw_get(ws, "Sheet1!B1:B1")["range"] == "Sheet1!B1"


def test_user_entered_parsing(ws):
    # research/gsheets.md §2.3 [rec CellTest.test_numeric_value, WorksheetTest.test_update_cell,
    # WorksheetTest.test_get_all_values_date_time_render_options]: "0042" reads back "42",
    # "2,000,000.01" is a number shown "2,000,000.01", "2020-01-01" -> 43831,
    # "1999-01-02" -> 36162, "=4/2" -> 2; TRUE is a boolean; a leading ' keeps text
    # (https://support.google.com/docs/answer/9061433 "Format numbers as text")
    row = ["0042", "2,000,000.01", "2020-01-01", "1999-01-02", "=4/2", "TRUE", "'007", "= 1 / 1024"]
    ws.update([row], "A1", raw=False)
    assert ws.get("A1:H1") == [
        ["42", "2,000,000.01", "2020-01-01", "1999-01-02", "2", "TRUE", "007", "0.0009765625"]
    ]
    assert ws.get("A1:H1", value_render_option="UNFORMATTED_VALUE") == [
        [42, 2000000.01, 43831, 36162, 2, True, "007", 0.0009765625]
    ]


def test_user_entered_dates_follow_the_en_us_locale(ws):
    # A spreadsheet reads typed dates by its locale (Sheets API guide "Date & number
    # formats": rendering depends on the spreadsheet's locale, en_US assumed; the emulator's
    # spreadsheets are en_US).  In en_US a month-first 03/01 is stored as the date March 1
    # and 21/01/2013 (no 21st month) stays text (onlinejournalismblog.com, 2016-07-19, "How
    # to: fix spreadsheet dates that are in both US and UK formats"); year-first dates with
    # "/" like "2026/4/1" are dates too (issue 11's review, typed into an en_US sheet;
    # Stack Overflow 73767719 "Locale differences in Google Sheets": date forms by locale).
    row = ["2026/4/1", "4/1/2026", "2026-04-01", "03/01/2013", "21/01/2013",
           "2026/4/1 14:30", "4/1/2026 2:30 PM", "2026-05-03 14:30:15", "2026/2/30"]  # fmt: skip
    ws.update([row], "A1", raw=False)
    april_first = 46113  # 2026-04-01: days since 1899-12-30
    assert ws.get("A1:I1", value_render_option="UNFORMATTED_VALUE") == [
        [april_first, april_first, april_first, 41334, "21/01/2013",
         april_first + 14.5 / 24, april_first + 14.5 / 24,
         april_first + 32 + (14 * 3600 + 30 * 60 + 15) / 86400, "2026/2/30"]
    ]  # fmt: skip
    shown = ws.get("A1:C1")[0]
    assert shown == ["2026/04/01", "04/01/2026", "2026-04-01"]


def test_raw_input_stores_strings_as_they_are(ws):
    # https://developers.google.com/sheets/api/reference/rest/v4/ValueInputOption RAW:
    # "The values the user has entered will not be parsed and will be stored as-is."
    ws.update([["0042", "=1+1", "'x", "TRUE", "2020-01-01"]], "A1")
    assert ws.get("A1:E1", value_render_option="FORMULA") == [
        ["0042", "=1+1", "'x", "TRUE", "2020-01-01"]
    ]


def test_user_entered_text_in_a_plain_text_cell_stays_text(ws):
    # ValueInputOption USER_ENTERED: "The values will be parsed as if the user typed them
    # into the UI" (API reference, ValueInputOption); a cell formatted as Plain text keeps
    # what is typed as text (Sheets Help, "Format numbers in a spreadsheet"; NumberFormat
    # type TEXT: "Text formatting, e.g 1000.12")
    ws.spreadsheet.batch_update({"requests": [{"repeatCell": {
        "range": {"sheetId": ws.id, "startColumnIndex": 0, "endColumnIndex": 1},
        "cell": {"userEnteredFormat": {"numberFormat": {"type": "TEXT", "pattern": "@"}}},
        "fields": "userEnteredFormat.numberFormat"}}]})  # fmt: skip
    ws.update([["007", "007"], ["=1+1", "=1+1"], ["2026-01-02", "2026-01-02"]], "A1",
              value_input_option="USER_ENTERED")  # fmt: skip
    got = raw_get(ws, "Sheet1!A1:B3", valueRenderOption="UNFORMATTED_VALUE")
    assert got["values"] == [["007", 7], ["=1+1", 2], ["2026-01-02", 46024]]


def test_render_options(ws):
    # https://developers.google.com/sheets/api/reference/rest/v4/ValueRenderOption and
    # [rec WorksheetTest.test_get_all_values_date_time_render_options]: FORMULA returns
    # formulas and date serials, UNFORMATTED_VALUE numbers, FORMATTED_VALUE strings
    ws.update([[1.5, "2020-01-01", "=2*3", "FALSE"]], "A1", raw=False)
    assert ws.get("A1:D1") == [["1.5", "2020-01-01", "6", "FALSE"]]
    assert ws.get("A1:D1", value_render_option="UNFORMATTED_VALUE") == [[1.5, 43831, 6, False]]
    assert ws.get("A1:D1", value_render_option="FORMULA") == [[1.5, 43831, "=2*3", False]]
    # https://developers.google.com/sheets/api/reference/rest/v4/DateTimeRenderOption
    got = ws.get(
        "B1", value_render_option="UNFORMATTED_VALUE", date_time_render_option="FORMATTED_STRING"
    )
    assert got == [["2020-01-01"]]


def test_serial_dates_count_from_1899_12_30(ws):
    # https://developers.google.com/sheets/api/guides/formats#about_date_time_values:
    # "1900-01-01 noon" is 2.5; 1900 is correctly treated as not a leap year
    ws.update([["1899-12-30", "1900-01-01 12:00:00", "1900-03-01"]], "A1", raw=False)
    assert ws.get("A1:C1", value_render_option="UNFORMATTED_VALUE") == [[0, 2.5, 61]]


def test_unevaluated_formulas_say_so(ws):
    # docs/sheets-emulator.md: only plain arithmetic is evaluated
    ws.update([["=SUM(B1:B3)"]], "A1", raw=False)
    assert ws.get("A1") == [["#N/A"]]
    assert ws.get("A1", value_render_option="FORMULA") == [["=SUM(B1:B3)"]]


def test_major_dimension_columns(ws):
    # https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values#ValueRange
    ws.update([[1, 2], [3, 4]], "A1")
    assert ws.get("A1:B2", major_dimension="COLUMNS") == [["1", "3"], ["2", "4"]]


def test_new_sheets_are_1000_by_26(sheets_client):
    # [rec SpreadsheetTest.test_add_del_worksheet, ClientTest.test_create]
    ws = sheets_client.create("Grid").sheet1
    assert (ws.row_count, ws.col_count) == (1000, 26)


def test_writing_outside_the_grid_exceeds_grid_limits(sheets_client):
    # research/gsheets.md §2.3 [issues nithinmurali/pygsheets #124]: "Range (Sheet1!A3:C3)
    # exceeds grid limits. Max rows: 2, max columns: 3"
    sh = sheets_client.create("Small")
    ws = sh.sheet1
    ws.resize(rows=2, cols=3)
    with pytest.raises(gspread.exceptions.APIError) as caught:
        ws.update([[1, 2, 3]], "A3")
    assert caught.value.code == 400
    assert "Range (Sheet1!A3:C3) exceeds grid limits. Max rows: 2, max columns: 3" in str(
        caught.value
    )


def test_a_bounded_range_must_hold_the_values(ws):
    # https://developers.google.com/sheets/api/guides/values#writing
    with pytest.raises(gspread.exceptions.APIError, match=r"tried writing to row \[3\]"):
        ws.update([[1], [2], [3]], "A1:A2")


def test_whole_sheet_clear_reports_the_full_grid(ws):
    # [rec WorksheetTest.test_get_all_values_date_time_render_options]: "Sheet1!A1:Z1000"
    ws.update([["x"]], "A1")
    assert ws.clear()["clearedRange"] == "Sheet1!A1:Z1000"
    assert raw_get(ws, "Sheet1").get("values") is None


def test_append_detects_the_table_like_the_api(ws):
    # [rec WorksheetTest.test_append_row_with_empty_value]: A1=x, B1="", C1=y appended to
    # 'Sheet1' gives tableRange Sheet1!C1 and writes C2:E2 (burnash/gspread #537, #735, #828)
    ws.update([["x", "", "y"]], "A1")
    reply = ws.append_row(["a", "b", "c"])
    assert reply["tableRange"] == "Sheet1!C1"
    assert reply["updates"]["updatedRange"] == "Sheet1!C2:E2"


def test_append_with_table_range_a1(ws):
    # [rec WorksheetTest.test_append_row_with_empty_value_and_table_range]: writes A2:C2
    ws.update([["x", "", "y"]], "A1")
    reply = ws.append_row(["a", "b", "c"], table_range="A1")
    assert reply["updates"]["updatedRange"] == "Sheet1!A2:C2"


def test_append_to_an_empty_sheet_has_no_table_range(ws):
    # research/gsheets.md §2.3 [rec]: "On an empty sheet the reply has no tableRange key"
    reply = ws.append_row(["a"])
    assert "tableRange" not in reply and reply["updates"]["updatedRange"] == "Sheet1!A1"


def test_append_grows_the_grid(sheets_client):
    # https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/append
    # (the grid grows; writing beyond it with update fails instead)
    sh = sheets_client.create("Grow")
    ws = sh.sheet1
    ws.resize(rows=2, cols=2)
    ws.update([["h1", "h2"], ["a", "b"]], "A1")
    reply = ws.append_rows([["c", "d", "e"], ["f", "g", "h"]])
    assert reply["updates"]["updatedRange"] == "Sheet1!A3:C4"
    fresh = sh.get_worksheet(0)
    assert (fresh.row_count, fresh.col_count) == (4, 3)


def test_append_insert_rows_moves_what_is_below(ws):
    # https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/append#InsertDataOption
    ws.update([["h"], ["a"], [""], ["below"]], "A1")
    ws.append_row(["new"], table_range="A1", insert_data_option="INSERT_ROWS")
    assert ws.col_values(1) == ["h", "a", "new", "", "below"]


def test_the_cell_cap_refuses_growth():
    # research/gsheets.md §4 and burnash/gspread #516: "This action would increase the number
    # of cells in the workbook above the limit of 10000000 cells." (a low cap keeps it quick)
    with Emulator(cell_limit=30_000) as emu:
        sh = client(emu.url).create("Capped")
        with pytest.raises(gspread.exceptions.APIError) as caught:
            sh.add_worksheet("More", 1000, 26)
        assert "above the limit of 30000 cells" in str(caught.value)
        assert [w.title for w in sh.worksheets()] == ["Sheet1"]


def test_the_real_cell_cap_is_ten_million(sheets_emulator):
    assert sheets_emulator.store.cell_limit == 10_000_000


def test_batch_get_update_and_clear(ws):
    # https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values
    reply = ws.batch_update(
        [{"range": "A1:B1", "values": [[1, 2]]}, {"range": "D3", "values": [["x"]]}]
    )
    assert (reply["totalUpdatedCells"], reply["totalUpdatedSheets"]) == (3, 1)
    assert ws.batch_get(["A1:B1", "D3"]) == [[["1", "2"]], [["x"]]]
    ws.batch_clear(["A1", "D3"])
    assert ws.get_all_values() == [["", "2"]]


def test_values_batch_update_is_all_or_nothing(ws):
    with pytest.raises(gspread.exceptions.APIError):
        ws.batch_update(
            [{"range": "A1", "values": [["kept out"]]}, {"range": "A2000", "values": [["x"]]}]
        )
    assert ws.get_all_values() == [[]]


def test_include_values_in_response(ws):
    # https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/update
    reply = ws.update([["0042"]], "A1", raw=False, include_values_in_response=True)
    assert reply["updatedData"] == {
        "range": "Sheet1!A1",
        "majorDimension": "ROWS",
        "values": [["42"]],
    }


def test_replay_of_recorded_date_time_render_options(sheets_client):
    # [rec WorksheetTest.test_get_all_values_date_time_render_options], replayed request by
    # request: the emulator's replies equal the live API's recorded ones
    ws = sheets_client.create("Replay").sheet1
    ws.resize(rows=2, cols=4)
    assert raw_get(ws, "'Sheet1'!A1:D2") == {"range": "Sheet1!A1:D2", "majorDimension": "ROWS"}
    written = [["=4/2", "2020-01-01", "string", 53], ["=3/2", 0.12, "1999-01-02", ""]]
    reply = ws.update(written, "A1:D2", raw=False)
    assert {k: v for k, v in reply.items() if k != "spreadsheetId"} == {
        "updatedRange": "Sheet1!A1:D2",
        "updatedRows": 2,
        "updatedColumns": 4,
        "updatedCells": 8,
    }
    recorded = {
        ("UNFORMATTED_VALUE", "SERIAL_NUMBER"): [[2, 43831, "string", 53], [1.5, 0.12, 36162]],
        ("UNFORMATTED_VALUE", "FORMATTED_STRING"): [
            [2, "2020-01-01", "string", 53],
            [1.5, 0.12, "1999-01-02"],
        ],
        ("FORMATTED_VALUE", "SERIAL_NUMBER"): [
            ["2", "2020-01-01", "string", "53"],
            ["1.5", "0.12", "1999-01-02"],
        ],
        ("FORMATTED_VALUE", "FORMATTED_STRING"): [
            ["2", "2020-01-01", "string", "53"],
            ["1.5", "0.12", "1999-01-02"],
        ],
    }
    for (value, date), values in recorded.items():
        got = raw_get(ws, "'Sheet1'", valueRenderOption=value, dateTimeRenderOption=date)
        assert got == {"range": "Sheet1!A1:D2", "majorDimension": "ROWS", "values": values}
