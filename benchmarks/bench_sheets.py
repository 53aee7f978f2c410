"""Benchmark: validate + compute + annotate on a Google Sheet (the emulator), beside gspread.

One run, against ``xl-crm sheets emulator`` in its own process (so the server's CPU is not
counted as the client's: it is read from ``/proc/PID/stat`` around each phase), on an
e-commerce book of ``--rows`` customers + twice as many orders (``template build ecommerce
--sample N --seed 1``, loaded into the emulator) with one e-mail in :data:`SPOIL_EVERY`
wrong, typed in by "another user" (``/_emulator/edits``, not in the request log), so
annotate has cells to mark.  Each phase is its own process (peak RSS through ``wait4``):

- xl-crm:            ``xl_crm.validate`` + ``compute`` + ``annotate`` on one
                     ``GoogleSheetBook`` opened by ``gsheet://KEY`` (target: at most 6 API
                     requests, the same at every size; issue 11);
- get_all_records:   gspread's plain read of both sheets (``Worksheet.get_all_records``), on
                     a copy of the book as it was before xl-crm ran;
- gspread-dataframe: ``set_with_dataframe`` writing the same computed columns (the values
                     compute wrote, recorded in the xl-crm phase) into that copy, one call per
                     run of adjacent columns.

For each: API requests (the emulator's request log), request and reply body bytes, wall
time, the client's CPU, the server's CPU and the client's peak RSS.

    python benchmarks/bench_sheets.py --rows 100000
    python benchmarks/bench_sheets.py --rows 1000 10000 100000
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from harness import build_book, run_child

AS_OF = "2026-06-30"
CUSTOMERS, ORDERS = "客户", "订单"
#: the e-mail header of the customers sheet the sample has, and one row in how many gets
#: a wrong address
EMAIL, SPOIL_EVERY = "电子邮件", 100
#: seconds gspread waits for one reply (the emulator takes a while on big bodies)
TIMEOUT = 1800


# -- the phases (children) -------------------------------------------------------------------


def phase_xlcrm(url: str, key: str, out: Path) -> dict[str, Any]:
    """validate + compute + annotate on one book; the values compute wrote go to ``out``."""
    import xl_crm
    from sheets_sync.book import GoogleSheetBook, open_book
    from sheets_sync.emulator import client

    written: list[tuple[Any, list[Any]]] = []

    class Recording(GoogleSheetBook):
        """The Google Sheet Book, keeping what ``compute`` handed to ``write``."""

        def write(self, table: Any, updates: list[Any], **kwargs: Any) -> Any:
            written.append((table, updates))
            return super().write(table, updates, **kwargs)

    start, cpu = time.perf_counter(), _cpu()
    book = Recording(open_book(f"gsheet://{key}", client(url, timeout=TIMEOUT)).spreadsheet)
    report = xl_crm.validate(book, template="ecommerce")
    validated = time.perf_counter() - start
    result = xl_crm.compute(book, template="ecommerce", as_of=AS_OF, backups=0)
    computed = time.perf_counter() - start
    marked = xl_crm.annotate(book, report, backups=0).marked
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    table, updates = written[-1]
    header = book.fetch.rows(table.sheet)[table.header_row - 1]
    columns = {u.header: (header.index(u.header) + 1, u.values) for u in updates}
    with out.open("wb") as fh:
        pickle.dump({"sheet": table.sheet, "header_row": table.header_row, "columns": columns}, fh)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "steps": {
            "validate": validated,
            "compute": computed - validated,
            "annotate": seconds - computed,
        },
        "findings": report.total,
        "columns": len(result.columns),
        "marked": marked,
    }


def phase_records(url: str, key: str, out: Path) -> dict[str, Any]:
    """gspread's ``get_all_records`` of both sheets (their header is in row 2)."""
    from sheets_sync.emulator import client

    start, cpu = time.perf_counter(), _cpu()
    sh = client(url, timeout=TIMEOUT).open_by_key(key)
    rows = 0
    for title in (CUSTOMERS, ORDERS):
        rows += len(sh.worksheet(title).get_all_records(head=2))
    return {"seconds": time.perf_counter() - start, "cpu": _cpu() - cpu, "rows": rows}


