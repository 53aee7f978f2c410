"""connect(): service-account and authorized-user files, ADC through
GOOGLE_APPLICATION_CREDENTIALS, the endpoint from XL_CRM_SHEETS_ENDPOINT, all against the
emulator's /token over real HTTP; and the clear errors for credentials that cannot be used,
a sheet not shared, an unknown key."""

from __future__ import annotations

import json

import google.auth.credentials
import pytest

from sheets_sync import calls, connect
from sheets_sync.retries import retry_after
from tests.emulated import (
    authorized_user_info,
    inject,
    no_default_credentials,
    request_log,
    service_account_info,
)
from xl_crm.errors import (
    CredentialsFileError,
    CredentialsKindError,
    NoDefaultCredentialsError,
    NotSharedError,
    SpreadsheetNotFoundError,
)


def _write(tmp_path, info: dict, name: str = "key.json"):
    path = tmp_path / name
    path.write_text(json.dumps(info), encoding="utf-8")
    return path


def _token_grants(url: str) -> list[str]:
    return [e["api"] for e in request_log(url) if e["api"] == "oauth.token"]


def test_a_service_account_file_signs_in_at_the_endpoints_token_uri(sheets_emulator, tmp_path):
    url = sheets_emulator.url
    info = service_account_info("https://oauth2.googleapis.com")  # connect moves it
    gc = connect(_write(tmp_path, info), endpoint=url)
    sh = gc.create("SA")
    sh.sheet1.update([["0042"]], "A1")
    assert sh.sheet1.get("A1") == [["0042"]]
    assert _token_grants(url) == ["oauth.token"]  # one token, then reused
    users = {e.get("user") for e in request_log(url) if e["api"] != "oauth.token"}
    assert users == {"robot@emulated.iam.gserviceaccount.com"}


def test_an_authorized_user_file_refreshes_at_the_endpoint(sheets_emulator, tmp_path):
    url = sheets_emulator.url
    gc = connect(str(_write(tmp_path, authorized_user_info())), endpoint=url)
    gc.create("User")
    token = next(e for e in request_log(url) if e["api"] == "oauth.token")
    assert token["status"] == 200
    users = {e.get("user") for e in request_log(url) if e["api"] != "oauth.token"}
    assert users == {"xl-crm-test.apps.googleusercontent.com"}  # the OAuth client id


def test_adc_reads_google_application_credentials(sheets_emulator, tmp_path, monkeypatch):
    url = sheets_emulator.url
    monkeypatch.setenv(
        "GOOGLE_APPLICATION_CREDENTIALS", str(_write(tmp_path, service_account_info(url)))
    )
    monkeypatch.setenv("XL_CRM_SHEETS_ENDPOINT", url)
    gc = connect()  # no credentials, no endpoint: both from the environment
    assert gc.create("ADC").sheet1.get("A1") == [[]]
    assert _token_grants(url) == ["oauth.token"]


def test_an_endpoint_without_credentials_sends_a_fixed_token(sheets_emulator, monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    gc = connect(endpoint=sheets_emulator.url)
    gc.create("Anonymous")
    assert _token_grants(sheets_emulator.url) == []
    assert isinstance(gc.http_client.auth, google.auth.credentials.Credentials)


def test_a_missing_credentials_file(tmp_path):
    with pytest.raises(CredentialsFileError) as caught:
        connect(tmp_path / "nope.json")
    assert caught.value.file == str(tmp_path / "nope.json")
    assert "does not exist" in caught.value.text("en") and "不存在" in caught.value.text("zh")


def test_a_folder_given_as_credentials(tmp_path):
    with pytest.raises(CredentialsFileError) as caught:
        connect(tmp_path)
    assert "is a folder" in caught.value.text("en")


def test_google_application_credentials_naming_a_missing_file(tmp_path, monkeypatch):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "gone.json"))
    with pytest.raises(CredentialsFileError) as caught:
        connect()
    assert "GOOGLE_APPLICATION_CREDENTIALS" in caught.value.text("en")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("not json at all", "not a JSON object"),
        ('["a", "list"]', "not a JSON object"),
        ('{"installed": {"client_id": "x"}}', "OAuth client ID file"),
        ('{"type": "api_key"}', "of type 'api_key' cannot be used"),
        ('{"type": "service_account", "client_email": "a@b.c"}', "incomplete"),
    ],
)
def test_a_file_that_is_not_a_usable_credential(tmp_path, content, says):
    path = tmp_path / "creds.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CredentialsKindError) as caught:
        connect(path)
    assert says in caught.value.text("en") and caught.value.file == str(path)
    assert caught.value.reason == "credentials-wrong-kind"


