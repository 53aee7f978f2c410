"""``xl-crm sync`` as a user runs it: exit codes, the summary, --json, --dry-run, errors."""

from __future__ import annotations

import json

import openpyxl
from typer.testing import CliRunner

from sheets_sync.connect import connect
from tests.syncpair import book_rows, by_key, make_pair, sheet_rows
from xl_crm.cli.app import app


def run(emu, *args: str):
    return CliRunner().invoke(app, ["sync", *args], env={"XL_CRM_SHEETS_ENDPOINT": emu.url})


def _edit_both(book, gc, key):
    wb = openpyxl.load_workbook(book)
    wb["客户"]["C3"] = "book@example.com"  # 100002's e-mail
    wb.save(book)
    gc.open_by_key(key).worksheet("Customers").update([["sheet@example.com"]], "E4", raw=True)


def test_open_conflicts_exit_1_and_name_the_report(tmp_path, sheets_emulator):
    book, key = make_pair(tmp_path, sheets_emulator)
    gc = connect(endpoint=sheets_emulator.url)
    first = run(sheets_emulator, "both", str(book), f"gsheet://{key}", "-t", "ecommerce",
                "--lang", "en")  # fmt: skip
    assert first.exit_code == 0, first.output
    assert "客户 <-> Customers: sheet: 0 cells written" in first.stdout
    _edit_both(book, gc, key)
    got = run(sheets_emulator, "both", str(book), f"gsheet://{key}", "-t", "ecommerce",
              "--lang", "en", "--json", str(tmp_path / "r.json"))  # fmt: skip
    assert got.exit_code == 1, got.output
    report = tmp_path / "客户资料-sync-conflicts.csv"
    assert f"conflicts report: {report} (0 settled by --prefer, 1 left open" in got.stdout
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    [conflict] = data["sheets"][0]["conflicts"]
    assert conflict == {"key": "100002", "field": "email", "kind": "cell",
                        "base": conflict["base"], "workbook": "book@example.com",
                        "sheet": "sheet@example.com", "kept": "both",
                        "why": "--prefer none: both sides left as they are"}  # fmt: skip
    assert data["open_conflicts"] == 1 and data["requests"] > 0
    settled = run(sheets_emulator, "both", str(book), f"gsheet://{key}", "-t", "ecommerce",
                  "--prefer", "sheet", "--lang", "zh")  # fmt: skip
    assert settled.exit_code == 0, settled.output
    assert "冲突 1 个" in settled.stdout
    assert book_rows(book, "客户", "客户ID")["100002"]["电子邮件"] == "sheet@example.com"


def test_dry_run_writes_nothing_on_either_side(tmp_path, sheets_emulator):
    book, key = make_pair(tmp_path, sheets_emulator)
    gc = connect(endpoint=sheets_emulator.url)
    assert (
        run(sheets_emulator, "both", str(book), f"gsheet://{key}", "-t", "ecommerce").exit_code == 0
    )
    wb = openpyxl.load_workbook(book)
    wb["客户"]["B2"] = "本地改名"
    wb.save(book)
    before_book, before_sheet = book.read_bytes(), sheet_rows(gc, key, "Customers")
    got = run(sheets_emulator, "push", str(book), f"gsheet://{key}", "-t", "ecommerce",
              "--dry-run", "--lang", "en")  # fmt: skip
    assert got.exit_code == 0, got.output
    assert "sheet: 1 cells would be written" in got.stdout
    assert book.read_bytes() == before_book and sheet_rows(gc, key, "Customers") == before_sheet
    names = by_key(sheet_rows(gc, key, "Customers"), "Customer ID")
    assert names["100001"]["Name"] != "本地改名"


def test_bad_input_exits_2_with_a_plain_message_and_nothing_written(tmp_path, sheets_emulator):
    book, key = make_pair(tmp_path, sheets_emulator)
    before = book.read_bytes()
    for args, says in [
        (["sideways", str(book), f"gsheet://{key}"], "unknown direction 'sideways'"),
        (["both", str(book), f"gsheet://{key}", "--prefer", "mine"], "prefer cannot be 'mine'"),
        (["both", str(tmp_path / "nowhere.xlsx"), f"gsheet://{key}"], "file not found"),
        (["both", str(book), "not a key/or path"], "is not a Google Sheet key or address"),
    ]:
        got = run(sheets_emulator, *args, "-t", "ecommerce", "--lang", "en")
        assert got.exit_code == 2, (args, got.output)
        assert says in got.output and "Traceback" not in got.output
    assert book.read_bytes() == before
    wb = openpyxl.load_workbook(book)
    wb["客户"]["A3"] = 100001  # two rows hold 100001 now
    wb.save(book)
    got = run(
        sheets_emulator, "both", str(book), f"gsheet://{key}", "-t", "ecommerce", "--lang", "en"
    )
    assert got.exit_code == 2 and "客户!A2 and 客户!A3 both hold 100001" in got.output


def test_a_blank_spreadsheet_says_to_build_the_template_first(tmp_path, sheets_emulator):
    book, _ = make_pair(tmp_path, sheets_emulator)
    blank = connect(endpoint=sheets_emulator.url).create("空表格").id
    got = run(sheets_emulator, "push", str(book), f"gsheet://{blank}", "-t", "ecommerce",
              "--lang", "en")  # fmt: skip
    assert got.exit_code == 2, got.output
    assert "has the headers of the template ecommerce" in got.output
    assert f"run xl-crm sheets build {blank} -t ecommerce first" in got.output
