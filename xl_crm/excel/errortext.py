"""An error as a worksheet function shows it in its cell: one line of ``#VALUE! <what was
wrong>; expected: <what>; fix: <what to do>`` in the function's language (zh and en when
it has none), in the words of a formula (a range's cells as its rows, no command-line
option, no "nothing was written"), never a traceback.

:mod:`xl_crm.excel.values` re-exports :func:`answer` and :func:`error_text`.  Importing
this module loads only the standard library (the error classes and the range names of
:mod:`xl_crm.excel.values` are imported when an error is shown), so it imports in Pyodide
without pandas.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable
from typing import Any

__all__ = ["CELL_PART_MAX", "answer", "error_text", "in_range_words"]

#: the labels of an error's parts in a cell, by language
_PARTS = {"zh": ("应为", "修改"), "en": ("expected", "fix")}
#: the fix a cell shows when the error's own is for the command line (``--help``)
_FORMULA_FIX = ("改正公式中说明所指的参数", "correct the argument of the formula the message names")
#: the most characters of each part of an error in a cell (Excel shows a cell's text in
#: one line; the whole of a long list of cells is in the library's own message)
CELL_PART_MAX = 240


def _part(text: str) -> str:
    """``text`` in one line, at most :data:`CELL_PART_MAX` characters."""
    line = " ".join(text.split())
    return line if len(line) <= CELL_PART_MAX else line[: CELL_PART_MAX - 1] + "…"


def _formula_fix(text: str, lang: str) -> str:
    """A fix for a formula: ``text`` without its clauses naming a command-line option
    (``--template``), :data:`_FORMULA_FIX` when nothing is left."""
    if "--" not in text:
        return text
    kept = [c for c in re.split(r"(?<=[；;])\s*", text) if "--" not in c]
    left = " ".join(kept).rstrip("；;，, ")
    return left or _FORMULA_FIX[lang == "en"]


#: what the library says for its commands that a formula, which writes nothing, leaves out
_NOT_FOR_A_CELL = (
    "；未写入任何内容",
    "; nothing was written",
    "，再运行 compute",
    ", then run compute again",
)
#: a cell of a range given without its sheet, by language (its row counted in the range)
_ROW_OF = {"zh": "{name}第 {row} 行", "en": "row {row} of {name}"}


def in_range_words(text: str, lang: str) -> str:
    """``text`` (a library message about a range given without its sheet) in ``lang``'s
    own words: the names both languages share (:data:`RANGE_NAMES` ``[None]``, "所给区域 /
    the range") as ``lang``'s ("the range"), and a cell there (``所给区域 / the range!A3``,
    counted from the range's top) as its row in the range (``row 3 of the range``)."""
    from xl_crm.excel.values import ORDERS_NAMES, RANGE_NAMES

    for names in (RANGE_NAMES, ORDERS_NAMES):
        both, own = names[None], names[lang]
        if both not in text:
            continue
        row = _ROW_OF[lang]
        text = re.sub(
            re.escape(both) + r"!\$?[A-Z]{1,3}\$?([0-9]+)",
            lambda m, own=own, row=row: row.format(name=own, row=m.group(1)),
            text,
        )
        text = text.replace(both, own)
    for words in _NOT_FOR_A_CELL:
        text = text.replace(words, "")
    return text


def _error_in(exc: Any, lang: str) -> str:
    """An :class:`xl_crm.XlCrmError` in ``lang`` in one line: what was wrong, what was
    expected and what to do (``…; expected: …; fix: …``), each part said once, in
    ``lang``'s words for a range (:func:`in_range_words`)."""
    from xl_crm.errors.base import in_lang

    message = _part(in_range_words(exc.message_in(lang), lang))
    fix = _formula_fix(in_lang(exc.hints, lang) or "", lang)
    parts = [message]
    for label, text in zip(_PARTS[lang], (in_lang(exc.expected, lang), fix), strict=True):
        shown = _part(in_range_words(text or "", lang))
        if shown and shown not in message:
            parts.append(f"{label}: {shown}")
    return ("；" if lang == "zh" else "; ").join(parts)


def error_text(exc: BaseException, lang: str | None = None) -> str:
    """How a worksheet function shows an error in its cell, in one line:
    ``#VALUE! <what was wrong>; expected: <what>; fix: <what to do>`` in ``lang`` (zh/en;
    both, zh first, joined by `` / ``, when None).  An :class:`xl_crm.XlCrmError` gives its
    message, expected and fix texts (a fix naming a command-line option is replaced by
    one for the formula); anything else its class and first line, never a traceback."""
    from xl_crm.errors import XlCrmError

    langs = (lang,) if lang in ("zh", "en") else ("zh", "en")
    if isinstance(exc, XlCrmError):
        texts = [_error_in(exc, x) for x in langs]
    else:
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        texts = [f"{type(exc).__name__}: {first}" if first else type(exc).__name__]
    return "#VALUE! " + " / ".join(dict.fromkeys(texts))


def answer(work: Callable[[], Any], lang: Any = None) -> Any:
    """``work()``, or :func:`error_text` of what it raised in ``lang`` (an argument as the
    function got it; zh and en when it is not a language): what every worksheet function
    returns, so a cell never shows a traceback.

    Python's cyclic garbage collector is paused while ``work`` runs (and resumed after,
    if it was on): a range of 100,000 rows makes hundreds of thousands of lists, and the
    collector scanned them all again and again (0.47 s of a 2.8 s ``CRM_SEGMENT``,
    benchmarks/bench_excel.py); reference counting still frees them."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return work()
    except Exception as exc:
        from xl_crm.excel.values import language

        try:
            chosen = language(lang) if lang is not None else None
        except Exception:
            chosen = None
        return error_text(exc, chosen)
    finally:
        if paused:
            gc.enable()
