"""The customer summary of a book that holds only orders (or transactions).

Many businesses keep no customer list, only their orders: an export with a customer ID, a
date and an amount per row.  ``compute`` on such a book derives the customers from the
orders (one row per distinct customer key, compared the way keys are validated: full-width
digits, spaces and case normalised) with the metrics of :mod:`xl_crm.metrics.scores` (orders,
purchase frequency, first and last purchase, spend, recency, RFM score and segment), and
writes them as a customer summary sheet: a new sheet added to the workbook in place
(:func:`xl_crm.xlsx.newsheet.write_sheet`; everything else kept byte for byte), a sheet
the user names, or, for a CSV (never modified), a new .xlsx or .csv file.

A summary sheet is recognised by its header row (the customer key's header, then only
summary headers, in either language, the order count among them), which survives the
workbook being saved by Excel: such a sheet is rewritten, any other is never overwritten.
Re-running with the same orders and as-of date writes nothing.  Where the summary goes is
:mod:`xl_crm.metrics.summary_files`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from xl_crm.book import Book
from xl_crm.errors import MissingColumnError, NotInTemplateError
from xl_crm.metrics.headers import COLUMN_HEADERS, headers_of
from xl_crm.metrics.scores import customer_metrics, rfm
from xl_crm.specs.model import SheetSpec, Spec
from xl_crm.table import NewColumn, Table
from xl_crm.view.matching import normalise_header

#: default name of the summary sheet
SUMMARY_SHEET = {"zh": "客户汇总", "en": "Customer Summary"}
#: summary columns after the key: metric -> (zh, en) header; {w} is the window in days
HEADERS: dict[str, tuple[str, str]] = {
    **headers_of(
        "first_purchase", "last_purchase", "orders", "purchase_frequency", "total_spend",
        "avg_spend", "recency_days", "rfm_score",
    ),
    # one segment column, in the book's language: the 8-class model in zh, the grid in en
    "rfm_segment": (COLUMN_HEADERS["rfm_segment_cn"][0], COLUMN_HEADERS["rfm_segment_en"][1]),
}  # fmt: skip
MONEY_COLUMNS = ("total_spend", "avg_spend")
DATE_COLUMNS = ("first_purchase", "last_purchase")
_WIDTHS = {"first_purchase": 18, "last_purchase": 18, "rfm_segment": 16}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass
class CustomerSummary:
    """Customers derived from a sheet of orders, ready to write.

    ``frame``: one row per customer, sorted by key; columns ``key`` and the metrics of
    :data:`HEADERS` (money as floats, dates as datetimes).  ``unused``: the order rows the
    metrics could not use, as :func:`xl_crm.metrics.rowchecks.unused_rows` names them
    (cell, zh, en)."""

    frame: pd.DataFrame
    headers: dict[str, str]  # column -> header as written
    lang: str
    orders: Table
    money_format: str
    key_kind: str  # "number" for numeric keys, else "text"
    unused: list[tuple[str, str, str]] = field(default_factory=list)

    def columns(self) -> list[NewColumn]:
        """The summary's columns, left to right, as a medium adds them."""
        out = []
        for name, header in self.headers.items():
            values = self.frame[name]
            if name == "key":
                kind, fmt = self.key_kind, None
            elif name in DATE_COLUMNS:
                times = values.dropna()
                kind = "datetime" if (times != times.dt.normalize()).any() else "date"
                fmt = None
            elif name in MONEY_COLUMNS:
                kind, fmt = "number", self.money_format
            elif name in ("rfm_score", "rfm_segment"):
                kind, fmt = "text", None
            else:
                kind, fmt = "number", None
            width = max(_WIDTHS.get(name, 10), _display_width(header) + 2)
            out.append(NewColumn(header, values, kind, fmt, width))
        return out


def summary_headers(spec: Spec, lang: str, window: int, rfm_columns: bool) -> dict[str, str]:
    """Column -> header of the summary sheet, in ``lang`` (zh/en)."""
    key = _customers_key(spec)
    out = {"key": key.label.zh if lang == "zh" else key.label.en}
    for name, (zh, en) in HEADERS.items():
        if not rfm_columns and name.startswith("rfm_"):
            continue
        out[name] = (zh if lang == "zh" else en).format(w=window)
    return out


def is_summary_header(spec: Spec, header: list[object]) -> bool:
    """Whether a sheet's header row is one of a summary xl-crm wrote: the customer key's
    header first, then only summary headers (either language, any window), among them the
    order count (which no template's customers sheet has), so a customer list of the user's
    own with a key and a last-purchase column is never taken for one."""
    cells = [normalise_header(h) for h in header if h not in (None, "")]
    if not {normalise_header(h) for h in HEADERS["orders"]} & set(cells):
        return False
    key = _customers_key(spec)
    if cells[0] not in {normalise_header(key.label.zh), normalise_header(key.label.en)}:
        return False
    known = {
        normalise_header(re.sub(r"\{w\}", "", text)) for pair in HEADERS.values() for text in pair
    }
    return all(normalise_header(re.sub(r"\d+", "", c)) in known for c in cells[1:])


