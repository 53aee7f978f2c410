"""The plan of ``compute``: derived customer columns as column updates, without I/O.

From a read book's Tables it computes the template's computed fields (last purchase,
purchase frequency, segments ...) and, unless turned off, total spend, recency and the RFM
score and segment, from the orders (or stays) sheet, and returns them as
:class:`xl_crm.table.ColumnUpdate` objects for the medium to write (:func:`xl_crm.compute`
is open a book + this plan + ``book.write``).  The as-of date is explicit so results are
reproducible; running twice with the same inputs changes nothing the second time (no
write, no backup, no audit record).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from xl_crm.errors import (
    MissingColumnError,
    NoMatchingSheetError,
    NotInTemplateError,
    WorkbookError,
)
from xl_crm.metrics.compare import changed_rows
from xl_crm.metrics.headers import headers_of
from xl_crm.metrics.keys import check_customer_keys
from xl_crm.metrics.rowchecks import duplicate_orders, unused_rows
from xl_crm.metrics.scores import (
    customer_metrics,
    rfm,
    segment_labels,
    stay_metrics,
)
from xl_crm.results import csv_text
from xl_crm.specs.expressions import parse_expression
from xl_crm.specs.metrics import METRICS
from xl_crm.specs.model import SheetSpec, Spec
from xl_crm.table import ColumnUpdate, Table
from xl_crm.view.matching import normalise_header

#: headers of the extra RFM (and stay) columns, (zh, en)
EXTRA_HEADERS = headers_of(
    "total_spend", "recency_days", "rfm_score", "rfm_segment_cn", "rfm_segment_en",
    "stays", "nights", "last_stay", "avg_stay_nights", "preferred_room_type",
)  # fmt: skip
KINDS = {
    "first_purchase": "datetime", "last_purchase": "datetime", "last_stay": "datetime",
    "total_spend": "money", "avg_spend": "money",
    "rfm_score": "text", "rfm_segment_cn": "text", "rfm_segment_en": "text",
    "preferred_room_type": "text",
}  # fmt: skip


@dataclass
class ComputeResult:
    """What :func:`xl_crm.compute` did: the book (``path``) and ``sheet`` written (or the
    summary sheet or file), the ``as_of`` date, the ``columns`` (headers) computed, the
    customer ``rows``, whether anything was ``written`` (False: already up to date),
    customers per ``segments`` label, ``seconds`` taken, the order rows left out
    (``unused``) or repeated (``duplicates``), and ``rows_changed``: customers (rows, never
    cells) given a different value (a summary written: all its rows)."""

    path: Path
    sheet: str
    as_of: dt.date
    columns: list[str]
    rows: int
    written: bool
    segments: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0
    #: order (or stay) rows the metrics could not use: (cell, reason zh, reason en), e.g.
    #: ("订单!C2", "下单时间是错误值 #REF!", "Order Time holds the error #REF!")
    unused: list[tuple[str, str, str]] = field(default_factory=list)
    #: a book of orders only: the sheet the customers were derived from (xl_crm.metrics.summary)
    derived_from: str | None = None
    #: things to check in what was derived, (zh, en): e.g. dates whose day/month order no
    #: value decided
    notes: list[tuple[str, str]] = field(default_factory=list)
    #: order (or stay) rows that repeat an earlier row in every column: (cell, zh, en),
    #: e.g. ("订单!A9", "与第 4 行完全相同", "is an exact copy of row 4"); counted all the same
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)
    #: what ``force`` let compute write over: (cells, zh, en), e.g. ("客户!H2:H9",
    #: "8 个公式单元格会被数值替换（H2 =A2*2 ……）", "8 cells with formulas would be ...")
    overwritten: list[tuple[str, str, str]] = field(default_factory=list)
    rows_changed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (``xl-crm compute --json``): paths and the date as text, rows of
        ``unused``/``duplicates`` as ``{"cell", "zh", "en"}``, ``notes`` as ``{"zh", "en"}``."""

        def cells(rows: list[tuple[str, str, str]]) -> list[dict[str, str]]:
            return [{"cell": c, "zh": zh, "en": en} for c, zh, en in rows]

        return {
            "path": str(self.path),
            "sheet": self.sheet,
            "as_of": self.as_of.isoformat(),
            "columns": list(self.columns),
            "rows": self.rows,
            "written": self.written,
            "rows_changed": self.rows_changed,
            "segments": self.segments,
            "seconds": self.seconds,
            "derived_from": self.derived_from,
            "notes": [{"zh": zh, "en": en} for zh, en in self.notes],
            "unused": cells(self.unused),
            "duplicates": cells(self.duplicates),
            "overwritten": cells(self.overwritten),
        }

    def to_csv(self) -> str:
        """Customers per segment as CSV: ``segment,label,customers``."""
        rows = (
            {"segment": name, "label": label, "customers": n}
            for name, counts in self.segments.items()
            for label, n in counts.items()
        )
        return csv_text(["segment", "label", "customers"], rows)


