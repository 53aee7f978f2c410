"""The Sheets emulator's core over real HTTP: the server, tokens, persistence, snapshots, the
discovery-document checks and Google's error shape, with gspread and
google-api-python-client as clients."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import google.oauth2.service_account
import gspread
import openpyxl
import pytest
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from sheets_sync.emulator import Emulator, client
from sheets_sync.emulator.client import credentials
from tests.emulated import http, service_account_info


def sheets_service(emulator: Emulator):
    """A google-api-python-client Sheets service pointed at the emulator (its discovery
    document from the client's own cache: no network)."""
    return build(
        "sheets",
        "v4",
        credentials=credentials(emulator.url),
        static_discovery=True,
        client_options={"api_endpoint": emulator.url},
    )


def test_server_binds_loopback_on_a_free_port(sheets_emulator):
    host, port = sheets_emulator.httpd.server_address[:2]
    assert host == "127.0.0.1" and port > 0
    with socket.create_connection((host, port), timeout=2):
        pass
    assert http("GET", sheets_emulator.url + "/_emulator/health")[1]["ok"] is True


def test_gspread_creates_writes_and_reads_over_http(sheets_client, sheets_emulator):
    sh = sheets_client.create("Customers")
    sh.sheet1.update([["id", "name"], ["0042", "Li"]], "A1")
    assert sheets_client.open("Customers").sheet1.get_all_values() == [
        ["id", "name"],
        ["0042", "Li"],
    ]
    log = http("GET", sheets_emulator.url + "/_emulator/requests")[1]["requests"]
    apis = [e["api"] for e in log]
    assert apis[:2] == ["drive.files.create", "sheets.spreadsheets.get"]
    assert "sheets.spreadsheets.values.update" in apis and "drive.files.list" in apis
    assert all(e["status"] == 200 for e in log)


def test_google_api_python_client_calls(sheets_emulator):
    service = sheets_service(sheets_emulator)
    made = service.spreadsheets().create(body={"properties": {"title": "Via discovery"}}).execute()
    key = made["spreadsheetId"]
    assert made["sheets"][0]["properties"]["gridProperties"] == {
        "rowCount": 1000,
        "columnCount": 26,
    }
    values = service.spreadsheets().values()
    values.update(
        spreadsheetId=key, range="Sheet1!A1", valueInputOption="RAW", body={"values": [["a", 1]]}
    ).execute()
    got = values.batchGet(spreadsheetId=key, ranges=["Sheet1!A1:B1", "Sheet1!C1"]).execute()
    assert got["valueRanges"][0] == {
        "range": "Sheet1!A1:B1",
        "majorDimension": "ROWS",
        "values": [["a", "1"]],
    }
    assert "values" not in got["valueRanges"][1]
    with pytest.raises(HttpError) as caught:
        service.spreadsheets().get(spreadsheetId="missing").execute()
    assert caught.value.resp.status == 404
    assert json.loads(caught.value.content)["error"]["status"] == "NOT_FOUND"


def test_a_request_without_a_token_is_401_unauthenticated(sheets_client, sheets_emulator):
    key = sheets_client.create("x").id
    status, body = http("GET", f"{sheets_emulator.url}/v4/spreadsheets/{key}", token=None)
    assert status == 401 and body["error"]["status"] == "UNAUTHENTICATED"


def test_service_account_gets_a_token_from_the_token_endpoint(sheets_emulator):
    info = service_account_info(sheets_emulator.url)
    creds = google.oauth2.service_account.Credentials.from_service_account_info(
        info, scopes=gspread.auth.DEFAULT_SCOPES
    )
    gc = client(sheets_emulator.url, creds)
    gc.create("Robot's sheet")
    log = http("GET", sheets_emulator.url + "/_emulator/requests")[1]["requests"]
    assert log[0]["api"] == "oauth.token" and log[0]["status"] == 200
    assert log[1]["user"] == "robot@emulated.iam.gserviceaccount.com"


def test_data_file_keeps_the_state_across_restarts(tmp_path):
    data = tmp_path / "sheets.json"
    with Emulator(data_file=data) as emu:
        sh = client(emu.url).create("Kept")
        sh.sheet1.update([["kept", 1]], "A1")
        sh.sheet1.update_notes({"A1": "a note"})
    saved = json.loads(data.read_text(encoding="utf-8"))
    assert saved["format"] == "xl-crm-sheets-emulator"
    with Emulator(data_file=data) as emu:
        again = client(emu.url).open_by_key(sh.id).sheet1
        assert again.get("A1:B1", value_render_option="UNFORMATTED_VALUE") == [["kept", 1]]
        assert again.get_note("A1") == "a note"


def test_json_snapshot_loads_values_as_given(tmp_path):
    snap = tmp_path / "snap.json"
    rows = [
        ["id", "phone", "total", "formula"],
        ["0042", "+447700900123", 12.5, {"formula": "=2*3"}],
    ]
    snap.write_text(
        json.dumps(
            {
                "spreadsheets": [
                    {"id": "key-1", "title": "Snap", "sheets": [{"title": "Data", "rows": rows}]}
                ]
            }
        )
    )
    with Emulator() as emu:
        assert emu.load(snap) == ["key-1"]
        ws = client(emu.url).open_by_key("key-1").worksheet("Data")
        assert ws.get("A2:D2", value_render_option="UNFORMATTED_VALUE") == [
            ["0042", "+447700900123", 12.5, 6]
        ]
        assert ws.get("D2", value_render_option="FORMULA") == [["=2*3"]]


def test_xlsx_snapshot_loads_sheets_dates_and_formulas(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户ID", "入住时间", "金额", "合计"])
    import datetime as dt

    ws.append(["007", dt.datetime(2020, 1, 1), 10, "=C2*2"])
    wb.create_sheet("Orders")
    path = tmp_path / "book.xlsx"
    wb.save(path)
    with Emulator() as emu:
        (key,) = emu.load(path, key="book-key")
        sh = client(emu.url).open_by_key(key)
        assert [w.title for w in sh.worksheets()] == ["客户", "Orders"]
        got = sh.worksheet("客户").get("A2:D2", value_render_option="UNFORMATTED_VALUE")
        # formulas are stored, not evaluated (docs/sheets-emulator.md): #N/A until a client
        # reads them with FORMULA
        assert got == [["007", 43831, 10, "#N/A"]]
        assert sh.worksheet("客户").get("D2", value_render_option="FORMULA") == [["=C2*2"]]
        assert sh.worksheet("客户").get("B2") == [["2020-01-01"]]


def test_export_to_xlsx_keeps_text_that_looks_like_a_formula_as_text(sheets_client, tmp_path):
    sh = sheets_client.create("Export")
    sh.sheet1.update([['=HYPERLINK("x")', 5, "0042"]], "A1")  # RAW: data, not a formula
    sh.sheet1.update([["=1+1"]], "D1", raw=False)  # the sheet's own formula
    path = tmp_path / "out.xlsx"
    path.write_bytes(sheets_client.export(sh.id, gspread.utils.ExportFormat.EXCEL))
    cells = openpyxl.load_workbook(path).active
    assert cells["A1"].data_type == "s" and cells["A1"].value == '=HYPERLINK("x")'
    assert cells["B1"].value == 5 and cells["C1"].value == "0042"
    assert cells["D1"].data_type == "f" and cells["D1"].value == "=1+1"


# --- discovery-document checks and Google's error shape --------------------------------


def test_unknown_body_field_is_refused_in_the_apis_words(sheets_client, sheets_emulator):
    key = sheets_client.create("x").id
    status, body = http(
        "POST",
        f"{sheets_emulator.url}/v4/spreadsheets/{key}:batchUpdate",
        {"requests": [{"addSheet": {"properties": {"title": "T", "colour": "red"}}}]},
    )
    # https://cloud.google.com/apis/design/errors: {"error": {code, message, status}}
    assert status == 400
    assert body["error"] == {
        "code": 400,
        "message": 'Invalid JSON payload received. Unknown name "colour" at '
        "'requests[0].add_sheet.properties': Cannot find field.",
        "status": "INVALID_ARGUMENT",
    }


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("valueRenderOption=PRETTY", "Invalid value at 'value_render_option', \"PRETTY\""),
        ("colour=red", 'Unknown name "colour": Cannot bind query parameter'),
    ],
)
def test_query_parameters_are_checked(sheets_client, sheets_emulator, query, message):
    key = sheets_client.create("x").id
    status, body = http("GET", f"{sheets_emulator.url}/v4/spreadsheets/{key}/values/A1?{query}")
    assert status == 400 and message in body["error"]["message"]


