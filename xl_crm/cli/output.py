"""The output options every command shares, and errors turned into one message.

``@output_options()`` gives a command ``--json FILE|-``, ``--lang zh|en`` and ``--quiet``
(and ``--csv FILE|-`` with ``csv=True``, for commands whose result is a table), the way
sqlite-utils' ``output_options`` does: the command declares one parameter ``output:
Output`` and receives them in it.  Before the command runs, these and the command's other
output files (``files=``) are checked (:mod:`xl_crm.cli.paths`): a path that cannot be
written stops it before it changes anything.  The decorator also turns a library error
(:class:`xl_crm.XlCrmError`) into one message on stderr in ``--lang`` (and, when ``--json``
was asked for and can be written, ``{"error": error.to_dict()}`` there) and the error's
exit code.
"""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from xl_crm.cli.paths import OutputTarget, check_outputs
from xl_crm.errors import InvalidOptionError, XlCrmError

out = Console(soft_wrap=True)
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
LANGS = ("zh", "en")

JsonOption = Annotated[
    str | None,
    typer.Option(
        "--json",
        metavar="FILE|-",
        help="Write the result as JSON to FILE ('-' for stdout). The folder must exist.",
    ),
]
CsvOption = Annotated[
    str | None,
    typer.Option(
        "--csv",
        metavar="FILE|-",
        help="Write the result's table as CSV to FILE ('-' for stdout; only one of --json "
        "and --csv may be '-'). The folder must exist.",
    ),
]
LangOption = Annotated[
    str,
    typer.Option("--lang", "-l", help="Language of headers, help and messages: zh or en."),
]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="No summary, notes or progress: only errors and the output itself (files are "
        "still written; a spec template infer or show --yaml prints is still printed).",
    ),
]


@dataclass
class Output:
    """Where and how a command prints: ``json``/``csv`` targets (a path, '-' for stdout,
    or None), ``lang`` ('zh' or 'en') and ``quiet``."""

    json: str | None = None
    csv: str | None = None
    lang: str = "zh"
    quiet: bool = False

    @property
    def zh(self) -> bool:
        """True when messages are shown in Chinese."""
        return self.lang == "zh"

    @property
    def human(self) -> bool:
        """True when the terminal summary is shown: not ``--quiet``, and stdout is not
        taken by ``--json -`` or ``--csv -``."""
        return not self.quiet and "-" not in (self.json, self.csv)

    def print(self, text: Any = "", **kwargs: Any) -> None:
        """``text`` on stdout when :attr:`human` (rich markup off unless asked for)."""
        if self.human:
            out.print(text, **{"highlight": False, **kwargs})

    def note(self, text: str, **kwargs: Any) -> None:
        """``text`` on stderr unless ``--quiet`` (warnings, what was written where)."""
        if not self.quiet:
            err.print(text, **{"highlight": False, **kwargs})

    def emit(self, result: Any) -> None:
        """Write ``result.to_dict()`` to ``--json`` and ``result.to_csv()`` to ``--csv``; a
        result that streams itself (a validation report: ``write_json``/``write_csv``) is
        written a chunk at a time, however many findings it has."""
        if self.json is not None and hasattr(result, "write_json"):
            write_stream(self.json, result.write_json)
        elif self.json is not None:
            data = result.to_dict() if hasattr(result, "to_dict") else result
            write_text(self.json, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        if self.csv is not None and hasattr(result, "write_csv"):
            write_stream(self.csv, result.write_csv)
        elif self.csv is not None:
            write_text(self.csv, result.to_csv())


def write_stream(target: str, write: Any) -> None:
    """``write(file)`` into stdout when ``target`` is '-', else into the file ``target``
    (UTF-8, newlines as written)."""
    if target == "-":
        write(sys.stdout)
        sys.stdout.flush()
    else:
        with Path(target).open("w", encoding="utf-8", newline="") as fh:
            write(fh)


def write_text(target: str, text: str) -> None:
    """``text`` to stdout when ``target`` is '-', else to the file ``target`` (UTF-8)."""
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(target).write_text(text, encoding="utf-8")


def print_error(exc: XlCrmError, lang: str) -> None:
    """One error on stderr: ``错误：…`` / ``error: …`` and its expected and fix lines."""
    lang = lang if lang in LANGS else "zh"
    label = "错误" if lang == "zh" else "error"
    err.print(f"[bold red]{label}:[/] ", end="", highlight=False, markup=True)
    err.print(exc.text(lang), highlight=False, markup=False, soft_wrap=True)


def check_lang(lang: str) -> str:
    """``lang`` when it is 'zh' or 'en'; else :class:`InvalidOptionError`."""
    if lang not in LANGS:
        raise InvalidOptionError(
            (f"未知语言 {lang!r}", f"unknown language {lang!r}"),
            expected=("zh 或 en", "zh or en"),
            hint=("使用 --lang zh 或 --lang en", "use --lang zh or --lang en"),
        )
    return lang


JSON_TARGET = OutputTarget("--json", stdout=True, example="result.json")
CSV_TARGET = OutputTarget("--csv", stdout=True, example="result.csv")


def output_options(
    *,
    csv: bool = False,
    files: dict[str, OutputTarget] | None = None,
    reads: str | None = None,
) -> Callable[[F], F]:
    """Give the decorated command the shared output options (see the module docstring).

    The command takes ``output: Output`` (keyword); its signature as typer sees it gets
    ``json_file``, ``csv_file`` (when ``csv``), ``lang`` and ``quiet`` instead.  ``files``:
    the command's own parameters that name files it writes (parameter name -> how the
    option is written), checked with ``--json`` and ``--csv`` before it runs; ``reads``:
    the parameter naming the workbook it reads, which no output may replace."""

    def decorate(func: F) -> F:
        signature = inspect.signature(func, eval_str=True)
        kept = [p for name, p in signature.parameters.items() if name != "output"]
        added = [
            ("json_file", JsonOption, None),
            *([("csv_file", CsvOption, None)] if csv else []),
            ("lang", LangOption, "zh"),
            ("quiet", QuietOption, False),
        ]
        params = kept + [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann)
            for name, ann, default in added
        ]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            output = Output(
                json=kwargs.pop("json_file", None),
                csv=kwargs.pop("csv_file", None),
                lang=kwargs.pop("lang", "zh"),
                quiet=kwargs.pop("quiet", False),
            )
            ready = False  # outputs checked: an error may go to --json
            try:
                check_lang(output.lang)
                targets = [(JSON_TARGET, output.json), (CSV_TARGET, output.csv)]
                targets += [(target, kwargs.get(name)) for name, target in (files or {}).items()]
                read = kwargs.get(reads) if reads else None
                check_outputs(targets, Path(read) if read is not None else None)
                ready = True
                return func(*args, output=output, **kwargs)
            except XlCrmError as exc:
                print_error(exc, output.lang)
                if output.json is not None and (ready or output.json == "-"):
                    text = json.dumps({"error": exc.to_dict()}, ensure_ascii=False, indent=2)
                    write_text(output.json, text + "\n")
                raise typer.Exit(exc.exit_code) from None

        del wrapper.__wrapped__  # typer reads the signature below, not the command's
        wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return wrapper  # type: ignore[return-value]

    return decorate
