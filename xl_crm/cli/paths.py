"""Output paths checked before a command does any work.

A command that computes for a minute and then cannot write its ``--json`` file has
already changed the workbook; so every file a command will write (``--json``, ``--csv``,
``--html``, ``-o``, ``--audit-log``, ``demo --out``) is checked first, and a path that
cannot be written is an :class:`xl_crm.errors.OutputPathError` (exit code 2) before the
workbook is opened:

- the folder must exist (``mkdir`` it first; the audit log and ``demo --out`` create
  their folders, so there the nearest existing folder must be writable);
- the path is not a folder, and it (or its folder, for a new file) can be written: an
  existing file is opened for appending and closed, unchanged; a new one is probed by
  creating and removing a temporary file in its folder;
- it is not the workbook the command reads (``--json book.xlsx`` would replace the
  workbook with JSON), and two outputs do not go to the same file;
- only one output goes to stdout (``--json - --csv -`` would mix JSON and CSV).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from xl_crm.errors import OutputPathError

__all__ = ["OutputTarget", "check_outputs"]

_MKDIR = (
    "先创建该文件夹，或换一个已有的文件夹",
    "create the folder first, or choose one that exists",
)


@dataclass(frozen=True)
class OutputTarget:
    """A command option naming a file it writes: ``option`` as the user types it
    (``--html``); ``stdout``: ``-`` means standard output (``--json``, ``--csv``);
    ``may_be_book``: naming the workbook read means "write into it"
    (compute's ``-o``); ``makes_folder``: the command creates missing folders (the audit
    log); ``folder``: the target is a folder the command fills (``demo --out``)."""

    option: str
    stdout: bool = False
    may_be_book: bool = False
    makes_folder: bool = False
    folder: bool = False
    example: str = "output"


def _refuse(
    option: str, path: Path, why: tuple[str, str], hint: tuple[str, str]
) -> OutputPathError:
    return OutputPathError(
        (f"无法写入 {option} 的输出：{why[0]}", f"cannot write the {option} output: {why[1]}"),
        file=path,
        hint=hint,
    )


def _existing_folder(path: Path) -> Path:
    """The nearest folder above ``path`` that exists."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _can_create_in(folder: Path) -> OSError | None:
    """None when a file can be created in ``folder``; else the error the system gave."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".xlcrm-probe-"):
            pass
    except OSError as exc:
        return exc
    return None


def check_path(target: OutputTarget, given: str | Path) -> Path:
    """``given`` as an absolute path when ``target`` can write there; else
    :class:`OutputPathError` saying why and how to fix it."""
    path = Path(given).expanduser()
    option = target.option
    if target.folder and path.exists() and not path.is_dir():
        why = ("它是文件，不是文件夹", "it is a file, not a folder")
        raise _refuse(option, path, why, ("换一个文件夹名", "name a folder instead"))
    if not target.folder and path.is_dir():
        why = ("它是文件夹，不是文件", "it is a folder, not a file")
        hint = (
            f"写出文件名，如 {path / target.example}",
            f"name a file, e.g. {path / target.example}",
        )
        raise _refuse(option, path, why, hint)
    folder = path if target.folder and path.is_dir() else path.parent
    if not folder.exists() and (target.makes_folder or target.folder):
        folder = _existing_folder(path)
    if not folder.exists():
        why = (f"文件夹 {folder} 不存在", f"the folder {folder} does not exist")
        raise _refuse(option, path, why, _MKDIR)
    if not folder.is_dir():
        why = (f"{folder} 不是文件夹", f"{folder} is not a folder")
        raise _refuse(option, path, why, _MKDIR)
    if path.is_file():
        try:
            with path.open("ab"):
                pass
        except OSError as exc:
            why = (f"文件不可写（{exc.strerror}）", f"the file is not writable ({exc.strerror})")
            hint = ("检查文件权限，或换一个路径", "check its permissions, or choose another path")
            raise _refuse(option, path, why, hint) from None
        return path.resolve()
    problem = _can_create_in(folder)
    if problem is not None:
        why = (
            f"不能在文件夹 {folder} 中创建文件（{problem.strerror}）",
            f"cannot create files in the folder {folder} ({problem.strerror})",
        )
        hint = (
            "检查文件夹权限，或换一个文件夹",
            "check the folder's permissions, or choose another",
        )
        raise _refuse(option, path, why, hint)
    return path.resolve()


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a == b


def check_outputs(
    outputs: list[tuple[OutputTarget, str | Path | None]], book: Path | None = None
) -> None:
    """Check every output a command was given (``(target, value)``; None: not given;
    ``"-"``: stdout) before it runs, as the module docstring says.  ``book``: the workbook
    the command reads, which no output may replace (unless ``may_be_book``).  Raises
    :class:`OutputPathError` naming the first problem."""
    given = [(t, v) for t, v in outputs if v is not None]
    to_stdout = [t.option for t, v in given if t.stdout and str(v) == "-"]
    if len(to_stdout) > 1:
        both = " 和 ".join(to_stdout), " and ".join(to_stdout)
        raise OutputPathError(
            (f"{both[0]} 都写到了标准输出（-）", f"{both[1]} both go to stdout (-)"),
            expected=("只有一个输出可以是 -", "only one output may be -"),
            hint=(
                f"其中一个写到文件，如 {to_stdout[0]} - {to_stdout[1]} result.csv",
                f"write one of them to a file, e.g. {to_stdout[0]} - {to_stdout[1]} result.csv",
            ),
        )
    seen: list[tuple[str, Path]] = []
    for target, value in given:
        if target.stdout and str(value) == "-":
            continue
        path = check_path(target, value)
        if book is not None and not target.may_be_book and book.exists() and _same(path, book):
            why = (
                "这就是要读取的工作簿，写入会覆盖它",
                "it is the workbook being read, which it would overwrite",
            )
            hint = ("换一个输出文件名", "choose another file name for the output")
            raise _refuse(target.option, Path(value), why, hint)
        for option, other in seen:
            if path == other:
                why = (f"与 {option} 是同一个文件", f"it is the same file as {option}")
                hint = ("每个输出用不同的文件", "give each output its own file")
                raise _refuse(target.option, Path(value), why, hint)
        seen.append((target.option, path))
