"""``xl-crm sync push|pull|both BOOK SHEET``: two-way sync of a workbook and a Google Sheet,
one library call (:func:`sheets_sync.sync.sync`); docs/sync.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from xl_crm.cli.output import Output, output_options
from xl_crm.cli.paths import OutputTarget
from xl_crm.cli.sheets import (
    CredentialsOption,
    EndpointOption,
    TimeoutOption,
    sheet_address,
    sheets_client,
)
from xl_crm.errors import InvalidOptionError

#: exit code when a person must look: conflicts left open (``--prefer none``), or cells
#: written while someone changed the sheet
OPEN_CONFLICTS_EXIT = 1

DirectionArgument = Annotated[
    str,
    typer.Argument(
        metavar="push|pull|both",
        help="push: write the sheet only; pull: write the workbook only; both: either.",
    ),
]


@output_options(
    files={
        "report": OutputTarget("--report", example="conflicts.csv"),
        "audit_log": OutputTarget("--audit-log", makes_folder=True, example="audit.jsonl"),
    },
    reads="book",
)
def sync_command(
    direction: DirectionArgument,
    book: Annotated[Path, typer.Argument(metavar="BOOK", help="The workbook (.xlsx/.xlsm).")],
    sheet: Annotated[
        str,
        typer.Argument(
            metavar="SHEET",
            help="The spreadsheet: its key, https://docs.google.com/spreadsheets/d/KEY or "
            "gsheet://KEY.",
        ),
    ],
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            "-t",
            help="Template name or spec file (default: the one the workbook or the sheet records).",
        ),
    ] = None,
    prefer: Annotated[
        str,
        typer.Option(
            "--prefer",
            metavar="sheet|local|newest|none",
            help="How a conflict (both sides changed a cell differently) is settled: the "
            "sheet's value, the workbook's, the side whose file changed last, or none (both "
            "left as they are; exit code 1). Every conflict is listed in the report.",
        ),
    ] = "none",
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="FILE",
            help="Write the conflicts report (CSV) "
            "here (default: BOOK-sync-conflicts.csv beside the workbook).",
        ),
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            metavar="URL",
            help="The state store: a SQLAlchemy URL "
            "(default: sqlite:///.xlcrm-sync.db beside the workbook; "
            "postgresql+psycopg://... to share the service's database).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    backups: Annotated[
        int, typer.Option("--backups", help="Backups of the workbook to keep (0: none).")
    ] = 5,
    audit_log: Annotated[
        Path | None, typer.Option("--audit-log", help="Append audit records to this file.")
    ] = None,
    credentials: CredentialsOption = None,
    endpoint: EndpointOption = None,
    timeout: TimeoutOption = None,
    *,
    output: Output,
) -> None:
    """Keep a workbook and a Google Sheet in step without losing anyone's edit.

    Rows are matched by the template's key (客户ID / Customer ID), never by position: rows
    sorted, filtered or inserted on either side stay matched. Each cell is compared with
    the last synced state: a cell changed on one side is copied to the other; a cell
    changed on both, differently, is a conflict (--prefer). New rows are added, deleted
    rows removed (emptied in the workbook). Only changed cells are written; the workbook
    through the in-place writer (backup, atomic replace). A sheet edited during the sync
    is read again, never overwritten.

    Exit codes: 0 in step; 1 a person must look (conflicts left open by --prefer none, or
    cells written while someone changed the sheet); 2 bad input; 3 try again later (the sheet
    kept changing, the workbook open in Excel/WPS/LibreOffice, another sync running, Google
    unavailable).

    Example: xl-crm sync both 客户.xlsx 1AbC...xyz --credentials sa.json

    Example: xl-crm sync push 客户.xlsx gsheet://1AbC...xyz -t ecommerce --prefer local

    Example: xl-crm sync pull 客户.xlsx 1AbC...xyz --dry-run
    """

    if direction not in ("push", "pull", "both"):
        raise InvalidOptionError(
            (f"未知的同步方向 {direction!r}", f"unknown direction {direction!r}"),
            expected=("push、pull 或 both", "push, pull or both"),
        )
    address = sheet_address(sheet)
    gc = sheets_client(credentials, endpoint, timeout)
    from sheets_sync.sync import sync

    result = sync(
        book, address, template=template, direction=direction, prefer=prefer, client=gc,
        state=state, report=report, dry_run=dry_run, backups=backups,
        audit_log=audit_log,
        progress=_progress(output),
    )  # fmt: skip
    output.emit(result)
    _summary(output, result)
    if result.open_conflicts or result.written_while_edited:  # a person must look
        raise typer.Exit(OPEN_CONFLICTS_EXIT)


def _summary(output: Output, result: Any) -> None:
    zh = output.zh
    if result.unchanged:
        output.print("两边自上次同步以来都没有变化" if zh else "nothing changed on either side "
                     "since the last sync")  # fmt: skip
        return
    verb = ("将" if result.dry_run else "") if zh else ("would be " if result.dry_run else "")
    for s in result.sheets:
        if zh:
            output.print(
                f"{s.book_sheet} ↔ {s.sheet_tab}：表格{verb}写入 {s.cells_to_sheet} 个单元格、"
                f"新增 {s.rows_added_to_sheet} 行、删除 {s.rows_deleted_on_sheet} 行；工作簿{verb}"
                f"写入 {s.cells_to_book} 个单元格、新增 {s.rows_added_to_book} 行、清空 "
                f"{s.rows_emptied_in_book} 行；冲突 {len(s.conflicts)} 个"
            )
        else:
            output.print(
                f"{s.book_sheet} <-> {s.sheet_tab}: sheet: {s.cells_to_sheet} cells "
                f"{verb}written, {s.rows_added_to_sheet} rows {verb}added, "
                f"{s.rows_deleted_on_sheet} {verb}deleted; workbook: {s.cells_to_book} cells "
                f"{verb}written, {s.rows_added_to_book} rows {verb}added, "
                f"{s.rows_emptied_in_book} {verb}emptied; {len(s.conflicts)} conflicts"
            )
        if s.written_while_edited:
            cells = ", ".join(s.written_while_edited[:5])
            more = len(s.written_while_edited) - 5
            cells += (
                (f" …（另有 {more} 个）" if zh else f" ... and {more} more") if more > 0 else ""
            )
            output.note(
                f"警告：写入表格的同时有人修改了表格；在那一瞬间输入这些单元格的内容可能被覆盖，"
                f"请检查：{cells}（表格的“版本记录”保留了之前的内容）" if zh
                else "warning: someone changed the sheet while the sync wrote it; what was typed "
                f"in these cells in that instant may have been written over, check: {cells} "
                "(the sheet's version history keeps the earlier values)"
            )  # fmt: skip
        for where in s.changed_after_write[:5]:
            output.note(
                f"{where} 在写入后又被他人修改，下次同步会取回" if zh
                else f"{where} was changed by someone right after the sync wrote it; the "
                "next sync takes it"
            )  # fmt: skip
    if result.dry_run:
        _planned(output, result)
    if result.report is not None:
        left = result.open_conflicts
        settled = len(result.conflicts) - left
        zh_text = (f"冲突报告：{result.report}（{settled} 个按 --prefer 解决，{left} 个未解决、"
                   "两边保持原样）")  # fmt: skip
        en_text = (f"conflicts report: {result.report} ({settled} settled by --prefer, "
                   f"{left} left open with both sides as they were)")  # fmt: skip
        output.print(zh_text if zh else en_text)
    elif result.stale_report is not None:
        output.note(
            f"没有冲突：删除了上次的冲突报告 {result.stale_report}" if zh
            else f"no conflicts: removed the last sync's conflicts report {result.stale_report}"
        )  # fmt: skip
    if result.requests:
        output.print(
            f"Google API 请求 {result.requests} 次（发送 {result.bytes_sent:,} 字节）" if zh
            else f"{result.requests} Google API requests ({result.bytes_sent:,} bytes sent)"
        )  # fmt: skip


#: the steps of a sync as a person reads them (the library's progress(step) names)
STEPS = {
    "gate": ("检查两边是否有变化", "checking whether either side changed"),
    "read": ("读取工作簿和表格", "reading the workbook and the sheet"),
    "merge": ("比较", "comparing"),
    "write sheet": ("写入表格", "writing the sheet"),
    "write workbook": ("写入工作簿", "writing the workbook"),
    "record": ("记录同步状态", "recording the sync"),
}


def _progress(output: Output) -> Any:
    """Progress lines on stderr, only where a person watches (a terminal, not --quiet)."""
    import sys

    if not output.human or output.quiet or not sys.stderr.isatty():
        return None
    return lambda step: output.note(STEPS.get(step, (step, step))[0 if output.zh else 1] + " ...")


def _planned(output: Output, result: Any, limit: int = 20) -> None:
    """What a --dry-run would write, cell by cell (the first ``limit``; no values)."""
    lines = [
        (f"  {where}: {what}", f"  {where}: {what_en}")
        for s in result.sheets
        for where, what, what_en in s.planned
    ]
    for zh, en in lines[:limit]:
        output.print(zh if output.zh else en)
    if len(lines) > limit:
        more = len(lines) - limit
        output.print(f"  ……另有 {more} 处" if output.zh else f"  ... and {more} more")
