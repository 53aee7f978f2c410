"""What ``xl-crm excel init`` puts into a workbook and ``xl-crm excel lite`` prints.

- :func:`conf_columns`: the ``xlwings.conf`` sheet, read by classic xlwings' VBA
  (``GetConfigFromSheet`` in ``xlwings.bas``: keys in column A from A1 down, values in
  column B): ``UDF Modules`` = ``xl_crm.excel.classic``.
- :func:`example_columns`: one row per worksheet function (``functions.__all__``): its
  Excel name, an example formula (as text, to copy into a cell), what it returns (the
  function run in Python on the same values) and its description; beside them, the small
  customers and orders table the examples refer to.
- :func:`macro_columns`: the :data:`xl_crm.excel.book.SETTINGS_SHEET` sheet: the
  ``template`` row the macros read, and for each macro the classic ``RunPython`` line,
  the Lite script name and how to put it on a button.
- :func:`lite_files`: ``main.py`` and ``requirements.txt`` for the xlwings Lite add-in.
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from xl_crm.errors import (
    EncryptedWorkbookError,
    OutputPathError,
    ReadOnlyBookError,
    SheetNotWritableError,
)
from xl_crm.table import NewColumn

__all__ = [
    "CONF_SHEET",
    "EXAMPLES",
    "EXAMPLES_SHEET",
    "XLWINGS_VERSION",
    "conf_columns",
    "example_columns",
    "example_result",
    "excel_constant",
    "header_fit",
    "init_workbook",
    "lite_files",
    "macro_columns",
    "next_steps",
    "write_files",
]

CONF_SHEET = "xlwings.conf"
EXAMPLES_SHEET = "xl-crm functions"
#: the xlwings release the Excel medium is written and tested against
XLWINGS_VERSION = "0.37.8"
UDF_MODULE = "xl_crm.excel.classic"
AS_OF = "2026-06-30"
#: the sample data of the examples, written into each formula as an Excel array constant,
#: so an example works in any workbook, whatever its sheets are called (array constants
#: hold no dates: a date is the text a cell may hold, which the functions read as one)
ORDERS = [
    ["订单编号", "客户ID", "下单时间", "金额"],
    ["A-1", 1001, "2026-05-01 10:00", 199],
    ["A-2", 1001, "2026-03-02", "¥89.50"],
    ["A-3", 1002, "2026-01-15", 2999],
]
CUSTOMERS = [[1001], [1002], [1003]]
CUSTOMER_TABLE = [
    ["客户ID", "姓名", "手机号码"],
    [1001, "王芳", "13812345678"],
    [1002, "李雷", "123"],
]


def excel_constant(value: Any) -> str:
    """``value`` as Excel writes it in a formula: rows of values as an array constant
    (``{1;2;3}`` a column, ``{"a",1;"b",2}`` rows), a text in double quotes, TRUE/FALSE,
    a number without ``.0``, a date and time as ``2026-05-01 10:00``."""
    if isinstance(value, list | tuple):
        rows = [r if isinstance(r, list | tuple) else [r] for r in value]
        return "{" + ";".join(",".join(map(excel_constant, r)) for r in rows) + "}"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, dt.datetime | dt.date):
        return f'"{example_result(value)}"'
    if value is None:
        return '""'
    return '"' + str(value).replace('"', '""') + '"'


_C, _O, _T = excel_constant(CUSTOMERS), excel_constant(ORDERS), excel_constant(CUSTOMER_TABLE)
#: function -> (arguments as a formula gives them, the sample values Python passes)
EXAMPLES: dict[str, tuple[str, tuple[Any, ...]]] = {
    "crm_validate": (f'{_T},"ecommerce","zh"', (CUSTOMER_TABLE, "ecommerce", "zh")),
    "crm_is_valid_phone": ('"13812345678"', ("13812345678",)),
    "crm_normalize_phone": ('"138 1234 5678"', ("138 1234 5678",)),
    "crm_is_valid_email": ('"wang.fang@example.com"', ("wang.fang@example.com",)),
    "crm_is_valid_id": ('"11010519491231002X"', ("11010519491231002X",)),
    "crm_is_valid_uscc": ('"91350100M000100Y43"', ("91350100M000100Y43",)),
    "crm_dedupe_key": ('" Wang.Fang@Example.com ","email"', (" Wang.Fang@Example.com ", "email")),
    "crm_mask": ('"13812345678","phone"', ("13812345678", "phone")),
    "crm_purchase_frequency": (f'{_C},{_O},"{AS_OF}"', (CUSTOMERS, ORDERS, AS_OF)),
    "crm_last_purchase": (f'{_C},{_O},"{AS_OF}"', (CUSTOMERS, ORDERS, AS_OF)),
    "crm_total_spend": (f'{_C},{_O},"{AS_OF}"', (CUSTOMERS, ORDERS, AS_OF)),
    "crm_rfm": (f'{_C},{_O},"{AS_OF}"', (CUSTOMERS, ORDERS, AS_OF)),
    "crm_segment": (f'{_C},{_O},"zh","{AS_OF}"', (CUSTOMERS, ORDERS, "zh", AS_OF)),
}
#: (function, Lite script name, what it does zh, en)
MACROS = [
    ("validate_workbook", "xl-crm Validate 校验", "校验并标记错误单元格，列出检查结果",
     "check, mark bad cells, list the findings"),
    ("compute_columns", "xl-crm Compute 计算", "计算客户指标列与分群（只写入变化的单元格）",
     "compute the customer columns and segments (changed cells only)"),
    ("build_template", "xl-crm Build template 建表", "添加模板工作表（表头、格式、下拉列表）",
     "add a template's sheets (headers, formats, dropdowns)"),
    ("sort_by_last_update", "xl-crm Sort 排序", "按最近更新日期排序（最新在前）",
     "sort by the last-update date, newest first"),
    ("export_masked_copy", "xl-crm Masked copy 脱敏副本",
     "导出脱敏副本（手机号、邮箱、证件号、姓名）", "masked copies (phones, e-mails, IDs, names)"),
]  # fmt: skip


def _column(header: str, values: list[Any], **options: Any) -> NewColumn:
    return NewColumn(header, pd.Series(values, dtype=object), **options)


def conf_columns() -> list[NewColumn]:
    """The ``xlwings.conf`` sheet: A1 ``UDF Modules``, B1 ``xl_crm.excel.classic``."""
    return [_column("UDF Modules", [], width=16), _column(UDF_MODULE, [], width=24)]


def example_result(value: Any) -> Any:
    """A function's result as Excel shows it, in one cell: TRUE/FALSE and numbers as they
    are, a date and time as ``2026-05-01 10:00``, a spilled array as its array constant
    (``{2;1;0}``; at most 120 characters, cut with ``…``)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, list):
        text = excel_constant(value)
        return text if len(text) <= 120 else text[:119] + "…"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d" if value.time() == dt.time(0) else "%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def example_columns(functions: Any) -> list[NewColumn]:
    """The examples sheet for the module ``functions``: a row per name of its ``__all__``
    (each needs an entry in :data:`EXAMPLES`; a KeyError names one that has none), the
    formula as text to copy (its sample data inside it as array constants, so it works in
    any workbook), its result as Excel shows it (the function run in Python on the same
    values), its description.  No row looks like a customer or order sheet's header, so
    the sheet is never taken for one."""
    names, formulas, results, docs = [], [], [], []
    for name in functions.__all__:
        shown, args = EXAMPLES[name]
        fn = getattr(functions, name)
        names.append(name.upper())
        formulas.append(f"={name.upper()}({shown})")
        results.append(example_result(fn(*args)))
        docs.append(((inspect.getdoc(fn) or "").splitlines() or [""])[0])
    names += [None, "示例数据 Sample data"]
    formulas += [
        None,
        "数据写在公式里（{…} 数组常量）；换成你的区域，如 客户!A2:A1000 / the data is inside "
        "each formula ({…} array constants): put your own ranges there, e.g. Customers!A2:A1000",
    ]
    results += [None, None]
    docs += [None, "“结果”列是各函数在这些数据上的结果 / the Result column is each function on it"]
    return [
        _column("函数 Function", names, width=26),
        _column("示例公式（复制到单元格）Formula to copy", formulas, width=56),
        _column("示例数据上的结果 Result on the sample data", results, width=40),
        _column("说明 Description", docs, width=60),
    ]


