"""The CRM worksheet functions (``=CRM_VALIDATE(...)``, ``=CRM_SEGMENT(...)`` ...): the one
source both xlwings runtimes load.

xlwings Lite shows them as ``CRM_VALIDATE`` (Windows, macOS, Excel on the web); classic
xlwings on Windows as ``crm_validate`` (Excel names ignore case, so the same formula works
in both).  Each function is a thin wrapper: its arguments are read by
:mod:`xl_crm.excel.values` (the one place where both runtimes' cells become the
library's values), the work is the library's own (:mod:`xl_crm.fields.formats`,
:mod:`xl_crm.fields.normalise`, :func:`xl_crm.metrics.plan.metric_values`,
:mod:`xl_crm.privacy`, :func:`xl_crm.validation.check.check`), and the result goes back
as a value or spilled rows; an error is the text ``#VALUE! <reason>`` in the cell, never
a traceback.  docs/excel-functions.md is the reference, with examples.

The decorators are xlwings' own (``func``, ``arg``, ``ret``; the ``[excel]`` extra).
Without xlwings they do nothing and the functions are plain Python, which is how the
tests and notebooks call them.  The signatures keep to what both runtimes accept
(``../shared/research/xlwings.md`` §6.2, checked by ``tests/test_excel_signatures.py``):
positional parameters only, no Optional/Union/Literal hints, no ``caller`` parameter,
ranges as 2-D lists (no DataFrame converter), docstrings of one line (Excel shows a
function's docstring as it is, up to 255 characters), the as-of date read by
:func:`xl_crm.excel.values.as_of_day` (xlwings' date converter fails on text and empty
cells before the function runs, which would put its traceback in the cell).
"""

from __future__ import annotations

from typing import Any

from xl_crm.excel import ranges
from xl_crm.excel import values as xv

try:
    from xlwings import arg, func, ret
except ImportError:  # the [excel] extra is not installed: the functions stay plain Python

    def func(f=None, **options):
        """Stands in for ``xlwings.func``: returns the function unchanged."""
        return f if f is not None else (lambda g: g)

    def arg(name, convert=None, **options):
        """Stands in for ``xlwings.arg``: returns the function unchanged."""
        return lambda f: f

    def ret(convert=None, **options):
        """Stands in for ``xlwings.ret``: returns the function unchanged."""
        return lambda f: f


__all__ = [
    "crm_dedupe_key",
    "crm_is_valid_email",
    "crm_is_valid_id",
    "crm_is_valid_phone",
    "crm_is_valid_uscc",
    "crm_last_purchase",
    "crm_mask",
    "crm_normalize_phone",
    "crm_purchase_frequency",
    "crm_rfm",
    "crm_segment",
    "crm_total_spend",
    "crm_validate",
]

CATEGORY = "xl-crm"
#: options of every range argument: always rows (one cell is [[x]]), error cells as text
RANGE = {"ndim": 2, "err_to_str": True}
#: parameter -> (description Excel shows, xlwings options); :func:`described` applies them
ARGUMENTS: dict[str, tuple[str, dict]] = {
    "values": ("The cells: one cell, a column or a range (单元格或区域)", RANGE),
    "region": ("Region the numbers are read for (地区), ISO code; default CN", {}),
    "table": ("The table with its header row (数据表，含表头)", RANGE),
    "template": ("Template (模板): ecommerce, hotel, ledger, car_sales; default ecommerce", {}),
    "language": ("Language of the messages (语言): zh or en; default zh", {}),
    "first_cell": (
        'Where the table starts (起始单元格), e.g. A1, 客户!A1 or CELL("address",A1)',
        {},
    ),
    "customers": (
        "Customer IDs (客户ID), one column, header cell optional; or the customers table",
        RANGE,
    ),
    "orders": ("The orders table with its header row (订单表，含表头)", RANGE),
    "as_of": ("As-of date (统计截止日): a date cell, TODAY() or 2026-06-30; empty: today", {}),
    "window_days": ("Purchase-frequency window in days (统计窗口天数); default 365", {}),
    "model": (
        "Segment model (分群模型): zh 8-class, en R-F grid, rules or rules_en; default zh",
        {},
    ),
}