def derive_customers(
    spec: Spec,
    orders: Table,
    *,
    as_of: pd.Timestamp,
    window_days: int = 365,
    rfm_columns: bool = True,
) -> CustomerSummary:
    """The customers of ``orders`` (a Table of the template's orders sheet), one row per
    distinct normalised key, with their metrics as of ``as_of`` (see docs/metrics.md).

    Raises WorkbookError when the sheet has no customer-key or date column."""
    from xl_crm.fields.normalise import comparable
    from xl_crm.metrics.rowchecks import unused_rows

    source = orders.spec
    customers = _customers_sheet(spec)
    ref = next((r for r in source.references if r.to == f"{customers.id}.{customers.key}"), None)
    if ref is None:
        raise NotInTemplateError(
            (
                f"工作表 {orders.sheet!r} 没有引用客户的主键",
                f"the sheet {orders.sheet!r} does not refer to the customers' key",
            ),
            file=orders.path,
            hint=(
                "请使用订单表写明客户的模板",
                "use a template whose orders sheet names the customer",
            ),
        )
    date = _date_field(source, orders.frame)
    key_field = source.field(ref.field)
    date_fields = [f for f in source.fields if f.ftype.storage in ("date", "datetime")]
    needed = [key_field, *(source.field(date) if date else f for f in date_fields[:1])]
    missing = [f for f in needed if f.id not in orders.frame.columns]
    if missing or date is None:
        lacking = ", ".join(f"{f.label.zh} / {f.label.en}" for f in missing or needed[1:])
        raise MissingColumnError(
            (
                f"订单需要客户ID列和日期列；缺少：{lacking}",
                f"the orders need a customer ID column and a date column; missing: {lacking}",
            ),
            file=orders.path,
            sheet=orders.sheet,
            hint=(
                "加上这一列，或用模板认识的表头命名它",
                "add the column, or name it with one of the headers the template knows",
            ),
        )
    money = next(
        (
            f
            for f in source.fields
            if f.type in ("money", "decimal") and f.id in orders.frame.columns
        ),
        None,
    )
    needed = [ref.field, date, *([money.id] if money is not None else [])]
    unused = unused_rows(orders, needed)  # named, never dropped silently, and not counted
    every_key = comparable(orders.frame[ref.field], key_field, spec.phone_region)
    usable = orders.frame[[n for n in needed if n in orders.frame.columns]].notna().all(axis=1)
    frame = orders.frame[usable].copy()  # a customer whose orders are all unusable still shows
    frame["_key"] = every_key[usable]
    no_key = every_key.isna()
    keys = pd.Index(every_key[~no_key].unique())
    metrics = customer_metrics(
        frame,
        customer="_key",
        date=date,
        amount=money.id if money else None,
        as_of=as_of,
        customers=keys,
        window_days=window_days,
    )
    lang = _language(orders)
    headers = summary_headers(spec, lang, window_days, rfm_columns)
    out = pd.DataFrame(index=metrics.index)
    keyed = orders.frame.loc[~no_key, [ref.field]].assign(_key=every_key[~no_key])
    out["key"] = _shown_keys(keyed, ref.field).reindex(metrics.index).to_numpy()
    for name in HEADERS:
        if name in metrics.columns:
            out[name] = metrics[name]
    if rfm_columns:
        scores = rfm(metrics)
        out["rfm_score"] = scores["rfm_score"]
        out["rfm_segment"] = scores["rfm_segment_cn" if lang == "zh" else "rfm_segment_en"]
    numeric = pd.api.types.is_numeric_dtype(out["key"])
    out = out.sort_values("key", kind="stable").reset_index(drop=True)
    for name in MONEY_COLUMNS:
        out[name] = out[name].round(6)
    return CustomerSummary(
        frame=out[list(headers)],
        headers=headers,
        lang=lang,
        orders=orders,
        money_format=money.ftype.number_format if money is not None else "#,##0.00",
        key_kind="number" if numeric else "text",
        unused=unused,
    )


def _shown_keys(frame: pd.DataFrame, column: str) -> pd.Series:
    """Each normalised key as the orders first write it (trimmed, full-width characters
    made half-width, case kept): ``ＫＨ００１`` and ``kh001`` are shown as ``KH001`` when
    that comes first."""
    first = frame.groupby("_key", sort=False)[column].first()
    if pd.api.types.is_numeric_dtype(first):
        return first
    return first.map(lambda v: unicodedata.normalize("NFKC", str(v)).strip())


def _customers_sheet(spec: Spec) -> SheetSpec:
    return next(
        (s for s in spec.sheets if s.key and any(f.computed for f in s.fields)), None
    ) or next(s for s in spec.sheets if s.key)


def _customers_key(spec: Spec):
    sheet = _customers_sheet(spec)
    return sheet.field(sheet.key)


