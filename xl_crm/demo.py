"""``make demo``: the main job on local files, end to end.

Built-in templates built with sample data, computed, and validated with errors planted;
then the same job on files laid out the way users keep them, not built by xl-crm: a shop's
客户资料 workbook kept by hand (``Sheet1`` and ``Sheet2``, a title row, alias and English
headers, IDs, dates and amounts typed as text, blank rows, columns of its own) and an
orders-only CSV export, whose customers are derived into a summary workbook.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_crm.specs import builtin_names, load_spec
from xl_crm.xlsx.builder import build_workbook
from xl_crm.xlsx.layout import SheetLayout

#: (field type, a bad value) written into the demo workbooks for validate to find
BAD_VALUES = {
    "phone": "1381234567",
    "email": "wang.fang#example.com",
    "cn_resident_id": "110101199013077770",
    "uscc": "91110000MA0000000X",
    "choice": "不存在的选项",
}


@dataclass
class DemoResult:
    """What :func:`demo` made: the ``folder`` and the ``lines`` it reported, in order."""

    folder: str
    lines: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (``xl-crm demo --json``)."""
        return {"folder": self.folder, "lines": list(self.lines)}


def demo(
    out_dir: str | Path,
    *,
    rows: int = 200,
    seed: int = 42,
    on_line: Callable[[str], None] | None = None,
    sheets: bool = True,
) -> DemoResult:
    """Run :func:`run_demo` into ``out_dir`` (created when missing) with ``rows`` sample
    rows per workbook and ``seed``; ``on_line(line)`` sees each line as it is made.
    ``sheets``: then the same on a Google Sheet in the local emulator, and the scheduled
    service run once on a jobs file it writes, ``out_dir/jobs.yaml``, with a job on that
    sheet and one on ``ecommerce_zh_errors.xlsx`` (:func:`sheets_sync.demo.run_sheets_demo`;
    skipped with a line saying so when the ``sheets`` or ``service`` extra is not
    installed).
    Returns a :class:`DemoResult`.  Raises the :class:`xl_crm.XlCrmError` of the step
    that failed."""
    result = DemoResult(str(out_dir))
    lines = run_demo(Path(out_dir), rows=rows, seed=seed)
    if sheets:
        lines = itertools.chain(lines, sheets_demo(Path(out_dir), rows=rows, seed=seed))
    for line in lines:
        result.lines.append(line)
        if on_line is not None:
            on_line(line)
    return result


def run_demo(out_dir: Path, *, rows: int = 200, seed: int = 42) -> Iterator[str]:
    """Build each built-in template with sample data, break a few cells on purpose in the
    ``*_errors`` copies, validate those and write their HTML reports; yield what was made."""
    from xl_crm import validate
    from xl_crm.validation.render import write_html

    out_dir.mkdir(parents=True, exist_ok=True)
    yield f"xl-crm demo -> {out_dir}/"
    jobs = [(name, "zh") for name in builtin_names()] + [("ecommerce", "en"), ("hotel", "en")]
    for name, lang in jobs:
        path = out_dir / f"{name}_{lang}.xlsx"
        result = build_workbook(name, path, lang=lang, sample=rows, seed=seed)  # type: ignore[arg-type]
        sheets = ", ".join(f"{title} {n}" for title, n in result.rows.items())
        yield f"  built {path} ({sheets} rows)"
    blank = out_dir / "ledger_blank_zh.xlsx"
    build_workbook("ledger", blank, lang="zh")
    yield f"  built {blank} (empty template for data entry)"
    yield "computing frequency, recency, spend, RFM and segments in place (as of 2026-06-30):"
    from xl_crm import compute

    for name, lang in jobs:
        path = out_dir / f"{name}_{lang}.xlsx"
        result = compute(path, as_of="2026-06-30", backups=0)
        yield f"  {path}: {len(result.columns)} columns on {result.rows} customers"
        for segment, counts in result.segments.items():
            shown = ", ".join(f"{label} {n}" for label, n in counts.items())
            yield f"    {segment}: {shown}"
    yield "validating copies with errors put in on purpose:"
    for name in builtin_names():
        path = out_dir / f"{name}_zh_errors.xlsx"
        build_workbook(name, path, lang="zh", sample=rows, seed=seed)
        planted = break_cells(path, name, rows)
        report = validate(path, mask=True)
        html = path.with_suffix(".html")
        write_html(report, html, lang="zh")
        yield (
            f"  {path}: planted {planted}, found {report.errors} errors and "
            f"{report.warnings} warnings (score {report.score:.2f}) -> {html}"
        )
    yield from run_user_books(out_dir)


def sheets_demo(out_dir: Path, *, rows: int, seed: int) -> Iterator[str]:
    """The Google Sheets part of the demo and the scheduled service run once on
    ``out_dir/jobs.yaml`` (:func:`sheets_sync.demo.run_sheets_demo`), or one line saying
    the extra is missing."""
    try:
        from sheets_sync.demo import run_sheets_demo
    except ImportError:
        yield "Google Sheets part skipped: pip install 'xl-crm[sheets]'"
        return
    yield from run_sheets_demo(rows=rows, seed=seed, out_dir=out_dir)


