"""``xl-crm``: commands parse options, make one library call and print the result.

One module per command group (:mod:`.templates`, :mod:`.checking`, :mod:`.computing`,
:mod:`.demo`, :mod:`.excel`, :mod:`.sheets`, :mod:`.service`, :mod:`.sync`); the output
options every command shares (``--json``, ``--csv``, ``--lang``, ``--quiet``) come from
:mod:`.output`.
Library errors (:class:`xl_crm.XlCrmError`) become one clear message on stderr and a
non-zero exit code: 1 when the input was read but is not valid (a report with errors, a
spec that fails ``check``), 2 when it cannot be used at all, 3 when a remote service
(Google Sheets: quota, 5xx, timeout, unreachable) should be tried again later.
"""

from __future__ import annotations

from typing import Annotated

import typer

from xl_crm import __version__
from xl_crm.cli import checking, computing, demo, excel, service, sheets, sync, templates
from xl_crm.cli.output import out

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
excel_app = typer.Typer(
    help="Excel through xlwings: set a workbook up for classic xlwings and xlwings Lite.\n\n"
    "Example: xl-crm excel init customers.xlsx --template ecommerce",
    no_args_is_help=True,
)
app.add_typer(excel_app, name="excel")

template_app.command("list")(templates.template_list)
template_app.command("show")(templates.template_show)
template_app.command("build")(templates.template_build)
template_app.command("check")(templates.template_check)
template_app.command("infer")(templates.template_infer)
app.command("validate")(checking.validate_command)
app.command("annotate")(checking.annotate_command)
app.command("compute")(computing.compute_command)
app.command("demo")(demo.demo_command)
excel_app.command("init")(excel.excel_init_command)
excel_app.command("lite")(excel.excel_lite_command)
app.add_typer(sheets.sheets_app, name="sheets")
app.add_typer(service.service_app, name="service")
app.command("report")(service.report_command)
app.command("sync")(sync.sync_command)


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


def main() -> None:
    """Console-script entry point."""
    app()