def described(**docs: str):
    """Applies ``arg(name, doc=..., **options)`` to every parameter of the function, from
    :data:`ARGUMENTS` or ``docs`` (name -> description, for a parameter whose meaning is
    the function's own)."""

    def apply(f):
        import inspect

        for name in inspect.signature(f).parameters:
            doc, options = ARGUMENTS.get(name, (None, {}))
            f = arg(name, **options, doc=docs.get(name, doc))(f)
        return f

    return apply


FINDING_HEADERS = {
    "zh": ["单元格", "字段", "规则", "说明"],
    "en": ["Cell", "Field", "Rule", "Message"],
}


# -- one result per cell ----------------------------------------------------------------------


def _typed(cells: list[Any], kind: str, *, unique: bool = False):
    """The cells as the column of a field of type ``kind`` reads in a file:
    :func:`xl_crm.fields.coercion.coerce` (trimmed, full-width folded, numbers shown as
    Excel shows them, error values such as ``#N/A`` recognised), a zero read as an empty
    cell unless ``kind`` is a number of a field that is not ``unique``
    (:func:`xl_crm.excel.values.zero_is_empty`).  Returns the
    :class:`xl_crm.fields.coercion.Coerced` column."""
    import pandas as pd

    from xl_crm.fields.coercion import coerce
    from xl_crm.fields.types import FIELD_TYPES

    ftype = FIELD_TYPES[kind]
    if unique or ftype.storage not in ("integer", "number"):
        cells = [None if xv.is_empty(c) else c for c in cells]
    series = pd.Series(cells, dtype=object)
    return coerce(series, ftype.storage, identifier=ftype.identifier)


def _each(cells_in: Any, kind: str, judge, *, unique: bool = False) -> Any:
    """``judge(typed column)`` -> one result per cell, in the shape the cells came; a
    cell holding an Excel error value gives that error (``#N/A``), as the file reader
    reports such a cell instead of reading it as empty.  ``unique``: see :func:`_typed`."""
    cells = [c for row in xv.grid(cells_in) for c in row]
    read = _typed(cells, kind, unique=unique)
    results = list(judge(read.values))
    errors = read.errors.tolist()
    if any(e is not None for e in errors):
        results = [r if e is None else e for r, e in zip(results, errors, strict=True)]
    return xv.reshape(results, cells_in)


def _valid(typed, invalid) -> list[Any]:
    """TRUE where a value is fine, FALSE where ``invalid`` (aligned bools) says it is
    not, ``""`` for an empty cell."""
    present = typed.notna().to_numpy()
    return [bool(not bad) if here else "" for here, bad in zip(present, invalid, strict=True)]


def _phones(cells_in: Any, region: Any, *, e164: bool) -> Any:
    from xl_crm.fields.formats import phone_numbers

    where = _phone_region(region)

    def judge(typed):
        numbers, invalid = phone_numbers(typed, where)
        return xv.column_shown(numbers) if e164 else _valid(typed, invalid.to_numpy())

    return _each(cells_in, "phone", judge)


def _phone_region(value: Any) -> str:
    """:func:`xl_crm.excel.values.region`, refused unless phonenumbers knows the region
    (``ZZ`` would make every number FALSE); raises InvalidOptionError."""
    import phonenumbers

    where = xv.region(value)
    if where not in phonenumbers.SUPPORTED_REGIONS:
        from xl_crm.errors import InvalidOptionError

        raise InvalidOptionError(
            (
                f'地区 "{where}" 未知；请给出地区代码，如 CN、HK、US',
                f'unknown region "{where}": give a region code such as CN, HK, US',
            ),
            expected=("地区代码，如 CN、HK、US", "a region code such as CN, HK, US"),
            hint=xv.REGION_FIX,
        )
    return where


def _problems(cells_in: Any, kind: str) -> Any:
    """TRUE/FALSE/"" by the :mod:`xl_crm.fields.formats` check of field type ``kind``
    (the check gives a reason where a value is invalid)."""
    from xl_crm.fields import formats

    check = {
        "email": formats.email_problems,
        "cn_resident_id": formats.resident_id_problems,
        "uscc": formats.uscc_problems,
    }[kind]
    return _each(cells_in, kind, lambda typed: _valid(typed, check(typed).notna().to_numpy()))


