"""What to do in Excel: the library's errors in words a user inside Excel can follow.

The library's errors name the command line's options in their fixes (``--force``,
``--as-of``, ``--window``, ``--template``), which nobody can type in Excel.  Inside Excel:

- :func:`as_of_refused` and :func:`window_refused`: a worksheet function's ``as_of`` or
  ``window_days`` argument refused by the library's own rules
  (:mod:`xl_crm.metrics.asof`), the value as Excel shows it (``2026-05-01 14:30`` for
  ``=NOW()``, ``"2026-13-01"`` for a text), and the argument to pass instead;
- :func:`for_macro`: a macro's failure with each command-line option in its message and
  fix replaced by what the macro offers: the field of the script's form in xlwings Lite,
  the argument of the ``RunPython`` line in classic xlwings (``crm.compute_columns(
  force=True)``); a fix that has no such counterpart is left out.

Importing this module loads only the standard library (the error classes are imported
when an error is reworded), like :mod:`xl_crm.excel.values`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

__all__ = ["MACRO_SHELLS", "as_of_refused", "excel_shown", "for_macro", "window_refused"]

#: macro body (xl_crm.excel.macros) -> the name of its shell in lite.py and classic.py
MACRO_SHELLS = {
    "validate_book": "validate_workbook",
    "compute_book": "compute_columns",
    "build_template": "build_template",
    "sort_by_last_update": "sort_by_last_update",
    "export_masked": "export_masked_copy",
}
#: command-line option -> (the macro's parameter, an example value in Python)
_OPTIONS = {
    "--force": ("force", "True"),
    "--as-of": ("as_of", "'2026-06-30'"),
    "--window": ("window_days", "90"),
    "--template": ("template", "'ecommerce'"),
    "--mask": ("mask", "True"),
}
_OPTION = re.compile(r"--[a-z][a-z-]*")
_CLAUSES = re.compile(r"(?<=[；;])\s*|(?<=[，,])\s*(?=或|or )")
_GENERIC = (
    "按提示修改工作簿或脚本的设置后再运行一次",
    "correct what the message names in the workbook or the macro's settings and run it again",
)


def excel_shown(value: Any) -> str:
    """``value`` as Excel shows it in a message: a date ``2026-06-30``, a date and time
    ``2026-05-01 14:30`` (``=NOW()``), a whole number without ``.0``, a text in double
    quotes (``"2026-13-01"``), TRUE/FALSE."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        midnight = value.time() == dt.time(0)
        return value.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return str(value)


def _without(texts: Any, prefix: str) -> tuple[str, str]:
    """The (zh, en) message of an error without ``prefix`` (``--as-of '...' ``)."""
    zh, en = texts if isinstance(texts, tuple) else (texts, texts)
    return zh.removeprefix(prefix).lstrip("：: "), en.removeprefix(prefix).lstrip("：: ")


def as_of_refused(exc: Exception, given: Any, value: Any) -> Exception:
    """The :class:`xl_crm.errors.AsOfDateError` a worksheet function shows for its
    ``as_of`` argument: ``exc`` is the library's refusal of ``value`` (what was handed
    to :func:`xl_crm.metrics.asof.as_of_date`), ``given`` the cell as Excel holds it."""
    from xl_crm.errors import AsOfDateError

    why = _without(exc.texts, f"--as-of {value!r} ")  # type: ignore[attr-defined]
    shown = excel_shown(given)
    fix = (
        'as_of 应为日期单元格、TODAY()、DATE(2026,6,30) 或文本 "2026-06-30"',
        'give as_of a date cell, TODAY(), DATE(2026,6,30) or the text "2026-06-30"',
    )
    if isinstance(given, dt.datetime) and given.time() != dt.time(0):
        fix = ("用 TODAY() 或 INT(NOW())，不要用 NOW()", "use TODAY() or INT(NOW()), not NOW()")
    return AsOfDateError(
        (f"as_of {shown} {why[0]}；{fix[0]}", f"as_of {shown} {why[1]}; {fix[1]}"),
        expected=getattr(exc, "expected", None),
        hint=fix,
    )


