"""The scheduled service on one instance: jobs on a short interval run and are recorded
(SQLite and PostgreSQL), a failing job does not stop the others, runs of a job never
overlap, a restart resumes the schedule, SIGTERM ends ``serve`` cleanly, a Google Sheet
source runs on the emulator, and neither the log nor the history holds a cell value."""

from __future__ import annotations

import io
import json
import threading
import time

import openpyxl
from typer.testing import CliRunner

import xl_crm
from sheets_sync.connect import connect
from sheets_sync.service import Service, json_log, load_jobs, open_store
from tests.servicejobs import (
    PLANTED,
    job,
    overlaps,
    planted_book,
    serve,
    stop,
    wait_for,
    write_jobs,
)
from xl_crm.cli.app import app


def _no_planted_value(text: str) -> None:
    leaked = [v for v in PLANTED if v in text]
    assert leaked == [], f"personal data in the output: {leaked}"


def test_two_jobs_on_a_short_interval_run_and_record_history(tmp_path, service_db):
    planted_book(tmp_path / "a.xlsx")
    planted_book(tmp_path / "b.xlsx")
    jobs = load_jobs(
        write_jobs(tmp_path / "jobs.yaml", [job("a", "a.xlsx", 1), job("b", "b.xlsx", 1)])
    )
    log = io.StringIO()
    store = open_store(service_db)
    service = Service(jobs, store, lease_seconds=3, poll_seconds=0.1, log=json_log(log))
    halt = threading.Event()
    thread = threading.Thread(target=service.serve, args=(halt,))
    thread.start()
    try:
        wait_for(
            lambda: sum(r["outcome"] == "succeeded" for r in store.history("b")) >= 3,
            60,
            "three runs of each job",
        )
    finally:
        halt.set()
        thread.join(60)
    runs = store.history()
    expected = xl_crm.validate(tmp_path / "a.xlsx", template="ecommerce").counts_by_rule()
    for name in ("a", "b"):
        mine = [r for r in runs if r["job"] == name]
        assert len(mine) >= 3 and {r["outcome"] for r in mine} == {"succeeded"}
        assert all(r["findings"] == expected and r["errors"] > 0 for r in mine)
        slots = [r["due_at"] for r in mine]
        assert slots == sorted(set(slots))  # one run per slot, in order
    assert expected["email"] == 1  # the planted e-mail was found
    assert overlaps(runs) == []
    assert set(store.holders().values()) == {None}  # every lease given back
    events = [json.loads(line) for line in log.getvalue().splitlines()]
    assert {e["event"] for e in events} >= {"service-started", "run-started", "run-finished"}
    assert events[-1]["event"] == "service-stopped"
    _no_planted_value(log.getvalue())
    _no_planted_value(repr(runs))
    store.close()


def test_a_failing_job_does_not_stop_the_others_and_the_exit_code_says_so(tmp_path):
    planted_book(tmp_path / "good.xlsx")
    planted_book(tmp_path / "marked.xlsx")
    planted_book(tmp_path / "readonly.xlsx").chmod(0o444)
    jobs_file = write_jobs(
        tmp_path / "jobs.yaml",
        [
            job("missing", "nowhere.xlsx"),
            job("bad-template", "good.xlsx", template="no-such-template"),
            job("later", "readonly.xlsx", actions=["validate", "sync"],
                sync={"sheet": "gsheet://1AbCdEfGh", "direction": "pull"}),
            job("good", "marked.xlsx", actions=["validate", "annotate"], options={"lang": "en"}),
        ],
    )  # fmt: skip
    result = CliRunner().invoke(
        app,
        [
            "service",
            "run",
            str(jobs_file),
            "--once",
            "--json",
            "-",
            "--log",
            str(tmp_path / "log.jsonl"),
        ],
    )
    assert result.exit_code == 1, result.output
    got = {j["job"]: j for j in json.loads(result.stdout)["jobs"]}
    assert {n: j["status"] for n, j in got.items()} == {  # one line each, in the file's order
        "missing": "failed", "bad-template": "failed", "later": "failed", "good": "succeeded",
    }  # fmt: skip
    assert got["missing"]["error"] == f"file-not-found: {tmp_path / 'nowhere.xlsx'}"
    assert got["bad-template"]["error"] == "template-not-found"
    # a sync that would write a read-only workbook fails before it reaches Google
    assert got["later"]["error"] == f"write-failed: {tmp_path / 'readonly.xlsx'}"
    assert got["later"]["findings"]
    assert got["good"]["marked"] > 0 and got["good"]["score"] < 100
    history = open_store(f"sqlite:///{tmp_path / 'jobs.db'}").history()
    assert sorted(r["outcome"] for r in history) == ["failed"] * 3 + ["succeeded"]