def macro_columns(template: str | None) -> list[NewColumn]:
    """The settings and macros sheet: row ``template`` (the template the macros use; empty
    when not known yet), then one row per macro with its classic ``RunPython`` line and its
    Lite script, then how to make buttons."""
    keys: list[str | None] = ["template", None]
    values: list[str | None] = [template or None, None]
    notes = [
        "宏使用的模板（可改为 ecommerce、hotel、ledger、car_sales）/ the template the macros "
        "use (edit it: ecommerce, hotel, ledger, car_sales)",
        None,
    ]
    for name, script, zh, en in MACROS:
        keys.append(name)
        values.append(f'RunPython "import xl_crm.excel.classic as crm; crm.{name}()"')
        notes.append(f"{zh} / {en}。Lite: {script}")
    keys += [None, "classic", "Lite"]
    values += [
        None,
        "开发工具 > 插入 > 按钮，指定一个调用上面 RunPython 行的 Sub"
        "（需要 xlwings 的 VBA 模块或加载项）",
        "在 xlwings Lite 任务窗格选择脚本并运行，或在 App Mode 中点按钮",
    ]
    notes += [
        None,
        "Developer > Insert > Button, assign a Sub that runs the RunPython line above "
        "(needs xlwings' VBA module or add-in)",
        "choose the script in the xlwings Lite task pane and run it, or click its button in "
        "App Mode",
    ]
    return [
        _column("设置 / 宏 Setting / macro", keys, width=22),
        _column("值 / classic xlwings Value", values, width=70),
        _column("说明 Notes", notes, width=70),
    ]


