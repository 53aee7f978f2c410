"""The ``report`` action's files and the history page (docs/service.md, "Reports and
delivery").

Per run, in the job's report folder (:meth:`sheets_sync.service.jobs.Jobs.report_folder`):

- ``JOB-YYYYMMDDTHHMMSSZ.html``: the validation report of
  :func:`xl_crm.validation.html.render_html` (cards, charts, findings table) with two trend
  charts across the job's history: findings per rule over time and the quality score over
  time, one point per succeeded run that validated, this run the last;
- ``JOB-YYYYMMDDTHHMMSSZ.json``: the JSON report (docs/report-schema.md) with ``job``,
  ``run_time`` and ``history`` (the points of the trend charts) added.

On a Google Sheet the findings table also goes to the report tab
(:data:`xl_crm.excel.macros.FINDINGS_SHEET`, rewritten each run).  Values in findings are
masked when the job's ``mask`` option is on (the validation masks them); the trend and the
history page hold counts and scores only.  Files are written to a temporary name and
renamed, so a reader never sees half a report.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_crm.validation.html import line_chart, page, render_html

__all__ = [
    "WORDS",
    "Reporting",
    "render_history",
    "trend_charts",
    "trend_points",
    "write_atomic",
    "write_report_tab",
    "write_run_reports",
]

WORDS = {
    "zh": {
        "by_rule": "各规则问题数（历次运行）",
        "score": "质量分（历次运行）",
        "history": "运行历史",
        "runs": "共 {n:,} 次运行",
        "heads": ("开始时间", "结果", "错误", "警告", "质量分", "问题数", "报告", "错误原因"),
    },
    "en": {
        "by_rule": "Findings per rule over time",
        "score": "Quality score over time",
        "history": "Run history",
        "runs": "{n:,} runs",
        "heads": (
            "Started",
            "Outcome",
            "Errors",
            "Warnings",
            "Score",
            "Findings",
            "Report",
            "Error",
        ),
    },
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Reporting:
    """Where and against what a run's reports are written: ``folder`` (created when
    missing), ``history()`` (the job's recorded runs, oldest first, as
    :meth:`sheets_sync.service.store.Store.history` gives them) and ``when`` (the run's
    time, UTC; default now)."""

    folder: Path
    history: Callable[[], list[dict[str, Any]]] = list
    when: dt.datetime = field(default_factory=_now)


def trend_points(runs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The trend's points of ``runs`` (history rows): each succeeded run that validated,
    as ``{"run_time": ISO 8601 UTC, "findings": {rule: count}, "errors", "warnings",
    "score"}``, in the order given."""
    return [
        {
            "run_time": r["started_at"].astimezone(dt.UTC).isoformat(),
            "findings": dict(r["findings"]),
            "errors": r["errors"],
            "warnings": r["warnings"],
            "score": r["score"],
        }
        for r in runs
        if r["outcome"] == "succeeded" and r["findings"] is not None and r["score"] is not None
    ]


def trend_charts(points: list[dict[str, Any]], lang: str = "zh") -> str:
    """The two trend charts of ``points`` (:func:`trend_points`) as HTML: findings per rule
    (a line per rule; 0 in a run that did not find it) and the quality score; empty when
    there are no points."""
    if not points:
        return ""
    w = WORDS[lang]
    labels = [p["run_time"][:16].replace("T", " ") for p in points]
    rules = sorted({rule for p in points for rule in p["findings"]})
    by_rule: dict[str, list[float | None]] = {
        rule: [p["findings"].get(rule, 0) for p in points] for rule in rules
    }
    score: dict[str, list[float | None]] = {w["score"]: [p["score"] for p in points]}
    return (
        '<div class="charts" id="trends">'
        + line_chart(w["by_rule"], labels, by_rule)
        + line_chart(w["score"], labels, score)
        + "</div>"
    )


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename,
    so ``path`` is either the old file or the whole new one.  Raises OSError."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _free_stem(folder: Path, stem: str) -> str:
    """``stem``, or ``stem-2``, ``stem-3`` ... when a report of that name exists."""
    n, name = 1, stem
    while (folder / f"{name}.html").exists() or (folder / f"{name}.json").exists():
        n += 1
        name = f"{stem}-{n}"
    return name