#: the shop workbook's headers: (field id, header as the shop wrote it); None: its own column
SHOP_CUSTOMERS = [
    ("customer_id", "会员ID"),
    ("name", "Customer Name"),
    ("mobile", "手机"),
    ("email", "E-mail"),
    ("interests", "兴趣"),
    (None, "微信号"),
]
SHOP_ORDERS = [
    ("order_id", "Order No"),
    ("customer_id", "Customer ID"),
    ("ordered_at", "Order Date"),
    ("amount", "实付金额"),
    ("category", "品类"),
    ("channel", "平台"),
    (None, "备注2"),
]
#: the orders-only CSV export's headers (snake case, as shop systems export them)
EXPORT_ORDERS = [
    ("order_id", "order_no"),
    ("customer_id", "customer_id"),
    ("ordered_at", "order_date"),
    ("amount", "total"),
    ("channel", "channel"),
]
#: (field id, data-row ordinal, bad value) typed into the shop workbook's 客户 sheet
SHOP_ERRORS = [("mobile", 3, "1381234567"), ("email", 5, "wang.fang#example.com")]
BLANK_EVERY = 25  # a wholly blank row after every 25th data row


def run_user_books(out_dir: Path, *, as_of: str = "2026-06-30") -> Iterator[str]:
    """Validate and compute files laid out like a user's own (see the module docstring),
    written from the values of ``out_dir/ecommerce_zh.xlsx`` (built earlier by
    :func:`run_demo`): ``shop_customers.xlsx`` (computed in place), ``shop_orders.csv`` and
    the customer summary derived from it, ``shop_orders_summary.xlsx``; yield what was
    done.  Raises :class:`xl_crm.XlCrmError` when a step fails."""
    from xl_crm import compute, validate
    from xl_crm.validation.render import write_html
    from xl_crm.xlsx.reader import read_workbook

    spec = load_spec("ecommerce")
    source = out_dir / "ecommerce_zh.xlsx"
    tables = read_workbook(source, source, spec)
    customers, orders = tables["customers"].frame, tables["orders"].frame
    yield "a workbook laid out like a shop's own and an orders-only CSV (not built by xl-crm):"
    book = out_dir / "shop_customers.xlsx"
    blank = write_shop_workbook(book, customers, orders)
    yield (
        f"  wrote {book} (Sheet1 客户资料 and Sheet2 订单: title rows, alias and English "
        f"headers, IDs, dates and amounts as text, {blank} blank rows, "
        f"{len(SHOP_ERRORS)} bad cells)"
    )
    report = validate(book, template=spec)
    html = book.with_suffix(".html")
    write_html(report, html, lang="zh")
    yield f"  {book}: {_mapped(report)}"
    yield (
        f"    planted {len(SHOP_ERRORS)}, found {report.errors} errors and {report.warnings} "
        f"warnings; {sum(report.blank_rows.values())} blank rows skipped; read as their "
        f"type: {_coerced(report)} -> {html}"
    )
    result = compute(book, template=spec, as_of=as_of, backups=0)
    yield f"    computed in place: {len(result.columns)} columns on {result.rows} customers"
    for segment, counts in result.segments.items():
        yield f"      {segment}: " + ", ".join(f"{label} {n}" for label, n in counts.items())
    export = out_dir / "shop_orders.csv"
    write_orders_csv(export, orders)
    yield f"  wrote {export} (orders only: {len(orders)} rows, UTF-8 with BOM)"
    report = validate(export, template=spec)
    yield (
        f"  {export}: {_mapped(report)}; found {report.errors} errors and "
        f"{report.warnings} warnings (no customers sheet: one warning)"
    )
    summary = out_dir / "shop_orders_summary.xlsx"
    result = compute(export, template=spec, as_of=as_of, output=summary, backups=0)
    yield (
        f"    customers derived from the orders: {result.rows} customers, "
        f"{len(result.columns)} columns -> {summary} ({result.sheet})"
    )
    for segment, counts in result.segments.items():
        yield f"      {segment}: " + ", ".join(f"{label} {n}" for label, n in counts.items())


def _mapped(report) -> str:
    """``Sheet1 -> 客户, Sheet2 -> 订单``: how the report's sheets were matched."""
    return ", ".join(f"{m.sheet} -> {m.label[0]}" for m in report.mapping.sheets)


def _coerced(report) -> str:
    counts: dict[str, int] = {}
    for sheet in report.coerced.values():
        for how, n in sheet.items():
            counts[how] = counts.get(how, 0) + n
    return ", ".join(f"{how} {n}" for how, n in sorted(counts.items())) or "nothing"


def _date_text(value: dt.datetime, i: int) -> str:
    """A date and time as shops type it, in one of four forms by row."""
    y, m, d, hh, mm = value.year, value.month, value.day, value.hour, value.minute
    return [
        f"{y}/{m}/{d} {hh}:{mm:02d}",
        f"{y}年{m}月{d}日 {hh}时{mm:02d}分",
        f"{y}-{m:02d}-{d:02d} {hh:02d}:{mm:02d}",
        f"{y}.{m}.{d} {hh}:{mm:02d}",
    ][i % 4]