def lite_files(version: str, wheel: str | None = None) -> dict[str, str]:
    """``main.py`` and ``requirements.txt`` for the xlwings Lite add-in, for xl-crm
    ``version`` (the one running).  ``wheel``: the URL of an xl-crm wheel to install
    instead of the release on PyPI (Lite installs with micropip, which takes a URL ending
    in ``.whl``; a git URL does not work there); the file's comment says how."""
    main = (
        '"""xl-crm in xlwings Lite: the CRM_* worksheet functions and the xl-crm scripts\n'
        '(docs/excel.md of xl-crm)."""\n\n'
        "from xl_crm.excel.lite import *  # noqa: F403\n"
    )
    line = wheel or f"xl-crm=={version}"
    requirements = (
        f"xlwings=={XLWINGS_VERSION}\n{line}\n"
        f"# xl-crm {version}: when this version is not on PyPI (pip index versions xl-crm),\n"
        "# put the URL of its wheel on the line above instead, e.g.\n"
        f"# https://files.example.com/xl_crm-{version}-py3-none-any.whl\n"
        "# (build it in a clone of the git repository: python -m build --wheel; a git URL\n"
        "# does not work in Lite; the web server must allow CORS;\n"
        "# xl-crm excel lite --wheel URL writes that line). Restart xlwings Lite after editing.\n"
    )
    return {"main.py": main, "requirements.txt": requirements}


def init_workbook(
    path: Path, *, template: str | None = None, force: bool = False, backups: int = 5
) -> dict[str, Any]:
    """Add the ``xlwings.conf``, examples and ``xl-crm`` sheets to the workbook ``path``
    through the in-place writer (:meth:`xl_crm.xlsx.book.XlsxBook.add_sheet`: every other
    part of the package is copied as it was).  ``template``: the template the macros use
    (default: the one that built the workbook, :func:`xl_crm.xlsx.book.template_of`);
    ``backups``: copies of the workbook kept before (``.xlcrm-backups``).
    Returns ``{"file", "sheets", "template"}``.  Raises
    :class:`xl_crm.errors.SheetNotWritableError` when one of the sheets exists (nothing
    is written then) unless ``force``, and what opening and writing the file raises."""
    from xl_crm.excel import functions
    from xl_crm.excel.book import SETTINGS_SHEET
    from xl_crm.specs import load_spec
    from xl_crm.xlsx.atomic import check_writable, replace_file
    from xl_crm.xlsx.book import XlsxBook, template_of

    path = Path(path)
    try:
        book = XlsxBook(path)
        if not book.writable:
            raise ReadOnlyBookError.of(path)
        check_writable(path)  # a read-only file, an encrypted or damaged one: nothing written
    except EncryptedWorkbookError as exc:
        # excel init takes no password: the macros run in Excel, which opens the file itself
        raise EncryptedWorkbookError(
            ("工作簿有密码保护（已加密）", "the workbook is password-protected (encrypted)"),
            file=path,
            hint=(
                "excel init 不写加密的工作簿：在 Excel 中去掉密码（文件 > 信息 > 保护工作簿 > "
                "用密码进行加密，清空密码），运行 excel init，再重新设置密码",
                "excel init does not write encrypted workbooks: remove the password in Excel "
                "(File > Info > Protect Workbook > Encrypt with Password, clear it), run "
                "excel init, then set the password again",
            ),
        ) from exc
    chosen = template or template_of(path)
    if chosen:
        load_spec(chosen)  # an unknown template is refused before anything is written
    sheets = {
        CONF_SHEET: conf_columns(),
        EXAMPLES_SHEET: example_columns(functions),
        SETTINGS_SHEET: macro_columns(chosen),
    }
    there = [n for n in book.sheet_names() if n.casefold() in {s.casefold() for s in sheets}]
    if there and not force:
        raise SheetNotWritableError(
            (
                f"工作簿已有工作表 {'、'.join(there)}",
                f"the workbook has the sheets {', '.join(there)} already",
            ),
            file=path,
            hint=("加 --force 重写这些工作表", "add --force to rewrite them"),
        )
    fit = header_fit(book, chosen) if chosen else None
    # the sheets go into a copy beside the workbook, which then replaces it in one step:
    # a failure on the second sheet leaves the workbook as it was
    work = path.with_name(f".{path.stem}.{os.getpid()}.xlcrm-init{path.suffix}")
    shutil.copyfile(path, work)
    try:
        copy = XlsxBook(work, backups=0, shown_as=path)
        added = [copy.add_sheet(n, c, replace_if=lambda first: True) for n, c in sheets.items()]
    except BaseException:
        work.unlink(missing_ok=True)
        raise
    replace_file(path, work, backups)
    return {
        "file": str(path),
        "sheets": added,
        "template": chosen,
        "headers": fit,
        "next": next_steps(path, chosen, given=bool(template)),
    }