@dataclass
class ColumnPlan:
    """What ``compute`` will write: the customers ``table``, its column ``updates``, whether
    any differs from the sheet (``changed``; False: nothing to write), ``stale``: the ones
    that differ, written (a column already holding its values, such as the user's own
    formulas giving them, is left alone), ``rows_changed``: customers with a changed value."""

    table: Table
    updates: list[ColumnUpdate]
    changed: bool
    segments: dict[str, dict[str, int]]
    unused: list[tuple[str, str, str]]
    duplicates: list[tuple[str, str, str]]
    stale: list[ColumnUpdate] = field(default_factory=list)
    rows_changed: int = 0


def customers_sheet(spec: Spec) -> SheetSpec:
    """The template's customers sheet: the keyed sheet with computed fields (else the first
    keyed sheet)."""
    return next(
        (s for s in spec.sheets if s.key and any(f.computed for f in s.fields)), None
    ) or next(s for s in spec.sheets if s.key)


def read_fields(spec: Spec) -> dict[str, list[str]]:
    """The fields :func:`plan_columns` reads from the customers sheet (template sheet id ->
    field ids, as ``Book.read(fields=...)`` takes them): the key, the computed fields (their
    current values decide whether anything changed) and what the segments' rules read.
    Other sheets are read whole (an order's every column counts for its copies,
    :func:`duplicate_orders`); unknown columns are always read (the RFM columns of an
    earlier run)."""
    sheet = customers_sheet(spec)
    names = {sheet.key, *(f.id for f in sheet.fields if f.computed)}
    for segment in spec.segments:
        if segment.sheet == sheet.id:
            names.add(segment.field)
            for rule in segment.rules:
                names |= parse_expression(rule.when).names
    return {sheet.id: [f.id for f in sheet.fields if f.id in names]}


def plan_columns(
    spec: Spec,
    tables: dict[str, Table],
    *,
    as_of: pd.Timestamp,
    window_days: int = 365,
    rfm_columns: bool = True,
    file: str | Path | None = None,
) -> ColumnPlan:
    """The derived customer columns of a read book, as column updates (no I/O).

    ``tables``: the book's Tables (the customers sheet and its orders or stays sheet);
    ``as_of``: the day recency is counted to; ``window_days``: the window of 购买频率 and
    F, in days.  Raises :class:`xl_crm.CustomerKeyError` when customer keys repeat after
    normalising or are empty, and :class:`xl_crm.WorkbookError` when the orders sheet is
    missing (``file`` names the book in that message)."""
    sheet = customers_sheet(spec)
    customers = tables[sheet.id]
    source = _source_sheet(spec, sheet, tables)
    values = metric_values(spec, tables, as_of=as_of, window_days=window_days, file=file)
    lang = _language(customers)
    unused = unused_rows(customers, [customers.spec.key]) + unused_rows(
        tables[source.id], order_fields(spec, customers, source)
    )
    columns = _columns(spec, sheet, customers, values, lang, rfm_columns)
    updates, stale, touched = [], [], pd.Index([])
    for metric, (header, kind, aliases) in columns.items():
        series = cell_values(values[metric])
        fid = next((f.id for f in sheet.fields if f.computed == metric), None)
        if fid is not None:
            current = customers.frame[fid] if fid in customers.frame.columns else None
        else:
            current = _extra_column(customers, header, aliases)
        changed = changed_rows(current, series, as_text=fid is None)
        updates.append(ColumnUpdate(header, series, kind=kind, aliases=aliases))
        if current is None or changed.any():
            stale.append(updates[-1])
            touched = touched.union(series.index[changed])
    segments = {
        metric: {str(k): int(v) for k, v in values[metric].value_counts().items()}
        for metric in columns
        if metric.startswith("rfm_segment") or metric in {s.id for s in spec.segments}
    }
    return ColumnPlan(
        customers,
        updates,
        bool(stale),
        segments,
        unused,
        duplicate_orders(tables[source.id]),
        stale,
        len(touched),
    )


