"""Fault injection on the emulator: 429s, 5xx, hangs, 401 with token refresh, revoked
tokens, per-minute quotas, another user's edits, the request log and reset — all through
gspread over real HTTP."""

from __future__ import annotations

import json
import time
import urllib.request

import google.auth.exceptions
import google.oauth2.service_account
import gspread
import pytest
import requests

from sheets_sync.emulator import client
from tests.emulated import service_account_info


def control(emulator, name: str, body: dict | None = None, method: str = "POST") -> dict:
    request = urllib.request.Request(
        f"{emulator.url}/_emulator/{name}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read() or b"{}")


def log(emulator) -> list[dict]:
    return control(emulator, "requests", method="GET")["requests"]


@pytest.fixture
def sh(sheets_client):
    return sheets_client.create("Faults")


def test_429_with_retry_after(sheets_emulator, sh):
    control(
        sheets_emulator,
        "faults",
        {"faults": [{"status": 429, "retryAfter": 7, "match": "/values/"}]},
    )
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.sheet1.get_all_values()
    assert caught.value.code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    assert caught.value.error["status"] == "RESOURCE_EXHAUSTED"
    assert sh.sheet1.get_all_values() == [[]]  # one time only


def test_429_without_retry_after_and_as_html(sheets_emulator, sh):
    control(sheets_emulator, "faults", {"faults": [{"status": 429}, {"status": 429, "html": True}]})
    with pytest.raises(gspread.exceptions.APIError) as first:
        sh.sheet1.get_all_values()
    assert first.value.code == 429 and "Retry-After" not in first.value.response.headers
    # research/gsheets.md §1.1: a non-JSON error body gives gspread code -1
    with pytest.raises(gspread.exceptions.APIError) as second:
        sh.sheet1.get_all_values()
    assert second.value.code == -1 and second.value.response.status_code == 429


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors(sheets_emulator, sh, status):
    control(
        sheets_emulator, "faults", {"faults": [{"status": status, "times": 2, "method": "PUT"}]}
    )
    ws = sh.sheet1
    for _ in range(2):
        with pytest.raises(gspread.exceptions.APIError) as caught:
            ws.update([["x"]], "A1")
        assert caught.value.code == status
    ws.update([["x"]], "A1")
    puts = [e["status"] for e in log(sheets_emulator) if e["method"] == "PUT"]
    assert puts == [status, status, 200]


def test_a_hang_trips_the_client_timeout(sheets_emulator, sh):
    control(sheets_emulator, "faults", {"faults": [{"hangSeconds": 2, "match": "/values/"}]})
    gc = client(sheets_emulator.url, timeout=(2, 0.5))
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        gc.open_by_key(sh.id).sheet1.get_all_values()
    assert time.monotonic() - started < 2


def service_account_client(emulator):
    creds = google.oauth2.service_account.Credentials.from_service_account_info(
        service_account_info(emulator.url), scopes=gspread.auth.DEFAULT_SCOPES
    )
    return client(emulator.url, creds)


def test_401_then_token_refresh(sheets_emulator):
    gc = service_account_client(sheets_emulator)
    sh = gc.create("Refresh")
    control(sheets_emulator, "faults", {"faults": [{"status": 401, "match": "/values/"}]})
    assert sh.sheet1.get_all_values() == [[]]  # google-auth refreshed and retried once
    calls = [(e["api"], e["status"]) for e in log(sheets_emulator)][-3:]
    assert calls == [
        ("sheets.spreadsheets.values.get", 401),
        ("oauth.token", 200),
        ("sheets.spreadsheets.values.get", 200),
    ]


def test_revoked_tokens_end_in_invalid_grant(sheets_emulator):
    gc = service_account_client(sheets_emulator)
    sh = gc.create("Revoked")
    control(sheets_emulator, "tokens", {"revoke": True})
    with pytest.raises(google.auth.exceptions.RefreshError, match="invalid_grant"):
        sh.sheet1.get_all_values()


def test_invalid_grant_fault_on_the_token_endpoint(sheets_emulator):
    control(sheets_emulator, "faults", {"faults": [{"match": "/token", "invalidGrant": True}]})
    with pytest.raises(google.auth.exceptions.RefreshError, match="invalid_grant"):
        service_account_client(sheets_emulator).create("Never")


def test_short_lived_tokens_are_refreshed_before_use(sheets_emulator):
    # google-auth refreshes a token expiring within 3 min 45 s (research/gsheets.md §1.3)
    control(sheets_emulator, "tokens", {"expiresIn": 60})
    gc = service_account_client(sheets_emulator)
    sh = gc.create("Short")
    sh.sheet1.get_all_values()
    apis = [e["api"] for e in log(sheets_emulator)]
    calls = len(apis) - apis.count("oauth.token")
    assert calls >= 3 and apis.count("oauth.token") == calls  # one fresh token per call


def test_per_minute_read_quota_of_60(sheets_emulator, sh):
    # https://developers.google.com/sheets/api/limits: 60 read requests per minute per user
    ws = sh.sheet1
    reads = sum(1 for e in log(sheets_emulator) if e["api"] == "sheets.spreadsheets.get")
    for _ in range(60 - reads):
        ws.get("A1")
    with pytest.raises(gspread.exceptions.APIError) as caught:
        ws.get("A1")
    assert caught.value.code == 429
    assert "Quota exceeded for quota metric 'Read requests'" in caught.value.error["message"]
    ws.update([["writes have their own quota"]], "A1")
    control(sheets_emulator, "clock", {"advance": 60})
    assert ws.get("A1") == [["writes have their own quota"]]


def test_write_quota_is_settable(sheets_emulator, sh):
    control(sheets_emulator, "quota", {"writesPerMinute": 2})
    sh.sheet1.update([[1]], "A1")
    sh.sheet1.update([[2]], "A1")
    with pytest.raises(gspread.exceptions.APIError, match="Write requests"):
        sh.sheet1.update([[3]], "A1")
    control(sheets_emulator, "quota", {"writesPerMinute": None})
    sh.sheet1.update([[3]], "A1")


def test_another_user_edits_between_two_of_our_calls(sheets_emulator, sheets_client, sh):
    ws = sh.sheet1  # (gspread asks for the metadata here: one request)
    ws.update([["ours"]], "A1")
    before = sheets_client.http_client.get_file_drive_metadata(sh.id)
    control(
        sheets_emulator,
        "edits",
        {
            "spreadsheetId": sh.id,
            "range": "Sheet1!A1",
            "values": [["theirs"]],
            "afterRequests": 1,
        },
    )
    assert ws.acell("A1").value == "ours"  # the edit lands after this call
    assert ws.acell("A1").value == "theirs"
    after = sheets_client.http_client.request(
        "get", f"https://www.googleapis.com/drive/v3/files/{sh.id}", params={"fields": "version"}
    ).json()
    assert int(after["version"]) > 2 and after != before
    edits = [e for e in log(sheets_emulator) if e["api"] == "sheets.spreadsheets.values.update"]
    assert len(edits) == 1  # their edit is not in our request log


def test_request_log_records_bodies_and_reset_forgets_everything(sheets_emulator, sh):
    sh.sheet1.update([["x"]], "A1")
    entry = next(e for e in log(sheets_emulator) if e["api"] == "sheets.spreadsheets.values.update")
    assert entry["body"]["values"] == [["x"]] and entry["query"] == {"valueInputOption": ["RAW"]}
    assert entry["bytesIn"] > 0 and entry["bytesOut"] > 0
    control(sheets_emulator, "faults", {"faults": [{"status": 500, "times": 5}]})
    control(sheets_emulator, "reset", {})
    assert log(sheets_emulator) == []
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        client(sheets_emulator.url).open_by_key(sh.id)
