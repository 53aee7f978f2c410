"""``xl-crm template list|show|build|check|infer``: the templates and their specs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from xl_crm.cli.options import PasswordOption, ProgressBar
from xl_crm.cli.output import Output, output_options
from xl_crm.cli.paths import OutputTarget
from xl_crm.errors import SpecError

NameArgument = Annotated[str, typer.Argument(help="Built-in template name or path to a spec file.")]


@output_options(csv=True)
def template_list(*, output: Output) -> None:
    """List the built-in templates.

    Example: xl-crm template list --json -
    """
    from xl_crm.specs import list_templates

    result = list_templates()
    output.emit(result)
    table = Table("name", "title (zh)", "title (en)", "sheets", "extends")
    for info in result:
        table.add_row(
            info.name, info.title_zh, info.title_en, ", ".join(info.sheets), info.extends or ""
        )
    output.print(table)


@output_options()
def template_show(
    name: NameArgument,
    as_yaml: Annotated[
        bool, typer.Option("--yaml", help="Print the whole spec as YAML (extends resolved).")
    ] = False,
    *,
    output: Output,
) -> None:
    """Show a template's sheets and fields (--json: the whole spec as data).

    Example: xl-crm template show hotel --lang en
    """
    from xl_crm.specs import load_spec
    from xl_crm.specs.dump import dump_spec
    from xl_crm.xlsx.texts import TYPE_LABELS

    spec = load_spec(name)
    output.emit(spec)
    if as_yaml:  # the YAML is the output: --quiet does not silence it, --json - does
        if "-" not in (output.json, output.csv):
            sys.stdout.write(dump_spec(spec))
        return
    lang = output.lang
    output.print(f"[bold]{spec.title.get(lang)}[/] ({spec.name})", highlight=True)
    if spec.description:
        output.print(spec.description.get(lang))
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
        output.print(table)
        for ref in sheet.references:
            output.print(f"  {ref.field} -> {ref.to}")
        for rule in sheet.rules:
            output.print(f"  rule {rule.id}: {rule.check} ({rule.severity})")
    for seg in spec.segments:
        output.print(f"segment {seg.id} -> {seg.sheet}.{seg.field}:")
        for rule in seg.rules:
            output.print(f"  {rule.value} when {rule.when}")


@output_options(files={"book": OutputTarget("-o", example="customers.xlsx")})
def template_build(
    name: NameArgument,
    book: Annotated[Path, typer.Option("--output", "-o", help="The .xlsx file to write.")],
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
    *,
    output: Output,
) -> None:
    """Build a workbook from a template: headers, dropdowns, formats, table, help sheet.

    --lang sets the language of the workbook's headers and help as well.

    Example: xl-crm template build ecommerce -o customers.xlsx --sample 1000 --seed 7
    """
    from xl_crm.xlsx.builder import build_workbook

    with ProgressBar(enabled=sample >= 20_000 and not output.quiet) as progress_cb:
        result = build_workbook(
            name,
            book,
            lang=output.lang,  # type: ignore[arg-type]
            sample=sample,
            seed=seed,
            protect=protect,
            progress=progress_cb,
        )
    output.emit(result)
    rows = ", ".join(f"{title}: {n:,} rows" for title, n in result.rows.items())
    output.print(
        f"wrote {result.path} ({result.template}, {result.lang}; {rows}) in {result.seconds:.1f} s"
    )


@output_options(csv=True)
def template_check(
    spec_file: Annotated[str, typer.Argument(help="Path to a spec file (or a built-in name).")],
    *,
    output: Output,
) -> None:
    """Check a template spec; every problem is reported with its file, line and key.

    Exit code 0 when the spec is valid, 1 when it has problems, 2 when it is not found.

    Example: xl-crm template check templates/my_industry.yaml
    """
    from xl_crm.specs.verdict import check_template

    result = check_template(spec_file)
    output.emit(result)
    if not result.valid:
        if not output.quiet:
            text = SpecError(result.problems).text(output.lang)
            output.note(text, markup=False, soft_wrap=True)
        raise typer.Exit(result.exit_code)
    output.print(
        f"ok: {spec_file}: template {result.template!r}, {result.sheets} sheets, "
        f"{result.fields} fields"
    )


@output_options(files={"spec_file": OutputTarget("-o", example="my_template.yaml")}, reads="book")
def template_infer(
    book: Annotated[Path, typer.Argument(help="Workbook (.xlsx, .xlsm, .xls, .ods) or .csv.")],
    spec_file: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the spec here (default: print).")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Template name (default: from the file name).")
    ] = None,
    sheets: Annotated[
        list[str] | None,
        typer.Option("--sheet", "-s", help="Only these sheets (repeatable; default: all)."),
    ] = None,
    password: PasswordOption = None,
    *,
    output: Output,
) -> None:
    """Infer a template spec from an existing sheet: types, lengths, choices, keys.

    The spec is printed as YAML on stdout (or written to -o); --json gives it as data.
    --quiet silences only the notes on stderr: the YAML is still printed, unless
    --json - or --csv - takes stdout.

    Example: xl-crm template infer 客户台账.xlsx -o templates/my_ledger.yaml

    Example: xl-crm template infer export.xlsx --quiet > my_ledger.yaml
    """
    from xl_crm.infer import infer_spec
    from xl_crm.specs.dump import dump_spec

    spec = infer_spec(book, name=name, sheets=sheets or None, password=password)
    output.emit(spec)
    text = dump_spec(spec)
    if spec_file is None:  # the spec is the output: --quiet does not silence it
        if "-" not in (output.json, output.csv):
            sys.stdout.write(text)
        return
    spec_file.write_text(text, encoding="utf-8")
    fields = sum(len(s.fields) for s in spec.sheets)
    output.note(f"wrote {spec_file}: {len(spec.sheets)} sheets, {fields} fields")