def metric_values(
    spec: Spec,
    tables: dict[str, Table],
    *,
    as_of: pd.Timestamp,
    window_days: int = 365,
    file: str | Path | None = None,
) -> dict[str, pd.Series]:
    """Each customer metric (``METRICS`` names; docs/metrics.md) of the customers table of
    ``tables``, as a Series on its row numbers: what :func:`plan_columns` and the Excel
    functions (``xl_crm.excel``) compute.  Refuses sheets without the columns the metrics
    need (MissingColumnError), repeated or empty keys (CustomerKeyError), a missing orders
    sheet (WorkbookError); ``file`` names the book in those messages."""
    sheet = customers_sheet(spec)
    customers = tables[sheet.id]
    source = _source_sheet(spec, sheet, tables)
    _require_columns(customers, [customers.spec.key], file)
    if source.id in tables:
        orders = tables[source.id]
        needed = order_fields(spec, customers, source)
        money = [f.id for f in source.fields if f.type in ("money", "decimal")]
        _require_columns(orders, [fid for fid in needed if fid not in money], file)
    check_customer_keys(customers, file)  # refuses before anything is written
    return _metric_values(spec, customers, source, tables, as_of, window_days)


def _columns(
    spec: Spec,
    sheet: SheetSpec,
    customers: Table,
    values: dict[str, pd.Series],
    lang: str,
    rfm_columns: bool,
) -> dict[str, tuple[str, str, set[str]]]:
    """metric -> (header, kind, aliases) of every column to write; segment values are
    added to ``values``."""
    columns: dict[str, tuple[str, str, set[str]]] = {}
    for f in sheet.fields:
        if f.computed and (f.computed in values or f.computed in {s.id for s in spec.segments}):
            header = customers.headers.get(f.id, f.header(lang))
            kind = KINDS.get(f.computed, _kind(f))
            columns[f.computed] = (header, kind, {f.label.zh, f.label.en, *f.aliases})
    for segment in spec.segments:
        if segment.sheet == sheet.id:
            values[segment.id] = segment_values(segment, customers, values, lang)
    if rfm_columns:
        segment = "rfm_segment_cn" if lang == "zh" else "rfm_segment_en"
        stays = ("stays", "nights", "last_stay", "avg_stay_nights", "preferred_room_type")
        extras = (*stays, "recency_days", "rfm_score", segment) if "stays" in values else (
            "total_spend", "recency_days", "rfm_score", segment
        )  # fmt: skip
        for metric in extras:
            if metric not in columns:
                zh, en = EXTRA_HEADERS[metric]
                header = zh if lang == "zh" else en
                columns[metric] = (header, KINDS.get(metric, "number"), {zh, en})
    return columns


def _extra_column(customers: Table, header: str, aliases: set[str]) -> pd.Series | None:
    """What the sheet holds today in the column that is not a template field named
    ``header`` (or an alias, or the other language), as text; None when it has none."""
    present = {normalise_header(str(h)): i for i, h in enumerate(customers.extras.columns)}
    for name in (header, *sorted(aliases)):
        i = present.get(normalise_header(name))
        if i is not None:
            return customers.extras.iloc[:, i]
    return None