@func(category=CATEGORY)
@described()
def crm_is_valid_phone(values, region="CN"):
    """TRUE where a phone number (手机号码/电话) is valid by phonenumbers (+86, spaces, dashes, full-width digits accepted), FALSE where not, empty where the cell is."""  # noqa: E501
    return xv.answer(lambda: _phones(values, region, e164=False))


@func(category=CATEGORY)
@described()
def crm_normalize_phone(values, region="CN"):
    """Each phone number (手机号码) in E.164 form, e.g. +8613812345678; empty where the number is not valid or the cell is empty."""  # noqa: E501
    return xv.answer(lambda: _phones(values, region, e164=True))


@func(category=CATEGORY)
@described()
def crm_is_valid_email(values):
    """TRUE where an e-mail address (电子邮件) is valid by email-validator (syntax only, no DNS), FALSE where not, empty where the cell is."""  # noqa: E501
    return xv.answer(lambda: _problems(values, "email"))


@func(category=CATEGORY)
@described()
def crm_is_valid_id(values):
    """TRUE where an 18-character resident ID (公民身份号码, GB 11643) is valid: format, region code, birth date and check character; FALSE where not, empty where the cell is."""  # noqa: E501
    return xv.answer(lambda: _problems(values, "cn_resident_id"))


@func(category=CATEGORY)
@described()
def crm_is_valid_uscc(values):
    """TRUE where a unified social credit code (统一社会信用代码, GB 32100) is valid: characters, registration authority and check character; FALSE where not."""  # noqa: E501
    return xv.answer(lambda: _problems(values, "uscc"))


@func(category=CATEGORY)
@described(
    kind="Field type (字段类型): text, phone, email, integer, cn_resident_id ...; default text"
)
def crm_dedupe_key(values, kind="text", region="CN"):
    """The key each value is compared by for uniqueness (去重键): text full-width folded, trimmed, lower case; phones in E.164; numbers as numbers. Equal keys are duplicates."""  # noqa: E501
    return xv.answer(lambda: _dedupe_keys(values, kind, region))


def _dedupe_keys(cells_in: Any, kind: Any, region: Any) -> Any:
    from xl_crm.fields.normalise import comparable
    from xl_crm.specs.model import FieldSpec

    field = FieldSpec(id="value", label="value", type=_kind(kind, "text"), unique=True)
    where = _phone_region(region)
    whole = field.ftype.storage == "integer"

    def keys(typed):  # a whole number as one (123, never 123.0)
        shown = xv.column_shown(comparable(typed, field, where))
        return [int(v) if whole and type(v) is float and v.is_integer() else v for v in shown]

    # a key is of a unique field: a 0 is Lite's empty cell (zero_is_empty), in both runtimes
    return _each(cells_in, field.type, keys, unique=True)


def _kind(value: Any, default: str) -> str:
    """A field type name (xl_crm.fields.types); raises InvalidOptionError otherwise."""
    from xl_crm.errors import InvalidOptionError
    from xl_crm.fields.types import TYPE_NAMES

    kind = xv.option(value, default).lower()
    if kind not in TYPE_NAMES:
        raise InvalidOptionError(
            (f"字段类型 {kind!r} 无效", f"unknown field type {kind!r}"),
            expected=("、".join(TYPE_NAMES), ", ".join(TYPE_NAMES)),
        )
    return kind


@func(category=CATEGORY)
@described(kind="What the values are (类型): name, phone, email, cn_resident_id; default name")
def crm_mask(values, kind="name"):
    """Each value masked as reports show personal data (脱敏): 138****5678, w***@qq.com, 110101********123X, 王*."""  # noqa: E501
    return xv.answer(lambda: _masked(values, kind))


def _masked(cells_in: Any, kind: Any) -> Any:
    from xl_crm.privacy import mask

    chosen = xv.option(kind, "name").lower()
    field = "text" if chosen == "name" else _kind(chosen, "text")
    return _each(
        cells_in, field, lambda s: [mask(v, chosen) if isinstance(v, str) else "" for v in s]
    )


