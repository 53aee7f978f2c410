"""Benchmark: validating a full e-commerce workbook, against the floor and openpyxl.

In one run, on the same file (1,048,575 customers + 1,048,575 orders by default):

- floor:    fastexcel reads both sheets into pandas DataFrames, nothing else;
- xl-crm:   ``xl_crm.validate`` end to end (read, check with pandera, JSON report);
- openpyxl: ``pandas.read_excel(engine="openpyxl")`` (text columns as str), then the same
            pandera schema through the same engine.

Each phase runs in its own process so its peak memory is its own (``wait4``).

``--wrong-column`` measures the same on a copy whose 兴趣类别 (interests) column is wrong on
every row (a value per row that is not one of its choices: a million findings); the
xl-crm phase then also streams every finding into the JSON report.

    python benchmarks/bench_validate.py --rows 1048575
    python benchmarks/bench_validate.py --rows 1048575 --wrong-column --skip-openpyxl
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from harness import build_book, run_child, run_phase

SHEETS = ("客户", "订单")
#: the column --wrong-column fills with values that are not among its choices
WRONG_COLUMN = "兴趣类别"


def phase_floor(book: Path) -> dict:
    import fastexcel

    reader = fastexcel.read_excel(str(book))
    rows = 0
    for name in SHEETS:
        rows += len(reader.load_sheet(name, header_row=0).to_pandas())
    return {"rows": rows}


def phase_ours(book: Path, workers: int | None = None) -> dict:
    import resource

    from xl_crm import validate
    from xl_crm.xlsx.book import XlsxBook

    start = time.perf_counter()
    report = validate(XlsxBook(book, workers=workers))
    checked = time.perf_counter() - start
    out = book.with_suffix(".json")
    with out.open("w", encoding="utf-8") as fh:
        report.write_json(fh)
    return {
        "rows": sum(report.rows.values()),
        "findings": report.total,
        "built": len(report.findings),
        "validate_s": checked,
        "json_mb": out.stat().st_size / 2**20,
        # the worker processes that read sheets (xl_crm.xlsx.workers): their largest peak
        "workers_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "self_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def phase_ours_one_process(book: Path) -> dict:
    return phase_ours(book, workers=1)


def phase_ours_two_processes(book: Path) -> dict:
    return phase_ours(book, workers=2)


def phase_spoil(book: Path) -> dict:
    """Fill WRONG_COLUMN of the customers sheet with a value per row that is no choice."""
    import numpy as np
    import pandas as pd

    from xl_crm.specs import load_spec
    from xl_crm.view.headers import find_header
    from xl_crm.xlsx.inplace import ColumnWrite, write_columns
    from xl_crm.xlsx.peek import peek_xlsx

    n = int(book.with_suffix(".rows").read_text())
    sheet = load_spec("ecommerce").sheet("customers")
    header_row = find_header(peek_xlsx(book, SHEETS[0]), sheet, book, SHEETS[0])[0] + 1
    rows = np.arange(header_row + 1, header_row + 1 + n)
    values = pd.Series([f"爱好{i}" for i in range(n)], index=rows, dtype=object)
    write_columns(
        book, SHEETS[0], [ColumnWrite(WRONG_COLUMN, values)], header_row=header_row, backups=0
    )
    return {"rows": n}


def phase_openpyxl(book: Path) -> dict:
    import pandas as pd

    from xl_crm.specs import load_spec
    from xl_crm.table import Table
    from xl_crm.validation.engine import SheetContext, check_table
    from xl_crm.view.headers import find_header, map_headers
    from xl_crm.xlsx.peek import peek_xlsx

    spec = load_spec("ecommerce")
    tables = {}
    for sheet, name in zip(spec.sheets, SHEETS, strict=True):
        text = [f.header("zh") for f in sheet.fields if f.ftype.storage == "text"]
        h, _ = find_header(peek_xlsx(book, name), sheet, book, name)
        frame = pd.read_excel(
            book, sheet_name=name, engine="openpyxl", header=h, dtype={t: str for t in text}
        )
        headers = [str(c) for c in frame.columns]
        found, unknown = map_headers(headers, sheet, book, name, h + 1)
        by_index = {i: fid for fid, i in found.items()}
        frame = frame[[headers[i] for i in sorted(by_index)]]
        frame.columns = [by_index[i] for i in sorted(by_index)]
        frame.index = pd.RangeIndex(h + 2, h + 2 + len(frame))
        for f in sheet.fields:
            if f.ftype.storage in ("date", "datetime"):
                frame[f.id] = pd.to_datetime(frame[f.id], errors="coerce")
            elif f.ftype.storage in ("integer", "number"):
                frame[f.id] = pd.to_numeric(frame[f.id], errors="coerce")
        tables[sheet.id] = Table(
            path=book,
            sheet=name,
            spec=sheet,
            header_row=h + 1,
            frame=frame,
            letters={fid: chr(65 + i) for fid, i in found.items()},
            headers={fid: headers[i] for fid, i in found.items()},
            unknown=unknown,
        )
    ctx = SheetContext(spec=spec, tables=tables)
    findings = [f for t in tables.values() for f in check_table(t, ctx)]
    return {"rows": sum(len(t.frame) for t in tables.values()), "findings": len(findings)}


PHASES = {
    "floor": phase_floor,
    "xl-crm": phase_ours,
    "xl-crm-1proc": phase_ours_one_process,
    "xl-crm-2proc": phase_ours_two_processes,
    "openpyxl": phase_openpyxl,
    "spoil": phase_spoil,
}


def child(phase: str, book: Path) -> None:
    # libraries are imported before the clock starts: each phase times its own work
    import fastexcel  # noqa: F401
    import pandas  # noqa: F401

    if phase != "floor":
        import pandera.pandas  # noqa: F401

        import xl_crm.validation  # noqa: F401
    start, cpu = time.perf_counter(), _cpu()
    result = PHASES[phase](book)
    result["seconds"] = time.perf_counter() - start
    result["cpu"] = _cpu() - cpu
    print(json.dumps(result))


def _cpu() -> float:
    """CPU seconds of this process and of the workers it waited for (user + system)."""
    import resource

    own, workers = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_048_575)
    parser.add_argument("--book", type=Path, help="use this workbook instead of building one")
    parser.add_argument("--child", choices=list(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--skip-openpyxl", action="store_true")
    parser.add_argument(
        "--wrong-column", action="store_true", help=f"make every {WRONG_COLUMN} cell wrong first"
    )
    parser.add_argument("--repeat", type=int, default=1, help="run the phases this many times")
    parser.add_argument(
        "--one-process",
        action="store_true",
        help="also run xl-crm with every sheet read in this process (workers=1)",
    )
    parser.add_argument(
        "--two-processes",
        action="store_true",
        help="also run xl-crm with a worker process reading a sheet, whatever the load "
        "(workers=2; by default a worker starts only when a CPU is idle)",
    )
    args = parser.parse_args()
    if args.child:
        child(args.child, args.book)
        return
    with tempfile.TemporaryDirectory() as tmp:
        book = args.book
        if book is None:
            book = build_book(Path(tmp) / "ecommerce.xlsx", args.rows)
        if args.wrong_column:
            spoilt = Path(tmp) / "wrong-column.xlsx"
            shutil.copy(book, spoilt)
            spoilt.with_suffix(".rows").write_text(str(args.rows))
            run_child([__file__, "--child", "spoil", "--book", str(spoilt)], "spoil")
            book = spoilt
        phases = ["floor", "xl-crm"] + (["xl-crm-1proc"] if args.one_process else [])
        phases += ["xl-crm-2proc"] if args.two_processes else []
        phases += [] if args.skip_openpyxl else ["openpyxl"]
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; {args.rows:,} customers + orders"
            + (f"; every {WRONG_COLUMN} cell wrong" if args.wrong_column else "")
        )
        for run in range(args.repeat):
            print(f"run {run + 1}, load average {os.getloadavg()[0]:.2f} at the start")
            report({p: run_phase(__file__, p, book) for p in phases}, args.wrong_column)


def report(results: dict, wrong_column: bool) -> None:
    """Print one run's table and ratios."""
    floor = results["floor"]["seconds"]
    print(
        "| phase | op s | CPU s | process wall s | peak RSS MB | worker peak MB | rows "
        "| findings | vs floor | CPU vs floor |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        # wait4 gives the largest peak of the phase and its workers: the phase's own peak
        # and its largest worker's are shown apart (their sum bounds the memory used)
        worker = r.get("workers_peak_mb", 0)
        print(
            f"| {name} | {r['seconds']:.1f} | {r['cpu']:.1f} | {r['wall']:.1f} | "
            f"{r.get('self_peak_mb', r['peak_mb']):.0f} | {worker:.0f} | {r['rows']:,} | "
            f"{r.get('findings', '')} | {r['seconds'] / floor:.2f}x | "
            f"{r['cpu'] / results['floor']['cpu']:.2f}x |"
        )
    ours = results["xl-crm"]
    target = 3 if wrong_column else 1.5
    print(
        f"xl-crm / floor = {ours['seconds'] / floor:.2f} (target <= {target}); validate() "
        f"{ours['validate_s']:.1f} s, then the JSON report ({ours['json_mb']:.0f} MB, "
        f"{ours['findings']:,} findings, {ours['built']:,} built as objects)"
    )
    for phase, label in (("xl-crm-1proc", "one process"), ("xl-crm-2proc", "two processes")):
        if phase in results:
            print(f"xl-crm in {label} / floor = {results[phase]['seconds'] / floor:.2f}")
    if "openpyxl" in results:
        print(
            f"openpyxl / xl-crm = {results['openpyxl']['seconds'] / ours['seconds']:.1f} "
            "(target >= 8)"
        )


if __name__ == "__main__":
    main()