def window_refused(exc: Exception, value: Any) -> Exception:
    """The :class:`xl_crm.errors.InvalidWindowError` a worksheet function shows for its
    ``window_days`` argument (``exc``: the library's refusal of ``value``)."""
    from xl_crm.errors import InvalidWindowError

    shown = excel_shown(value)
    fix = (
        "window_days 应为 1 至 36500 的整数天数，如 365 或 90；留空为 365",
        "give window_days a whole number of days from 1 to 36500, e.g. 365 or 90; empty: 365",
    )
    return InvalidWindowError(
        (f"window_days {shown} 无效；{fix[0]}", f"window_days {shown} is not usable; {fix[1]}"),
        expected=getattr(exc, "expected", None),
        hint=fix,
    )


def _how(option: str, runtime: str, macro: str) -> tuple[str, str] | None:
    """How a macro user gives what ``option`` gives on the command line, or None."""
    if option not in _OPTIONS:
        return None
    name, example = _OPTIONS[option]
    if runtime == "lite":
        return (
            f"在 xlwings Lite 脚本的表单中设置 {name} 后再运行",
            f"set {name} in the xlwings Lite script's form and run it again",
        )
    return (
        f"在按钮的 RunPython 行中写 crm.{macro}({name}={example}) 后再运行",
        f"write crm.{macro}({name}={example}) in the button's RunPython line and run it again",
    )


def _reworded(text: str, lang: int, runtime: str, macro: str) -> str:
    """``text`` (a fix in language ``lang``: 0 zh, 1 en) with each clause naming a
    command-line option replaced by the macro's way of giving it (once per option),
    clauses without a counterpart left out."""
    if not _OPTION.search(text):
        return text
    out: list[str] = []
    for clause in _CLAUSES.split(text):
        options = _OPTION.findall(clause)
        if not options:
            out.append(clause)
            continue
        for option in options:
            how = _how(option, runtime, macro)
            if how is not None and how[lang] not in out:
                out.append(how[lang])
    kept = [c.rstrip("；;，, ") for c in out if c.strip("；;，, ")]
    return ("；" if lang == 0 else "; ").join(kept) or _GENERIC[lang]


def _message(text: str) -> str:
    """A message with the command line's option names as the macros' parameters."""
    for option, (name, _) in _OPTIONS.items():
        text = text.replace(option + " ", name + " ")
    return text


def for_macro(exc: Any, runtime: str, macro: str) -> Any:
    """``exc`` (an :class:`xl_crm.XlCrmError` a macro body raised) as the macro's dialog
    shows it: option names in its message are the macro's parameters (``--as-of`` ->
    ``as_of``), and its fix and expected texts say how to give them in ``runtime``
    (``lite``: the script's form; ``classic``: the ``RunPython`` line of the macro
    ``macro``, e.g. ``compute_columns``).  Returns a reworded copy; ``exc`` is unchanged."""
    from xl_crm.errors.base import in_lang

    out = type(exc).__new__(type(exc))  # not copy.copy: some classes take other arguments
    for attr in ("file", "sheet", "cell", "field", "hints", "expected"):
        setattr(out, attr, getattr(exc, attr))
    texts = [in_lang(exc.texts, x) or "" for x in ("zh", "en")]
    out.texts = (_message(texts[0]), _message(texts[1]))
    for attr in ("hints", "expected"):
        value = getattr(exc, attr)
        if value is None or isinstance(value, str):
            continue
        both = [in_lang(value, x) or "" for x in ("zh", "en")]
        setattr(out, attr, tuple(_reworded(t, i, runtime, macro) for i, t in enumerate(both)))
    out.args = (out.__str__(),)
    return out