def test_a_restart_resumes_the_schedule_from_the_history(tmp_path):
    planted_book(tmp_path / "a.xlsx")
    jobs = load_jobs(write_jobs(tmp_path / "jobs.yaml", [job("hourly", "a.xlsx", 3600)]))
    db = jobs.default_db
    first = Service(jobs, open_store(db), log=json_log(io.StringIO())).run_once()
    again = Service(jobs, open_store(db), log=json_log(io.StringIO())).run_once()
    assert [o.status for o in first] == ["succeeded"]
    assert [o.status for o in again] == ["not-due"]  # the next slot is an hour later


def test_sigterm_ends_serve_cleanly_with_the_run_recorded_and_the_lease_released(tmp_path):
    planted_book(tmp_path / "a.xlsx", rows=2000)  # a run long enough to stop it midway
    jobs_file = write_jobs(tmp_path / "jobs.yaml", [job("a", "a.xlsx", 1)])
    db, log = f"sqlite:///{tmp_path / 'jobs.db'}", tmp_path / "log.jsonl"
    process = serve(jobs_file, db, log)
    store = open_store(db)
    try:
        wait_for(lambda: any(r["outcome"] == "running" for r in store.history()), 90, "a run")
    finally:
        code = stop(process)
    assert code == 0, process.stderr.read().decode()
    runs = store.history()
    assert runs and {r["outcome"] for r in runs} <= {"succeeded", "abandoned"}
    assert store.holders() == {"a": None}
    text = log.read_text(encoding="utf-8")
    assert json.loads(text.splitlines()[-1])["event"] == "service-stopped"
    _no_planted_value(text)
    store.close()


def test_a_google_sheet_source_runs_on_the_emulator(tmp_path, sheets_emulator, sheets_client):
    book = planted_book(tmp_path / "a.xlsx")
    key = sheets_emulator.load(book)[0]
    jobs = load_jobs(write_jobs(tmp_path / "jobs.yaml", [job("team", f"gsheet://{key}", 60)]))
    log = io.StringIO()
    service = Service(
        jobs, open_store(jobs.default_db), log=json_log(log), sheets_client=lambda _: sheets_client
    )
    (outcome,) = service.run_once()
    assert outcome.status == "succeeded", outcome.result
    local = xl_crm.validate(book, template="ecommerce").counts_by_rule()
    assert outcome.result.findings == local
    _no_planted_value(log.getvalue())


def test_a_google_sheet_run_counts_its_api_requests(tmp_path, sheets_emulator):
    from tests.gsheets import api_requests, forget_requests

    key = sheets_emulator.load(planted_book(tmp_path / "a.xlsx"))[0]
    jobs = load_jobs(
        write_jobs(
            tmp_path / "jobs.yaml",
            [job("team", f"gsheet://{key}", 60, actions=["validate", "annotate"])],
            sheets={"endpoint": sheets_emulator.url},
        )
    )
    forget_requests(sheets_emulator)
    started = time.monotonic()
    (outcome,) = Service(jobs, open_store(jobs.default_db), log=json_log(io.StringIO())).run_once()
    assert outcome.status == "succeeded", outcome.result
    assert outcome.result.api_requests == len(api_requests(sheets_emulator)) > 0
    assert time.monotonic() - started < 120


