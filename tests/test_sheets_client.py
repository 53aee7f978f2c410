"""xl-crm's gspread HTTP client (sheets_sync.http) against the emulator over real HTTP:
bounded retries, Retry-After, 5xx, hangs, token refresh and revocation, appends not
repeated, the rate limiter, the counts, and logs free of personal data.

Waits are kept small by configuration (``Retries(base_seconds=...)``, ``Quota(per_seconds=
...)``) and measured through the emulator's request log (its arrival times), never by
patching ``sleep``.
"""

from __future__ import annotations

import email.utils
import logging
import time

import pytest

from sheets_sync import Quota, Retries, connect
from tests.emulated import (
    authorized_user_info,
    http,
    inject,
    request_log,
    service_account_info,
)
from xl_crm.errors import (
    QuotaExhaustedError,
    SheetsTimeoutError,
    SheetsUnavailableError,
    TokenRefusedError,
    UnauthorizedError,
)

VALUES_GET = "sheets.spreadsheets.values.get"
#: quick retries: a failure costs at most a few hundredths of a second of backoff
QUICK = Retries(attempts=4, total_seconds=10.0, base_seconds=0.02, cap_seconds=0.1)


@pytest.fixture
def gc(sheets_emulator):
    return connect(endpoint=sheets_emulator.url, retries=QUICK, timeout=(2.0, 2.0))


@pytest.fixture
def ws(gc):
    sheet = gc.create("Client").sheet1
    sheet.update([["客户ID", "手机号码"], ["0042", "+8613800138000"]], "A1")
    return sheet


def _read(ws) -> list[list[str]]:
    """One values.get of the customers (gspread's ``get``: one request, no metadata)."""
    return ws.get("A1:B2")


def test_a_429_storm_is_retried_a_bounded_number_of_times_then_fails_clearly(sheets_emulator, ws):
    inject(sheets_emulator.url, {"status": 429, "times": 100, "match": "/values/"})
    start = time.monotonic()
    with pytest.raises(QuotaExhaustedError) as caught:
        _read(ws)
    assert time.monotonic() - start < 5
    assert [e["status"] for e in request_log(sheets_emulator.url, VALUES_GET)] == [429] * 4
    error = caught.value
    assert error.status == 429 and error.api_status == "RESOURCE_EXHAUSTED"
    assert error.spreadsheet == ws.spreadsheet_id
    assert "sent 4 times" in error.text("en") and "共发送 4 次" in error.text("zh")
    assert error.reason == "sheets-quota-exhausted" and error.exit_code == 3


def _gap_after_fault(url: str) -> float:
    """Seconds between the failed values.get and the next one, as the emulator saw them."""
    calls = request_log(url, VALUES_GET)
    assert [e["status"] for e in calls] == [429, 200]
    return calls[1]["time"] - calls[0]["time"]


def test_retry_after_in_seconds_is_waited(sheets_emulator, ws):
    inject(sheets_emulator.url, {"status": 429, "retryAfter": 1, "match": "/values/"})
    assert _read(ws) == [["客户ID", "手机号码"], ["0042", "+8613800138000"]]
    # the backoff alone is at most 0.02 s for the first retry: the wait is Retry-After's
    assert 1.0 <= _gap_after_fault(sheets_emulator.url) < 4.0


def test_retry_after_as_an_http_date_is_waited(sheets_emulator, ws):
    when = email.utils.formatdate(time.time() + 2, usegmt=True)  # whole seconds: 1-2 s
    inject(sheets_emulator.url, {"status": 429, "retryAfter": when, "match": "/values/"})
    assert _read(ws)[1] == ["0042", "+8613800138000"]
    assert 0.5 <= _gap_after_fault(sheets_emulator.url) < 4.0


def test_a_retry_after_past_the_time_bound_fails_at_once(sheets_emulator, ws):
    """A wait that would end after ``total_seconds`` is not started (tenacity's
    stop_before_delay)."""
    gc = connect(
        endpoint=sheets_emulator.url,
        retries=Retries(attempts=5, total_seconds=3.0, base_seconds=0.01),
    )
    inject(sheets_emulator.url, {"status": 429, "retryAfter": 30, "match": "/values/"})
    start = time.monotonic()
    with pytest.raises(QuotaExhaustedError):
        _read(gc.open_by_key(ws.spreadsheet_id).sheet1)
    assert time.monotonic() - start < 2.0
    assert len(request_log(sheets_emulator.url, VALUES_GET)) == 1


