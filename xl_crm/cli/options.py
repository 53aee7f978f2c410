"""Options several commands take (``--template``, ``--sheet``, ``--password``, and those
the local commands share with their ``xl-crm sheets`` twins: ``--mask``, ``--html``,
``--limit``, ``--as-of``, ``--rfm``, ``--window``, ``--force``, ``--summary-sheet``) and the
progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from xl_crm.cli.output import err
from xl_crm.errors import InvalidOptionError

TemplateOption = Annotated[
    str | None,
    typer.Option(
        "--template",
        "-t",
        help="Template name or spec file (default: the one that built the workbook).",
    ),
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

PasswordOption = Annotated[
    str | None,
    typer.Option(
        "--password",
        envvar="XLCRM_PASSWORD",
        show_envvar=True,
        help="Password of an encrypted workbook (Excel's Encrypt with Password); what is "
        "written into it is encrypted again with the same password. Set XLCRM_PASSWORD "
        "instead to keep it out of the shell history.",
    ),
]
MaskOption = Annotated[
    bool, typer.Option("--mask", help="Mask personal data (phones, e-mails, IDs) in output.")
]
HtmlOption = Annotated[
    Path | None, typer.Option("--html", help="Write a self-contained HTML report.")
]
LimitOption = Annotated[
    int, typer.Option("--limit", help="Findings shown in the terminal (all go to files).")
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The day recency and the window count to: YYYY-MM-DD (2026年6月30日 and "
        "2026/6/30 also work; 06/07/2026, which reads two ways, and a time of day are "
        "refused). Default: today.",
    ),
]
RfmOption = Annotated[
    bool,
    typer.Option(
        "--rfm/--no-rfm", help="Also write spend, recency, RFM score and segment columns."
    ),
]
WindowOption = Annotated[
    int,
    typer.Option(
        "--window", help="Days in the purchase-frequency window (a whole number, 1 or more)."
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Write even over formulas, and cells hidden in merged cells, of the computed "
        "columns (refused otherwise, naming the cells); the cells are listed.",
    ),
]
SummarySheetOption = Annotated[
    str | None,
    typer.Option(
        "--summary-sheet",
        help="Orders only: the sheet for the customer summary (default 客户汇总 / "
        "Customer Summary); one xl-crm wrote is updated, any other is refused.",
    ),
]


def sheet_pairs(given: list[str] | None) -> dict[str, str] | None:
    """``["orders=Sheet2"]`` -> ``{"orders": "Sheet2"}`` (names checked by the library).
    Raises :class:`InvalidOptionError` for an item not written ``A=B``."""
    if not given:
        return None
    pairs: dict[str, str] = {}
    for item in given:
        wanted, sep, name = item.partition("=")
        if not sep or not wanted.strip() or not name.strip():
            raise InvalidOptionError(
                (
                    f"--sheet {item!r}：应写作 模板工作表=工作簿工作表",
                    f"--sheet {item!r}: expected TEMPLATE_SHEET=BOOK_SHEET",
                ),
                expected=("模板工作表=工作簿工作表", "TEMPLATE_SHEET=BOOK_SHEET"),
                hint=(
                    "例如 --sheet orders=Sheet2 或 --sheet 客户=客户资料",
                    "for example --sheet orders=Sheet2 or --sheet 客户=客户资料",
                ),
            )
        pairs[wanted.strip()] = name.strip()
    return pairs


class ProgressBar:
    """A rich progress bar on stderr fed by the library's ``progress(label, done, total)``
    callback; ``with ProgressBar(enabled) as callback`` gives None when it is off (not a
    terminal, or not ``enabled``)."""

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
        """Move the bar of ``label`` to ``done`` of ``total``."""
        assert self.bar is not None
        if label not in self.tasks:
            self.tasks[label] = self.bar.add_task(label, total=total)
        self.bar.update(self.tasks[label], completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