def test_wrong_type_and_enum_in_a_body_are_refused(sheets_client, sheets_emulator):
    key = sheets_client.create("x").id
    url = f"{sheets_emulator.url}/v4/spreadsheets/{key}:batchUpdate"
    status, body = http(
        "POST", url, {"requests": [{"addSheet": {"properties": {"index": "first"}}}]}
    )
    assert (
        status == 400
        and "requests[0].add_sheet.properties.index' (TYPE_INT32)" in body["error"]["message"]
    )
    status, body = http(
        "POST", url, {"requests": [{"addSheet": {"properties": {"sheetType": "CHART"}}}]}
    )
    assert status == 400 and '(TYPE_ENUM), "CHART"' in body["error"]["message"]


def test_snake_case_names_and_nulls_are_accepted(sheets_client, sheets_emulator):
    # proto3 JSON accepts both spellings and reads null as unset; gspread sends nulls
    key = sheets_client.create("x").id
    status, body = http(
        "POST",
        f"{sheets_emulator.url}/v4/spreadsheets/{key}:batchUpdate",
        {
            "requests": [
                {
                    "add_sheet": {
                        "properties": {
                            "title": "Snake",
                            "grid_properties": {"row_count": 5},
                            "index": None,
                        }
                    }
                }
            ]
        },
    )
    assert status == 200
    assert body["replies"][0]["addSheet"]["properties"]["gridProperties"] == {
        "rowCount": 5,
        "columnCount": 26,
    }