def test_500_and_503_then_success(sheets_emulator, gc, ws):
    inject(
        sheets_emulator.url,
        {"status": 500, "match": "/values/"},
        {"status": 503, "match": "/values/"},
    )
    before = gc.http_client.stats.retries
    assert _read(ws)[0] == ["客户ID", "手机号码"]
    assert [e["status"] for e in request_log(sheets_emulator.url, VALUES_GET)] == [500, 503, 200]
    assert gc.http_client.stats.retries - before == 2


def test_a_5xx_storm_ends_in_a_clear_error(sheets_emulator, ws):
    inject(sheets_emulator.url, {"status": 503, "times": 50, "match": "/values/"})
    with pytest.raises(SheetsUnavailableError) as caught:
        _read(ws)
    assert caught.value.reason == "sheets-unavailable" and caught.value.status == 503
    assert len(request_log(sheets_emulator.url, VALUES_GET)) == QUICK.attempts


def test_a_hang_hits_the_timeout(sheets_emulator, ws):
    gc = connect(endpoint=sheets_emulator.url, retries=0, timeout=(1.0, 0.8))
    sheet = gc.open_by_key(ws.spreadsheet_id).sheet1
    inject(sheets_emulator.url, {"hangSeconds": 3, "match": "/values/"})
    start = time.monotonic()
    with pytest.raises(SheetsTimeoutError) as caught:
        _read(sheet)
    assert 0.7 <= time.monotonic() - start < 2.5  # the emulator answers after 3 s
    assert caught.value.reason == "sheets-timeout" and caught.value.status is None
    assert "did not answer within the timeout" in caught.value.text("en")


def test_a_hang_on_a_read_is_retried(sheets_emulator, ws):
    gc = connect(endpoint=sheets_emulator.url, retries=QUICK, timeout=(1.0, 0.8))
    sheet = gc.open_by_key(ws.spreadsheet_id).sheet1
    inject(sheets_emulator.url, {"hangSeconds": 2, "match": "/values/"})
    assert _read(sheet)[1] == ["0042", "+8613800138000"]
    assert len(request_log(sheets_emulator.url, VALUES_GET)) == 2


def test_an_append_is_not_repeated_after_a_5xx(sheets_emulator, gc, ws):
    inject(sheets_emulator.url, {"status": 503, "times": 5, "method": "POST", "match": ":append"})
    with pytest.raises(SheetsUnavailableError) as caught:
        ws.append_row(["0043", "+8613800138001"])
    appends = request_log(sheets_emulator.url, "sheets.spreadsheets.values.append")
    assert [e["status"] for e in appends] == [503]
    assert "not safe to repeat" in caught.value.text("en")
    assert len(_read(ws)) == 2  # nothing appended


def test_a_batch_update_that_adds_is_not_repeated_one_that_formats_is(sheets_emulator, gc, ws):
    api = "sheets.spreadsheets.batchUpdate"
    sh = gc.open_by_key(ws.spreadsheet_id)
    inject(sheets_emulator.url, {"status": 500, "match": ":batchUpdate"})
    with pytest.raises(SheetsUnavailableError):
        sh.add_worksheet("Report", rows=10, cols=5)
    assert [e["status"] for e in request_log(sheets_emulator.url, api)] == [500]
    inject(sheets_emulator.url, {"status": 500, "match": ":batchUpdate"})
    ws.format("A1:B1", {"textFormat": {"bold": True}})  # repeatCell: safe to repeat
    assert [e["status"] for e in request_log(sheets_emulator.url, api)] == [500, 500, 200]


def _service_account_client(url: str):
    return connect(service_account_info(url), endpoint=url, retries=QUICK, timeout=(2.0, 2.0))


def test_a_401_makes_google_auth_refresh_the_token_once(sheets_emulator):
    url = sheets_emulator.url
    gc = _service_account_client(url)
    sh = gc.create("Refresh")
    inject(url, {"status": 401, "match": "/values/"})
    assert sh.sheet1.get("A1") == [[]]
    log = request_log(url)
    after = log[next(i for i, e in enumerate(log) if e["status"] == 401) :]
    assert [(e["api"], e["status"]) for e in after] == [
        (VALUES_GET, 401),
        ("oauth.token", 200),
        (VALUES_GET, 200),
    ]