def _fit(spec: Any, heads: dict[str, list[list[Any]]], path: Path) -> tuple[int, float, list]:
    from xl_crm.errors import NoMatchingSheetError
    from xl_crm.view.matching import match_sheets

    try:
        matches = match_sheets(spec, heads, path)
    except NoMatchingSheetError:
        matches = []
    return len(matches), round(sum(m.score for m in matches), 3), matches


def header_fit(book: Any, template: str) -> dict[str, Any] | None:
    """Whether the sheets of ``book`` (a :class:`xl_crm.book.Book`) follow the headers of
    ``template`` (a built-in name or a spec path), matched the way ``validate`` matches
    them (:func:`xl_crm.view.matching.match_sheets`).  Only sheets with something in
    their first rows count, and not the ones xl-crm adds (this command's, the findings
    and marks sheets): an empty workbook fits every template.

    Returns ``None`` when the sheets fit: at least one matches a template sheet and no
    built-in template matches more of them (or, as many, with a higher sum of
    :func:`xl_crm.view.matching.coverage` scores).  Otherwise ``{"template",
    "unmatched"`` (the book's sheets matched to none of the template's), ``"missing"``
    (the template's sheets, ``"zh / en"`` labels, matched by none), ``"looks_like"``
    (the built-in template that fits better, or None), ``"zh"``, ``"en"}`` (the
    warning ``excel init`` shows)."""
    from xl_crm.excel.book import SETTINGS_SHEET
    from xl_crm.excel.ledger import LEDGER
    from xl_crm.excel.macros import FINDINGS_SHEET
    from xl_crm.specs import load_spec
    from xl_crm.specs.loader import builtin_names
    from xl_crm.view.headers import HEADER_SCAN_ROWS
    from xl_crm.view.matching import expected_headers, header_texts, is_blank_header

    ours = {CONF_SHEET, EXAMPLES_SHEET, FINDINGS_SHEET, LEDGER, SETTINGS_SHEET}
    heads = {}
    for name in book.sheet_names():
        rows = [] if name in ours else book.rows(name, HEADER_SCAN_ROWS)
        if any(not is_blank_header(t) for r in rows for t in header_texts(r)):
            heads[name] = rows
    if not heads:
        return None
    path = Path(book.name)
    spec = load_spec(template)
    count, score, matches = _fit(spec, heads, path)
    others = {n: _fit(load_spec(n), heads, path)[:2] for n in builtin_names() if n != spec.name}
    better = max(others, key=lambda n: others[n], default=None)
    if better is not None and (others[better] <= (count, score) or not others[better][0]):
        better = None
    if count and better is None:
        return None
    used = {m.sheet for m in matches}
    unmatched = [n for n in heads if n not in used]
    found = {m.template_sheet for m in matches}
    lacking = [s for s in spec.sheets if s.id not in found]
    zh = [f"工作簿的工作表与模板 {spec.name} 的表头不符（按 validate 的表头匹配）"]
    en = [f"the workbook's sheets do not match the headers of the template {spec.name} "
          "(matched as validate matches them)"]  # fmt: skip
    if unmatched:
        zh.append(f"工作表 {'、'.join(unmatched)} 不像它的任何一张工作表")
        en.append(f"sheets matching none of its sheets: {', '.join(unmatched)}")
    if lacking:
        zh.append(f"它的工作表 {'、'.join(s.label.zh for s in lacking)} 在工作簿中没有")
        en.append(f"its sheets not in the workbook: {', '.join(s.label.en for s in lacking)}")
    zh_text, en_text = "；".join(zh) + "。", "; ".join(en) + "."
    if better:
        n = others[better][0]
        zh_text += (
            f"这些工作表更像模板 {better}（其中 {n} 张与它匹配）：用 --template {better} --force "
            f"重新运行，或在 Excel 中把 xl-crm 工作表 template 行改为 {better}。"
        )
        en_text += (
            f" They look like the template {better} ({n} of them match it): run again with "
            f"--template {better} --force, or write {better} in the template row of the "
            "xl-crm sheet."
        )
    wanted = lacking or spec.sheets
    zh_text += (
        f"若要用 {spec.name}：宏只处理表头写出其列名的工作表（"
        + "；".join(f"{s.label.zh}：{expected_headers(s, 'zh', 4)}" for s in wanted)
        + "），可用 建表 宏添加这些工作表。工作表函数不受影响。"
    )
    en_text += (
        f" To use {spec.name}: the macros work on sheets whose headers name its columns ("
        + "; ".join(f"{s.label.en}: {expected_headers(s, 'en', 4)}" for s in wanted)
        + "); the Build template macro adds them. The worksheet functions work either way."
    )
    return {
        "template": spec.name,
        "unmatched": unmatched,
        "missing": [f"{s.label.zh} / {s.label.en}" for s in lacking],
        "looks_like": better,
        "zh": zh_text,
        "en": en_text,
    }