def test_unknown_method_and_spreadsheet_are_404(sheets_emulator):
    status, body = http("GET", f"{sheets_emulator.url}/v4/spreadsheets/nope")
    # gspread's recorded ClientTest.test_access_non_existing_spreadsheet
    assert (status, body["error"]["message"], body["error"]["status"]) == (
        404,
        "Requested entity was not found.",
        "NOT_FOUND",
    )
    assert http("GET", f"{sheets_emulator.url}/v5/things")[0] == 404


def test_request_size_cap():
    # research/gsheets.md §2.3: 400 "Request payload size exceeds the limit: 10485760 bytes."
    with Emulator(payload_limit=1000) as emu:
        key = client(emu.url).create("x").id
        big = {"values": [["x" * 2000]]}
        status, body = http(
            "PUT", f"{emu.url}/v4/spreadsheets/{key}/values/A1?valueInputOption=RAW", big
        )
        assert status == 400
        assert body["error"]["message"] == "Request payload size exceeds the limit: 1000 bytes."


def test_gspread_raises_its_api_error_with_googles_code(sheets_client):
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        sheets_client.open_by_key("missing")
    sh = sheets_client.create("x")
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.sheet1.update([[1]], "Nope!A1")
    assert caught.value.code == 400 and "Unable to parse range: 'Sheet1'!Nope!A1" in str(
        caught.value
    )


def test_state_dump_and_load_over_the_control_api(sheets_client, sheets_emulator, tmp_path: Path):
    sh = sheets_client.create("Dumped")
    sh.sheet1.update([["v"]], "A1")
    dump = http("GET", sheets_emulator.url + "/_emulator/state")[1]
    http("POST", sheets_emulator.url + "/_emulator/reset", {})
    assert http("GET", sheets_emulator.url + "/_emulator/health")[1]["spreadsheets"] == 0
    assert http("POST", sheets_emulator.url + "/_emulator/state", dump)[1]["spreadsheetIds"] == [
        sh.id
    ]
    assert sheets_client.open_by_key(sh.id).sheet1.acell("A1").value == "v"