def test_401_after_the_refresh_is_a_clear_error(sheets_emulator):
    url = sheets_emulator.url
    sh = _service_account_client(url).create("Refused")
    inject(url, {"status": 401, "times": 10, "match": "/values/"})
    with pytest.raises(UnauthorizedError) as caught:
        sh.sheet1.get("A1")
    assert caught.value.status == 401 and caught.value.reason == "sheets-unauthorized"
    assert len(request_log(url, VALUES_GET)) == 3  # google-auth: two refreshes, then gives up


def test_a_revoked_service_account_token_says_which_key(sheets_emulator):
    url = sheets_emulator.url
    sh = _service_account_client(url).create("Revoked")
    status, _ = inject_revoke(url)
    assert status == 200
    with pytest.raises(TokenRefusedError) as caught:
        sh.sheet1.get("A1")
    text = caught.value.text("en")
    assert "invalid_grant" in text and "robot@emulated.iam.gserviceaccount.com" in text
    assert "robot@emulated.iam.gserviceaccount.com" in caught.value.text("zh")


def test_a_revoked_user_grant_says_sign_in_again(sheets_emulator):
    url = sheets_emulator.url
    sh = connect(authorized_user_info(), endpoint=url, retries=QUICK).create("Revoked")
    inject_revoke(url)
    with pytest.raises(TokenRefusedError) as caught:
        sh.sheet1.get("A1")
    assert "gcloud auth application-default login" in caught.value.hint
    assert caught.value.reason == "token-refused"


def inject_revoke(url: str) -> tuple[int, dict]:
    return http("POST", f"{url}/_emulator/tokens", {"revoke": True}, token=None)


def test_the_rate_limiter_keeps_under_its_quota(sheets_emulator, ws):
    """At most 3 reads in any 1 s span (a small configured quota standing in for 50 a
    minute), measured on the emulator's arrival times."""
    gc = connect(endpoint=sheets_emulator.url, quota=Quota(reads=3, writes=3, per_seconds=1.0))
    sheet = gc.open_by_key(ws.spreadsheet_id).sheet1  # one read
    for _ in range(6):
        _read(sheet)
    reads = [
        e["time"]
        for e in request_log(sheets_emulator.url)
        if e["api"] in (VALUES_GET, "sheets.spreadsheets.get")
    ][-7:]
    assert len(reads) == 7
    # 0.9 s, not 1 s: arrival times differ from the client's send times by the network
    for first in reads:
        assert sum(1 for t in reads if first <= t < first + 0.9) <= 3
    assert reads[-1] - reads[0] >= 1.8  # 7 reads at 3 a second: two full windows waited
    assert gc.http_client.stats.throttle_seconds >= 1.5


def test_stats_count_what_the_emulator_saw(sheets_emulator, gc, ws):
    inject(sheets_emulator.url, {"status": 503, "match": "/values/"})
    _read(ws)
    ws.update([["0044"]], "A3")
    log = [e for e in request_log(sheets_emulator.url) if e["api"] != "oauth.token"]
    stats = gc.http_client.stats.as_dict()
    assert stats["requests"] == len(log)
    assert stats["bytes_sent"] == sum(e["bytesIn"] for e in log)
    assert stats["bytes_received"] == sum(e["bytesOut"] for e in log)
    assert stats["by_status"]["503"] == 1 and stats["retries"] == 1
    assert stats["reads"] + stats["writes"] + stats["drive"] == stats["requests"]
    assert stats["by_method"]["sheets.spreadsheets.values.update"] == 2  # fixture + A3


def test_logs_name_calls_never_values_or_tokens(sheets_emulator, ws, caplog):
    inject(sheets_emulator.url, {"status": 503, "times": 10, "match": "/values/"})
    with caplog.at_level(logging.DEBUG, logger="sheets_sync.http"):
        with pytest.raises(SheetsUnavailableError):
            ws.update([["王芳", "+8613800138002"]], "A4")
        with pytest.raises(SheetsUnavailableError):
            _read(ws)
    text = caplog.text
    assert "sheets.spreadsheets.values.update" in text and "retrying" in text
    for secret in ("王芳", "8613800138002", "0042", "xl-crm-emulator", "Bearer", "A4"):
        assert secret not in text


def test_a_timeout_is_always_set(sheets_emulator):
    gc = connect(endpoint=sheets_emulator.url, timeout=(3.0, 7.0))
    assert gc.http_client.timeout == (3.0, 7.0)
    gc.set_timeout(None)  # gspread's "no timeout" keeps ours
    assert gc.http_client.timeout == (10.0, 60.0)
