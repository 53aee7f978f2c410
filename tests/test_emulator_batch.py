"""``spreadsheets.get`` and ``spreadsheets.batchUpdate`` on the emulator through gspread over
real HTTP: every request kind the templates use, atomicity, field masks, grid data,
developer metadata and the byDataFilter calls.  Citations as in test_emulator_values.py."""

from __future__ import annotations

import gspread
import pytest
from gspread.utils import ValidationConditionType


@pytest.fixture
def sh(sheets_client):
    return sheets_client.create("Batch")


def meta(sh, **params) -> dict:
    return sh.fetch_sheet_metadata(params=params)


def test_spreadsheet_resource_shape(sh):
    # [rec ClientTest.test_open_by_key]: spreadsheetId, properties, sheets, spreadsheetUrl;
    # sheetId 0 and index 0 spelled out; en_US, Etc/GMT
    got = meta(sh)
    assert list(got) == ["spreadsheetId", "properties", "sheets", "spreadsheetUrl"]
    assert got["properties"]["locale"] == "en_US" and got["properties"]["timeZone"] == "Etc/GMT"
    assert got["sheets"][0]["properties"] == {
        "sheetId": 0,
        "title": "Sheet1",
        "index": 0,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": 1000, "columnCount": 26},
    }


def test_fields_mask_and_ranges_and_grid_data(sh):
    # https://developers.google.com/sheets/api/guides/field-masks
    sh.add_worksheet("Other", 5, 5)
    sh.sheet1.update([["a", "b"], ["c"]], "A1")
    assert meta(sh, fields="sheets.properties.title") == {
        "sheets": [{"properties": {"title": "Sheet1"}}, {"properties": {"title": "Other"}}]
    }
    assert meta(sh, fields="properties(title,locale)") == {
        "properties": {"title": "Batch", "locale": "en_US"}
    }
    got = meta(sh, ranges="Sheet1!A1:B2", includeGridData="true")
    assert [s["properties"]["title"] for s in got["sheets"]] == ["Sheet1"]
    data = got["sheets"][0]["data"][0]
    cells = [[v.get("formattedValue") for v in row["values"]] for row in data["rowData"]]
    assert cells == [["a", "b"], ["c"]]
    assert len(data["rowMetadata"]) == 2 and data["rowMetadata"][0] == {"pixelSize": 21}


def test_notes_through_field_masked_grid_data(sh):
    # research/gsheets.md §2.2: get_notes asks for fields=sheets.data.rowData.values.note
    sh.sheet1.update_notes({"B2": "check this"})
    assert sh.sheet1.get_notes() == [[], ["", "check this"]]


def test_add_duplicate_update_and_delete_sheets(sh):
    # https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/request
    ws = sh.add_worksheet("Data", 10, 4)
    ws.update([["x"]], "A1")
    copy = sh.duplicate_sheet(ws.id, new_sheet_name="Data copy")
    assert copy.get("A1") == [["x"]]
    copy.update_title("Renamed")
    ws.freeze(rows=1)
    titles = [(w.title, w.index) for w in sh.worksheets()]
    assert titles == [("Sheet1", 0), ("Data", 1), ("Renamed", 2)]
    assert sh.worksheet("Data").frozen_row_count == 1
    sh.del_worksheet(copy)
    assert [w.title for w in sh.worksheets()] == ["Sheet1", "Data"]


def test_duplicate_title_is_refused_naming_the_request(sh):
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.add_worksheet("Sheet1", 5, 5)
    assert str(caught.value).endswith(
        'Invalid requests[0].addSheet: A sheet with the name "Sheet1" already exists. '
        "Please enter another name."
    )


def test_the_last_sheet_cannot_be_deleted_nor_every_sheet_hidden(sh):
    # [rec] research/gsheets.md §2.3: "You can't hide all the sheets in a document."
    with pytest.raises(gspread.exceptions.APIError, match="You can't remove all the sheets"):
        sh.del_worksheet(sh.sheet1)
    with pytest.raises(
        gspread.exceptions.APIError, match="You can't hide all the sheets in a document"
    ):
        sh.sheet1.hide()


def test_batch_update_is_atomic(sh):
    # https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/batchUpdate:
    # "If any request is not valid, then no requests will be applied."
    body = {
        "requests": [
            {"addSheet": {"properties": {"title": "First"}}},
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": 0, "title": "Moved"},
                    "fields": "title",
                }
            },
            {"deleteSheet": {"sheetId": 424242}},
        ]
    }
    with pytest.raises(gspread.exceptions.APIError, match=r"Invalid requests\[2\]\.deleteSheet"):
        sh.batch_update(body)
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]
    version = sh.client.get_file_drive_metadata(sh.id)
    body["requests"].pop()
    replies = sh.batch_update(body)["replies"]
    assert replies[0]["addSheet"]["properties"]["title"] == "First" and replies[1] == {}
    assert [w.title for w in sh.worksheets()] == ["Moved", "First"]
    assert sh.client.get_file_drive_metadata(sh.id)["modifiedTime"] >= version["modifiedTime"]