def _date_field(sheet: SheetSpec, frame: pd.DataFrame) -> str | None:
    """The orders' date: the first sort field that is a date, else the first date field
    (the rule of docs/metrics.md)."""
    dates = [f.id for f in sheet.fields if f.ftype.storage in ("date", "datetime")]
    sort = sheet.sort[0].field if sheet.sort else None
    present = [d for d in dates if d in frame.columns]
    if sort in present:
        return sort
    return present[0] if present else (dates[0] if dates else None)


def _language(table: Table) -> str:
    """zh when the sheet's headers are written in Chinese, else en."""
    headers = [*table.headers.values(), *(h for h, _ in table.unknown)]
    return "zh" if any(_CJK.search(str(h)) for h in headers) else "en"


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def summary_table(spec: Spec, tables: dict[str, Table]) -> Table | None:
    """The table read as the customers sheet when it is in fact a summary xl-crm wrote
    (its header row says so), else None."""
    table = tables.get(_customers_sheet(spec).id)
    if table is None:
        return None
    return table if is_summary_header(spec, table.header_texts()) else None


def holds_only_orders(spec: Spec, tables: dict[str, Table]) -> bool:
    """Whether the book read into ``tables`` has orders but no customers sheet of its own
    (absent, or only a summary xl-crm wrote)."""
    customers = _customers_sheet(spec)
    return has_orders(spec, tables) and (
        customers.id not in tables or summary_table(spec, tables) is not None
    )


def has_orders(spec: Spec, tables: dict[str, Table]) -> bool:
    """Whether the book read into ``tables`` has a sheet of orders."""
    return any(s.id in tables for s in _order_sheets(spec))


def _order_sheets(spec: Spec) -> list[SheetSpec]:
    """The template's sheets of orders: those that refer to the customers' key and have a
    date field (the rule compute uses, docs/metrics.md), in the template's order."""
    customers = _customers_sheet(spec)
    return [
        s
        for s in spec.sheets
        if any(r.to == f"{customers.id}.{customers.key}" for r in s.references)
        and any(f.ftype.storage in ("date", "datetime") for f in s.fields)
    ]


def date_order_notes(spec: Spec, orders: Table) -> list[tuple[str, str]]:
    """(zh, en) notes for the orders' text-date columns whose day/month order no value
    decided (``12/04/2026``): the summary's dates hang on that choice."""
    out = []
    for fid, order in orders.date_orders.items():
        if not (order.ambiguous or order.conflicting) or spec.date_order:
            continue
        header = orders.headers.get(fid, fid)
        zh_form, en_form = ("日/月/年", "day/month/year") if order.order == "dmy" else (
            "月/日/年", "month/day/year")  # fmt: skip
        out.append(
            (
                f"“{header}”中的日期（如 12/04/2026）无法确定日月顺序，已按{zh_form}读取；"
                "如不对，请在模板中设置 date_order",
                f"the dates in '{header}' (like 12/04/2026) do not show which is the day and "
                f"which the month; they were read as {en_form}: if that is wrong, set "
                "date_order in the template",
            )
        )
    return out


def compute_orders_only(
    book: Book,
    spec: Spec,
    tables: dict[str, Table],
    *,
    as_of: pd.Timestamp,
    window_days: int,
    rfm_columns: bool,
    summary_sheet: str | None,
    output: Path | None,
    backups: int,
    audit_log: Path | None,
):
    """``compute`` for a book of orders only: derive the customers and write the summary
    (see the module docstring).  Returns a :class:`xl_crm.metrics.plan.ComputeResult` whose
    ``sheet`` is the summary sheet (None for a CSV) and ``derived_from`` the orders sheet."""
    from xl_crm.metrics.plan import ComputeResult
    from xl_crm.metrics.summary_files import summary_sheets, summary_target, write_summary

    orders_sheet = next(s for s in _order_sheets(spec) if s.id in tables)
    summary_target(
        Path(book.name), output, writable=book.writable
    )  # a wrong output refused before any work
    sheet = summary_sheet
    if sheet is None and output is None:  # the summary written before, whatever its name
        sheet = next(iter(summary_sheets(book, spec)), None)
    summary = derive_customers(
        spec, tables[orders_sheet.id], as_of=as_of, window_days=window_days, rfm_columns=rfm_columns
    )
    written = write_summary(
        summary,
        book,
        spec,
        sheet=sheet,
        output=output,
        backups=backups,
        audit_log=audit_log,
        current=summary_table(spec, tables),
    )
    segments = {}
    if rfm_columns:
        metric = "rfm_segment_cn" if summary.lang == "zh" else "rfm_segment_en"
        counts = summary.frame["rfm_segment"].value_counts()
        segments[metric] = {str(k): int(v) for k, v in counts.items()}
    return ComputeResult(
        written.path,
        written.sheet,
        as_of.date(),
        list(summary.headers.values()),
        len(summary.frame),
        written.written,
        segments,
        derived_from=summary.orders.sheet,
        notes=date_order_notes(spec, summary.orders),
        unused=summary.unused,
        rows_changed=len(summary.frame) if written.written else 0,
    )
