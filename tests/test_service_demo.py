"""The service in ``make demo`` (sheets_sync.demo.run_service_demo: a jobs file written into
the demo folder, run once as ``xl-crm service run demo/jobs.yaml --once``, against the
emulator and a local workbook), and the run history's ``rows_changed``: customers (rows)
compute changed, never cells."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl

import xl_crm
from sheets_sync.emulator import Emulator, client
from sheets_sync.service import Service, json_log, load_jobs, open_store
from tests.servicejobs import job, write_jobs
from xl_crm import build_workbook
from xl_crm.demo import break_cells

AS_OF = "2026-06-30"
ROWS = 20


def test_the_demo_runs_the_service_once_on_its_jobs_file(tmp_path):
    from sheets_sync.demo import SHEET_ERRORS, run_sheets_demo

    workbook = tmp_path / "ecommerce_zh_errors.xlsx"  # as run_demo leaves it
    build_workbook("ecommerce", workbook, lang="zh", sample=ROWS, seed=3)
    break_cells(workbook, "ecommerce", ROWS)

    lines = list(run_sheets_demo(rows=ROWS, seed=3, out_dir=tmp_path))
    text = "\n".join(lines)
    assert lines[-1].strip() == "emulator stopped"

    # the jobs file is valid as a user would load it: a job on the emulator's sheet
    # (no credentials), one on the local workbook
    jobs = load_jobs(tmp_path / "jobs.yaml")
    sheet, local = jobs.jobs
    assert (sheet.name, sheet.actions, sheet.is_sheet) == (
        "demo-sheet",
        ["sync", "validate", "compute", "report"],
        True,
    )
    assert sheet.sync is not None and sheet.sync.book == tmp_path / "客户资料-同步.xlsx"
    assert (local.name, local.actions, local.source) == (
        "demo-workbook",
        ["validate", "report"],
        str(workbook),
    )
    assert jobs.sheets.endpoint in text and jobs.sheets.credentials is None
    assert "# " in (tmp_path / "jobs.yaml").read_text(encoding="utf-8")  # commented

    # one run per job in the history, each line printed with its report
    store = open_store(jobs.default_db)
    runs = {r["job"]: r for r in store.history()}
    assert len(store.history()) == 2 and set(runs) == {"demo-sheet", "demo-workbook"}
    store.close()
    assert str(Path(jobs.default_db.removeprefix("sqlite:///"))) in text
    typed = re.search(r"typed bad values into (.+) of (\S+)", text)
    cells = [f"{typed[2]}!{c}" for c in typed[1].split(", ")]
    assert len(cells) == len(SHEET_ERRORS)
    for name, run in runs.items():
        assert run["outcome"] == "succeeded" and run["error"] is None
        i = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{name}: "))
        assert lines[i].strip().startswith(f"{name}: succeeded, {run['errors']} errors")
        assert f", {run['api_requests']} API requests" in lines[i]
        shown = Path(lines[i + 1].strip().removeprefix("report "))
        assert shown.is_file() and shown.resolve() == Path(run["report"]).resolve()
        html = shown.read_text(encoding="utf-8")
        assert run["findings"] and all(rule in html for rule in run["findings"])
        assert all(bad not in html for _, _, bad in SHEET_ERRORS)  # masked
    assert runs["demo-sheet"]["api_requests"] > 0 and runs["demo-workbook"]["api_requests"] == 0
    assert runs["demo-sheet"]["errors"] == len(SHEET_ERRORS)
    sheet_html = Path(runs["demo-sheet"]["report"]).read_text(encoding="utf-8")
    assert all(cell in sheet_html for cell in cells)
    assert runs["demo-workbook"]["findings"] == xl_crm.validate(workbook).counts_by_rule()

    # the sheet was saved for a run after the demo: an emulator started on that file
    # holds it, with the report tab the service wrote
    key = sheet.source.removeprefix("gsheet://")
    sheet_title = typed[2]
    with Emulator(data_file=tmp_path / "sheets-emulator.json") as emulator:
        spreadsheet = client(emulator.url).open_by_key(key)
        titles = [ws.title for ws in spreadsheet.worksheets()]
        synced = spreadsheet.worksheet(sheet_title).get_values()
    assert "xl-crm findings" in titles

    # the sync action merged the two edits the demo made: the workbook's rename is on the
    # sheet, the teammate's e-mail in the workbook, and it says so
    pattern = r"renamed (\S+)!([A-Z]+)(\d+) in it, and a teammate changed \S+!([A-Z]+)(\d+)"
    edited = re.search(pattern, text)
    assert edited and "synced (0 conflicts left open), 2 rows changed" in text
    name_col, name_row, mail_col, mail_row = edited[2], int(edited[3]), edited[4], int(edited[5])
    assert synced[name_row - 1][ord(name_col) - 65] == "王小明（本地改名）"
    team = openpyxl.load_workbook(sheet.sync.book)[edited[1]]
    assert team[f"{mail_col}{mail_row}"].value == "teammate@example.com"
    assert runs["demo-sheet"]["rows_changed"] == 2


def test_rows_changed_counts_customers_not_cells(tmp_path):
    book = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", book, lang="zh", sample=10, seed=5)
    first = xl_crm.compute(book, as_of=AS_OF, backups=0)
    assert first.written and first.rows == 10 and first.rows_changed == 10

    # three customers get wrong values in three computed columns each (nine cells)
    wb = openpyxl.load_workbook(book)
    ws = wb["客户"]
    headers = {c.value: c.column_letter for c in ws[2] if c.value}
    columns = [headers["最近一次购买日期"], headers["购买频率"], headers[first.columns[-1]]]
    customers = [3, 6, 12]  # sheet rows of the 1st, 4th and 10th customer
    for row in customers:
        ws[f"{columns[0]}{row}"] = dt.datetime(2001, 1, 1)
        ws[f"{columns[1]}{row}"] = 999
        ws[f"{columns[2]}{row}"] = "不是分群"
    wb.save(book)
    wb.close()

    jobs = load_jobs(
        write_jobs(
            tmp_path / "jobs.yaml",
            [job("shop", "shop.xlsx", 3600, actions=["compute"], options={"as_of": AS_OF})],
        )
    )
    store = open_store(jobs.default_db)
    [outcome] = Service(jobs, store, log=json_log(io.StringIO())).run_once()
    assert outcome.status == "succeeded", outcome.result
    assert outcome.result.rows_changed == 3
    [run] = store.history("shop")
    assert run["rows_changed"] == 3
    store.close()

    again = xl_crm.compute(book, as_of=AS_OF, backups=0)
    assert not again.written and again.rows_changed == 0
    assert again.to_dict()["rows_changed"] == 0
