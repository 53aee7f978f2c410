"""``xl-crm compute``: derived customer columns written in place (or a customer summary)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from xl_crm.cli.options import (
    AsOfOption,
    ForceOption,
    PasswordOption,
    ProgressBar,
    RfmOption,
    SheetOption,
    SummarySheetOption,
    TemplateOption,
    WindowOption,
    sheet_pairs,
)
from xl_crm.cli.output import Output, output_options
from xl_crm.cli.paths import OutputTarget


@output_options(
    csv=True,
    files={
        "summary_file": OutputTarget("-o", may_be_book=True, example="customers.xlsx"),
        "audit_log": OutputTarget("--audit-log", makes_folder=True, example="audit.jsonl"),
    },
    reads="book",
)
def compute_command(
    book: Annotated[
        Path,
        typer.Argument(help="Workbook (.xlsx or .xlsm) to write into, or a CSV of orders (-o)."),
    ],
    template: TemplateOption = None,
    as_of: AsOfOption = None,
    rfm_columns: RfmOption = True,
    window: WindowOption = 365,
    backups: Annotated[
        int, typer.Option("--backups", help="Backups of the workbook to keep (0: none).")
    ] = 5,
    audit_log: Annotated[
        Path | None, typer.Option("--audit-log", help="Append an audit record to this file.")
    ] = None,
    sheet: SheetOption = None,
    summary_sheet: SummarySheetOption = None,
    summary_file: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Orders only: write the customer summary to this .xlsx or .csv file "
            "instead (needed for a CSV, which is never modified).",
        ),
    ] = None,
    password: PasswordOption = None,
    force: ForceOption = False,
    *,
    output: Output,
) -> None:
    """Compute purchase frequency, recency, spend, RFM and segments; write them in place.

    Everything else in the workbook is kept byte for byte; a backup is kept in
    .xlcrm-backups/ beside it. Running again with the same inputs changes nothing.
    Only columns whose values differ are written; a computed column holding your own
    formulas is not replaced unless you add --force.
    A workbook or CSV that holds only orders (customer ID, date, amount) gets a customer
    summary instead: one row per customer, added as a new sheet or written to -o.
    An encrypted workbook (--password) is written encrypted again with the same password.
    --json writes the result, --csv the customers per segment. Every output path is
    checked before the workbook is read.

    Example: xl-crm compute customers.xlsx --as-of 2026-06-30

    Example (orders only): xl-crm compute orders.csv -t ecommerce -o customers.xlsx

    Example: xl-crm compute locked.xlsx --password secret --as-of 2026年6月30日 --window 90
    """
    from xl_crm import compute

    big = book.exists() and book.stat().st_size >= 2_000_000  # a bar only when it helps
    with ProgressBar(enabled=big and not output.quiet) as progress_cb:
        result = compute(
            book,
            template=template,
            as_of=as_of,
            rfm_columns=rfm_columns,
            window_days=window,
            backups=backups,
            audit_log=audit_log,
            progress=progress_cb,
            sheets=sheet_pairs(sheet),
            summary_sheet=summary_sheet,
            output=summary_file,
            password=password,
            force=force,
        )
    report_compute(result, output)


def report_compute(result: Any, output: Output) -> None:
    """What ``compute`` and ``sheets compute`` show of a ComputeResult: --json/--csv, the
    summary line, notes, warnings and the customers per segment."""
    output.emit(result)
    state = "wrote" if result.written else "unchanged (already up to date)"
    where = f"{result.path}: {result.sheet}" if result.sheet else f"{result.path}"
    output.print(f"{where}, {result.rows:,} customers, as of {result.as_of}: {state}")
    if result.derived_from is not None:
        output.print(f"customers derived from the orders on {result.derived_from}")
    for zh, en in result.notes:
        output.note(f"[yellow]{'注意' if output.zh else 'note'}:[/] {zh if output.zh else en}")
    output.print("columns: " + ", ".join(result.columns))
    _row_warnings(
        output,
        result.unused,
        (
            "行无法使用（相应客户的指标不含这些行）",
            "rows could not be used (their customers' figures leave them out)",
        ),
        more=("（完整列表请运行 validate）", " (run validate for the full list)"),
    )
    _row_warnings(
        output,
        result.overwritten,
        ("处被 --force 覆盖", "places written over with --force"),
    )
    for name, counts in result.segments.items():
        table = Table("segment", "customers", title=name, title_justify="left")
        for label, n in counts.items():
            table.add_row(label, f"{n:,}")
        output.print(table)
    _row_warnings(
        output,
        result.duplicates,
        (
            "行订单与前面某行每一列都相同（仍已计入；请确认没有重复录入）",
            "order rows repeat an earlier row in every column "
            "(counted all the same; check they were not entered twice)",
        ),
    )


def _row_warnings(
    output: Output,
    rows: list[tuple[str, str, str]],
    headline: tuple[str, str],
    *,
    more: tuple[str, str] = ("", ""),
    limit: int = 10,
) -> None:
    """A warning on stderr headed ``N <headline>:`` with the first ``limit`` rows (cell,
    zh, en), in the output's language; nothing with ``--quiet``."""
    if not rows:
        return
    label, pick = ("警告", 0) if output.zh else ("warning", 1)
    output.note(f"[yellow]{label}:[/] {len(rows):,} {headline[pick]}:")
    for row in rows[:limit]:
        output.note(f"  {row[0]}: {row[1 + pick]}", markup=False)
    if len(rows) > limit:
        rest = len(rows) - limit
        tail = f"  …… 另有 {rest:,} 行" if output.zh else f"  ... and {rest:,} more"
        output.note(tail + more[pick], markup=False)