def cell_values(series: pd.Series) -> pd.Series:
    """A metric's values as the writer takes them: numbers rounded to 6 decimals (money
    and averages; the float noise of sums goes), dates as naive datetimes."""
    if pd.api.types.is_float_dtype(series):
        return series.round(6)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_localize(None)
    return series


def _kind(f) -> str:
    storage = f.ftype.storage
    if storage in ("date", "datetime"):
        return storage
    if f.type == "money":
        return "money"
    return "number" if storage in ("integer", "number") else "text"


def _language(table: Table) -> str:
    zh = sum(1 for fid, h in table.headers.items() if h == table.spec.field(fid).label.zh)
    en = sum(1 for fid, h in table.headers.items() if h == table.spec.field(fid).label.en)
    return "en" if en > zh else "zh"


def _source_sheet(spec: Spec, customers: SheetSpec, tables: dict[str, Table]) -> SheetSpec:
    for sheet in spec.sheets:
        ref = next((r for r in sheet.references if r.to == f"{customers.id}.{customers.key}"), None)
        if ref is not None and any(f.ftype.storage in ("date", "datetime") for f in sheet.fields):
            return sheet
    raise NotInTemplateError(
        (
            f"模板中没有引用 {customers.id} 的订单或入住记录表",
            f"the template has no sheet of orders or stays that refers to {customers.id}",
        ),
        hint=(
            "添加一个引用客户编号并带日期列的工作表",
            "add a sheet with a reference to the customers' key and a date column",
        ),
    )


def missing_sheet_error(sheet: SheetSpec, path: str | Path | None) -> WorkbookError:
    """The error for a template sheet the computation needs and the book lacks."""
    from xl_crm.view.matching import expected_headers

    return NoMatchingSheetError(
        (
            f"工作簿中没有与模板的“{sheet.label.zh}”表匹配的工作表，计算列要从它得出",
            f"no sheet of the workbook matches the template's {sheet.label.zh} / "
            f"{sheet.label.en} sheet, which the computed columns come from",
        ),
        file=path,
        hint=(
            f"加上这张表（表头写出 {expected_headers(sheet, 'zh')}），或用 "
            f"--sheet {sheet.id}=工作表名 指定",
            f"add that sheet (its header row naming {expected_headers(sheet, 'en')}), or name "
            f"it with --sheet {sheet.id}=SHEET",
        ),
    )


def _metric_values(
    spec: Spec,
    customers: Table,
    source: SheetSpec,
    tables: dict[str, Table],
    when: pd.Timestamp,
    window: int,
) -> dict[str, pd.Series]:
    from xl_crm.fields.normalise import comparable

    region = spec.phone_region
    key_field = customers.spec.field(customers.spec.key)
    keys = comparable(customers.frame[key_field.id], key_field, region)
    orders = tables.get(source.id)
    if orders is None:
        raise missing_sheet_error(source, customers.path)
    ref = next(r for r in source.references if r.to == f"{customers.spec.id}.{key_field.id}")
    # the rows unused_rows names (a needed cell empty or unreadable) count for nothing
    needed = [f for f in order_fields(spec, customers, source) if f in orders.frame.columns]
    frame = orders.frame.dropna(subset=needed).copy()
    frame["_key"] = comparable(frame[ref.field], source.field(ref.field), region)
    dates = [
        f.id
        for f in source.fields
        if f.ftype.storage in ("date", "datetime") and f.id in frame.columns
    ]
    money = next(
        (f.id for f in source.fields if f.type in ("money", "decimal") and f.id in frame.columns),
        None,
    )
    stay = _stay_fields(source)
    index = pd.Index(keys.dropna().unique())
    if stay:
        start, end, booked = stay
        date = start
    else:
        sort = source.sort[0].field if source.sort else None
        date = sort if sort in dates else dates[0]
    metrics = customer_metrics(
        frame,
        customer="_key",
        date=date,
        amount=money,
        as_of=when,
        customers=index,
        window_days=window,
    )
    if stay:
        room = next((f.id for f in source.fields if f.type == "choice"), None)
        metrics = metrics.join(
            stay_metrics(
                frame,
                customer="_key",
                check_in=start,
                check_out=end,
                booked=booked,
                room=room,
                as_of=when,
                customers=index,
            )
        )
        if money is None:  # no amounts: nights stand in for M (documented)
            metrics["total_spend"] = metrics["nights"].astype(float)
    metrics = metrics.join(rfm(metrics))
    # each customer's row of the metrics, looked up once for all of them (a map per
    # metric, and texts turned into Arrow strings, took a second a million customers)
    at = metrics.index.get_indexer(keys)
    out = {}
    for name in metrics.columns:
        if name not in METRICS:
            continue
        if (at < 0).any():  # a customer without a key: the map leaves NaN there
            column = keys.map(metrics[name]).to_numpy()
        else:
            column = metrics[name].to_numpy()[at]
        out[name] = pd.Series(column, index=customers.frame.index, dtype=column.dtype)
    return out