def phase_dataframe(url: str, key: str, out: Path) -> dict[str, Any]:
    """``set_with_dataframe`` of the columns the xl-crm phase wrote (headers included), one
    call per run of adjacent columns."""
    import pandas as pd
    from gspread_dataframe import set_with_dataframe

    from sheets_sync.emulator import client

    with out.open("rb") as fh:
        wrote = pickle.load(fh)
    by_column = sorted(wrote["columns"].items(), key=lambda item: item[1][0])
    blocks: list[list[tuple[str, int, pd.Series]]] = []
    for header, (column, values) in by_column:
        if not blocks or blocks[-1][-1][1] != column - 1:
            blocks.append([])
        blocks[-1].append((header, column, values))
    frames = [
        (block[0][1], pd.DataFrame({h: v for h, _, v in block}).sort_index()) for block in blocks
    ]
    start, cpu = time.perf_counter(), _cpu()
    ws = client(url, timeout=TIMEOUT).open_by_key(key).worksheet(wrote["sheet"])
    for column, frame in frames:
        set_with_dataframe(ws, frame, row=wrote["header_row"], col=column)
    return {
        "seconds": time.perf_counter() - start,
        "cpu": _cpu() - cpu,
        "calls": len(frames),
        "cells": sum(f.size for _, f in frames),
    }


PHASES = {
    "xl-crm": phase_xlcrm,
    "get_all_records": phase_records,
    "gspread-dataframe": phase_dataframe,
}


def _cpu() -> float:
    """CPU seconds of this process so far (user + system)."""
    t = os.times()
    return t.user + t.system


def child(phase: str, url: str, key: str, out: Path) -> None:
    # libraries are imported before the clock starts: each phase times its own work
    import gspread  # noqa: F401
    import pandas  # noqa: F401

    import xl_crm.pipeline
    import xl_crm.validation.engine  # noqa: F401

    print(json.dumps(PHASES[phase](url, key, out)))


# -- the emulator (in its own process) --------------------------------------------------------


class Server:
    """``xl-crm sheets emulator`` with ``book`` loaded, in a child process."""

    def __init__(self, book: Path, tmp: Path) -> None:
        info = tmp / f"emulator-{book.stem}.json"
        info.unlink(missing_ok=True)
        start = time.perf_counter()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "xl_crm",
                "sheets",
                "emulator",
                "--port",
                "0",
                "--json",
                str(info),
                "--load",
                str(book),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        got = None
        while got is None:
            if self.proc.poll() is not None:
                sys.exit(f"the emulator stopped: {self.proc.stderr.read()}")  # type: ignore[union-attr]
            time.sleep(0.2)
            try:
                got = json.loads(info.read_text())
            except (OSError, ValueError):  # not written yet, or half written
                got = None
        self.url, self.key = got["url"], got["spreadsheets"][0]
        self.load_s = time.perf_counter() - start

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One JSON request to the emulator (API calls with any bearer token)."""
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", "Bearer bench")
        with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
            raw = reply.read()
        return json.loads(raw) if raw else {}

    def cpu(self) -> float:
        """The server process's CPU seconds so far (utime + stime, /proc/PID/stat)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_mb(self) -> float:
        """The server process's peak RSS (VmHWM) in MB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def spoil(self) -> int:
        """One e-mail in :data:`SPOIL_EVERY` made wrong by "another user"; returns how many."""
        head = self.call("GET", f"/v4/spreadsheets/{self.key}/values/{_quote(CUSTOMERS)}!A1:Z3")
        at = next(i for i, r in enumerate(head["values"]) if EMAIL in r)
        column = chr(ord("A") + head["values"][at].index(EMAIL))
        rows = self.call(
            "GET", f"/v4/spreadsheets/{self.key}/values/{_quote(CUSTOMERS)}!A{at + 2}:A"
        )["values"]
        values = [
            [f"wrong{i}#example.com" if i % SPOIL_EVERY == 0 else None] for i in range(len(rows))
        ]
        first = at + 2
        self.call(
            "POST",
            "/_emulator/edits",
            {
                "spreadsheetId": self.key,
                "range": f"'{CUSTOMERS}'!{column}{first}:{column}",
                "values": values,
                "valueInputOption": "RAW",
            },
        )
        return sum(1 for v in values if v[0])

    def copy(self) -> str:
        """A copy of the spreadsheet (Drive ``files.copy``); its key."""
        return self.call("POST", f"/drive/v3/files/{self.key}/copy", {"name": "bench copy"})["id"]

    def log(self) -> dict[str, int]:
        """API requests in the log, and their body bytes in and out."""
        entries = [
            e
            for e in self.call("GET", "/_emulator/requests")["requests"]
            if not e["path"].startswith("/_emulator")
        ]
        return {
            "requests": len(entries),
            "bytes_in": sum(e.get("bytesIn") or 0 for e in entries),
            "bytes_out": sum(e.get("bytesOut") or 0 for e in entries),
            "apis": [e.get("api") for e in entries],
        }

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def _quote(title: str) -> str:
    return urllib.request.quote(f"'{title}'")


def run(server: Server, phase: str, key: str, tmp: Path) -> dict[str, Any]:
    """One phase against ``key``, its requests, bytes and the server's CPU."""
    server.call("DELETE", "/_emulator/requests")
    before = server.cpu()
    args = [
        __file__,
        "--child",
        phase,
        "--url",
        server.url,
        "--key",
        key,
        "--out",
        str(tmp / "written.pickle"),
    ]
    out, wall, peak = run_child(args, phase)
    result = json.loads(out.strip().splitlines()[-1])
    result.update(phase=phase, wall=wall, peak_mb=peak, server_cpu=server.cpu() - before)
    result.update(server.log())
    return result


