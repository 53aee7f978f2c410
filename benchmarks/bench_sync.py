"""Benchmark: a sync that changes 100 rows of a 100,000-row sheet, beside a full rewrite.

Issue 12: "a sync that changes 100 rows of a 100,000-row sheet writes only those cells
(request and byte counts in a benchmark, beside a full rewrite)".  Against ``xl-crm
sheets emulator`` in its own process, on an e-commerce book of ``--rows`` customers
(``template build ecommerce --sample N --seed 1``) loaded into the emulator and copied as
the local workbook:

1. first sync: both sides hold the same rows (nothing written; the snapshot recorded);
2. ``--changed`` customers changed, half in the workbook (their name, through the in-place
   writer) and half on the sheet (their e-mail, by "another user": ``/_emulator/edits``);
3. the sync under test: its API requests, request and reply body bytes (the emulator's
   request log), the cells it wrote to the sheet, wall time;
4. a sync with nothing changed (the Drive version gate: one request);
5. a full rewrite for comparison: gspread-dataframe's ``set_with_dataframe`` writing the
   whole customers table into a copy of the spreadsheet (what a sync without a diff does),
   in bands of :data:`REWRITE_BAND` rows (one call of 100,000 rows is over the API's 10 MB
   request limit).

    python benchmarks/bench_sync.py --rows 100000 --changed 100
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_sheets import CUSTOMERS, Server, _quote
from harness import build_book

NAME, EMAIL = "姓名", "电子邮件"
#: rows per set_with_dataframe call of the full rewrite (under the 10 MB request limit)
REWRITE_BAND = 25_000


def sheet_edits(server: Server, keys: list[Any], rows: dict[Any, int]) -> None:
    """ "Another user" types a new e-mail in the rows of ``keys`` (one edit per cell)."""
    head = server.call("GET", f"/v4/spreadsheets/{server.key}/values/{_quote(CUSTOMERS)}!A1:Z3")
    at = next(i for i, r in enumerate(head["values"]) if EMAIL in r)
    column = chr(ord("A") + head["values"][at].index(EMAIL))
    for k in keys:
        server.call("POST", "/_emulator/edits", {
            "spreadsheetId": server.key, "range": f"{CUSTOMERS}!{column}{rows[k]}",
            "values": [[f"sheet{k}@example.com"]], "valueInputOption": "RAW"})  # fmt: skip


def local_edits(path: Path, keys: list[Any], rows: dict[Any, int]) -> None:
    """Someone renames the customers of ``keys`` in the workbook (the in-place writer)."""
    from xl_crm.xlsx.inplace import ColumnWrite, write_columns

    write_columns(path, CUSTOMERS, [ColumnWrite(NAME, {rows[k]: f"改名{k}" for k in keys})],
                  header_row=2, backups=0)  # fmt: skip


def timed_sync(server: Server, book: Path) -> dict[str, Any]:
    """One sync (both ways) with its requests and bytes from the emulator's log."""
    from sheets_sync.connect import connect
    from sheets_sync.sync import sync

    server.call("DELETE", "/_emulator/requests")
    gc = connect(endpoint=server.url, timeout=1800)
    start = time.perf_counter()
    result = sync(book, f"gsheet://{server.key}", template="ecommerce", client=gc, backups=0)
    wall = time.perf_counter() - start
    log = server.log()
    writes = [a for a in log["apis"] if a and not a.endswith(("get", "batchGet"))]
    customers = next((s for s in result.sheets if s.sheet == "customers"), None)
    return {
        "wall": wall, "requests": log["requests"], "writes": len(writes),
        "sent": log["bytes_in"], "received": log["bytes_out"],
        "cells_to_sheet": customers.cells_to_sheet if customers else 0,
        "cells_to_book": customers.cells_to_book if customers else 0,
        "rows_changed": result.rows_changed, "unchanged": result.unchanged,
        "conflicts": len(result.conflicts),
    }  # fmt: skip


def full_rewrite(server: Server, book: Path) -> dict[str, Any]:
    """set_with_dataframe of the whole customers table into a copy of the spreadsheet."""
    import pandas as pd
    from gspread_dataframe import set_with_dataframe

    from sheets_sync.emulator import client

    frame = pd.read_excel(book, sheet_name=CUSTOMERS, header=1, dtype=str, engine="calamine")
    other = server.copy()
    server.call("DELETE", "/_emulator/requests")
    start = time.perf_counter()
    ws = client(server.url, timeout=1800).open_by_key(other).worksheet(CUSTOMERS)
    # in bands: one call of 100,000 rows is over the API's 10 MB request limit
    for first in range(0, len(frame), REWRITE_BAND):
        band = frame.iloc[first : first + REWRITE_BAND]
        set_with_dataframe(ws, band, row=2 + (first > 0) + first, include_column_header=first == 0)
    wall = time.perf_counter() - start
    log = server.log()
    return {"wall": wall, "requests": log["requests"], "sent": log["bytes_in"],
            "received": log["bytes_out"], "cells": int(frame.size)}  # fmt: skip


def measure(rows: int, changed: int, tmp: Path) -> dict[str, Any]:
    source = build_book(tmp / f"ecommerce_{rows}.xlsx", rows)
    book = tmp / "local.xlsx"
    shutil.copyfile(source, book)
    server = Server(source, tmp)
    try:
        first = timed_sync(server, book)
        import openpyxl

        wb = openpyxl.load_workbook(book, read_only=True)
        ids = [r[0] for r in wb[CUSTOMERS].iter_rows(min_row=3, values_only=True)]
        wb.close()
        # the sheet's rows are the file's rows (loaded from it)
        at = {k: i + 3 for i, k in enumerate(ids)}
        step = max(1, len(ids) // changed)
        picked = ids[::step][:changed]
        local_edits(book, picked[: changed // 2], at)
        sheet_edits(server, picked[changed // 2 :], at)
        synced = timed_sync(server, book)
        print(json.dumps({"sync": synced}), flush=True)
        gated = timed_sync(server, book)
        again = timed_sync(server, book)
        rewrite = full_rewrite(server, book)
        return {"rows": rows, "changed": changed, "first": first, "sync": synced,
                "gated": gated, "after": again, "rewrite": rewrite}  # fmt: skip
    finally:
        server.stop()


def report(m: dict[str, Any]) -> None:
    half = m["changed"] // 2
    print(f"\n{m['rows']:,} customers; {m['changed']} changed ({half} in the workbook, "
          f"{m['changed'] - half} on the sheet)")  # fmt: skip
    print("| run | requests | writes | sent KB | received MB | cells to sheet | cells to book "
          "| wall s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for label, key in (("first sync (sides equal)", "first"), ("sync of the changes", "sync"),
                       ("next sync (reads again, finds nothing)", "gated"),
                       ("the one after (the Drive version gate)", "after")):  # fmt: skip
        r = m[key]
        print(f"| {label} | {r['requests']} | {r['writes']} | {r['sent'] / 1024:,.1f} | "
              f"{r['received'] / 1e6:,.2f} | {r['cells_to_sheet']} | {r['cells_to_book']} | "
              f"{r['wall']:.1f} |")  # fmt: skip
    w = m["rewrite"]
    print(f"| full rewrite (gspread-dataframe) | {w['requests']} | - | {w['sent'] / 1024:,.1f} | "
          f"{w['received'] / 1e6:,.2f} | {w['cells']:,} | - | {w['wall']:.1f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as folder:
        m = measure(args.rows, args.changed, Path(folder))
    report(m)
    if args.json:
        args.json.write_text(json.dumps(m, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
