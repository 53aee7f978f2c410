"""``xl-crm sheets build|validate|compute|annotate`` through the real ``xl-crm`` entry
against the emulator over real HTTP: the same output as the local commands on the same
rows, the report tab, and clear errors with a non-zero exit code."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sheets_sync.book import GoogleSheetBook
from tests.emulated import no_default_credentials
from xl_crm import build_workbook, open_book
from xl_crm.cli.app import app
from xl_crm.demo import break_cells
from xl_crm.validation.tab import TAB_NAME

runner = CliRunner()
ROWS = 30
AS_OF = "2026-06-30"


def xl(*args: str):
    """Run ``xl-crm args`` in this process; the click Result."""
    return runner.invoke(app, list(args), catch_exceptions=False)


def on_sheet(key: str, url: str, command: str, *args: str):
    """``xl-crm sheets COMMAND KEY --endpoint URL -t ecommerce args`` (a sheet loaded from
    an .xlsx file carries no template metadata: both sides name it)."""
    return xl("sheets", command, key, "--endpoint", url, "-t", "ecommerce", *args)


@pytest.fixture
def broken(tmp_path, sheets_emulator):
    """An ecommerce workbook with planted errors, and the same workbook loaded into the
    emulator: (path, key, emulator URL)."""
    path = tmp_path / "customers.xlsx"
    build_workbook("ecommerce", path, lang="zh", sample=ROWS, seed=3)
    break_cells(path, "ecommerce", ROWS)
    key = sheets_emulator.load(path, key="customers-sheet-key")[0]
    return path, key, sheets_emulator.url


def findings(report_json: str) -> list[dict]:
    return json.loads(report_json)["findings"]


def test_validate_gives_the_local_report_and_exit_code(broken, tmp_path):
    path, key, url = broken
    local = xl("validate", str(path), "-t", "ecommerce", "--json", "-", "--lang", "en", "--mask")
    sheet = on_sheet(key, url, "validate", "--json", "-", "--lang", "en", "--mask")
    assert local.exit_code == sheet.exit_code == 1
    assert findings(sheet.stdout) == findings(local.stdout) != []
    local_csv = xl("validate", str(path), "--csv", "-")
    sheet_csv = on_sheet(f"gsheet://{key}", url, "validate", "--csv", "-")
    assert sheet_csv.stdout == local_csv.stdout
    # a docs.google.com address names the same sheet
    address = f"https://docs.google.com/spreadsheets/d/{key}/edit#gid=0"
    human = on_sheet(address, url, "validate", "--lang", "en", "--limit", "2")
    assert human.exit_code == 1
    assert "errors" in human.stdout and "Mapping" in human.stdout


def test_compute_refuses_repeated_keys_as_the_local_command_does(broken):
    path, key, url = broken
    local = xl("compute", str(path), "--as-of", AS_OF, "--json", "-", "--backups", "0")
    sheet = on_sheet(key, url, "compute", "--as-of", AS_OF, "--json", "-")
    assert local.exit_code == sheet.exit_code == 2
    assert (
        json.loads(sheet.stdout)["error"]["reason"] == json.loads(local.stdout)["error"]["reason"]
    )


def test_compute_writes_the_local_values_and_says_the_same(sheets_emulator, tmp_path):
    path, url = tmp_path / "clean.xlsx", sheets_emulator.url
    build_workbook("ecommerce", path, lang="zh", sample=ROWS, seed=5)
    key = sheets_emulator.load(path, key="clean-sheet-key")[0]
    local = xl("compute", str(path), "--as-of", AS_OF, "--json", "-", "--backups", "0")
    sheet = on_sheet(key, url, "compute", "--as-of", AS_OF, "--json", "-")
    assert local.exit_code == sheet.exit_code == 0
    mine, theirs = json.loads(sheet.stdout), json.loads(local.stdout)
    for name in ("path", "seconds"):
        mine.pop(name), theirs.pop(name)
    assert mine == theirs and mine["written"]
    again = on_sheet(key, url, "compute", "--as-of", AS_OF, "--lang", "en")
    assert again.exit_code == 0 and "unchanged" in again.stdout
    # the values written read back as the local file's
    from sheets_sync.emulator import client

    book = GoogleSheetBook(client(url).open_by_key(key))
    local_book = open_book(path)
    sheet_name = mine["sheet"]
    assert book.rows(sheet_name)[2:] == local_book.rows(sheet_name)[2:]


def test_annotate_marks_the_cells_the_local_command_marks(broken, tmp_path):
    path, key, url = broken
    local = xl("annotate", str(path), "--csv", "-", "--lang", "en")
    sheet = on_sheet(key, url, "annotate", "--csv", "-", "--lang", "en")
    assert local.exit_code == sheet.exit_code == 0
    assert sheet.stdout == local.stdout and sheet.stdout.count("\n") > 2


def test_validate_writes_a_report_tab_and_replaces_it(broken):
    _, key, url = broken
    first = on_sheet(key, url, "validate", "--report-tab", "--json", "-")
    assert first.exit_code == 1
    total = len(findings(first.stdout))
    from sheets_sync.emulator import client

    rows = GoogleSheetBook(client(url).open_by_key(key)).rows(TAB_NAME["zh"])
    assert rows[0][:2] == ["位置", "级别"] and len(rows) == total + 1
    again = on_sheet(key, url, "validate", "--report-tab", "--lang", "zh")
    assert again.exit_code == 1
    book = GoogleSheetBook(client(url).open_by_key(key))
    assert book.sheet_names().count(TAB_NAME["zh"]) == 1
    assert book.rows(TAB_NAME["zh"]) == rows


def test_build_then_validate_and_compute_a_new_sheet(sheets_emulator, tmp_path):
    url = sheets_emulator.url
    out = tmp_path / "built.json"
    built = xl("sheets", "build", "--title", "客户", "-t", "ecommerce", "--sample", "20",
               "--endpoint", url, "--json", str(out))  # fmt: skip
    assert built.exit_code == 0, built.output
    key = json.loads(out.read_text())["spreadsheet_id"]
    assert f"{url}/v4/spreadsheets/{key}" in built.stdout
    valid = xl("sheets", "validate", key, "--endpoint", url, "--json", "-")
    assert valid.exit_code == 0 and json.loads(valid.stdout)["template"] == "ecommerce"
    computed = xl("sheets", "compute", key, "--endpoint", url, "--as-of", AS_OF)
    assert computed.exit_code == 0 and "20 customers" in computed.stdout
    # into an existing spreadsheet: a template sheet holding data is refused
    again = xl("sheets", "build", key, "-t", "ecommerce", "--endpoint", url, "--lang", "zh")
    assert again.exit_code == 2 and "错误" in again.stderr and "客户、订单" in again.stderr


def test_errors_are_clear_with_a_non_zero_exit(sheets_emulator, tmp_path, monkeypatch):
    url = sheets_emulator.url
    unknown = xl("sheets", "validate", "no-such-sheet-key", "--endpoint", url, "--lang", "en")
    assert unknown.exit_code == 2 and "not found" in unknown.stderr
    not_a_key = xl("sheets", "compute", "customers.xlsx", "--endpoint", url, "--lang", "en")
    assert not_a_key.exit_code == 2 and "xl-crm validate / compute / annotate FILE" in (
        not_a_key.stderr
    )
    missing = tmp_path / "nowhere.json"
    no_file = xl("sheets", "annotate", "some-sheet-key", "--credentials", str(missing),
                 "--lang", "en", "--json", "-")  # fmt: skip
    assert no_file.exit_code == 2 and json.loads(no_file.stdout)["error"]["reason"]
    both = xl("sheets", "build", "abcdefgh12", "--title", "x", "-t", "ecommerce", "--lang", "en")
    assert both.exit_code == 2 and "one of them" in both.stderr
    no_template = xl("sheets", "build", "--title", "x", "--endpoint", url, "--lang", "en")
    assert no_template.exit_code == 2 and "--template" in no_template.stderr
    no_default_credentials(monkeypatch, tmp_path)
    no_adc = xl("sheets", "validate", "some-sheet-key", "--lang", "en")
    assert no_adc.exit_code == 2 and "credentials" in no_adc.stderr.lower()


def test_the_sheet_is_left_alone_when_an_option_is_wrong(broken):
    _, key, url = broken
    from sheets_sync.emulator import client

    def cells() -> list:
        book = GoogleSheetBook(client(url).open_by_key(key))
        return [book.rows(name) for name in book.sheet_names()]

    before = cells()
    bad = on_sheet(key, url, "compute", "--window", "0", "--lang", "en")
    assert bad.exit_code == 2 and "--window" in bad.stderr
    assert cells() == before


def test_the_demo_builds_validates_and_computes_a_sheet_in_the_emulator():
    from sheets_sync.demo import SHEET_ERRORS, run_sheets_demo

    lines = list(run_sheets_demo(rows=20, seed=3))
    text = "\n".join(lines)
    assert "/v4/spreadsheets/" in text and lines[-1].strip() == "emulator stopped"
    validated = next(line for line in lines if "validated on the sheet" in line)
    assert f"{len(SHEET_ERRORS)} errors" in validated
    assert "computed on the sheet" in text and "RFM" in text
