"""``xl-crm service ...``: the scheduled service (``sheets_sync.service``; docs/service.md).

``service run JOBS.yaml --once`` runs every due job once (for cron), ``service serve
JOBS.yaml`` runs until SIGTERM or SIGINT, ``service history JOBS.yaml`` lists the runs,
``report JOB --jobs JOBS.yaml`` (a top-level command) renders a job's history as HTML.
Each is one call of the library: :meth:`Service.run_once`, :meth:`Service.serve`,
:meth:`Store.history` (with :func:`sheets_sync.service.reports.render_history`).
"""

from __future__ import annotations

import datetime as dt
import threading
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from xl_crm.cli.output import Output, output_options
from xl_crm.errors import InvalidOptionError, MissingExtraError

service_app = typer.Typer(
    help="The scheduled service: validate, compute and annotate workbooks and Google Sheets "
    "on a schedule, with a run history.\n\nExample: xl-crm service run jobs.yaml --once",
    no_args_is_help=True,
)

JobsArgument = Annotated[
    Path, typer.Argument(help="The jobs file (YAML; docs/service.md, Jobs file reference).")
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Database of the run history and leases: sqlite:///FILE or "
        "postgresql+psycopg://USER@HOST/DB (default: JOBS.db beside the jobs file).",
    ),
]
LeaseOption = Annotated[
    float,
    typer.Option(
        "--lease",
        metavar="SECONDS",
        help="How long a job's lease lasts unless renewed; a dead instance's jobs are taken "
        "over after it.",
    ),
]
LogOption = Annotated[
    Path | None,
    typer.Option(
        "--log", metavar="FILE", help="Append the JSON-lines log to FILE (default: stderr)."
    ),
]
PollOption = Annotated[
    float, typer.Option("--poll", metavar="SECONDS", help="How often to look for due jobs.")
]
WorkersOption = Annotated[int, typer.Option("--workers", help="Jobs run at the same time.")]


def _service(jobs_file: Path, db: str | None, lease: float, poll: float, workers: int, log: Any):
    try:
        from sheets_sync.service import Service, json_log, load_jobs, open_store
    except ImportError as exc:
        raise MissingExtraError(exc.name or "sqlalchemy", "service") from None
    for name, value in (("--lease", lease), ("--poll", poll), ("--workers", workers)):
        if value <= 0:
            raise InvalidOptionError(
                (f"{name} 应大于 0", f"{name} must be more than 0"), expected=("> 0", "> 0")
            )
    jobs = load_jobs(jobs_file)
    store = open_store(db or jobs.default_db)
    return Service(
        jobs, store, lease_seconds=lease, poll_seconds=poll, workers=workers, log=json_log(log)
    )


@service_app.command("run")
@output_options()
def run_command(
    jobs_file: JobsArgument,
    once: Annotated[
        bool, typer.Option("--once", help="Run every due job once, then exit (for cron).")
    ] = False,
    db: DbOption = None,
    lease: LeaseOption = 60.0,
    poll: PollOption = 1.0,
    workers: WorkersOption = 2,
    log_file: LogOption = None,
    *,
    output: Output,
) -> None:
    """Run the jobs of a jobs file: with --once every due job once, else until SIGTERM
    (as service serve). A job that never ran is due at once. --json writes each job's
    outcome. Exit code 0 when no run failed, 1 when one did, 2 when the jobs file or the
    database cannot be used.

    Example: xl-crm service run jobs.yaml --once --json -
    """
    with _log_stream(log_file) as log:
        service = _service(jobs_file, db, lease, poll, workers, log)
        if not once:
            _serve(service)
            return
        outcomes = service.run_once()
        service.store.close()
    output.emit({"jobs": [o.to_dict() for o in outcomes]})
    for o in outcomes:
        result = o.result
        extra = ""
        if result is not None and result.error:
            extra = f"  {result.error}"
        elif result is not None and result.score is not None:
            extra = f"  score {result.score:.2f}, {result.errors} errors"
        output.print(f"{o.job}: {o.status}{extra}")
    raise typer.Exit(1 if any(o.status == "failed" for o in outcomes) else 0)


