"""``xl-crm validate`` and ``xl-crm annotate``: check a workbook, mark its bad cells."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from xl_crm.cli.options import (
    HtmlOption,
    LimitOption,
    MaskOption,
    PasswordOption,
    SheetOption,
    TemplateOption,
    sheet_pairs,
)
from xl_crm.cli.output import Output, out, output_options
from xl_crm.cli.paths import OutputTarget

BookArgument = Annotated[Path, typer.Argument(help="Workbook (.xlsx, .xlsm, .xls, .ods) or .csv.")]
AnnotateOption = Annotated[
    bool,
    typer.Option(
        "--annotate",
        help="Mark each bad cell in the workbook (fill and note); "
        "marks of an earlier run are cleared.",
    ),
]


def check_and_report(
    book: Any,
    output: Output,
    *,
    template: str | None,
    mask: bool,
    sheet: list[str] | None,
    shown: str,
    password: str | None = None,
    html_file: Path | None = None,
    annotate_book: bool = False,
    limit: int = 20,
    after: Callable[[Any], None] | None = None,
) -> NoReturn:
    """What ``validate`` and ``sheets validate`` do with ``book`` (a path or a Book): the
    report to --json/--csv/--html, the cells marked when ``annotate_book``, ``after(report)``
    (the sheets command's report tab), the report in the terminal; then exit with the
    report's exit code (0 no error, 1 errors).  ``shown``: how notes name the book."""
    from xl_crm import validate
    from xl_crm.validation.render import print_report, write_html

    report = validate(
        book, template=template, password=password, mask=mask, sheets=sheet_pairs(sheet)
    )
    output.emit(report)
    if html_file is not None:
        write_html(report, html_file, lang=output.lang)  # type: ignore[arg-type]
    if annotate_book:
        from xl_crm import annotate

        marked = annotate(book, report, lang=output.lang, password=password)
        output.note(f"marked {marked.marked} cells in {shown}")
    if after is not None:
        after(report)
    if output.human:
        print_report(report, out, lang=output.lang, limit=limit)  # type: ignore[arg-type]
    raise typer.Exit(report.exit_code)


def annotate_and_report(
    book: Any,
    output: Output,
    *,
    template: str | None,
    mask: bool,
    sheet: list[str] | None,
    password: str | None = None,
) -> None:
    """What ``annotate`` and ``sheets annotate`` do with ``book`` (a path or a Book):
    validate, mark the bad cells, the marks to --json/--csv and a summary line."""
    from xl_crm import annotate, validate

    report = validate(
        book, template=template, password=password, mask=mask, sheets=sheet_pairs(sheet)
    )
    result = annotate(book, report, lang=output.lang, password=password)
    output.emit(result)
    output.print(f"marked {result.marked} cells in {result.file}")


@output_options(
    csv=True, files={"html_file": OutputTarget("--html", example="report.html")}, reads="book"
)
def validate_command(
    book: BookArgument,
    template: TemplateOption = None,
    html_file: HtmlOption = None,
    mask: MaskOption = False,
    annotate_book: AnnotateOption = False,
    password: PasswordOption = None,
    limit: LimitOption = 20,
    sheet: SheetOption = None,
    *,
    output: Output,
) -> None:
    """Check a workbook against its template; every finding names its cell.

    Sheets are matched to the template's sheets by their headers, columns by their header
    text; the report starts with that mapping. --json writes the report, --csv the
    findings. Exit code 0 when no finding is an error, 1 when some are, 2 when the file
    cannot be read.

    Example: xl-crm validate customers.xlsx --html report.html --mask

    Example: xl-crm validate export.xlsx -t ecommerce --sheet orders=Sheet2
    """
    check_and_report(
        book, output, template=template, mask=mask, sheet=sheet, shown=str(book),
        password=password, html_file=html_file, annotate_book=annotate_book, limit=limit,
    )  # fmt: skip


@output_options(csv=True, reads="book")
def annotate_command(
    book: Annotated[Path, typer.Argument(help="Workbook (.xlsx or .xlsm) to mark.")],
    template: TemplateOption = None,
    mask: MaskOption = False,
    sheet: SheetOption = None,
    password: PasswordOption = None,
    *,
    output: Output,
) -> None:
    """Validate a workbook and mark each bad cell in it: a fill and a note with the
    findings in --lang. Marks of an earlier run are cleared first, so fixed cells lose
    theirs. --json writes what was marked, --csv the marks (sheet, cell marked, note,
    moved_from: the bad cell when it is hidden in merged cells and its mark went to the
    merge's top-left cell). An encrypted workbook (--password) stays encrypted with the
    same password.

    Example: xl-crm annotate customers.xlsx --lang en

    Example: XLCRM_PASSWORD=secret xl-crm annotate locked.xlsx
    """
    annotate_and_report(book, output, template=template, mask=mask, sheet=sheet, password=password)
