"""Benchmark: the worksheet functions over a 100,000-row table, called the way xlwings
calls them (targets: CRM_SEGMENT under 1 s, CRM_VALIDATE under 3 s; docs/performance.md).

The workbook is ``template build ecommerce --sample ROWS --seed 1`` (ROWS customers and
twice as many orders).  Its two sheets are read once with python-calamine and turned
into what each runtime hands a function (tests/excelshapes.py has the same rules):

- classic xlwings: tuples of tuples, numbers as floats, None for an empty cell, naive
  datetimes (after xlwings' conversion with ``ndim=2, err_to_str=True``);
- xlwings Lite: lists of lists, whole numbers as ints, 0 for an empty cell, dates as
  serial numbers.

Then, in this one process (the module imported and warmed up first, as in an Excel
session), each function is timed ``--repeat`` times on each shape, the result being
the list of lists Excel receives:

- ``crm_segment(customer IDs, orders, "zh", "2026-06-30")``: ROWS IDs and the orders;
- ``crm_validate(customers table, "ecommerce")``: ROWS rows × 7 columns and the header,
  as built (clean, as bench_validate.py measures the library);
- the same with every 10th row's phone and e-mail made invalid, each value its own (a
  finding each, ROWS / 5 rows spilled): shown for what findings cost, no target.

    python benchmarks/bench_excel.py --rows 100000 --repeat 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from harness import build_book

TARGETS = {"crm_segment": 1.0, "crm_validate": 3.0}
EPOCH = dt.datetime(1899, 12, 30)


def sheet_rows(book: Path, name: str) -> list[list]:
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_path(str(book))
    return workbook.get_sheet_by_name(name).to_python()


def classic(rows: list[list]) -> tuple:
    return tuple(tuple(None if c == "" else c for c in row) for row in rows)


def lite(rows: list[list]) -> list:
    def one(c):
        if c == "" or c is None:
            return 0
        if isinstance(c, float) and c.is_integer():
            return int(c)
        if isinstance(c, dt.datetime):
            delta = c - EPOCH
            return delta.days + delta.seconds / 86400
        return c

    return [[one(c) for c in row] for row in rows]


def spoiled(table):
    """``table`` with every 10th data row's e-mail (column C) and phone (D) made invalid."""
    out = [list(row) for row in table]
    for i, row in enumerate(out[2::10]):  # each value its own: no duplicate findings
        row[2], row[3] = f"user{i}.example.com", f"{i:05d}"
    return type(table)(map(type(table[0]), out))


def timed(function, args: tuple, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - start)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--book", type=Path, help="an ecommerce workbook (else one is built)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        book = args.book or build_book(Path(tmp) / "bench_excel.xlsx", args.rows)
        customers, orders = sheet_rows(book, "客户"), sheet_rows(book, "订单")

    from xl_crm.excel.functions import crm_segment, crm_validate

    crm_segment([[100001]], orders[:50], "zh", "2026-06-30")  # imports and caches, once
    crm_validate(customers[:50], "ecommerce")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {len(customers) - 2:,} customers (7 columns) and "
        f"{len(orders) - 2:,} orders; load average {os.getloadavg()[0]:.2f} at the start"
    )
    print("| shape | function | rows in | rows out | median s | best s | target |")
    print("|---|---|---|---|---|---|---|")
    missed = []
    for shape, convert in (("classic", classic), ("Lite", lite)):
        table, book_orders = convert(customers), convert(orders)
        ids = tuple((row[0],) for row in table) if shape == "classic" else [[r[0]] for r in table]
        calls = {
            "crm_segment": (crm_segment, (ids, book_orders, "zh", "2026-06-30")),
            "crm_validate": (crm_validate, (table, "ecommerce")),
            "crm_validate, 10% of rows bad": (crm_validate, (spoiled(table), "ecommerce")),
        }
        for label, (function, call_args) in calls.items():
            times, result = timed(function, call_args, args.repeat)
            assert isinstance(result, list) and isinstance(result[0], list), result
            median = statistics.median(times)
            target = TARGETS.get(label)
            ok = target is None or median < target
            if shape == "classic" and not ok:
                missed.append(label)
            verdict = "none" if target is None else f"{target:.0f} s" + ("" if ok else " MISSED")
            print(
                f"| {shape} | {label} | {len(call_args[0]):,} | {len(result):,} | "
                f"{median:.2f} | {min(times):.2f} | {verdict} |"
            )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    if missed:
        sys.exit(f"over target: {', '.join(missed)}")


if __name__ == "__main__":
    main()
