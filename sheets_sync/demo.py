"""``make demo`` on a Google Sheet, offline: the local emulator started in this process,
the ecommerce template built into a new spreadsheet with sample rows, a few bad values
typed in, then validate and compute on the sheet through ``GoogleSheetBook`` -- what
``xl-crm sheets build|validate|compute`` do, with no credentials (the emulator takes
any token).  Then the scheduled service once (:func:`run_service_demo`): a jobs file
written into the demo folder with a job on that sheet and one on a local workbook, run as
``xl-crm service run demo/jobs.yaml --once`` runs it.  The emulator is stopped at the end;
the sheet is saved first, so the jobs file can be run again on an emulator started on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from xl_crm.specs import load_spec
from xl_crm.xlsx.layout import SheetLayout

if TYPE_CHECKING:
    from sheets_sync.emulator import Emulator
    from sheets_sync.service import Outcome

#: (field id, data-row ordinal, bad value) typed into the demo sheet's customers
SHEET_ERRORS = [("mobile", 2, "1381234567"), ("email", 4, "wang.fang#example.com")]


def run_sheets_demo(
    *,
    rows: int = 200,
    seed: int = 42,
    as_of: str = "2026-06-30",
    out_dir: Path | None = None,
) -> Iterator[str]:
    """Yield what the Google Sheets part of the demo does, line by line: the emulator's
    URL, the sheet built (its URL on the emulator), the findings of validate (the
    planted :data:`SHEET_ERRORS` among them), the columns compute wrote and the API
    requests made.  ``rows``, ``seed``: the sample rows, as ``template build --sample``.
    ``out_dir``: the demo folder; when given, the service is run once on a jobs file
    written there (:func:`run_service_demo`; its local job needs
    ``out_dir/ecommerce_zh_errors.xlsx``, which :func:`xl_crm.demo.run_demo` builds).
    Raises the :class:`xl_crm.XlCrmError` of a step that fails."""
    from sheets_sync.book import GoogleSheetBook
    from sheets_sync.build import build_sheet
    from sheets_sync.emulator import Emulator, client
    from xl_crm import compute, validate

    spec = load_spec("ecommerce")
    customers = spec.sheets[0]
    with Emulator() as emulator:
        yield f"Google Sheets, on the local emulator at {emulator.url} (no credentials):"
        gc = client(emulator.url, timeout=60)
        built = build_sheet(gc, spec, title="xl-crm demo", sample=rows, seed=seed)
        key = built.spreadsheet_id
        yield f"  built ecommerce into {emulator.url}/v4/spreadsheets/{key}"
        yield "    " + ", ".join(f"{title} {n} rows" for title, n in built.sheets.items())
        layout = SheetLayout(customers, "zh", built.sheets[layout_title(customers)])
        cells = [
            (f"{layout.letter(fid)}{layout.first_data_row + i}", bad)
            for fid, i, bad in SHEET_ERRORS
        ]
        sheet = built.spreadsheet.worksheet(layout.title)
        for cell, bad in cells:
            sheet.update([[bad]], cell, raw=True)
        yield f"    typed bad values into {', '.join(c for c, _ in cells)} of {layout.title}"
        book = GoogleSheetBook(gc.open_by_key(key))
        report = validate(book, mask=True)
        yield (
            f"  validated on the sheet: {report.errors} errors, {report.warnings} warnings "
            f"(score {report.score:.2f})"
        )
        for finding in report.findings[:5]:
            yield f"    {finding.where}: {finding.message_en}"
        result = compute(book, as_of=as_of)
        yield f"  computed on the sheet (as of {as_of}): {', '.join(result.columns)}"
        for segment, counts in result.segments.items():
            shown = ", ".join(f"{label} {n}" for label, n in counts.items())
            yield f"    {segment}: {shown}"
        book.close()
        if out_dir is not None:
            yield from service_demo(out_dir, emulator, key, as_of=as_of, layout=layout)
        yield "  emulator stopped"


def layout_title(sheet: object) -> str:
    """The zh title the build gives a template sheet."""
    return SheetLayout(sheet, "zh", 0).title  # type: ignore[arg-type]


#: the demo's jobs file (docs/service.md, "Jobs file reference"), filled in by
#: :func:`run_service_demo`: ``{url}``/``{port}`` the emulator, ``{key}`` the sheet,
#: ``{workbook}`` the local workbook relative to the file, ``{as_of}`` compute's day.
#: ``{team}`` the workbook the sheet job's ``sync`` action keeps in step with the sheet.
JOBS_FILE = """\
# The jobs file `make demo` wrote and ran once (docs/service.md, "Jobs file reference").
# Run it again from this folder with
#   xl-crm service run jobs.yaml --once
# Each run is recorded in jobs.db beside this file (xl-crm service history jobs.yaml);
# each job's HTML and JSON reports go to reports/JOB/ beside this file.