def write_run_reports(
    job: str, report: Any, reporting: Reporting, *, lang: str = "zh"
) -> tuple[Path, Path]:
    """Write the HTML and JSON reports of ``job``'s run (``report``: its
    :class:`xl_crm.validation.report.Report`) into ``reporting.folder``, with the trend of
    ``reporting.history()`` and this run.  Returns (HTML path, JSON path).  Raises OSError
    when the folder cannot be written."""
    when = reporting.when.astimezone(dt.UTC)
    points = trend_points(reporting.history())
    points.append(
        {
            "run_time": when.isoformat(),
            "findings": report.counts_by_rule(),
            "errors": report.errors,
            "warnings": report.warnings,
            "score": report.score,
        }
    )
    folder = reporting.folder
    folder.mkdir(parents=True, exist_ok=True)
    stem = _free_stem(folder, f"{job}-{when:%Y%m%dT%H%M%SZ}")
    html_path, json_path = folder / f"{stem}.html", folder / f"{stem}.json"
    page_text = render_html(report, lang=lang, trends=trend_charts(points, lang))
    data = {"job": job, "run_time": when.isoformat(), **report.to_dict(), "history": points}
    write_atomic(json_path, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))
    write_atomic(html_path, page_text.encode("utf-8"))
    return html_path, json_path


def write_report_tab(book: Any, report: Any, *, lang: str = "zh") -> str:
    """Write ``report``'s findings (up to Excel's row count; values as the report holds
    them, so masked when it was) to the report tab of ``book`` (a
    :class:`xl_crm.book.Book`, e.g. a Google Sheet), rewriting an earlier one.  Returns the
    tab's name.  Raises :class:`xl_crm.WorkbookError` when a sheet of that name holds
    other data."""
    from xl_crm.excel.macros import FINDINGS_HEADERS, FINDINGS_SHEET, SHEET_ROWS, findings_columns

    rows = [f for _, f in zip(range(SHEET_ROWS), report.all_findings(), strict=False)]
    headers = {tuple(h) for h in FINDINGS_HEADERS.values()}
    return book.add_sheet(
        FINDINGS_SHEET,
        findings_columns(rows, lang),
        replace_if=lambda first: tuple(first) in headers,
    )


def render_history(job: str, runs: list[dict[str, Any]], *, lang: str = "zh") -> str:
    """The history page of ``job``: the trend charts of ``runs`` (history rows, oldest
    first) and a table of every run (start, outcome, counts, score, report path, error).
    Self-contained HTML; counts and paths only, never a cell value."""
    w = WORDS[lang]
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in w["heads"])
    rows = []
    for r in runs:
        score = "" if r["score"] is None else f"{r['score']:.2f}"
        total = "" if r["findings"] is None else f"{sum(r['findings'].values()):,}"
        error = "; ".join(e for e in (r["error"], r.get("delivery_error")) if e)
        cells = (
            f"{r['started_at']:%Y-%m-%d %H:%M:%S}",
            r["outcome"],
            "" if r["errors"] is None else f"{r['errors']:,}",
            "" if r["warnings"] is None else f"{r['warnings']:,}",
            score,
            total,
            r.get("report") or "",
            error,
        )
        tds = "".join(f"<td>{esc(c)}</td>" for c in cells)
        rows.append(f'<tr class="{esc(r["outcome"])}">{tds}</tr>')
    body = (
        f"<h1>{esc(w['history'])} · {esc(job)}</h1>"
        f'<div class="meta">{esc(w["runs"].format(n=len(runs)))}</div>'
        f"{trend_charts(trend_points(runs), lang)}"
        f'<table id="runs"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return page(f"{w['history']} · {job}", body, lang=lang)