def test_repeat_cell_formats_and_update_cells_notes(sh):
    ws = sh.sheet1
    ws.update([["h1", "h2"]], "A1")
    ws.format("A1:B1", {"textFormat": {"bold": True}, "backgroundColor": {"red": 1}})
    cells = meta(sh, ranges="Sheet1!A1:B1", fields="sheets.data.rowData.values.userEnteredFormat")
    formats = [
        v["userEnteredFormat"] for v in cells["sheets"][0]["data"][0]["rowData"][0]["values"]
    ]
    assert formats == [{"textFormat": {"bold": True}, "backgroundColor": {"red": 1}}] * 2
    assert ws.get("A1:B1") == [["h1", "h2"]]  # formats leave values alone


def test_data_validation_conditional_format_protection_filter(sh):
    ws = sh.sheet1
    ws.add_validation(
        "C2:C10",
        ValidationConditionType.one_of_list,
        ["VIP", "Lead"],
        strict=True,
        showCustomUi=True,
    )
    sh.batch_update(
        {
            "requests": [
                {
                    "addConditionalFormatRule": {
                        "index": 0,
                        "rule": {
                            "ranges": [
                                {
                                    "sheetId": 0,
                                    "startRowIndex": 1,
                                    "endRowIndex": 10,
                                    "startColumnIndex": 2,
                                    "endColumnIndex": 3,
                                }
                            ],
                            "booleanRule": {
                                "condition": {
                                    "type": "CUSTOM_FORMULA",
                                    "values": [{"userEnteredValue": "=ISBLANK($C2)"}],
                                },
                                "format": {"backgroundColor": {"red": 1}},
                            },
                        },
                    }
                }
            ]
        }
    )
    reply = ws.add_protected_range("D1:D10", description="computed", warning_only=True)
    ws.set_basic_filter("A1:D10")
    got = meta(sh, fields="sheets(protectedRanges,conditionalFormats,basicFilter)")["sheets"][0]
    # [rec WorksheetTest.test_add_protected_range_normal]: no sheetId for sheet 0, an id given
    assert reply["replies"][0]["addProtectedRange"]["protectedRange"]["protectedRangeId"] > 0
    assert got["protectedRanges"][0]["range"] == {
        "endRowIndex": 10,
        "startColumnIndex": 3,
        "endColumnIndex": 4,
    }
    assert got["conditionalFormats"][0]["booleanRule"]["condition"]["type"] == "CUSTOM_FORMULA"
    assert got["basicFilter"]["range"]["endColumnIndex"] == 4
    rule = meta(sh, ranges="Sheet1!C2", fields="sheets.data.rowData.values.dataValidation")
    assert (
        rule["sheets"][0]["data"][0]["rowData"][0]["values"][0]["dataValidation"]["strict"] is True
    )
    ws.clear_basic_filter()
    assert "basicFilter" not in meta(sh, fields="sheets.basicFilter").get("sheets", [{}])[0]


def test_dimensions_insert_delete_append_and_properties(sh):
    ws = sh.sheet1
    ws.update([["r1"], ["r2"], ["r3"]], "A1")
    ws.insert_rows([["new"]], 2)
    assert ws.col_values(1) == ["r1", "new", "r2", "r3"]
    ws.delete_rows(1)
    assert ws.col_values(1) == ["new", "r2", "r3"]
    ws.add_rows(10)
    ws.hide_columns(1, 2)
    sh.batch_update(
        {
            "requests": [
                {
                    "updateDimensionProperties": {
                        "range": {
                            "sheetId": 0,
                            "dimension": "COLUMNS",
                            "startIndex": 0,
                            "endIndex": 1,
                        },
                        "properties": {"pixelSize": 180},
                        "fields": "pixelSize",
                    }
                }
            ]
        }
    )
    fresh = sh.get_worksheet(0)
    assert fresh.row_count == 1010
    columns = meta(sh, ranges="Sheet1!A1:B1", fields="sheets.data.columnMetadata")["sheets"][0][
        "data"
    ][0]
    assert columns["columnMetadata"] == [
        {"pixelSize": 180},
        {"pixelSize": 100, "hiddenByUser": True},
    ]