# -- tables -----------------------------------------------------------------------------------


@func(category=CATEGORY)
@described(template="Template (模板): ecommerce, hotel, ledger, car_sales, or a spec file's path")
def crm_validate(table, template, language="zh", first_cell="A1"):
    """Checks a table against its template (按模板校验): one row per problem, spilled: cell, field, rule, message; only the header row when the table is clean."""  # noqa: E501
    return xv.answer(lambda: _findings(table, template, language, first_cell), language)


def _findings(table: Any, template: Any, language: Any, first_cell: Any) -> list[list[Any]]:
    from xl_crm.validation.check import check

    lang = xv.language(language)
    spec = xv.template(template, default="")
    sheet, row, column = xv.first_cell(first_cell)
    ranges.refuse_a_file(table)
    name = sheet or xv.RANGE_NAMES[lang]
    tables = ranges.read_tables(table, spec, sheet_name=name, row=row, column=column)
    report = check(spec, tables)
    out = [FINDING_HEADERS[lang]]
    for f in report.all_findings():
        if f.rule == "missing-sheet":  # one table is checked: the template's others are not
            continue
        out.append(
            [f.where if sheet else f.cell, f.header or f.field or "", f.rule, f.message(lang)]
        )
    return out


# -- customer metrics -------------------------------------------------------------------------


def _metric_rows(
    customers: Any,
    orders: Any,
    as_of: Any,
    window_days: Any,
    template: Any,
    pick,
) -> Any:
    """One row per row of ``customers``: ``pick(spec, table, metrics, lang)`` ->
    {header (zh, en): column} of the metrics of :func:`xl_crm.metrics.plan.metric_values`
    (as compute writes them), the headers on the range's header row, ``""`` on empty
    rows; in the shape ``customers`` came when one column is asked for."""
    from xl_crm.errors import InvalidOptionError
    from xl_crm.metrics.plan import cell_values, customers_sheet, metric_values, order_fields

    spec = xv.template(template)
    day, window = xv.as_of_day(as_of), xv.whole_days(window_days)
    tables, rows, head = ranges.customer_rows(customers, spec)
    sheet = customers_sheet(spec)

    def needed(source):  # an order's key, date and amount (stays, with row rules: all)
        if source.id == sheet.id or source.rules:
            return None
        return order_fields(spec, tables[sheet.id], source)

    # a 0 in an order's key, date or amount is an empty cell, as Lite hands one over, so
    # both runtimes give what compute gives a file (an order without an amount counts
    # for nothing); a typed 0 amount does too (docs/excel-functions.md)
    for sid, table in ranges.read_tables(
        orders, spec, sheet_name=xv.ORDERS_NAMES[None], only=needed, zeros_empty=True
    ).items():
        if sid == sheet.id:
            raise InvalidOptionError(
                (
                    "订单区域的表头是客户表的表头；请给出订单表",
                    "the orders range has the customers sheet's headers: give the orders",
                ),
                expected=(f"{sheet.label.zh}以外的表", f"a sheet other than {sheet.label.en}"),
            )
        tables[sid] = table
    customers_table = tables[sheet.id]
    lang = "zh" if head is None or _chinese(rows[head]) else "en"
    columns = pick(
        spec, customers_table, metric_values(spec, tables, as_of=day, window_days=window), lang
    )
    at = (customers_table.frame.index - 1).tolist()  # table row r is the range's row r - 1
    full = []
    for (zh, en), values in columns.items():
        column = [""] * len(rows)
        for i, v in zip(at, xv.column_shown(cell_values(values)), strict=True):
            column[i] = v
        if head is not None:
            column[head] = (zh if lang == "zh" else en).format(w=window)
        full.append(column)
    if len(full) == 1 and xv.shape(customers) != "grid":
        return xv.reshape(full[0], customers)
    return [list(r) for r in zip(*full, strict=True)]


def _chinese(row: list[Any]) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for c in row if isinstance(c, str) for ch in c)


def _metric(name: str):
    """``pick`` for one metric of :data:`xl_crm.metrics.headers.COLUMN_HEADERS`."""
    from xl_crm.metrics.headers import COLUMN_HEADERS

    return lambda spec, table, metrics, lang: {COLUMN_HEADERS[name]: metrics[name]}


