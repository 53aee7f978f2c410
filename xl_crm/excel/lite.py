"""xl-crm in xlwings Lite (Windows, macOS, Excel on the web): the worksheet functions and
the macros as Lite scripts.

In the Lite add-in, add ``xl-crm`` to ``requirements.txt`` and put in ``main.py``::

    from xl_crm.excel.lite import *

(``xl-crm excel lite`` prints both files.)  The ``CRM_*`` functions then work in cells, and
the scripts below appear in the add-in's script list (and as buttons in App Mode, with
the template and language as form fields).  Each script is a thin shell: it hands the
workbook to a body of :mod:`xl_crm.excel.macros` through :func:`xl_crm.excel.macros.run_macro`,
which shows the outcome, or a failure's message in the chosen language, in a dialog.

What this module imports must load in Pyodide: no fastexcel, calamine, sockets, threads
or native code of xl-crm's own (``tests/test_excel_lite.py`` imports it with those
blocked).  No ``from __future__ import annotations`` here: Lite finds the ``book``
parameter by its annotation, ``xw.Book`` the class, not the text.
"""

import contextlib
from typing import Literal

import xlwings as xw
from xlwings import script

from xl_crm.excel import macros
from xl_crm.excel.book import XlwingsBook
from xl_crm.excel.functions import *  # noqa: F403  (the CRM_* functions Lite registers)
from xl_crm.excel.functions import __all__ as FUNCTIONS

#: the template choices of the scripts' form ("auto": the one the workbook names)
Template = Literal["auto", "car_sales", "ecommerce", "hotel", "ledger"]
Lang = Literal["zh", "en"]


def chosen(template: str) -> str | None:
    """The template a script was given: None for ``auto`` or empty."""
    return None if template in ("", "auto") else template


async def with_formulas(book: xw.Book) -> XlwingsBook:
    """``book`` as an :class:`XlwingsBook` whose formulas are loaded (Lite reads them only
    with ``await``); elsewhere they are read when needed."""
    medium = XlwingsBook(book)
    with contextlib.suppress(NotImplementedError):  # not Lite: read when needed
        await medium.load_formulas()
    return medium


@script(name="xl-crm Validate 校验")
async def validate_workbook(
    book: xw.Book, template: Template = "auto", lang: Lang = "zh", mask: bool = False
):
    """Check the workbook: mark bad cells (fill and note), list the findings on the sheet
    'xl-crm findings' with links; mask: personal values masked on that sheet.
    校验工作簿：标记错误单元格并列出检查结果（mask：检查结果中的个人信息脱敏）。"""
    return macros.run_macro(
        book,
        macros.validate_book,
        lang=lang,
        runtime="lite",
        template=chosen(template),
        mask_values=mask,
    )


@script(name="xl-crm Compute 计算")
async def compute_columns(
    book: xw.Book,
    template: Template = "auto",
    as_of: str = "",
    lang: Lang = "zh",
    window_days: int = 365,
    force: bool = False,
):
    """Compute the customer columns and segments from the orders (as of a date such as
    2026-06-30; empty: today; window_days: the purchase-frequency window); only changed
    cells are written, formulas are kept unless force. 计算客户指标列与分群。"""
    medium = await with_formulas(book)
    return macros.run_macro(
        medium,
        macros.compute_book,
        lang=lang,
        runtime="lite",
        template=chosen(template),
        as_of=as_of,
        window_days=window_days,
        force=force,
    )


@script(name="xl-crm Build template 建表")
async def build_template(
    book: xw.Book,
    template: Literal["ecommerce", "hotel", "ledger", "car_sales"] = "ecommerce",
    lang: Lang = "zh",
):
    """Add a template's sheets: headers, number formats, dropdowns. 添加模板工作表。"""
    return macros.run_macro(
        book, macros.build_template, lang=lang, runtime="lite", template=template
    )


@script(name="xl-crm Sort 排序")
async def sort_by_last_update(book: xw.Book, template: Template = "auto", lang: Lang = "zh"):
    """Sort each sheet by its last-update date, newest first (Excel's own sort).
    按最近更新日期排序。"""
    return macros.run_macro(
        book, macros.sort_by_last_update, lang=lang, runtime="lite", template=chosen(template)
    )


@script(name="xl-crm Masked copy 脱敏副本")
async def export_masked_copy(book: xw.Book, template: Template = "auto", lang: Lang = "zh"):
    """Add masked copies of the sheets (phones, e-mails, IDs, names masked) to share.
    导出脱敏副本。"""
    return macros.run_macro(
        book, macros.export_masked, lang=lang, runtime="lite", template=chosen(template)
    )


SCRIPTS = [
    validate_workbook,
    compute_columns,
    build_template,
    sort_by_last_update,
    export_masked_copy,
]

__all__ = [*FUNCTIONS, *(f.__name__ for f in SCRIPTS)]