def test_a_sync_job_merges_both_sides_and_keeps_its_snapshot_in_the_service_database(
    tmp_path, sheets_emulator
):
    from sqlalchemy import select

    from sheets_sync.service.models import snapshots
    from tests.syncpair import book_rows, by_key, make_pair, sheet_rows

    book, key = make_pair(tmp_path, sheets_emulator)
    jobs_file = write_jobs(
        tmp_path / "jobs.yaml",
        [job("team-sync", f"gsheet://{key}", 1, actions=["sync", "validate"],
             sync={"book": book.name, "prefer": "none"})],
        sheets={"endpoint": sheets_emulator.url},
    )  # fmt: skip
    jobs = load_jobs(jobs_file)
    store = open_store(jobs.default_db)
    (first,) = Service(jobs, store, log=json_log(io.StringIO())).run_once()
    assert first.status == "succeeded", first.result
    assert first.result.rows_changed == 0 and first.result.api_requests > 0
    wb = openpyxl.load_workbook(book)
    wb["客户"]["B3"] = "本地改名"  # 100002's name
    wb.save(book)
    gc = connect(endpoint=sheets_emulator.url)
    ws = gc.open_by_key(key).worksheet("Customers")
    ws.update([["新邮箱@example.com"]], "E3", raw=True)  # 100003's email on the sheet
    with store.engine.connect() as c:
        assert len(c.execute(select(snapshots)).all()) == 2  # customers and orders
    assert not (tmp_path / ".xlcrm-sync.db").exists()  # kept in the service's database

    time.sleep(1.2)  # the next slot of the 1-second schedule
    (second,) = Service(jobs, store, log=json_log(io.StringIO())).run_once()
    assert second.status == "succeeded", second.result
    assert second.result.rows_changed == 2 and second.result.conflicts == 0
    on_sheet = by_key(sheet_rows(gc, key, "Customers"), "Customer ID")
    assert on_sheet["100002"]["Name"] == "本地改名"
    assert book_rows(book, "客户", "客户ID")["100003"]["电子邮件"] == "新邮箱@example.com"
    store.close()


def test_a_quota_storm_on_one_jobs_sheet_does_not_stop_the_other_job(tmp_path, sheets_emulator):
    """Every call of the sheet job answered 429 (Google's quota error, with Retry-After):
    its retries end, its run is recorded failed with the quota's reason, and the workbook
    job beside it runs and succeeds."""
    from sheets_sync import Retries
    from tests.emulated import inject

    key = sheets_emulator.load(planted_book(tmp_path / "shared.xlsx"))[0]
    planted_book(tmp_path / "local.xlsx")
    jobs = load_jobs(write_jobs(
        tmp_path / "jobs.yaml",
        [job("team", f"gsheet://{key}", 60), job("local", "local.xlsx", 60)],
    ))  # fmt: skip
    inject(sheets_emulator.url, {"status": 429, "retryAfter": 0, "times": 1000})
    quick = Retries(attempts=3, total_seconds=5, base_seconds=0.01)
    service = Service(
        jobs, open_store(jobs.default_db), log=json_log(io.StringIO()),
        sheets_client=lambda _: connect(endpoint=sheets_emulator.url, retries=quick, timeout=5),
    )  # fmt: skip
    team, local = service.run_once()
    assert team.status == "failed" and team.result.error == "sheets-quota-exhausted"
    assert team.result.api_requests >= 3  # it retried, within its bound
    assert local.status == "succeeded" and local.result.findings
    history = service.store.history()
    assert sorted((r["job"], r["outcome"]) for r in history) == [
        ("local", "succeeded"), ("team", "failed")]  # fmt: skip


def test_a_pair_synced_by_hand_keeps_its_snapshot_when_the_service_takes_it_over(
    tmp_path, sheets_emulator
):
    """``xl-crm sync`` kept the snapshot beside the workbook; the service's first run of the
    pair starts from it (each side's edit merged, no conflict), not as a first sync."""
    from sheets_sync.sync import sync
    from tests.syncpair import book_rows, by_key, make_pair, sheet_rows

    book, key = make_pair(tmp_path, sheets_emulator)
    gc = connect(endpoint=sheets_emulator.url)
    sync(book, key, template="ecommerce", client=gc, backups=0)  # by hand, before
    wb = openpyxl.load_workbook(book)
    wb["客户"]["B3"] = "我改的名字"  # 100002's name
    wb.save(book)
    gc.open_by_key(key).worksheet("Customers").update([["新邮箱@example.com"]], "E3", raw=True)
    jobs = load_jobs(write_jobs(
        tmp_path / "jobs.yaml",
        [job("team-sync", f"gsheet://{key}", 60, actions=["sync"],
             sync={"book": book.name, "prefer": "sheet"})],
        sheets={"endpoint": sheets_emulator.url},
    ))  # fmt: skip
    (run,) = Service(jobs, open_store(jobs.default_db), log=json_log(io.StringIO())).run_once()
    assert run.status == "succeeded" and run.result.conflicts == 0
    assert run.result.rows_changed == 2
    on_sheet = by_key(sheet_rows(gc, key, "Customers"), "Customer ID")
    assert on_sheet["100002"]["Name"] == "我改的名字"  # not overwritten by prefer: sheet
    assert book_rows(book, "客户", "客户ID")["100003"]["电子邮件"] == "新邮箱@example.com"