@func(category=CATEGORY)
@described()
def crm_purchase_frequency(customers, orders, as_of="", window_days=365, template="ecommerce"):
    """Purchase frequency (购买频率) of each customer: orders in the window ending on the as-of date, both ends included (docs/metrics.md)."""  # noqa: E501
    pick = _metric("purchase_frequency")
    return xv.answer(lambda: _metric_rows(customers, orders, as_of, window_days, template, pick))


@func(category=CATEGORY)
@described()
@ret(date_format="yyyy-mm-dd hh:mm")
def crm_last_purchase(customers, orders, as_of="", template="ecommerce"):
    """Date of each customer's most recent order (最近一次购买日期) on or before the as-of date; empty for a customer without orders."""  # noqa: E501
    pick = _metric("last_purchase")
    return xv.answer(lambda: _metric_rows(customers, orders, as_of, 365, template, pick))


@func(category=CATEGORY)
@described()
def crm_total_spend(customers, orders, as_of="", template="ecommerce"):
    """Total spend (累计消费金额) of each customer: the sum of the amounts of their orders up to the as-of date; 0 for a customer without orders."""  # noqa: E501
    pick = _metric("total_spend")
    return xv.answer(lambda: _metric_rows(customers, orders, as_of, 365, template, pick))


@func(category=CATEGORY)
@described()
def crm_rfm(customers, orders, as_of="", window_days=365, template="ecommerce"):
    """RFM scores (RFM 评分) of each customer, spilled as four columns: R, F and M 1-5 by percentile rank, and the code such as 545; empty without orders."""  # noqa: E501

    def pick(spec, table, metrics, lang):
        from xl_crm.metrics.headers import COLUMN_HEADERS

        names = ("r_score", "f_score", "m_score", "rfm_score")
        return {COLUMN_HEADERS[n]: metrics[n] for n in names}

    return xv.answer(lambda: _metric_rows(customers, orders, as_of, window_days, template, pick))


@func(category=CATEGORY)
@described()
def crm_segment(customers, orders, model="zh", as_of="", window_days=365, template="ecommerce"):
    """Segment (客户分群) of each customer: zh the 8-class RFM model (重要价值客户 ...), en the R-F grid (Champions ...), rules the template's own segment rules."""  # noqa: E501
    return xv.answer(
        lambda: _metric_rows(customers, orders, as_of, window_days, template, _segments(model))
    )


def _segments(model: Any):
    """``pick`` for :func:`crm_segment`'s ``model``; raises InvalidOptionError."""
    from xl_crm.errors import InvalidOptionError, NotInTemplateError
    from xl_crm.metrics.headers import COLUMN_HEADERS
    from xl_crm.metrics.plan import customers_sheet, segment_values

    chosen = xv.option(model, "zh").lower()
    if chosen in ("zh", "en"):
        name = "rfm_segment_cn" if chosen == "zh" else "rfm_segment_en"
        return lambda spec, table, metrics, lang: {COLUMN_HEADERS[name]: metrics[name]}
    if chosen not in ("rules", "rules_zh", "rules_en"):
        raise InvalidOptionError(
            (f"分群模型 {chosen!r} 无效", f"unknown segment model {chosen!r}"),
            expected=("zh、en、rules 或 rules_en", "zh, en, rules or rules_en"),
        )

    def pick(spec, table, metrics, lang):
        sheet = customers_sheet(spec)
        segment = next((s for s in spec.segments if s.sheet == sheet.id), None)
        if segment is None:
            raise NotInTemplateError(
                (
                    f"模板 {spec.name} 没有分群规则",
                    f"the template {spec.name} has no segment rules",
                ),
                hint=(
                    "用 zh 或 en 模型，或换用有规则的模板（如 ledger）",
                    "use zh or en, or a template with rules (ledger)",
                ),
            )
        labels = "en" if chosen == "rules_en" else "zh"
        field = sheet.field(segment.field).label
        return {(field.zh, field.en): segment_values(segment, table, metrics, labels)}

    return pick
