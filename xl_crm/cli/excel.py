"""``xl-crm excel init`` and ``xl-crm excel lite``: set a workbook up for the xlwings
runtimes (docs/excel.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from xl_crm.cli.output import Output, output_options
from xl_crm.cli.paths import OutputTarget


@output_options(reads="book")
def excel_init_command(
    book: Annotated[Path, typer.Argument(help="Workbook (.xlsx or .xlsm) to set up.")],
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            "-t",
            help="Template the macros use, written on the xl-crm sheet (default: the one "
            "that built the workbook; you can edit it in Excel).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rewrite these sheets when the workbook has them.")
    ] = False,
    *,
    output: Output,
) -> None:
    """Add the sheets classic xlwings and xlwings Lite use to a workbook.

    Adds 'xlwings.conf' (UDF Modules = xl_crm.excel.classic, for the CRM_* worksheet
    functions in classic xlwings), 'xl-crm functions' (an example formula of every
    function, with its result on sample data) and 'xl-crm' (the template the macros use,
    each macro's RunPython line and Lite script, how to make buttons). Every other part of
    the workbook stays as it was. Refused when one of these sheets exists, unless --force.

    Example: xl-crm excel init customers.xlsx --template ecommerce
    """
    from xl_crm.excel.starter import init_workbook

    result = init_workbook(book, template=template, force=force)
    output.emit(result)
    output.note(f"added {', '.join(result['sheets'])} to {book}")


@output_options(files={"out_dir": OutputTarget("--out", folder=True, example="lite")})
def excel_lite_command(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write main.py and requirements.txt into."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace main.py and requirements.txt in --out.")
    ] = False,
    *,
    output: Output,
) -> None:
    """Print (or write to a folder) main.py and requirements.txt for xlwings Lite.

    Paste them into the Lite add-in's main.py and requirements.txt tabs: the CRM_*
    functions then work in cells and the xl-crm scripts appear in the add-in.

    Example: xl-crm excel lite --out lite
    """
    from xl_crm import __version__
    from xl_crm.excel.starter import lite_files

    files = lite_files(__version__)
    result: dict[str, Any] = {"files": dict(files), "written": []}
    if out_dir is None:
        for name, text in files.items():
            output.print(f"# {name}", style="bold")
            output.print(text, markup=False)
    else:
        from xl_crm.excel.starter import write_files

        result["written"] = [str(p) for p in write_files(out_dir, files, force=force)]
        output.note(f"wrote {', '.join(result['written'])}")
    output.emit(result)