# How gsheet:// sources are reached.  endpoint: a stand-in for Google, here the Sheets
# emulator `make demo` started at {url}.  It stopped when the demo ended:
# until it runs again, on the same port with the sheet the demo saved, the demo-sheet job
# fails (sheets-unavailable, after some 20 s of retries) and the other job still runs.
# Start it from this folder:
#   xl-crm sheets emulator --port {port} --data sheets-emulator.json
# For a real Google Sheet: leave out endpoint and give credentials (a service-account or
# authorized-user JSON file, relative to this file; default: Application Default
# Credentials, docs/sheets.md).
sheets:
  endpoint: {url}

jobs:
  # a Google Sheet: kept in step with a workbook, validated, its customer columns
  # computed, the reports written
  - name: demo-sheet                      # letters, digits, - _ . ; the run history's key
    source: gsheet://{key}   # or https://docs.google.com/spreadsheets/d/KEY
    template: ecommerce                   # a built-in template or a .yaml spec (default: detected)
    actions: [sync, validate, compute, report]  # in this order; report: HTML and JSON in
                                          # reports/demo-sheet/ and the sheet's report tab
    sync:                                 # the sync action (docs/sync.md)
      book: {team}             # the workbook kept in step with the sheet
      direction: both                     # push (sheet only), pull (workbook only) or both
      prefer: none                        # a cell changed on both sides: none (both left,
                                          # listed in the conflicts report), sheet, local, newest
    schedule: {{every: PT1M}}               # due a minute after its last run; a real job:
                                          # {{cron: "0 7 * * 1-5", timezone: Asia/Shanghai}}
    options:
      as_of: {as_of}                   # compute's day (left out: the day of the run)
      lang: zh                            # the reports' language (zh or en)

  # a workbook (relative to this file): validated, the reports written
  - name: demo-workbook
    source: {workbook}
    template: ecommerce
    actions: [validate, report]
    schedule: {{every: PT1M}}
    options:
      mask: true                          # personal values masked in the reports
      lang: zh
