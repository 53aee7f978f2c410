"""Options several commands take (``--template``, ``--sheet``, ``--password``) and the
progress bar."""

from __future__ import annotations

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
