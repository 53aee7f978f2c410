"""``xl-crm sheets ...``: Google Sheets commands.  ``sheets build|validate|compute|annotate``
are the local commands on a Google Sheet: the same options, report and exit codes, through
the shared handlers of :mod:`.checking` and :mod:`.computing` on a
:class:`sheets_sync.book.GoogleSheetBook` opened with ``sheets_sync.connect()``.
``sheets emulator`` runs the local Sheets API emulator (``sheets_sync.emulator``) for tests,
the demo and users' own gspread code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from xl_crm.cli.checking import AnnotateOption, annotate_and_report, check_and_report
from xl_crm.cli.computing import report_compute
from xl_crm.cli.emulator import emulator_command
from xl_crm.cli.options import (
    AsOfOption,
    ForceOption,
    HtmlOption,
    LimitOption,
    MaskOption,
    RfmOption,
    SheetOption,
    SummarySheetOption,
    TemplateOption,
    WindowOption,
)
from xl_crm.cli.output import Output, output_options
from xl_crm.cli.paths import OutputTarget
from xl_crm.errors import InvalidOptionError, MissingExtraError

sheets_app = typer.Typer(
    help="Google Sheets: build a template into a sheet, validate, compute and annotate it "
    "(the local commands' options and reports), and the local Sheets API emulator.\n\n"
    "Example: xl-crm sheets validate 1AbC...xyz --credentials service-account.json\n\n"
    "Example: xl-crm sheets emulator --port 8765",
    no_args_is_help=True,
)

SheetArgument = Annotated[
    str,
    typer.Argument(
        metavar="SHEET",
        help="The spreadsheet: its key, its https://docs.google.com/spreadsheets/d/KEY "
        "address or gsheet://KEY.",
    ),
]
CredentialsOption = Annotated[
    Path | None,
    typer.Option(
        "--credentials",
        metavar="FILE",
        help="A service-account key or authorized-user JSON file (default: Application "
        "Default Credentials: GOOGLE_APPLICATION_CREDENTIALS, gcloud auth "
        "application-default login). Share the sheet with a service account's client_email.",
    ),
]
EndpointOption = Annotated[
    str | None,
    typer.Option(
        "--endpoint",
        metavar="URL",
        envvar="XL_CRM_SHEETS_ENDPOINT",
        show_envvar=True,
        help="Send the API calls here instead of Google: the local emulator's URL "
        "(xl-crm sheets emulator); no credentials are needed then.",
    ),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        min=0.1,
        help="Give up on an answer from Google (or --endpoint) after this many seconds, "
        "per request (default: 10 s to connect, 60 s to read).",
    ),
]
RetriesOption = Annotated[
    int,
    typer.Option(
        "--retries",
        metavar="N",
        min=0,
        help="Send a call that failed with a quota, 5xx, timeout or connection error "
        "again up to N times, with jittered backoff, within 2 minutes (0: never).",
    ),
]
#: a bare spreadsheet key: letters, digits, - and _ (Drive file IDs, the emulator's own
#: keys such as "team"); a path (a dot or a slash) never matches
KEY = re.compile(r"[A-Za-z0-9_-]+")
WRITES = ("写入", "writes")
#: the name of the log handler :func:`show_log` adds
LOG_HANDLER = "xl-crm-sheets-log"


def sheet_address(given: str) -> str:
    """``gsheet://KEY`` for a bare key; a ``gsheet://`` or docs.google.com address as it
    is.  Raises :class:`InvalidOptionError` for anything else (a file path, say)."""
    from xl_crm.book import GOOGLE_SHEET

    text = given.strip()
    if GOOGLE_SHEET.match(text):
        return text
    if KEY.fullmatch(text):
        return f"gsheet://{text}"
    raise InvalidOptionError(
        (
            f"{given!r} 不是 Google 表格的 key 或网址",
            f"{given!r} is not a Google Sheet key or address",
        ),
        expected=(
            "表格 key、https://docs.google.com/spreadsheets/d/KEY 或 gsheet://KEY",
            "a spreadsheet key, https://docs.google.com/spreadsheets/d/KEY or gsheet://KEY",
        ),
        hint=(
            "key 只含字母、数字、- 和 _（网址中 /d/ 与 /edit 之间的部分）；"
            "本地文件请用 xl-crm validate / compute / annotate FILE",
            "a key is letters, digits, - and _ (the part of the sheet's URL between /d/ and "
            "/edit); for a local file use xl-crm validate / compute / annotate FILE",
        ),
    )


def sheets_client(
    credentials: Path | None,
    endpoint: str | None,
    timeout: float | None = None,
    retries: int | None = None,
) -> Any:
    """An authorised gspread Client (``sheets_sync.connect``); MissingExtraError without
    the ``sheets`` extra, the Sheets credential errors otherwise (docs/sheets.md).
    ``timeout``: seconds per request (None: connect()'s default); ``retries``: resends
    of a failed call (None: connect()'s default)."""
    try:
        from sheets_sync import connect
        from sheets_sync.http import DEFAULT_TIMEOUT
    except ImportError:
        raise MissingExtraError("gspread", "sheets") from None
    return connect(
        credentials,
        endpoint=endpoint,
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        retries=retries,
    )


def show_log(quiet: bool) -> None:
    """Print the ``sheets_sync`` log (sends at DEBUG, retries at INFO) on stderr when the
    environment variable ``XL_CRM_LOG`` names a level (``debug``, ``info``) and
    ``--quiet`` is not given; by default the CLI shows none of it."""
    import logging
    import os
    import sys

    logger = logging.getLogger("sheets_sync")
    for old in [h for h in logger.handlers if h.get_name() == LOG_HANDLER]:
        logger.removeHandler(old)  # an earlier command's, in the same process
    level = os.environ.get("XL_CRM_LOG", "").strip().upper()
    if quiet or not isinstance(logging.getLevelName(level), int):
        logger.setLevel(logging.NOTSET)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(LOG_HANDLER)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)


def open_sheet(
    given: str,
    credentials: Path | None,
    endpoint: str | None,
    timeout: float | None = None,
    retries: int | None = None,
    *,
    quiet: bool = False,
) -> Any:
    """The :class:`sheets_sync.book.GoogleSheetBook` of ``given`` (see :func:`sheet_address`),
    through :func:`sheets_client`; ``quiet``: never show the log (:func:`show_log`)."""
    address = sheet_address(given)
    show_log(quiet)
    gc = sheets_client(credentials, endpoint, timeout, retries)
    from sheets_sync.book import open_book

    return open_book(address, client=gc)


@sheets_app.command("build")
@output_options()
def sheets_build_command(
    sheet: Annotated[
        str | None,
        typer.Argument(
            metavar="[SHEET]",
            help="An existing spreadsheet to build into (key, address or gsheet://KEY); "
            "leave out and give --title for a new one.",
        ),
    ] = None,
    template: Annotated[
        str, typer.Option("--template", "-t", help="Template name or spec file.")
    ] = "",
    title: Annotated[
        str | None,
        typer.Option("--title", help="Create a new spreadsheet with this title."),
    ] = None,
    sample: Annotated[
        int, typer.Option("--sample", "-n", help="Fill the first sheet with N realistic rows.")
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed for repeatable sample data.")] = 0,
    replace_template: Annotated[
        bool,
        typer.Option(
            "--replace-template",
            help="Build into a spreadsheet that records another template, making this one "
            "its template (refused without it).",
        ),
    ] = False,
    credentials: CredentialsOption = None,
    endpoint: EndpointOption = None,
    timeout: TimeoutOption = None,
    retries: RetriesOption = 5,
    *,
    output: Output,
) -> None:
    """Build a template into a Google Sheet in one batchUpdate: headers, dropdowns,
    formats, frozen header, filter, protected computed columns, sample rows.

    Into an existing spreadsheet (its other sheets are kept; a template sheet's name that
    holds data is refused, and so are sheets of other names that already hold the
    template's columns, say in the other language; another recorded template is refused
    unless --replace-template) or, with --title, a new one.  --lang sets the language of the
    headers and help.  --json writes what was built (key, URL, sheets, requests).
    Exit code 0 when built, 2 when the sheet cannot be used or the build is refused
    (credentials, not shared, unknown key), 3 when Google or the endpoint should be tried
    again later (quota used up, 5xx, timeout, unreachable).

    Example: xl-crm sheets build --title 客户资料 -t ecommerce --sample 100

    Example: xl-crm sheets build 1AbC...xyz -t hotel --lang en --credentials sa.json
    """
    if not template:
        raise InvalidOptionError(
            ("缺少 --template", "--template is missing"),
            hint=("例如 -t ecommerce（xl-crm template list 列出模板）",
                  "e.g. -t ecommerce (xl-crm template list shows them)"),
        )  # fmt: skip
    if (sheet is None) == (title is None):
        raise InvalidOptionError(
            ("请给出表格 SHEET 或 --title（二者选一）", "give SHEET or --title (one of them)"),
            hint=("已有表格：xl-crm sheets build KEY -t NAME；新表格：--title 标题",
                  "an existing sheet: xl-crm sheets build KEY -t NAME; a new one: --title TITLE"),
        )  # fmt: skip
    address = sheet_address(sheet) if sheet is not None else None
    show_log(output.quiet)
    gc = sheets_client(credentials, endpoint, timeout, retries)
    from sheets_sync.build import build_sheet

    if address is not None:
        from sheets_sync.book import spreadsheet_key

        target = gc.open_by_key(spreadsheet_key(address))
    else:
        target = gc
    result = build_sheet(
        target,
        template,
        title=title,
        lang=output.lang,
        sample=sample,
        seed=seed,
        replace_template=replace_template,  # type: ignore[arg-type]
    )
    output.emit(result)
    rows = ", ".join(f"{name}: {n:,} rows" for name, n in result.sheets.items())
    state = "created" if result.created else "built into"
    output.print(
        f"{state} {result.title} ({result.template}, {result.lang}; {rows}) in "
        f"{result.seconds:.1f} s, {result.requests} batchUpdate"
    )
    where = (
        f"{endpoint.rstrip('/')}/v4/spreadsheets/{result.spreadsheet_id}"
        if endpoint
        else result.url
    )
    output.print(f"key {result.spreadsheet_id}: {where}")


@sheets_app.command("validate")
@output_options(csv=True, files={"html_file": OutputTarget("--html", example="report.html")})
def sheets_validate_command(
    sheet: SheetArgument,
    template: TemplateOption = None,
    html_file: HtmlOption = None,
    mask: MaskOption = False,
    annotate_book: AnnotateOption = False,
    report_tab: Annotated[
        bool,
        typer.Option(
            "--report-tab",
            help="Write the findings into a tab of the spreadsheet (校验报告 / Validation "
            "report, in --lang), replacing the tab of an earlier run in either language.",
        ),
    ] = False,
    limit: LimitOption = 20,
    sheet_pairs: SheetOption = None,
    credentials: CredentialsOption = None,
    endpoint: EndpointOption = None,
    timeout: TimeoutOption = None,
    retries: RetriesOption = 5,
    *,
    output: Output,
) -> None:
    """Check a Google Sheet against its template, as xl-crm validate checks a workbook.

    The template recorded by sheets build is used unless --template names one. The same
    report, --json/--csv/--html files and exit codes as xl-crm validate: 0 when no finding
    is an error, 1 when some are, 2 when the sheet cannot be read (no credentials, not
    shared with the service account, unknown key), 3 when Google or the endpoint should be
    tried again later (quota used up, 5xx, timeout, unreachable).

    Example: xl-crm sheets validate 1AbC...xyz --credentials sa.json --report-tab

    Example: xl-crm sheets validate gsheet://1AbC...xyz -t ecommerce --json report.json
    """
    book = open_sheet(sheet, credentials, endpoint, timeout, retries, quiet=output.quiet)

    def tab(report: Any) -> None:
        from xl_crm.validation.tab import TAB_NAME, is_report_tab, write_report_tab

        name = write_report_tab(book, report, output.lang)
        other = TAB_NAME[
            "en" if output.lang == "zh" else "zh"
        ]  # an earlier run's, in the other --lang
        if book.remove_sheet(other, only_if=is_report_tab):
            output.note(f"removed the earlier report tab {other}")
        output.note(f"wrote the report to the tab {name} of {book.name}")

    try:
        check_and_report(
            book, output, template=template, mask=mask, sheet=sheet_pairs, shown=book.name,
            html_file=html_file, annotate_book=annotate_book, limit=limit,
            after=tab if report_tab else None,
        )  # fmt: skip
    finally:
        book.close()


@sheets_app.command("compute")
@output_options(csv=True)
def sheets_compute_command(
    sheet: SheetArgument,
    template: TemplateOption = None,
    as_of: AsOfOption = None,
    rfm_columns: RfmOption = True,
    window: WindowOption = 365,
    sheet_pairs: SheetOption = None,
    summary_sheet: SummarySheetOption = None,
    force: ForceOption = False,
    credentials: CredentialsOption = None,
    endpoint: EndpointOption = None,
    timeout: TimeoutOption = None,
    retries: RetriesOption = 5,
    *,
    output: Output,
) -> None:
    """Compute purchase frequency, recency, spend, RFM and segments into a Google Sheet.

    As xl-crm compute does for a workbook: only changed cells are written (as values,
    never formulas), a computed column holding formulas is refused unless --force, a
    sheet of orders only gets a customer summary tab. --json writes the result, --csv the
    customers per segment.  Exit code 0 when computed, 2 when the sheet cannot be used
    (credentials, not shared, unknown key, bad rows), 3 when Google or the endpoint should
    be tried again later (quota used up, 5xx, timeout, unreachable).

    Example: xl-crm sheets compute 1AbC...xyz --as-of 2026-06-30 --credentials sa.json
    """
    from xl_crm import compute
    from xl_crm.cli.options import sheet_pairs as pairs

    book = open_sheet(sheet, credentials, endpoint, timeout, retries, quiet=output.quiet)
    try:
        result = compute(
            book, template=template, as_of=as_of, rfm_columns=rfm_columns, window_days=window,
            sheets=pairs(sheet_pairs), summary_sheet=summary_sheet, force=force,
        )  # fmt: skip
    finally:
        book.close()
    report_compute(result, output)


@sheets_app.command("annotate")
@output_options(csv=True)
def sheets_annotate_command(
    sheet: SheetArgument,
    template: TemplateOption = None,
    mask: MaskOption = False,
    sheet_pairs: SheetOption = None,
    credentials: CredentialsOption = None,
    endpoint: EndpointOption = None,
    timeout: TimeoutOption = None,
    retries: RetriesOption = 5,
    *,
    output: Output,
) -> None:
    """Validate a Google Sheet and mark each bad cell: a fill and a note with the findings
    in --lang; marks of an earlier run are cleared first. --json writes what was marked,
    --csv the marks.  Exit codes as sheets validate: 0, 1 (errors found), 2 (the sheet
    cannot be used), 3 (quota, 5xx, timeout, unreachable: try again later).

    Example: xl-crm sheets annotate 1AbC...xyz --lang en --credentials sa.json
    """
    book = open_sheet(sheet, credentials, endpoint, timeout, retries, quiet=output.quiet)
    try:
        annotate_and_report(book, output, template=template, mask=mask, sheet=sheet_pairs)
    finally:
        book.close()


sheets_app.command("emulator")(emulator_command)
