"""``xl-crm sheets ...`` when Google (the emulator, over real HTTP) fails: exit code 3 for
"try again later", one clear message in --lang naming the endpoint, no traceback, no
retry log lines unless asked for (``XL_CRM_LOG``), ``--timeout`` and ``--retries``, and
short spreadsheet keys (docs/google-sheets.md, docs/sheets.md "What can go wrong")."""

from __future__ import annotations

import json
import socket
import time

import pytest
from typer.testing import CliRunner

from tests.emulated import inject
from xl_crm import build_workbook
from xl_crm.cli.app import app

runner = CliRunner()


def xl(*args: str):
    """Run ``xl-crm args`` in this process; the click Result."""
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def loaded(tmp_path, sheets_emulator):
    """An ecommerce workbook of 10 rows loaded into the emulator under the short key
    ``crm``: (key, URL)."""
    path = tmp_path / "crm.xlsx"
    build_workbook("ecommerce", path, lang="zh", sample=10, seed=2)
    return sheets_emulator.load(path, key="crm")[0], sheets_emulator.url


def validate(key: str, url: str, *args: str):
    return xl("sheets", "validate", key, "-t", "ecommerce", "--endpoint", url, *args)


def one_error(stderr: str, word: str = "error:") -> str:
    """The only line of ``stderr`` that starts with ``word``; fails on a traceback or
    on any other line before it (retry log lines)."""
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines and lines[0].startswith(word), stderr
    assert sum(line.startswith(word) for line in lines) == 1, stderr
    return stderr


def test_a_429_storm_exits_3_with_one_clear_message(loaded):
    key, url = loaded
    inject(url, {"status": 429, "times": 100})
    result = validate(key, url, "--lang", "en", "--retries", "1", "--json", "-")
    assert result.exit_code == 3, result.output
    text = one_error(result.stderr)
    assert "quota is used up (HTTP 429, sent 2 times" in text
    assert json.loads(result.stdout)["error"]["reason"] == "sheets-quota-exhausted"
    assert json.loads(result.stdout)["error"]["exit_code"] == 3
    quiet = validate(key, url, "--lang", "zh", "--retries", "0", "-q")
    assert quiet.exit_code == 3
    one_error(quiet.stderr, "错误")


@pytest.mark.parametrize("command", ["build", "validate", "compute", "annotate"])
def test_every_sheets_command_says_exit_code_3_in_its_help(command):
    text = " ".join(xl("sheets", command, "--help").stdout.split())
    assert "3 when Google or the endpoint should be tried again later" in text or (
        "3 (quota, 5xx, timeout, unreachable: try again later)" in text
    )
    assert "--timeout" in text and "--retries" in text