@service_app.command("serve")
@output_options()
def serve_command(
    jobs_file: JobsArgument,
    db: DbOption = None,
    lease: LeaseOption = 60.0,
    poll: PollOption = 1.0,
    workers: WorkersOption = 2,
    log_file: LogOption = None,
    *,
    output: Output,
) -> None:
    """Run the jobs as they fall due until SIGTERM or SIGINT; then finish the runs under
    way (or, after 30 s, record them as abandoned), give the leases back and exit 0.
    Several instances may share one PostgreSQL --db: each job runs on one at a time.

    Example: xl-crm service serve jobs.yaml --db postgresql+psycopg://crm@db/crm
    """
    with _log_stream(log_file) as log:
        _serve(_service(jobs_file, db, lease, poll, workers, log))


@service_app.command("history")
@output_options()
def history_command(
    jobs_file: JobsArgument,
    db: DbOption = None,
    job: Annotated[str | None, typer.Option("--job", help="Only this job's runs.")] = None,
    *,
    output: Output,
) -> None:
    """List the recorded runs, oldest first: job, slot, outcome, score, findings.
    --json writes every column of each run.

    Example: xl-crm service history jobs.yaml --job shop-daily --json -
    """
    try:
        from sheets_sync.service import load_jobs, open_store
    except ImportError as exc:
        raise MissingExtraError(exc.name or "sqlalchemy", "service") from None
    jobs = load_jobs(jobs_file)
    store = open_store(db or jobs.default_db)
    runs = store.history(job)
    store.close()
    output.emit(
        {"runs": [{k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in r.items()}
                  for r in runs]}
    )  # fmt: skip
    for r in runs:
        score = "" if r["score"] is None else f" score {r['score']:.2f}"
        error = f" {r['error']}" if r["error"] else ""
        output.print(f"{r['started_at']:%Y-%m-%d %H:%M:%S} {r['job']} {r['outcome']}{score}{error}")


def _log_stream(path: Path | None) -> Any:
    """A context giving stderr's stand-in None, or ``path`` opened for appending (one
    line at a time)."""
    return nullcontext(None) if path is None else path.open("a", encoding="utf-8", buffering=1)


def _serve(service: Any) -> None:
    from sheets_sync.service import stop_on_signals

    stop = threading.Event()
    stop_on_signals(stop)
    try:
        service.serve(stop)
    finally:
        service.store.close()


@output_options()
def report_command(
    job: Annotated[str, typer.Argument(metavar="JOB", help="The job's name in the jobs file.")],
    jobs_file: Annotated[
        Path,
        typer.Option("--jobs", metavar="JOBS.yaml", help="The jobs file (docs/service.md)."),
    ],
    db: DbOption = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE.html",
            help="Where to write the page (default: JOB-history.html in the job's report folder).",
        ),
    ] = None,
    since: Annotated[
        dt.datetime | None,
        typer.Option(
            "--since",
            metavar="DATE",
            formats=["%Y-%m-%d"],
            help="Only runs started on this day (UTC, YYYY-MM-DD) or later.",
        ),
    ] = None,
    *,
    output: Output,
) -> None:
    """Render a job's run history as one HTML page: findings per rule and the quality score
    over time, and a table of its runs (counts only, no cell value). --json writes the
    runs shown.

    Example: xl-crm report shop-daily --jobs jobs.yaml --since 2026-11-01
    """
    try:
        from sheets_sync.service import load_jobs, open_store
        from sheets_sync.service.reports import render_history, write_atomic
    except ImportError as exc:
        raise MissingExtraError(exc.name or "sqlalchemy", "service") from None
    jobs = load_jobs(jobs_file)
    names = [j.name for j in jobs.jobs]
    if job not in names:
        raise InvalidOptionError(
            (f"任务文件中没有任务 {job}", f"the jobs file has no job {job}"),
            expected=(", ".join(names), ", ".join(names)),
        )
    store = open_store(db or jobs.default_db)
    runs = store.history(job)
    store.close()
    if since is not None:
        start = since.replace(tzinfo=dt.UTC)
        runs = [r for r in runs if r["started_at"] >= start]
    path = out_file or jobs.report_folder(job) / f"{job}-history.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, render_history(job, runs, lang=output.lang).encode("utf-8"))
    output.emit({"job": job, "report": str(path), "runs": len(runs)})
    output.print(f"{job}: {len(runs)} runs -> {path}")