def _amount_text(value: float, i: int) -> str:
    """An amount as text, in one of four forms by row (¥89.50, 2,999.00, 89.50元, 89.5)."""
    return [f"¥{value:.2f}", f"{value:,.2f}", f"{value:.2f}元", f"{value:g}"][i % 4]


def _missing(value: object) -> bool:
    """None, NaN, NaT or NA: an empty cell of a typed frame."""
    import pandas as pd

    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _shop_cell(fid: str | None, value, i: int, extra: str) -> object:
    if fid is None:
        return extra if i % 3 else None
    if _missing(value):
        return None
    if fid == "customer_id":
        return str(int(value))  # an ID typed as text (Excel's green triangle)
    if fid == "ordered_at":
        return _date_text(value, i)
    if fid == "amount":
        return _amount_text(float(value), i)
    return value


def write_shop_workbook(path: Path, customers, orders) -> int:
    """Write a workbook laid out like a shop's own 客户资料 (openpyxl, values only):
    ``Sheet1`` the customers and ``Sheet2`` the orders, each under a title row and a blank
    row, with the headers of :data:`SHOP_CUSTOMERS` / :data:`SHOP_ORDERS`, a wholly blank
    row after every :data:`BLANK_EVERY` data rows and :data:`SHOP_ERRORS` typed in.
    ``customers``/``orders``: the typed frames of an ecommerce workbook's sheets.  Returns
    the number of blank rows put between data rows."""
    import openpyxl

    wb = openpyxl.Workbook()
    blank = 0
    bad = {(fid, i): v for fid, i, v in SHOP_ERRORS}
    sheets = [
        ("Sheet1", "小林生活馆 客户资料（手工登记，2026年6月）", SHOP_CUSTOMERS, customers, bad),
        ("Sheet2", "订单登记", SHOP_ORDERS, orders, {}),
    ]
    for n, (title, heading, columns, frame, errors) in enumerate(sheets):
        ws = wb.active if n == 0 else wb.create_sheet()
        ws.title = title
        ws.append([heading])
        ws.append([])
        ws.append([header for _, header in columns])
        for i, (_, row) in enumerate(frame.iterrows()):
            ws.append(
                [
                    errors.get(
                        (fid, i), _shop_cell(fid, row.get(fid) if fid else None, i, f"wx{i}")
                    )
                    for fid, _ in columns
                ]
            )
            if (i + 1) % BLANK_EVERY == 0 and i + 1 < len(frame):
                ws.append([])
                blank += 1
    wb.save(path)
    return blank


def write_orders_csv(path: Path, orders) -> None:
    """Write ``orders`` (the typed frame of an ecommerce orders sheet) as a shop system's
    CSV export: UTF-8 with a BOM, snake-case headers (:data:`EXPORT_ORDERS`), dates as
    ``2026-05-01 09:30:00``, amounts as plain text."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([header for _, header in EXPORT_ORDERS])
        for _, row in orders.iterrows():
            cells = []
            for fid, _ in EXPORT_ORDERS:
                value = row.get(fid)
                if _missing(value):
                    value = ""
                elif fid == "ordered_at":
                    value = value.strftime("%Y-%m-%d %H:%M:%S")
                elif fid == "customer_id":
                    value = int(value)
                elif fid == "amount":
                    value = f"{float(value):.2f}"
                cells.append(value)
            out.writerow(cells)


def break_cells(path: Path, template: str, rows: int) -> int:
    """Write bad values into a built workbook (demo and docs only); returns how many."""
    import openpyxl

    from xl_crm.sample.rows import SampleGenerator

    spec = load_spec(template)
    counts = SampleGenerator(spec, rows)
    wb = openpyxl.load_workbook(path)
    planted = 0
    for sheet in spec.sheets:
        layout = SheetLayout(sheet, "zh", counts.row_count(sheet.id))
        ws = wb[layout.title]
        row = layout.first_data_row + 2
        for letter, f in layout.columns():
            if f.computed:
                continue
            bad = BAD_VALUES.get(f.type)
            if bad is not None:
                ws[f"{letter}{row}"] = bad
                planted += 1
                row += 1
            elif f.required and sheet.key != f.id and f.ftype.storage == "text":
                ws[f"{letter}{row}"] = None
                planted += 1
                row += 1
        # a copy of the first row below the data: both copies of every unique value and
        # composite key are reported (the rows that refer to it stay valid)
        first, copy = layout.first_data_row, layout.first_data_row + layout.rows
        for letter, f in layout.columns():
            ws[f"{letter}{copy}"] = ws[f"{letter}{first}"].value
            if (f.unique or sheet.key == f.id) and ws[f"{letter}{first}"].value not in (None, ""):
                planted += 2
        for combo in sheet.unique_together:
            if all(ws[f"{layout.letter(c)}{first}"].value not in (None, "") for c in combo):
                planted += 2
    wb.save(path)
    return planted
