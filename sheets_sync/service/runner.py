"""One run of one job: its actions on its source through the pipeline, and what to record.

The actions are the library's own calls on a :class:`xl_crm.book.Book`: ``compute`` is
:func:`xl_crm.compute`, ``validate`` :func:`xl_crm.validate`, ``annotate``
:func:`xl_crm.annotate` with that report.  A local workbook is given to each call by its
path; a Google Sheet is opened for each call with :func:`sheets_sync.book.open_book` on
the run's gspread client, whose request counts (``client.http_client.stats``, xl-crm's
Sheets client) give the run's API requests.  ``report`` writes the run's HTML and JSON
reports with the job's trend (:mod:`.reports`; it validates first when no ``validate``
came before it) and, on a Google Sheet, the report tab; after the actions the reports are
delivered (:mod:`.deliver`) when the job says where.  ``sync`` is
:func:`sheets_sync.sync.sync` between the job's workbook and Google Sheet (its ``sync``
block names the other side), with its snapshots in the service's own database; conflicts
left open are listed in its conflicts report beside the workbook and counted in the log.

What is recorded never holds a cell value: counts, the score, and for a failure the
error's reason slug and where (file, sheet, cell) only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sheets_sync.service.jobs import Job, SheetsAccess
from sheets_sync.service.reports import Reporting, write_report_tab, write_run_reports
from xl_crm.errors import XlCrmError

__all__ = ["RunResult", "SheetsClient", "run_actions", "run_job", "safe_error"]

#: makes the gspread client of a run on a Google Sheet (None: the default, ``connect()``
#: with the jobs file's credentials and endpoint)
SheetsClient = Callable[[SheetsAccess], Any]


@dataclass
class RunResult:
    """What a run did: ``outcome`` (``succeeded`` or ``failed``), the validation's
    ``findings`` by rule ({slug: count}; None when the job does not validate),
    ``errors``, ``warnings``, ``score`` (0-100), ``rows_changed`` (customers, i.e.
    rows, whose computed cells compute changed, never cells; 0 when up to date),
    ``marked`` (cells annotate marked), ``api_requests`` (sent to Google Sheets; 0 for
    a workbook), ``error`` (reason slug and where, for a failure), ``report`` and
    ``report_json`` (the report files' paths) and ``delivery_error`` (what delivery
    failed; the outcome stays as it was);
    ``conflicts``: the ``sync`` action's conflicts left open (listed in its report beside
    the workbook), ``written_while_edited``: the sheet cells it wrote while someone else
    changed the sheet (A1 references, no values: what was typed there may be lost), and
    ``rows_changed`` counts the rows sync changed on either side too."""

    outcome: str = "succeeded"
    findings: dict[str, int] | None = None
    errors: int | None = None
    warnings: int | None = None
    score: float | None = None
    rows_changed: int = 0
    marked: int = 0
    api_requests: int = 0
    error: str | None = None
    report: str | None = None
    report_json: str | None = None
    delivery_error: str | None = None
    conflicts: int = 0
    written_while_edited: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)

    def columns(self) -> dict[str, Any]:
        """The run-history columns this result fills."""
        return {
            "findings": self.findings,
            "errors": self.errors,
            "warnings": self.warnings,
            "score": self.score,
            "rows_changed": self.rows_changed,
            "api_requests": self.api_requests,
            "error": self.error,
            "report": self.report,
            "delivery_error": self.delivery_error,
        }


def safe_error(exc: BaseException) -> str:
    """``exc`` as text that holds no personal data: an xl-crm error's reason slug and
    where it is (``file-not-found: /data/shop.xlsx``), else the exception's class name
    (its message may quote a cell)."""
    if isinstance(exc, XlCrmError):
        return f"{exc.reason}: {exc.where}" if exc.where else exc.reason
    return type(exc).__name__


def default_client(access: SheetsAccess) -> Any:
    """A gspread client for ``access`` through ``sheets_sync.connect()`` (xl-crm's Sheets
    client: timeouts, retries, quota, request counts), or None when this sheets_sync has
    no ``connect`` (then :func:`sheets_sync.book.open_book` says so)."""
    import sheets_sync

    connect = getattr(sheets_sync, "connect", None)
    if connect is None:
        return None
    credentials = str(access.credentials) if access.credentials else None
    return connect(credentials, endpoint=access.endpoint)


def _requests(client: Any) -> int:
    stats = getattr(getattr(client, "http_client", None), "stats", None)
    if stats is None or not hasattr(stats, "as_dict"):
        return 0
    return int(stats.as_dict().get("requests", 0))


def run_job(
    job: Job,
    access: SheetsAccess,
    client: SheetsClient | None = None,
    reporting: Reporting | None = None,
    state: Any = None,
) -> RunResult:
    """Run ``job``'s actions in order on its source, deliver its reports, and return the
    :class:`RunResult`.  ``state``: where the ``sync`` action keeps its snapshots (the
    service's :class:`~sheets_sync.service.store.Store`; None: beside the workbook).

    ``access``: the jobs file's Google Sheets settings; ``client(access)`` makes the
    gspread client for a sheet source (default :func:`default_client`); ``reporting``:
    where the ``report`` action writes and the job's history (default: ``reports/JOB``
    in the working folder, no history).  Never raises for a job's own failure (a missing
    file, a bad template, an unreachable sheet, an action not yet available): the result
    says ``failed`` with the error's reason; the first failing action stops the job's
    run.  A delivery failure is kept in ``delivery_error`` and leaves the outcome as is.
    """
    from sheets_sync.service.deliver import deliver, summary

    result = RunResult()
    made: list[Any] = []  # the run's gspread client, made when first needed
    before = 0

    def gc() -> Any:
        if not made:
            made.append((client or default_client)(access))
        return made[0]

    reporting = reporting or Reporting(Path("reports") / job.name)
    try:
        if job.is_sheet:
            before = _requests(gc())
        target = (lambda: _target(job, gc())) if job.is_sheet else (lambda: job.source)
        run_actions(job, result, target, reporting, client=gc, state=state)
    except Exception as exc:  # a job's failure is recorded, never stops the service
        result.outcome, result.error = "failed", safe_error(exc)
    finally:
        if made:
            result.api_requests = _requests(made[0]) - before
    if job.deliver is not None and result.report and result.report_json:
        files = [Path(result.report), Path(result.report_json)]
        when = reporting.when.astimezone(dt.UTC).isoformat()
        result.delivery_error = deliver(job.deliver, files, summary(job.name, result, when))
    return result


def _target(job: Job, gc: Any) -> Any:
    if not job.is_sheet:
        return job.source
    from sheets_sync.book import open_book

    return open_book(job.source, gc)


def run_actions(
    job: Job,
    result: RunResult | None = None,
    target: Callable[[], Any] | None = None,
    reporting: Reporting | None = None,
    *,
    client: Any = None,
    state: Any = None,
) -> RunResult:
    """Run ``job``'s actions in order, filling ``result`` (a new :class:`RunResult` when
    None) as they go; ``target()`` gives what each library call works on (default: the
    job's workbook path, or its Google Sheet through ``sheets_sync.connect()``);
    ``reporting`` says where ``report`` writes (default ``reports/JOB``, no history);
    ``client`` (a gspread client, or a function making one when first needed) and
    ``state`` (a Store or URL) are the ``sync`` action's (defaults:
    ``sheets_sync.connect()``, the store beside the workbook).
    Raises what the first failing action raises: the :class:`xl_crm.XlCrmError` family
    (a missing file, a bad template, a Sheets call, a sync refused ...), OSError when the
    report folder cannot be written.  :func:`run_job` is this, recorded instead of
    raised."""
    import xl_crm

    result = result if result is not None else RunResult()
    target = target or (lambda: _target(job, None))
    o = job.options
    report = None
    for action in job.actions:
        if action == "compute":
            computed = xl_crm.compute(
                target(), template=job.template, as_of=o.as_of, window_days=o.window,
                backups=o.backups, sheets=o.sheets, rfm_columns=o.rfm_columns, force=o.force,
            )  # fmt: skip
            result.rows_changed += computed.rows_changed  # sync's rows add up too
        elif action == "validate" or (action == "report" and report is None):
            report = xl_crm.validate(target(), template=job.template, mask=o.mask, sheets=o.sheets)
            result.findings = report.counts_by_rule()
            result.errors, result.warnings = report.errors, report.warnings
            result.score = report.score
        if action == "annotate" and report is not None:
            result.marked = xl_crm.annotate(target(), report, lang=o.lang, backups=o.backups).marked
        elif action == "report" and report is not None:
            where = reporting or Reporting(Path("reports") / job.name)
            page, data = write_run_reports(job.name, report, where, lang=o.lang)
            result.report, result.report_json = str(page), str(data)
            if job.is_sheet:
                write_report_tab(target(), report, lang=o.lang)
        elif action == "sync":
            _sync(job, result, client, state)
        result.done.append(action)
    return result


def _sync(job: Job, result: RunResult, client: Any, state: Any) -> None:
    """The ``sync`` action: rows it changed on either side added to ``rows_changed``."""
    from sheets_sync.sync import sync

    book, sheet = job.sync_pair()
    assert job.sync is not None
    synced = sync(
        book, sheet, template=job.template, direction=job.sync.direction,
        prefer=job.sync.prefer, client=client, state=state, backups=job.options.backups,
    )  # fmt: skip
    result.rows_changed += synced.rows_changed
    result.conflicts = synced.open_conflicts  # counts only: the report has the cells
    result.written_while_edited = synced.written_while_edited