def test_merge_cells_keeps_the_top_left_value(sh):
    ws = sh.sheet1
    ws.update([["keep", "drop"]], "A1")
    ws.merge_cells("A1:B1")
    assert ws.get("A1:B1") == [["keep"]]
    # merges spell out zero indices: gspread's combine_merged_cells reads them directly
    assert meta(sh, fields="sheets.merges")["sheets"][0]["merges"] == [
        {
            "sheetId": 0,
            "startRowIndex": 0,
            "endRowIndex": 1,
            "startColumnIndex": 0,
            "endColumnIndex": 2,
        }
    ]
    ws.get("A1:B1", combine_merged_cells=True)


def test_named_ranges_are_ranges_for_values_calls(sh):
    sh.batch_update(
        {
            "requests": [
                {
                    "addNamedRange": {
                        "namedRange": {
                            "name": "Phones",
                            "range": {
                                "sheetId": 0,
                                "startRowIndex": 0,
                                "endRowIndex": 3,
                                "startColumnIndex": 1,
                                "endColumnIndex": 2,
                            },
                        }
                    }
                }
            ]
        }
    )
    sh.sheet1.update([["p1"], ["p2"]], "B1")
    assert sh.values_get("Phones") == {
        "range": "Sheet1!B1:B3",
        "majorDimension": "ROWS",
        "values": [["p1"], ["p2"]],
    }


def row_anchor(sh, row: int, key: str) -> dict:
    reply = sh.batch_update(
        {
            "requests": [
                {
                    "createDeveloperMetadata": {
                        "developerMetadata": {
                            "metadataKey": key,
                            "metadataValue": str(row),
                            "visibility": "DOCUMENT",
                            "location": {
                                "dimensionRange": {
                                    "sheetId": 0,
                                    "dimension": "ROWS",
                                    "startIndex": row,
                                    "endIndex": row + 1,
                                }
                            },
                        }
                    }
                }
            ]
        }
    )
    return reply["replies"][0]["createDeveloperMetadata"]["developerMetadata"]


def test_developer_metadata_moves_with_its_row_and_is_searchable(sh):
    # https://developers.google.com/sheets/api/guides/metadata: metadata "will remain
    # associated at those locations as they move around"
    ws = sh.sheet1
    ws.update([["h"], ["c-1"], ["c-2"]], "A1")
    anchor = row_anchor(sh, 2, "customer")
    assert anchor["location"]["locationType"] == "ROW" and anchor["metadataId"] > 0
    ws.insert_rows([["inserted"]], 1)
    found = sh.client.request(
        "post",
        f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}/developerMetadata:search",
        json={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "customer"}}]},
    ).json()["matchedDeveloperMetadata"]
    span = found[0]["developerMetadata"]["location"]["dimensionRange"]
    assert (span["startIndex"], span["endIndex"]) == (3, 4)


def test_by_data_filter_variants_follow_the_metadata(sh):
    # https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/batchGetByDataFilter
    ws = sh.sheet1
    ws.update([["h", "v"], ["c-1", 1], ["c-2", 2]], "A1")
    row_anchor(sh, 2, "c-2")
    ws.insert_rows([["moved everything down"]], 1)
    base = f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}/values"
    lookup = {"developerMetadataLookup": {"metadataKey": "c-2"}}
    request = sh.client.request
    got = request("post", f"{base}:batchGetByDataFilter", json={"dataFilters": [lookup]}).json()
    assert got["valueRanges"][0]["valueRange"]["values"] == [["c-2", "2"]]
    request(
        "post",
        f"{base}:batchUpdateByDataFilter",
        json={"valueInputOption": "RAW", "data": [{"dataFilter": lookup, "values": [["c-2", 20]]}]},
    )
    assert ws.row_values(4) == ["c-2", "20"]
    request(
        "post",
        f"{base}:batchClearByDataFilter",
        json={"dataFilters": [{"a1Range": "Sheet1!A4:B4"}]},
    )
    assert ws.row_values(4) == []
    whole = request(
        "post",
        f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}:getByDataFilter",
        json={"dataFilters": [{"a1Range": "Sheet1!A1:B2"}], "includeGridData": True},
    ).json()
    assert (
        whole["sheets"][0]["data"][0]["rowData"][0]["values"][0]["formattedValue"]
        == "moved everything down"
    )


def test_unimplemented_request_is_a_clear_501(sh):
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.batch_update({"requests": [{"addChart": {"chart": {}}}]})
    assert caught.value.code == 501 and "does not implement addChart" in str(caught.value)


def test_copy_to_another_spreadsheet(sheets_client, sh):
    sh.sheet1.update([["copied"]], "A1")
    other = sheets_client.create("Target")
    props = sh.sheet1.copy_to(other.id)
    assert props["title"] == "Copy of Sheet1"
    assert other.worksheet("Copy of Sheet1").get("A1") == [["copied"]]