def test_retries_are_not_printed_unless_asked_for(loaded, monkeypatch):
    key, url = loaded
    monkeypatch.delenv("XL_CRM_LOG", raising=False)
    inject(url, {"status": 503, "times": 2})
    quiet = validate(key, url, "--lang", "zh", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    inject(url, {"status": 503, "times": 1})
    shown = validate(key, url, "--lang", "en")
    assert shown.exit_code == 0 and "retrying" not in shown.stderr
    inject(url, {"status": 404, "times": 1})
    failed = validate(key, url, "--lang", "en")
    assert failed.exit_code == 2 and "failed after" not in failed.stderr
    one_error(failed.stderr)
    monkeypatch.setenv("XL_CRM_LOG", "debug")
    inject(url, {"status": 503, "times": 1})
    logged = validate(key, url, "--lang", "en")
    assert logged.exit_code == 0
    assert "sheets.spreadsheets.get: 503 on attempt 1; retrying" in logged.stderr
    inject(url, {"status": 503, "times": 1})
    assert validate(key, url, "--lang", "en", "-q").stderr == ""


def test_short_keys_are_keys_and_paths_are_not(loaded):
    key, url = loaded
    assert key == "crm"
    assert validate(key, url, "--lang", "en").exit_code == 0
    for path in ("crm.xlsx", "data/crm"):
        refused = validate(path, url, "--lang", "en")
        assert refused.exit_code == 2
        assert "a key is letters, digits, - and _" in refused.stderr
        assert "xl-crm validate / compute / annotate FILE" in refused.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_endpoint_is_named(monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    url = f"http://127.0.0.1:{free_port()}"
    result = validate("crm", url, "--lang", "en", "--retries", "0")
    assert result.exit_code == 3
    text = " ".join(one_error(result.stderr).split())
    assert f"could not reach the endpoint {url}" in text
    assert "the emulator (xl-crm sheets emulator)" in text and "--timeout" in text


def test_timeout_bounds_a_hang(loaded):
    key, url = loaded
    inject(url, {"hangSeconds": 3, "times": 2})
    start = time.monotonic()
    result = validate(key, url, "--lang", "en", "--timeout", "0.5", "--retries", "0")
    assert time.monotonic() - start < 2.5
    assert result.exit_code == 3
    text = " ".join(one_error(result.stderr).split())
    assert f"the endpoint {url} did not answer within the timeout" in text
    assert "--timeout SECONDS" in text


def test_a_401_storm_without_credentials_blames_the_endpoints_token(loaded, monkeypatch):
    key, url = loaded
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    inject(url, {"status": 401, "times": 100})
    result = validate(key, url, "--lang", "en")
    assert result.exit_code == 2
    text = " ".join(one_error(result.stderr).split())
    assert f"the endpoint {url} refused the token (HTTP 401)" in text
    assert f"{url}/_emulator/tokens" in text
    assert "gcloud" not in text and "refresh" not in text


def test_the_docs_give_each_sheets_error_its_exit_code():
    from pathlib import Path

    from xl_crm.errors import SheetsError, error_classes

    docs = Path(__file__).resolve().parents[1] / "docs"
    errors = (docs / "errors.md").read_text(encoding="utf-8")
    later = [c for c in error_classes() if issubclass(c, SheetsError) and c.exit_code == 3]
    assert {c.reason for c in later} >= {"sheets-quota-exhausted", "sheets-timeout"}
    for cls in error_classes():
        if issubclass(cls, SheetsError) and cls is not SheetsError:
            section = errors.split(f"## `{cls.reason}`", 1)[1].split("\n## ", 1)[0]
            assert f"- exit code: {cls.exit_code}" in section, cls.reason
    guide = " ".join((docs / "google-sheets.md").read_text(encoding="utf-8").split())
    assert "and exit code 3, try again later" in guide
    readme = (docs.parent / "README.md").read_text(encoding="utf-8")
    assert "and 3 when Google should be tried again later" in " ".join(readme.split())


def test_a_report_tab_in_the_other_language_is_replaced(loaded):
    from sheets_sync.emulator import client

    key, url = loaded
    first = validate(key, url, "--lang", "en", "-q", "--report-tab")
    assert first.exit_code == 0
    second = validate(key, url, "--lang", "zh", "-q", "--report-tab")
    assert second.exit_code == 0
    titles = [ws.title for ws in client(url).open_by_key(key).worksheets()]
    assert "校验报告" in titles and "Validation report" not in titles
    # a user's own sheet of that name is left alone
    client(url).open_by_key(key).add_worksheet("Validation report", 5, 2).update([["mine"]], "A1")
    assert validate(key, url, "--lang", "zh", "-q", "--report-tab").exit_code == 0
    titles = [ws.title for ws in client(url).open_by_key(key).worksheets()]
    assert titles.count("校验报告") == 1 and "Validation report" in titles


def test_build_refuses_the_template_under_other_names_and_another_template(sheets_emulator):
    url = sheets_emulator.url
    made = xl("sheets", "build", "--title", "Shop", "-t", "ecommerce", "--sample", "5",
              "--endpoint", url, "--json", "-", "-q")  # fmt: skip
    assert made.exit_code == 0, made.output
    key = json.loads(made.stdout)["spreadsheet_id"]
    before = [ws.title for ws in client_for(url).open_by_key(key).worksheets()]
    english = xl("sheets", "build", key, "-t", "ecommerce", "--endpoint", url, "--lang", "en")
    assert english.exit_code == 2
    text = " ".join(one_error(english.stderr).split())
    assert "already holds the template's sheets (found by their headers): 客户 (Customers)" in text
    assert "xl-crm sheets validate KEY -t ecommerce" in text
    assert [ws.title for ws in client_for(url).open_by_key(key).worksheets()] == before
    # the ecommerce sheets gone, the spreadsheet still records ecommerce
    sh = client_for(url).open_by_key(key)
    sh.add_worksheet("Notes", 5, 2)
    for ws in sh.worksheets()[:-1]:
        sh.del_worksheet(ws)
    other = xl("sheets", "build", key, "-t", "ledger", "--endpoint", url, "--lang", "en")
    assert other.exit_code == 2
    assert "was built from the template ecommerce" in " ".join(other.stderr.split())
    assert "--replace-template" in other.stderr
    assert [ws.title for ws in sh.worksheets()] == ["Notes"]
    forced = xl("sheets", "build", key, "-t", "ledger", "--endpoint", url, "--lang", "en",
                "--replace-template")  # fmt: skip
    assert forced.exit_code == 0, forced.output
    valid = xl("sheets", "validate", key, "--endpoint", url, "--json", "-")
    assert json.loads(valid.stdout)["template"] == "ledger"


def client_for(url: str):
    from sheets_sync.emulator import client

    return client(url)
