"""The jobs file: what the service runs, on what, and when (docs/service.md, "Jobs file
reference").

::

    jobs:
      - name: shop-daily                 # letters, digits, - _ . (the run history's key)
        source: customers.xlsx           # a workbook (relative to this file) or a Google
                                         # Sheet: gsheet://KEY or its https address
        template: ecommerce              # built-in name or .yaml path; default: detected
        actions: [compute, validate, annotate]
        schedule: {cron: "0 7 * * 1-5", timezone: Asia/Shanghai}   # or {every: 900}
        options: {as_of: 2026-06-30, window: 365, mask: true, lang: zh}
        deliver: {folder: /srv/share/reports, webhook: https://hooks.example/crm}
      - name: shop-sync                  # the sync action: source and the other side
        source: gsheet://1AbC...xyz
        actions: [sync, compute]
        sync: {book: customers.xlsx, direction: both, prefer: none}
        schedule: {every: 600}
    reports: reports                     # the report folder (default: reports/ beside
                                         # this file); each job's in a subfolder

:func:`load_jobs` reads and checks it with pydantic; every problem is reported at once with
its file, line and key (:class:`xl_crm.errors.JobsFileError`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from xl_crm.errors import JobsFileError, SpecError, SpecProblem
from xl_crm.specs.loader import pydantic_message
from xl_crm.specs.yamlio import load_yaml, mark_at, plain

__all__ = [
    "ACTIONS",
    "Deliver",
    "Job",
    "JobOptions",
    "Jobs",
    "Schedule",
    "SheetsAccess",
    "SyncSettings",
    "load_jobs",
]

#: what a job can do, in the order a run does them when listed
ACTIONS = ("compute", "validate", "annotate", "report", "sync")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
DOCS = "docs/service.md"
_SHEET = re.compile(r"^(?:gsheet://|https://docs\.google\.com/spreadsheets/d/)[\w-]+")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Schedule(_Strict):
    """When a job runs: ``cron`` (five fields, minute first, read by APScheduler's
    ``CronTrigger.from_crontab``) in ``timezone`` (an IANA name; default the machine's),
    or ``every`` (a duration: seconds as a number, ``"PT15M"`` or ``"00:15:00"``; at
    least 1 second).  Exactly one of the two."""

    cron: str | None = None
    every: dt.timedelta | None = None
    timezone: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Schedule:
        if (self.cron is None) == (self.every is None):
            raise ValueError("give exactly one of 'cron' and 'every'")
        if self.every is not None and self.every < dt.timedelta(seconds=1):
            raise ValueError("'every' must be at least 1 second")
        from sheets_sync.service.schedule import trigger_of

        trigger_of(self)  # the cron expression and time zone parse
        return self


class JobOptions(_Strict):
    """Options of a job's actions, as the library calls take them: ``as_of`` (compute's
    day; default the day of the run), ``window`` (days, at least 1), ``mask`` (personal
    values masked in the report), ``lang`` (``zh``/``en``: the notes ``annotate``
    writes), ``sheets`` (template sheet -> book sheet), ``backups`` (copies of a local
    workbook kept before a write), ``rfm_columns``, ``force`` (compute writes over
    formulas)."""

    as_of: dt.date | None = None
    window: int = Field(365, ge=1)
    mask: bool = True
    lang: Literal["zh", "en"] = "zh"
    sheets: dict[str, str] | None = None
    backups: int = Field(5, ge=0)
    rfm_columns: bool = True
    force: bool = False


class Deliver(_Strict):
    """Where a run's reports go besides the report folder: ``folder`` (the HTML and JSON
    copied there, atomically; relative to the jobs file) and/or ``webhook`` (an http(s)
    URL that gets a JSON summary by POST: job, run time, outcome, findings by rule,
    score, report path), with ``timeout`` (seconds per attempt) and ``retries`` (more
    attempts after a failed one, 0-5)."""

    folder: Path | None = None
    webhook: str | None = Field(None, pattern=r"^https?://\S+$")
    timeout: float = Field(10.0, gt=0, le=300)
    retries: int = Field(2, ge=0, le=5)

    @model_validator(mode="after")
    def _somewhere(self) -> Deliver:
        if self.folder is None and self.webhook is None:
            raise ValueError("give 'folder', 'webhook' or both")
        return self


class SyncSettings(_Strict):
    """The ``sync`` action's other side and rules (docs/sync.md): ``book`` (the workbook,
    relative to the jobs file) when the job's source is a Google Sheet, or ``sheet``
    (``gsheet://KEY`` or its address) when the source is a workbook; ``direction``
    (``push``, ``pull`` or ``both``) and ``prefer`` (``sheet``, ``local``, ``newest`` or
    ``none``) as ``xl-crm sync`` takes them."""

    book: Path | None = None
    sheet: str | None = Field(
        None, pattern=r"^(?:gsheet://|https://docs\.google\.com/spreadsheets/d/)[\w-]+"
    )
    direction: Literal["push", "pull", "both"] = "both"
    prefer: Literal["sheet", "local", "newest", "none"] = "none"

    @model_validator(mode="after")
    def _other_side(self) -> SyncSettings:
        if (self.book is None) == (self.sheet is None):
            raise ValueError("give the other side: 'book' (a workbook) or 'sheet' (gsheet://KEY)")
        return self


class SheetsAccess(_Strict):
    """How the service reaches Google Sheets for ``gsheet://`` sources: ``credentials``
    (a service-account or authorized-user JSON file, relative to the jobs file; default
    Application Default Credentials) and ``endpoint`` (a stand-in for Google such as the
    local emulator)."""

    credentials: Path | None = None
    endpoint: str | None = None


class Job(_Strict):
    """One job: ``name``, ``source`` (a workbook path, absolute once loaded, or a Google
    Sheet address), ``template``, ``actions`` (run in the order given; ``annotate`` needs
    ``validate`` before it), ``schedule``, ``options`` and ``deliver`` (where the
    ``report`` action's reports are delivered; None: only the report folder)."""

    name: str
    source: str
    template: str | None = None
    actions: list[Literal["compute", "validate", "annotate", "report", "sync"]] = Field(
        default_factory=lambda: ["validate"], min_length=1
    )
    schedule: Schedule
    options: JobOptions = JobOptions()
    deliver: Deliver | None = None
    sync: SyncSettings | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("a name of letters, digits, '-', '_' and '.' (up to 100)")
        return value

    @field_validator("actions")
    @classmethod
    def _actions(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each action once")
        if "annotate" in value and (
            "validate" not in value or value.index("validate") > value.index("annotate")
        ):
            raise ValueError("'annotate' marks what 'validate' found: list 'validate' before it")
        return value

    @model_validator(mode="after")
    def _sync_sides(self) -> Job:
        if "sync" in self.actions and self.sync is None:
            raise ValueError("the 'sync' action needs a 'sync' block: {book: FILE} or {sheet: URL}")
        if self.sync is not None and (self.sync.book is None) == self.is_sheet:
            raise ValueError(
                "'sync' names the other side: 'book' for a Google Sheet source, 'sheet' for a "
                "workbook source"
            )
        return self

    @property
    def is_sheet(self) -> bool:
        """True when the source is a Google Sheet."""
        return bool(_SHEET.match(self.source))

    def sync_pair(self) -> tuple[str, str]:
        """(workbook path, sheet address) of the ``sync`` action."""
        assert self.sync is not None
        if self.is_sheet:
            return str(self.sync.book), self.source
        return self.source, str(self.sync.sheet)


class Jobs(_Strict):
    """A loaded jobs file: its ``path``, the ``jobs`` (names unique) and ``sheets``
    (Google Sheets access for ``gsheet://`` sources) and ``reports`` (the report folder;
    None: ``reports/`` beside the jobs file)."""

    path: Path
    jobs: list[Job] = Field(min_length=1)
    sheets: SheetsAccess = SheetsAccess()
    reports: Path | None = None

    @field_validator("jobs")
    @classmethod
    def _unique(cls, value: list[Job]) -> list[Job]:
        names = [j.name for j in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"job names must differ: {', '.join(twice)} appears more than once")
        return value

    def job(self, name: str) -> Job:
        """The job called ``name``; KeyError when there is none."""
        return next(j for j in self.jobs if j.name == name)

    def report_folder(self, job: str) -> Path:
        """The folder of ``job``'s reports: ``REPORTS/JOB`` where REPORTS is the jobs
        file's ``reports`` (default ``reports`` beside the jobs file)."""
        return (self.reports or self.path.parent / "reports") / job

    @property
    def default_db(self) -> str:
        """The SQLite database beside the jobs file: ``sqlite:///DIR/NAME.db`` for
        ``DIR/NAME.yaml``."""
        return f"sqlite:///{self.path.with_suffix('.db')}"


def load_jobs(path: str | Path) -> Jobs:
    """Read and check the jobs file at ``path``.

    Relative workbook sources and the credentials file are made absolute against the
    file's folder.  Returns :class:`Jobs`.  Raises :class:`xl_crm.errors.JobsFileError`
    listing every problem (file, line, key, what was expected) when the file is missing,
    is not YAML, or does not follow the reference in docs/service.md.
    """
    path = Path(path).absolute()
    try:
        raw = load_yaml(path)
    except SpecError as exc:
        raise JobsFileError(exc.problems) from None
    if not isinstance(raw, dict):
        raise JobsFileError([_at(raw, path, (), ("应为映射（jobs: ...）", "expected a mapping"))])
    data = {**plain(raw), "path": str(path)}
    try:
        jobs = Jobs.model_validate(data)
    except ValidationError as exc:
        raise JobsFileError(
            [_at(raw, path, tuple(e["loc"]), pydantic_message(e, DOCS)) for e in exc.errors()]
        ) from None
    return _anchored(jobs)


def _anchored(jobs: Jobs) -> Jobs:
    """``jobs`` with relative paths made absolute against the jobs file's folder."""
    base = jobs.path.parent
    fixed = []
    for j in jobs.jobs:
        if not j.is_sheet:
            j = j.model_copy(update={"source": str(base / Path(j.source))})
        if j.sync is not None and j.sync.book is not None:
            j = j.model_copy(
                update={"sync": j.sync.model_copy(update={"book": base / j.sync.book})}
            )
        if j.deliver is not None and j.deliver.folder is not None:
            j = j.model_copy(
                update={"deliver": j.deliver.model_copy(update={"folder": base / j.deliver.folder})}
            )
        fixed.append(j)
    sheets = jobs.sheets
    if sheets.credentials is not None:
        sheets = sheets.model_copy(update={"credentials": base / sheets.credentials})
    reports = base / jobs.reports if jobs.reports is not None else None
    return jobs.model_copy(update={"jobs": fixed, "sheets": sheets, "reports": reports})


def _at(raw: Any, path: Path, loc: tuple[Any, ...], text: tuple[str, str]) -> SpecProblem:
    loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p == "function-after")))
    mark = mark_at(raw, loc)
    key = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
    return SpecProblem(str(path), mark.line if mark else None, key, text)
