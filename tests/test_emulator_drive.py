"""The Drive v3 calls gspread makes, against the emulator over real HTTP (gspread, and
google-api-python-client for files.get)."""

from __future__ import annotations

import csv
import io

import gspread
import pytest
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from sheets_sync.emulator.client import credentials


def test_create_reply_and_open_by_title(sheets_client):
    # [rec ClientTest.test_create]: {"kind":"drive#file","id","name","mimeType"}
    sh = sheets_client.create("Team customers")
    reply = sheets_client.http_client.request(
        "get", f"https://www.googleapis.com/drive/v3/files/{sh.id}"
    ).json()
    assert reply == {
        "kind": "drive#file",
        "id": sh.id,
        "name": "Team customers",
        "mimeType": "application/vnd.google-apps.spreadsheet",
    }
    assert sheets_client.open("Team customers").id == sh.id
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        sheets_client.open("No such title")


def test_list_pages_through_files(sheets_client):
    for i in range(5):
        sheets_client.create(f"Book {i}")
    listed = sheets_client.list_spreadsheet_files()
    assert sorted(f["name"] for f in listed) == [f"Book {i}" for i in range(5)]
    page = sheets_client.http_client.request(
        "get",
        "https://www.googleapis.com/drive/v3/files",
        params={
            "pageSize": 2,
            "fields": "nextPageToken,files(id,name)",
            "q": "name contains 'Book'",
        },
    ).json()
    assert len(page["files"]) == 2 and page["nextPageToken"] == "2"
    assert set(page["files"][0]) == {"id", "name"}


def test_version_goes_up_with_every_change(sheets_emulator, sheets_client):
    # https://developers.google.com/drive/api/reference/rest/v3/files#File.FIELDS.version:
    # "A monotonically increasing version number for the file. This reflects every change
    # made to the file on the server"
    sh = sheets_client.create("Versioned")
    service = build(
        "drive",
        "v3",
        credentials=credentials(sheets_emulator.url),
        static_discovery=True,
        client_options={"api_endpoint": sheets_emulator.url + "/drive/v3/"},
    )

    def version() -> int:
        return int(
            service.files().get(fileId=sh.id, fields="version,modifiedTime").execute()["version"]
        )

    first = version()
    sh.sheet1.update([["x"]], "A1")
    second = version()
    sh.sheet1.format("A1", {"textFormat": {"bold": True}})
    assert first < second < version()
    sh.sheet1.get_all_values()
    assert version() == second + 1  # reads change nothing
    with pytest.raises(HttpError) as caught:
        service.files().get(fileId="missing").execute()
    assert caught.value.resp.status == 404


def test_copy_and_delete(sheets_client):
    sh = sheets_client.create("Original")
    sh.sheet1.update([["data"]], "A1")
    copied = sheets_client.copy(
        sh.id, title="The copy", copy_permissions=False, copy_comments=False
    )
    assert copied.title == "The copy" and copied.sheet1.get("A1") == [["data"]]
    copied.sheet1.update([["changed"]], "A1")
    assert sh.sheet1.get("A1") == [["data"]]
    sheets_client.del_spreadsheet(copied.id)
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        sheets_client.open_by_key(copied.id)


def test_copy_with_gspreads_defaults_copies_the_comments(sheets_emulator, sheets_client):
    # gspread 6.2.1 Client.copy(copy_comments=True): files.copy, then comments.list of the
    # source (fields=comments/content,comments/anchor,nextPageToken; pageSize 100) and one
    # comments.create per comment on the copy (fields=id); files.copy itself copies none
    # (https://developers.google.com/drive/api/reference/rest/v3/comments)
    sh = sheets_client.create("Commented")
    sh.sheet1.update([["data"]], "A1")
    drive = build(
        "drive", "v3", credentials=credentials(sheets_emulator.url), static_discovery=True,
        client_options={"api_endpoint": sheets_emulator.url + "/drive/v3/"},
    )  # fmt: skip
    made = (
        drive.comments()
        .create(fileId=sh.id, fields="id,content,author/me", body={"content": "check <A1>"})
        .execute()
    )
    assert made["content"] == "check <A1>" and made["author"] == {"me": True}
    before = len(sheets_client.list_spreadsheet_files())
    copied = sheets_client.copy(sh.id, title="The commented copy")
    assert copied.sheet1.get("A1") == [["data"]]
    assert len(sheets_client.list_spreadsheet_files()) == before + 1
    listed = drive.comments().list(fileId=copied.id, fields="comments(content,htmlContent)")
    assert listed.execute() == {
        "comments": [{"content": "check <A1>", "htmlContent": "check &lt;A1&gt;"}]
    }
    # Drive v3's comments methods want fields
    with pytest.raises(HttpError, match="'fields' parameter is required"):
        drive.comments().list(fileId=copied.id).execute()
    empty = sheets_client.copy(copied.id, title="again", copy_comments=False)
    assert drive.comments().list(fileId=empty.id, fields="comments").execute() == {"comments": []}


def test_delete_answers_204_with_no_body(sheets_client):
    # [rec ClientTest.test_del_spreadsheet]: 204 with an empty body
    sh = sheets_client.create("Gone")
    reply = sheets_client.http_client.request(
        "delete", f"https://www.googleapis.com/drive/v3/files/{sh.id}"
    )
    assert reply.status_code == 204 and reply.content == b""


def test_permissions(sheets_client):
    sh = sheets_client.create("Shared")
    sh.share("colleague@example.com", perm_type="user", role="writer", notify=False)
    perms = sh.list_permissions()
    assert [(p["role"], p.get("emailAddress")) for p in perms] == [
        ("owner", "owner@example.com"),
        ("writer", "colleague@example.com"),
    ]
    sh.remove_permissions("colleague@example.com")
    assert [p["role"] for p in sh.list_permissions()] == ["owner"]
    with pytest.raises(gspread.exceptions.APIError, match="email address must be supplied"):
        sheets_client.insert_permission(sh.id, None, perm_type="user", role="reader")


def test_export_csv_escapes_text_that_would_run(sheets_client):
    sh = sheets_client.create("Csv")
    sh.sheet1.update([["name", "note", "n"], ["Li", "=IMPORTXML(1)", -5]], "A1")
    text = sheets_client.export(sh.id, gspread.utils.ExportFormat.CSV).decode()
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "note", "n"],
        ["Li", "'=IMPORTXML(1)", "-5"],
    ]


def test_new_keys_never_start_with_a_dash():
    """Google's keys start with a letter or digit; one starting with '-' would be read as an
    option on a command line (xl-crm sync both BOOK -abc...)."""
    from sheets_sync.emulator.state import new_id

    keys = [new_id() for _ in range(2000)]
    assert all(k[0].isalnum() and len(k) == 44 for k in keys)
    assert any("-" in k[1:] or "_" in k[1:] for k in keys)  # still Google's alphabet