"""


def service_demo(
    out_dir: Path, emulator: Emulator, key: str, *, as_of: str, layout: SheetLayout | None = None
) -> Iterator[str]:
    """:func:`run_service_demo`, or one line saying the ``service`` extra is missing."""
    try:
        import sheets_sync.service  # noqa: F401
    except ImportError:
        yield "the scheduled service skipped: pip install 'xl-crm[service]'"
        return
    yield from run_service_demo(out_dir, emulator, key, as_of=as_of, layout=layout)


def run_service_demo(
    out_dir: Path,
    emulator: Emulator,
    key: str,
    *,
    workbook: Path | None = None,
    as_of: str = "2026-06-30",
    layout: SheetLayout | None = None,
) -> Iterator[str]:
    """Write ``out_dir/jobs.yaml`` (:data:`JOBS_FILE`: ``demo-sheet`` on the spreadsheet
    ``key`` in the running ``emulator`` (a :class:`sheets_sync.emulator.Emulator`),
    ``demo-workbook`` on ``workbook``, default ``out_dir/ecommerce_zh_errors.xlsx``),
    start a new run history (``out_dir/jobs.db`` replaced) and run every job once, as
    ``xl-crm service run out_dir/jobs.yaml --once`` does (:meth:`Service.run_once` with the
    CLI's defaults; the JSON-lines log appended to ``out_dir/service.jsonl``).  Yield a
    line per job (outcome, findings by rule, rows changed, API requests, the HTML
    report), the history's and the log's paths; last, the emulator's state is saved to
    ``out_dir/sheets-emulator.json`` so the jobs file can be run again on an emulator
    started on it.  A job that fails is shown with its reason (as ``service run``
    does), not raised; a jobs file or database that cannot be used raises
    :class:`xl_crm.errors.JobsFileError` / :class:`xl_crm.errors.ServiceDatabaseError`."""
    import os
    from urllib.parse import urlsplit

    from sheets_sync.service import Service, json_log, load_jobs, open_store

    url = emulator.url
    workbook = workbook or out_dir / "ecommerce_zh_errors.xlsx"
    team = out_dir / TEAM_BOOK
    path = out_dir / "jobs.yaml"
    path.write_text(
        JOBS_FILE.format(
            url=url,
            port=urlsplit(url).port,
            key=key,
            workbook=os.path.relpath(workbook, out_dir),
            team=TEAM_BOOK,
            as_of=as_of,
        ),
        encoding="utf-8",
    )
    yield f"the scheduled service, once on {path} (as xl-crm service run {path} --once):"
    jobs = load_jobs(path)
    path.with_suffix(".db").unlink(missing_ok=True)  # each demo starts a new history
    yield from team_copy(emulator, key, team, layout, jobs.default_db)
    store = open_store(jobs.default_db)
    log = out_dir / "service.jsonl"
    try:
        with log.open("a", encoding="utf-8") as stream:
            outcomes = Service(jobs, store, log=json_log(stream)).run_once()
    finally:
        store.close()
    for outcome in outcomes:
        yield f"  {outcome.job}: {outcome_text(outcome)}"
        if outcome.result is not None and outcome.result.report:
            yield f"    report {shown_path(outcome.result.report, out_dir)}"
    yield (f"  run history {path.with_suffix('.db')} (xl-crm service history {path}), log {log}")
    saved = out_dir / "sheets-emulator.json"
    with emulator.store.lock:
        emulator.data_file = saved
        emulator.save()
    yield (
        f"  the sheet saved to {saved}; to run {path} again after the demo: "
        f"xl-crm sheets emulator --port {urlsplit(url).port} --data {saved}"
    )


#: the demo's workbook kept in step with the sheet by the ``sync`` action
TEAM_BOOK = "客户资料-同步.xlsx"


def team_copy(
    emulator: Emulator, key: str, team: Path, layout: SheetLayout | None, state: str
) -> Iterator[str]:
    """The sheet downloaded as the workbook ``team`` (as File > Download > .xlsx gives it)
    and synced once (the snapshot kept in ``state``, the service's database), then one
    customer renamed in the workbook and one e-mail changed on the sheet by "a teammate":
    what the service's ``sync`` action then merges (docs/sync.md)."""
    import openpyxl

    from sheets_sync.connect import connect
    from sheets_sync.emulator.snapshot import to_xlsx
    from sheets_sync.sync import sync

    with emulator.store.lock:
        team.write_bytes(to_xlsx(emulator.store.get(key)))
    gc = connect(endpoint=emulator.url, timeout=60)
    sync(team, f"gsheet://{key}", template="ecommerce", client=gc, state=state, backups=0)
    if layout is None:
        return
    renamed = f"{layout.letter('name')}{layout.first_data_row + 5}"
    wb = openpyxl.load_workbook(team)
    wb[layout.title][renamed] = "王小明（本地改名）"
    wb.save(team)
    email = f"{layout.letter('email')}{layout.first_data_row + 7}"
    edit = {"spreadsheetId": key, "range": f"'{layout.title}'!{email}",
            "values": [["teammate@example.com"]], "valueInputOption": "RAW"}  # fmt: skip
    with emulator.store.lock:
        emulator.apply_edit(edit)
    yield (f"  downloaded the sheet as {team} and synced it once; then renamed "
           f"{layout.title}!{renamed} in it, and a teammate changed {layout.title}!{email} on "
           "the sheet")  # fmt: skip


def outcome_text(outcome: Outcome) -> str:
    """One job's outcome as ``service run`` reports it, for the demo: ``succeeded, 2
    errors and 0 warnings (score 99.50; email 1, mobile 1), 0 rows changed, 31 API
    requests``, or the failure's reason and where."""
    status, result = outcome.status, outcome.result
    if result is None:
        return status
    if result.error:
        return f"{status}: {result.error}"
    parts = [status]
    if result.findings is not None:
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(result.findings.items()))
        parts.append(
            f"{result.errors} errors and {result.warnings} warnings "
            f"(score {result.score:.2f}; {rules or 'no findings'})"
        )
    if "sync" in result.done:
        parts.append(f"synced ({result.conflicts} conflicts left open)")
    if "compute" in result.done or "sync" in result.done:
        parts.append(f"{result.rows_changed} rows changed")
    parts.append(f"{result.api_requests} API requests")
    return ", ".join(parts)


def shown_path(path: str, out_dir: Path) -> Path:
    """``path`` (absolute) under ``out_dir`` as the demo names its files (``demo/...``)."""
    try:
        return out_dir / Path(path).relative_to(out_dir.absolute())
    except ValueError:
        return Path(path)
