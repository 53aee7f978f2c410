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
    A warning says when the workbook's sheets do not match the template's headers (and
    which template they look like); the sheets are added all the same.

    Example: xl-crm excel init customers.xlsx --template ecommerce
    """
    from xl_crm.excel.starter import init_workbook

    result = init_workbook(book, template=template, force=force)
    output.emit(result)
    sheets = ("、" if output.zh else ", ").join(result["sheets"])
    added = f"已向 {book} 添加 {sheets}。" if output.zh else f"Added {sheets} to {book}."
    output.note(f"{added}\n{result['next'][output.lang]}")
    if result["headers"]:
        warning = "警告：" if output.zh else "warning: "
        output.note(warning + result["headers"][output.lang], markup=False, style="yellow")


@output_options(files={"out_dir": OutputTarget("--out", folder=True, example="lite")})
def excel_lite_command(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write main.py and requirements.txt into."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace main.py and requirements.txt in --out.")
    ] = False,
    wheel: Annotated[
        str | None,
        typer.Option(
            "--wheel",
            help="URL of an xl-crm wheel (.whl) for requirements.txt, instead of the "
            "release on PyPI (for a version not published there).",
        ),
    ] = None,
    *,
    output: Output,
) -> None:
    """Print (or write to a folder) main.py and requirements.txt for xlwings Lite.

    Paste them into the Lite add-in's main.py and requirements.txt tabs: the CRM_*
    functions then work in cells and the xl-crm scripts appear in the add-in.
    requirements.txt names the xl-crm version running here; when that version is not on
    PyPI, give the URL of its wheel with --wheel. --out creates the folder when its
    parent exists.

    Example: xl-crm excel lite --out lite
    """
    from xl_crm import __version__
    from xl_crm.excel.starter import lite_files

    if wheel is not None and not wheel.split("?")[0].endswith(".whl"):
        from xl_crm.errors import InvalidOptionError

        raise InvalidOptionError(
            (f"--wheel {wheel!r} 不是 .whl 文件的网址", f"--wheel {wheel!r} is not a .whl URL"),
            expected=(
                "以 .whl 结尾的网址，如 https://…/xl_crm-0.1.0-py3-none-any.whl",
                "a URL ending in .whl, e.g. https://…/xl_crm-0.1.0-py3-none-any.whl",
            ),
        )
    files = lite_files(__version__, wheel)
    result: dict[str, Any] = {"files": dict(files), "written": []}
    if out_dir is None:
        for name, text in files.items():
            output.print(f"# {name}", style="bold")
            output.print(text, markup=False)
    else:
        from xl_crm.excel.starter import write_files

        made = not out_dir.exists()
        result["written"] = [str(p) for p in write_files(out_dir, files, force=force)]
        result["created"] = str(out_dir) if made else None
        if made:
            output.note(f"已新建文件夹 {out_dir}" if output.zh else f"created the folder {out_dir}")
        written = ", ".join(result["written"])
        output.note(f"已写入 {written}" if output.zh else f"wrote {written}")
    output.emit(result)