def _require_columns(table: Table, needed: list[str], file: str | Path | None) -> None:
    """Refuse (MissingColumnError, before anything is written) a sheet that lacks a column
    the metrics need: the customer key, the order's customer and date."""
    for fid in needed:
        if fid in table.missing or fid not in table.letters:
            f = table.spec.field(fid)
            raise MissingColumnError(
                (
                    f"“{table.sheet}”表缺少“{f.label.zh}”列，计算列要用到它",
                    f"the sheet '{table.sheet}' has no '{f.label.en}' ({f.label.zh}) column, "
                    "which the computed columns need",
                ),
                file=file or table.path,
                sheet=table.sheet,
                field=fid,
                hint=(
                    f"加上表头为“{f.label.zh}”的列（或模板认识的别名）",
                    f"add a column headed '{f.label.zh}' or '{f.label.en}' (or an alias the "
                    "template knows)",
                ),
            )


def order_fields(spec: Spec, customers: Table, source: SheetSpec) -> list[str]:
    """The fields of the orders (or stays) sheet every metric needs: the customer key, the
    date and, when there is one, the amount."""
    ref = next(r for r in source.references if r.to == f"{customers.spec.id}.{customers.spec.key}")
    dates = [f.id for f in source.fields if f.ftype.storage in ("date", "datetime")]
    stay = _stay_fields(source)
    date = stay[0] if stay else (source.sort[0].field if source.sort else None)
    date = date if date in dates else (dates[0] if dates else None)
    money = next((f.id for f in source.fields if f.type in ("money", "decimal")), None)
    return [fid for fid in (ref.field, date, money) if fid is not None]


def _stay_fields(sheet: SheetSpec) -> tuple[str, str, str | None] | None:
    """(check-in, check-out, booked) from a row rule ``end > start`` between datetimes."""
    for rule in sheet.rules:
        m = re.fullmatch(r"\s*(\w+)\s*>\s*(\w+)\s*", rule.check)
        if not m or not all(n in sheet.field_ids() for n in m.groups()):
            continue
        end, start = m.groups()
        if {sheet.field(end).ftype.storage, sheet.field(start).ftype.storage} <= {
            "date",
            "datetime",
        }:
            booked = None
            for other in sheet.rules:
                n = re.fullmatch(r"\s*(\w+)\s*<=?\s*" + start + r"\s*", other.check)
                if n and n.group(1) in sheet.field_ids():
                    booked = n.group(1)
            return start, end, booked
    return None


def segment_values(segment, customers: Table, values: dict[str, pd.Series], lang: str) -> pd.Series:
    """The labels (in ``lang``, zh/en) a template's ``segment`` gives each customer row
    of ``customers``: the first rule whose condition holds over the row's fields and its
    metrics ``values`` (from :func:`metric_values`), else the ``otherwise`` label."""
    field_spec = customers.spec.field(segment.field)
    labels = {c.value: c.label(lang) for c in field_spec.choices}
    env = {**{fid: customers.frame[fid] for fid in customers.frame.columns}, **values}
    rules = [(labels[r.value], r.when) for r in segment.rules]
    for _, source in rules:
        parse_expression(source)
    otherwise = labels.get(segment.otherwise) if segment.otherwise else None
    return segment_labels(env, rules, otherwise, customers.frame.index)
