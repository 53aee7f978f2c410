"""xl-crm in classic xlwings (Windows; RunPython macros also on macOS): the worksheet
functions and the macros.

- Worksheet functions (Windows): name this module in the add-in's *UDF Modules*, or in the
  ``xlwings.conf`` sheet (``xl-crm excel init`` adds it): ``xl_crm.excel.classic``; then
  click *Import Functions*.
- Macros: a button (or Alt+F8) running a VBA Sub that calls, for example::

      RunPython "import xl_crm.excel.classic as crm; crm.validate_workbook()"

  Each macro takes no argument it needs (optional ones: the template, ``zh``/``en``),
  finds the workbook with ``xw.Book.caller()``, and hands it to a body of
  :mod:`xl_crm.excel.macros` through :func:`xl_crm.excel.macros.run_macro`: the outcome,
  or a failure's message (what, where, how to fix; zh or en), appears in a message box.
"""

from __future__ import annotations

from typing import Any

from xl_crm.excel import macros
from xl_crm.excel.functions import *  # noqa: F403  (the crm_* worksheet functions)
from xl_crm.excel.functions import __all__ as FUNCTIONS


def caller() -> Any:
    """The workbook that ran the macro (``xw.Book.caller()``, called inside the macro as
    xlwings advises, never at import)."""
    import xlwings as xw

    return xw.Book.caller()


def validate_workbook(template: str = "", lang: str = "zh", mask: bool = False) -> None:
    """Check the workbook: mark bad cells, list the findings on 'xl-crm findings'
    (``mask=True``: personal values masked there).
    ``RunPython "import xl_crm.excel.classic as crm; crm.validate_workbook()"``"""
    macros.run_macro(
        caller(),
        macros.validate_book,
        lang=lang,
        template=template or None,
        mask_values=bool(mask),
    )


def compute_columns(
    template: str = "",
    as_of: str = "",
    lang: str = "zh",
    window_days: int = 365,
    force: bool = False,
) -> None:
    """Compute the customer columns and segments; only changed cells are written, formulas
    are kept unless ``force=True``.
    ``RunPython "import xl_crm.excel.classic as crm; crm.compute_columns(as_of='2026-06-30')"``"""
    macros.run_macro(
        caller(),
        macros.compute_book,
        lang=lang,
        template=template or None,
        as_of=as_of,
        window_days=window_days,
        force=bool(force),
    )


def build_template(template: str = "ecommerce", lang: str = "zh") -> None:
    """Add a template's sheets (headers, formats, dropdowns).
    ``RunPython "import xl_crm.excel.classic as crm; crm.build_template('hotel')"``"""
    macros.run_macro(caller(), macros.build_template, lang=lang, template=template)


def sort_by_last_update(template: str = "", lang: str = "zh") -> None:
    """Sort each sheet by its last-update date, newest first.
    ``RunPython "import xl_crm.excel.classic as crm; crm.sort_by_last_update()"``"""
    macros.run_macro(caller(), macros.sort_by_last_update, lang=lang, template=template or None)


def export_masked_copy(template: str = "", lang: str = "zh") -> None:
    """Masked copies of the sheets in a new workbook (classic Excel can open one).
    ``RunPython "import xl_crm.excel.classic as crm; crm.export_masked_copy()"``"""
    from xl_crm.excel.book import XlwingsBook

    book = caller()
    target = XlwingsBook(book.app.books.add())
    macros.run_macro(
        book, macros.export_masked, lang=lang, template=template or None, target=target
    )


MACROS = [
    validate_workbook,
    compute_columns,
    build_template,
    sort_by_last_update,
    export_masked_copy,
]

__all__ = [*FUNCTIONS, "caller", *(f.__name__ for f in MACROS)]
