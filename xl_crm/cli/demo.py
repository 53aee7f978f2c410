"""``xl-crm demo``: every built-in template built, computed and validated in a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xl_crm.cli.output import Output, output_options
from xl_crm.cli.paths import OutputTarget


@output_options(files={"out_dir": OutputTarget("--out", folder=True)})
def demo_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the demo files.")] = Path(
        "demo"
    ),
    rows: Annotated[int, typer.Option("--rows", help="Sample rows per workbook.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the sample data.")] = 42,
    sheets: Annotated[
        bool,
        typer.Option(
            "--sheets/--no-sheets",
            help="Then build, validate and compute a Google Sheet in the local emulator "
            "and run the service once on OUT/jobs.yaml (no credentials; needs the sheets "
            "and service extras).",
        ),
    ] = True,
    *,
    output: Output,
) -> None:
    """Build every built-in template with sample data into a folder.

    Each is computed and a copy with planted errors validated; then a workbook laid out like
    a shop's own (Sheet1, a title row, alias headers, dates and amounts as text, blank rows)
    and an orders-only CSV are written, validated and computed (the CSV's customers derived
    into a summary workbook). Last, the local Google Sheets emulator is started, the
    ecommerce template built into a sheet there, a few bad values typed in, and the sheet
    validated and computed; then the scheduled service runs once on a jobs file it writes,
    OUT/jobs.yaml (a job on that sheet, one on a workbook), and prints each job's outcome
    and report (--no-sheets leaves both out). --json writes the lines it reports.

    Example: xl-crm demo --out demo --rows 500
    """
    from xl_crm.demo import demo

    result = demo(out_dir, rows=rows, seed=seed, on_line=output.print, sheets=sheets)
    output.emit(result)