def measure(rows: int, tmp: Path) -> dict[str, Any]:
    """Every phase at ``rows`` customers."""
    book = build_book(tmp / f"ecommerce_{rows}.xlsx", rows)
    server = Server(book, tmp)
    try:
        spoiled = server.spoil()
        other = server.copy()
        results = {"xl-crm": run(server, "xl-crm", server.key, tmp)}
        for phase in ("get_all_records", "gspread-dataframe"):
            results[phase] = run(server, phase, other, tmp)
        return {
            "rows": rows,
            "spoiled": spoiled,
            "load_s": server.load_s,
            "server_peak_mb": server.peak_mb(),
            "phases": results,
        }
    finally:
        server.stop()


def report(m: dict[str, Any]) -> None:
    """One size's table."""
    print(
        f"\n{m['rows']:,} customers + {2 * m['rows']:,} orders; {m['spoiled']:,} wrong e-mails; "
        f"the emulator loaded the .xlsx in {m['load_s']:.1f} s and peaked at "
        f"{m['server_peak_mb']:,.0f} MB"
    )
    print(
        "| phase | requests | sent MB | received MB | wall s | client CPU s | server CPU s "
        "| client peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, r in m["phases"].items():
        print(
            f"| {name} | {r['requests']} | {r['bytes_in'] / 1e6:.1f} | {r['bytes_out'] / 1e6:.1f} "
            f"| {r['seconds']:.1f} | {r['cpu']:.1f} | {r['server_cpu']:.1f} | {r['peak_mb']:.0f} |"
        )
    ours = m["phases"]["xl-crm"]
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in ours["steps"].items())
    print(
        f"xl-crm: {steps}; {ours['findings']} findings, {ours['marked']} cells marked, "
        f"{ours['columns']} columns computed; requests: {', '.join(ours['apis'])}"
    )
    frame = m["phases"]["gspread-dataframe"]
    print(
        f"gspread-dataframe: {frame['calls']} set_with_dataframe calls, {frame['cells']:,} "
        f"cells; requests: {', '.join(frame['apis'])}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--child", choices=list(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.key, args.out)
        return
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; 1-minute load average {os.getloadavg()[0]:.1f}"
    )
    measured = []
    with tempfile.TemporaryDirectory() as tmp_name:
        for rows in args.rows:
            measured.append(measure(rows, Path(tmp_name)))
            report(measured[-1])
    counts = {m["rows"]: m["phases"]["xl-crm"]["requests"] for m in measured}
    same = len(set(counts.values())) == 1 and max(counts.values()) <= 6
    print(
        f"\nxl-crm requests by rows: {counts} (target: the same at every size, at most 6: "
        f"{'met' if same else 'not met'})"
    )


if __name__ == "__main__":
    main()