def test_a_client_secret_file_says_how_to_make_credentials(tmp_path):
    path = _write(tmp_path, {"installed": {"client_id": "x", "client_secret": "y"}})
    with pytest.raises(CredentialsKindError) as caught:
        connect(path)
    assert "--client-id-file" in caught.value.hint


def test_no_application_default_credentials(tmp_path, monkeypatch):
    no_default_credentials(monkeypatch, tmp_path)
    with pytest.raises(NoDefaultCredentialsError) as caught:
        connect()
    assert "gcloud auth application-default login" in caught.value.hint
    assert caught.value.exit_code == 2


def test_a_sheet_not_shared_names_the_service_account(sheets_emulator):
    url = sheets_emulator.url
    gc = connect(service_account_info(url), endpoint=url)
    key = gc.create("Private").id
    inject(url, {"status": 403, "match": key})
    with pytest.raises(NotSharedError) as caught:
        gc.open_by_key(key)
    error = caught.value
    assert error.spreadsheet == key and error.status == 403
    assert "robot@emulated.iam.gserviceaccount.com" in error.hint
    assert "robot@emulated.iam.gserviceaccount.com" in error.text("zh")
    assert len(request_log(url, "sheets.spreadsheets.get")) == 2  # create's + one: no retry


def test_an_unknown_spreadsheet(sheets_emulator):
    with pytest.raises(SpreadsheetNotFoundError) as caught:
        connect(endpoint=sheets_emulator.url).open_by_key("no-such-key")
    assert caught.value.spreadsheet == "no-such-key" and caught.value.status == 404
    assert "no-such-key" in caught.value.text("en") and "找不到表格" in caught.value.text("zh")


@pytest.mark.parametrize(
    ("verb", "path", "body", "repeat"),
    [
        ("GET", "/v4/spreadsheets/k/values/%27S%27%21A1", None, True),
        ("PUT", "/v4/spreadsheets/k/values/%27S%27%21A1", None, True),
        ("POST", "/v4/spreadsheets/k/values/%27S%27%21A1:append", None, False),
        ("POST", "/v4/spreadsheets/k/values:batchUpdate", {"data": []}, True),
        ("POST", "/v4/spreadsheets/k/values/%27S%27:clear", None, True),
        ("POST", "/v4/spreadsheets", {}, False),
        ("POST", "/drive/v3/files", {}, False),
        ("POST", "/v4/spreadsheets/k:batchUpdate", {"requests": [{"repeatCell": {}}]}, True),
        (
            "POST",
            "/v4/spreadsheets/k:batchUpdate",
            {"requests": [{"repeat_cell": {}}, {"update_sheet_properties": {}}]},
            True,
        ),
        (
            "POST",
            "/v4/spreadsheets/k:batchUpdate",
            {"requests": [{"repeatCell": {}}, {"insertDimension": {}}]},
            False,
        ),
        ("POST", "/v4/spreadsheets/k:batchUpdate", {"requests": [{"deleteSheet": {}}]}, False),
        ("DELETE", "/drive/v3/files/k", None, True),
        ("POST", "/somewhere/else", None, False),
    ],
)
def test_which_calls_are_repeated(verb, path, body, repeat):
    method, _ = calls.method_of(verb, "https://sheets.googleapis.com" + path)
    assert calls.repeatable(verb, method, body) is repeat


def test_retry_after_values(sheets_emulator):
    import requests

    def answer(value: str) -> requests.Response:
        response = requests.Response()
        response.headers["Retry-After"] = value
        return response

    assert retry_after(answer("7")) == 7.0
    assert retry_after(answer("Wed, 21 Oct 2015 07:28:00 GMT"), now=1445412470.0) == 10.0
    assert retry_after(answer("Wed, 21 Oct 2015 07:28:00 GMT"), now=1445412490.0) == 0.0
    assert retry_after(answer("soon")) is None
    assert retry_after(requests.Response()) is None