def next_steps(path: Path, template: str | None, *, given: bool) -> dict[str, str]:
    """What ``excel init`` says after adding its sheets: which template the macros use
    (given, the one that built the workbook, or none yet and how to choose one) and what to
    do next in each runtime; ``{"zh": ..., "en": ...}``."""
    if template and given:
        zh, en = f"宏使用模板 {template}。", f"The macros use the template {template}."
    elif template:
        zh = f"宏使用模板 {template}（构建该工作簿的模板）。"
        en = f"The macros use the template {template} (the one that built this workbook)."
    else:
        zh = (
            "未指定模板：在 Excel 中把模板名（ecommerce、hotel、ledger、car_sales）写到 "
            "xl-crm 工作表 template 行的 B 列，或加 --template NAME --force 重新运行。"
        )
        en = (
            "No template named: write one (ecommerce, hotel, ledger, car_sales) in column B "
            "of the template row of the xl-crm sheet in Excel, or run again with "
            "--template NAME --force."
        )
    zh += (
        "下一步：classic xlwings 在 xlwings 功能区点 Import Functions，宏按钮见 xl-crm 工作表；"
        "xlwings Lite 用 xl-crm excel lite 生成 main.py 和 requirements.txt。"
    )
    en += (
        " Next: classic xlwings, click Import Functions on the xlwings ribbon (the macros' "
        "RunPython lines are on the xl-crm sheet); xlwings Lite, run xl-crm excel lite for "
        "main.py and requirements.txt."
    )
    return {"zh": zh, "en": en}


def write_files(folder: Path, files: dict[str, str], *, force: bool = False) -> list[Path]:
    """Write ``files`` (name -> text, UTF-8) into ``folder``, created when missing if its
    parent folder exists.  Raises :class:`xl_crm.errors.OutputPathError` for a file that
    exists, unless ``force``, and for a folder whose parent does not exist; nothing is
    written then."""
    folder = Path(folder)
    targets = [folder / name for name in files]
    there = [t for t in targets if t.exists()]
    if there and not force:
        raise OutputPathError(
            (
                f"文件已存在：{'、'.join(map(str, there))}",
                f"the files exist already: {', '.join(map(str, there))}",
            ),
            file=there[0],
            hint=(
                "加 --force 覆盖，或换一个文件夹",
                "add --force to replace them, or choose another folder",
            ),
        )
    if not folder.parent.is_dir():
        raise OutputPathError(
            (
                f"文件夹 {folder.parent} 不存在",
                f"the folder {folder.parent} does not exist",
            ),
            file=folder,
            hint=(
                "只会在已有的文件夹里新建一层文件夹：先创建上一级，或换一个路径",
                "only a folder inside one that exists is created: create its parent "
                "first, or choose another path",
            ),
        )
    folder.mkdir(exist_ok=True)
    for target, text in zip(targets, files.values(), strict=True):
        target.write_text(text, encoding="utf-8")
    return targets
