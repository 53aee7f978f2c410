"""``xl-crm``: commands parse options, make one library call and print the result.

Library errors (:class:`xl_crm.XlCrmError`) become one clear message on stderr and a
non-zero exit code: 1 when the input was read but is not valid (a spec that fails
``check``), 2 when it cannot be used at all.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from xl_crm import __version__
from xl_crm.errors import SpecError, XlCrmError

app = typer.Typer(
    name="xl-crm",
    help="Spreadsheet-native CRM toolkit: templates, validation and customer analytics "
    "for Excel workbooks and Google Sheets.\n\nExample: xl-crm template build ecommerce "
    "-o customers.xlsx --sample 100",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,  # locals may hold customer data
)
template_app = typer.Typer(
    help="Industry templates: list, show, build workbooks, check and infer specs.\n\n"
    "Example: xl-crm template build hotel -o hotel.xlsx --lang en",
    no_args_is_help=True,
)
app.add_typer(template_app, name="template")

out = Console(soft_wrap=True)
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

TemplateOption = Annotated[
    str | None,
    typer.Option(
        "--template",
        "-t",
        help="Template name or spec file (default: the one that built the workbook).",
    ),
]
Lang = Annotated[
    str, typer.Option("--lang", "-l", help="Language of headers, help and messages: zh or en.")
]
SheetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--sheet",
        "-s",
        help="TEMPLATE_SHEET=BOOK_SHEET: read the template sheet (its id or zh/en name) from "
        "this workbook sheet instead of the one matched by headers (repeatable).",
    ),
]


def handle_errors(func: F) -> F:
    """Turn library errors into one message on stderr, in the command's ``--lang`` (zh by
    default), and the error's exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except XlCrmError as exc:
            print_error(exc, kwargs.get("lang", "zh"))
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def print_error(exc: XlCrmError, lang: str) -> None:
    """One error on stderr: ``错误：…`` / ``error: …`` and its fix line, in ``lang``."""
    lang = lang if lang in ("zh", "en") else "zh"
    label = "错误" if lang == "zh" else "error"
    err.print(f"[bold red]{label}:[/] ", end="", highlight=False, markup=True)
    err.print(exc.text(lang), highlight=False, markup=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        out.print(f"xl-crm {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """xl-crm command line."""


def sheet_pairs(given: list[str] | None) -> dict[str, str] | None:
    """``["orders=Sheet2"]`` -> ``{"orders": "Sheet2"}`` (names checked by the library)."""
    if not given:
        return None
    pairs: dict[str, str] = {}
    for item in given:
        wanted, sep, name = item.partition("=")
        if not sep or not wanted.strip() or not name.strip():
            raise XlCrmError(
                (
                    f"--sheet {item!r}：应写作 模板工作表=工作簿工作表",
                    f"--sheet {item!r}: expected TEMPLATE_SHEET=BOOK_SHEET",
                ),
                hint=(
                    "例如 --sheet orders=Sheet2 或 --sheet 客户=客户资料",
                    "for example --sheet orders=Sheet2 or --sheet 客户=客户资料",
                ),
            )
        pairs[wanted.strip()] = name.strip()
    return pairs


def _check_lang(lang: str) -> str:
    if lang not in ("zh", "en"):
        raise XlCrmError(
            (f"未知语言 {lang!r}", f"unknown language {lang!r}"),
            hint=("使用 --lang zh 或 --lang en", "use --lang zh or --lang en"),
        )
    return lang


@template_app.command("list")
@handle_errors
def template_list() -> None:
    """List the built-in templates.

    Example: xl-crm template list
    """
    from xl_crm.specs import list_templates

    table = Table("name", "title (zh)", "title (en)", "sheets", "extends")
    for info in list_templates():
        table.add_row(
            info.name, info.title_zh, info.title_en, ", ".join(info.sheets), info.extends or ""
        )
    out.print(table)


@template_app.command("show")
@handle_errors
def template_show(
    name: Annotated[str, typer.Argument(help="Built-in template name or path to a spec file.")],
    lang: Lang = "zh",
    as_yaml: Annotated[
        bool, typer.Option("--yaml", help="Print the whole spec as YAML (extends resolved).")
    ] = False,
) -> None:
    """Show a template's sheets and fields.

    Example: xl-crm template show hotel --lang en
    """
    from xl_crm.specs import load_spec
    from xl_crm.specs.dump import dump_spec
    from xl_crm.xlsx.texts import TYPE_LABELS

    _check_lang(lang)
    spec = load_spec(name)
    if as_yaml:
        sys.stdout.write(dump_spec(spec))
        return
    out.print(f"[bold]{spec.title.get(lang)}[/] ({spec.name})")
    if spec.description:
        out.print(spec.description.get(lang), highlight=False)
    for sheet in spec.sheets:
        table = Table(title=f"{sheet.label.get(lang)} ({sheet.id})", title_justify="left")
        for col in ("field", "header", "type", "flags", "max", "choices / computed"):
            table.add_column(col)
        for f in sheet.fields:
            flags = [
                flag
                for flag, on in (
                    ("key", sheet.key == f.id),
                    ("required", f.required),
                    ("unique", f.unique),
                )
                if on
            ]
            extra = f"= {f.computed}" if f.computed else ", ".join(f.choice_labels(lang))
            table.add_row(
                f.id,
                f.header(lang),
                TYPE_LABELS[f.type][0 if lang == "zh" else 1],
                " ".join(flags),
                str(f.effective_max_length or ""),
                extra,
            )
        out.print(table)
        for ref in sheet.references:
            out.print(f"  {ref.field} -> {ref.to}", highlight=False)
        for rule in sheet.rules:
            out.print(f"  rule {rule.id}: {rule.check} ({rule.severity})", highlight=False)
    for seg in spec.segments:
        out.print(f"segment {seg.id} -> {seg.sheet}.{seg.field}:", highlight=False)
        for rule in seg.rules:
            out.print(f"  {rule.value} when {rule.when}", highlight=False)


@template_app.command("build")
@handle_errors
def template_build(
    name: Annotated[str, typer.Argument(help="Built-in template name or path to a spec file.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The .xlsx file to write.")],
    lang: Lang = "zh",
    sample: Annotated[
        int,
        typer.Option(
            "--sample", "-n", help="Fill the first sheet with N realistic rows (0 to 1048575)."
        ),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed for repeatable sample data.")] = 0,
    protect: Annotated[
        bool,
        typer.Option("--protect/--no-protect", help="Lock computed columns (no password)."),
    ] = True,
) -> None:
    """Build a workbook from a template: headers, dropdowns, formats, table, help sheet.

    Example: xl-crm template build ecommerce -o customers.xlsx --sample 1000 --seed 7
    """
    from xl_crm.xlsx.builder import build_workbook

    _check_lang(lang)
    with _progress(enabled=sample >= 20_000) as progress_cb:
        result = build_workbook(
            name,
            output,
            lang=lang,  # type: ignore[arg-type]
            sample=sample,
            seed=seed,
            protect=protect,
            progress=progress_cb,
        )
    rows = ", ".join(f"{title}: {n:,} rows" for title, n in result.rows.items())
    out.print(
        f"wrote {result.path} ({result.template}, {result.lang}; {rows}) in {result.seconds:.1f} s",
        highlight=False,
    )


@template_app.command("check")
@handle_errors
def template_check(
    spec_file: Annotated[str, typer.Argument(help="Path to a spec file (or a built-in name).")],
    lang: Lang = "zh",
) -> None:
    """Check a template spec; every problem is reported with its file, line and key.

    Exit code 0 when the spec is valid, 1 when it has problems.

    Example: xl-crm template check templates/my_industry.yaml
    """
    from xl_crm.specs import load_spec

    _check_lang(lang)
    try:
        spec = load_spec(spec_file)
    except SpecError as exc:
        err.print(exc.text(lang), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    fields = sum(len(s.fields) for s in spec.sheets)
    out.print(
        f"ok: {spec_file}: template {spec.name!r}, {len(spec.sheets)} sheets, {fields} fields",
        highlight=False,
    )


@template_app.command("infer")
@handle_errors
def template_infer(
    book: Annotated[Path, typer.Argument(help="Workbook (.xlsx, .xlsm, .xls, .ods) or .csv.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the spec here (default: print).")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Template name (default: from the file name).")
    ] = None,
    sheets: Annotated[
        list[str] | None,
        typer.Option("--sheet", "-s", help="Only these sheets (repeatable; default: all)."),
    ] = None,
    lang: Lang = "zh",
) -> None:
    """Infer a template spec from an existing sheet: types, lengths, choices, keys.

    Example: xl-crm template infer 客户台账.xlsx -o templates/my_ledger.yaml
    """
    from xl_crm.infer import infer_spec
    from xl_crm.specs.dump import dump_spec

    _check_lang(lang)
    spec = infer_spec(book, name=name, sheets=sheets or None)
    text = dump_spec(spec)
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    fields = sum(len(s.fields) for s in spec.sheets)
    err.print(f"wrote {output}: {len(spec.sheets)} sheets, {fields} fields", highlight=False)


@app.command("validate")
@handle_errors
def validate_command(
    book: Annotated[Path, typer.Argument(help="Workbook (.xlsx, .xlsm, .xls, .ods) or .csv.")],
    template: TemplateOption = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write the report as JSON ('-' for stdout).")
    ] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Write the findings as CSV ('-' for stdout).")
    ] = None,
    html_file: Annotated[
        Path | None, typer.Option("--html", help="Write a self-contained HTML report.")
    ] = None,
    mask: Annotated[
        bool, typer.Option("--mask", help="Mask personal data (phones, e-mails, IDs) in output.")
    ] = False,
    annotate_book: Annotated[
        bool,
        typer.Option(
            "--annotate",
            help="Mark each bad cell in the workbook (fill and note); "
            "marks of an earlier run are cleared.",
        ),
    ] = False,
    password: Annotated[
        str | None, typer.Option("--password", help="Password of an encrypted workbook.")
    ] = None,
    lang: Lang = "zh",
    limit: Annotated[
        int, typer.Option("--limit", help="Findings shown in the terminal (all go to files).")
    ] = 20,
    sheet: SheetOption = None,
) -> None:
    """Check a workbook against its template; every finding names its cell.

    Sheets are matched to the template's sheets by their headers, columns by their header
    text; the report starts with that mapping. Exit code 0 when no finding is an error, 1
    when some are, 2 when the file cannot be read.

    Example: xl-crm validate customers.xlsx --html report.html --mask

    Example: xl-crm validate export.xlsx -t ecommerce --sheet orders=Sheet2
    """
    from xl_crm import validate
    from xl_crm.validation.render import print_report, write_html

    _check_lang(lang)
    report = validate(
        book, template=template, password=password, mask=mask, sheets=sheet_pairs(sheet)
    )
    for target, text in ((json_file, report.to_json), (csv_file, report.to_csv)):
        if target is None:
            continue
        if str(target) == "-":
            sys.stdout.write(text())
        else:
            target.write_text(text(), encoding="utf-8")
    if html_file is not None:
        write_html(report, html_file, lang=lang)  # type: ignore[arg-type]
    if annotate_book:
        from xl_crm import annotate

        marked = annotate(book, report, lang=lang)
        err.print(f"marked {marked} cells in {book}", highlight=False)
    if "-" not in (str(json_file), str(csv_file)):
        print_report(report, out, lang=lang, limit=limit)  # type: ignore[arg-type]
    raise typer.Exit(report.exit_code)


@app.command("compute")
@handle_errors
def compute_command(
    book: Annotated[
        Path,
        typer.Argument(help="Workbook (.xlsx or .xlsm) to write into, or a CSV of orders (-o)."),
    ],
    template: TemplateOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="The date recency and windows count from (YYYY-MM-DD; default today)."
        ),
    ] = None,
    rfm_columns: Annotated[
        bool,
        typer.Option(
            "--rfm/--no-rfm", help="Also write spend, recency, RFM score and segment columns."
        ),
    ] = True,
    window: Annotated[
        int, typer.Option("--window", help="Days in the purchase-frequency window.")
    ] = 365,
    backups: Annotated[
        int, typer.Option("--backups", help="Backups of the workbook to keep (0: none).")
    ] = 5,
    audit_log: Annotated[
        Path | None, typer.Option("--audit-log", help="Append an audit record to this file.")
    ] = None,
    sheet: SheetOption = None,
    lang: Lang = "zh",
    summary_sheet: Annotated[
        str | None,
        typer.Option(
            "--summary-sheet",
            help="Orders only: the sheet for the customer summary (default 客户汇总 / "
            "Customer Summary); one xl-crm wrote is updated, any other is refused.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Orders only: write the customer summary to this .xlsx or .csv file "
            "instead (needed for a CSV, which is never modified).",
        ),
    ] = None,
) -> None:
    """Compute purchase frequency, recency, spend, RFM and segments; write them in place.

    Everything else in the workbook is kept byte for byte; a backup is kept in
    .xlcrm-backups/ beside it. Running again with the same inputs changes nothing.
    A workbook or CSV that holds only orders (customer ID, date, amount) gets a customer
    summary instead: one row per customer, added as a new sheet or written to -o.

    Example: xl-crm compute customers.xlsx --as-of 2026-06-30

    Example (orders only): xl-crm compute orders.csv -t ecommerce -o customers.xlsx
    """
    from xl_crm import compute

    _check_lang(lang)
    big = book.exists() and book.stat().st_size >= 2_000_000  # a bar only when it helps
    try:
        with _progress(enabled=big) as progress_cb:
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
                output=output,
            )
    except ValueError as exc:
        raise XlCrmError(
            (f"日期无效：{exc}", str(exc)),
            hint=("--as-of 请写成 YYYY-MM-DD", "give --as-of as YYYY-MM-DD"),
        ) from None
    state = "wrote" if result.written else "unchanged (already up to date)"
    where = f"{result.path}: {result.sheet}" if result.sheet else f"{result.path}"
    out.print(f"{where}, {result.rows:,} customers, as of {result.as_of}: {state}", highlight=False)
    if result.derived_from is not None:
        out.print(f"customers derived from the orders on {result.derived_from}", highlight=False)
    for _zh, en in result.notes:
        err.print(f"[yellow]note:[/] {en}", highlight=False)
    out.print("columns: " + ", ".join(result.columns), highlight=False)
    _print_unused(result.unused, lang)
    for name, counts in result.segments.items():
        table = Table("segment", "customers", title=name, title_justify="left")
        for label, n in counts.items():
            table.add_row(label, f"{n:,}")
        out.print(table)
    _print_row_warnings(
        result.duplicates,
        (
            "行订单与前面某行每一列都相同（仍已计入；请确认没有重复录入）",
            "order rows repeat an earlier row in every column "
            "(counted all the same; check they were not entered twice)",
        ),
        lang,
    )


def _print_unused(unused: list[tuple[str, str, str]], lang: str = "en") -> None:
    """The order rows the metrics could not use (never dropped silently)."""
    _print_row_warnings(
        unused,
        (
            "行无法使用（相应客户的指标不含这些行）",
            "rows could not be used (their customers' figures leave them out)",
        ),
        lang,
        more=("（完整列表请运行 validate）", " (run validate for the full list)"),
    )


def _print_row_warnings(
    rows: list[tuple[str, str, str]],
    headline: tuple[str, str],
    lang: str,
    *,
    more: tuple[str, str] = ("", ""),
    limit: int = 10,
) -> None:
    """A warning headed ``N <headline>:`` with the first ``limit`` rows (cell, zh, en), in
    ``lang``."""
    if not rows:
        return
    zh = lang == "zh"
    label, pick = ("警告", 0) if zh else ("warning", 1)
    err.print(f"[yellow]{label}:[/] {len(rows):,} {headline[pick]}:", highlight=False)
    for row in rows[:limit]:
        err.print(f"  {row[0]}: {row[1 + pick]}", highlight=False, markup=False)
    if len(rows) > limit:
        rest = len(rows) - limit
        tail = f"  …… 另有 {rest:,} 行" if zh else f"  ... and {rest:,} more"
        err.print(tail + more[pick], highlight=False, markup=False)


@app.command("demo")
@handle_errors
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the demo files.")] = Path(
        "demo"
    ),
    rows: Annotated[int, typer.Option("--rows", help="Sample rows per workbook.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the sample data.")] = 42,
) -> None:
    """Build every built-in template with sample data into a folder.

    Each is computed and a copy with planted errors validated; then a workbook laid out like
    a shop's own (Sheet1, a title row, alias headers, dates and amounts as text, blank rows)
    and an orders-only CSV are written, validated and computed (the CSV's customers derived
    into a summary workbook).

    Example: xl-crm demo --out demo --rows 500
    """
    from xl_crm.demo import run_demo

    for line in run_demo(out_dir, rows=rows, seed=seed):
        out.print(line, highlight=False)


class _progress:
    """A rich progress bar fed by the library's ``progress(label, done, total)`` callback."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and err.is_terminal
        self.bar: Progress | None = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self):
        if not self.enabled:
            return None
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        )
        self.bar.start()
        return self.update

    def update(self, label: str, done: int, total: int) -> None:
        assert self.bar is not None
        if label not in self.tasks:
            self.tasks[label] = self.bar.add_task(label, total=total)
        self.bar.update(self.tasks[label], completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def main() -> None:
    """Console-script entry point."""
    app()
