"""Benchmark: writing 6 computed columns into a full customers sheet, in place.

In one run, each phase in its own process on its own copy of the same workbook
(1,048,575 customers + orders by default, built by ``template build ecommerce``):

- floor:    read the customers sheet's part out of the zip and write it back compressed at
            the level it was built with (zlib 6): the least any rewrite of that sheet costs
            with the standard zlib (the writer deflates with zlib-ng, at its own level);
- xl-crm:   ``xl_crm.compute`` end to end (read both sheets, metrics, RFM, write 6 columns;
            its steps timed; target 20 s and 1 GB; ``XLCRM_BENCH_BACKUPS=N`` keeps backups);
- writer:   the in-place writer alone, writing the same 6 columns (values precomputed);
- openpyxl: ``load_workbook`` + the same 6 columns + ``save``;
- end-to-end: ``validate`` then ``compute`` in one process (target: 60 s, 1.5 GB).

    python benchmarks/bench_compute.py --rows 1048575
    python benchmarks/bench_compute.py --rows 1048575 --book ecom_1m.xlsx \
        --phases xl-crm writer --repeat 3

``--book`` is copied for each phase, never changed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from harness import build_book, run_phase

AS_OF = "2026-06-30"
LEVEL = 6  # zlib level of the floor (the level the workbook was built with)
#: the writer's deflate level: its own default (xl_crm.xlsx.inplace.COMPRESS_LEVEL) unless set
WRITER_LEVEL = os.environ.get("XLCRM_BENCH_LEVEL")


def phase_floor(book: Path) -> dict:
    from xl_crm.xlsx.package import sheet_parts

    part = sheet_parts(book)["客户"]
    out = book.with_suffix(".floor.zip")
    with (
        zipfile.ZipFile(book) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=LEVEL) as dst,
        src.open(part) as fh,
        dst.open(part, "w", force_zip64=True) as target,
    ):
        shutil.copyfileobj(fh, target, 1 << 22)
    return {}


def phase_ours(book: Path) -> dict:
    from xl_crm import compute

    start = time.perf_counter()
    steps: dict[str, float] = {}

    def progress(label: str, done: int, total: int) -> None:
        steps[label.split()[0]] = time.perf_counter() - start  # the last report of each step

    cpu = os.times()
    result = compute(book, as_of=AS_OF, backups=int(os.environ.get("XLCRM_BENCH_BACKUPS", "0")),
                     progress=progress)  # fmt: skip
    end = time.perf_counter() - start
    used = os.times()
    read, plan = steps.get("reading", 0.0), steps.get("computing", 0.0)
    return {
        "columns": len(result.columns),
        "rows": result.rows,
        # seconds of each step: read both sheets, plan (metrics, RFM, compare), write
        "steps": {"read": read, "plan": plan - read, "write": end - plan},
        "cpu_s": used.user - cpu.user + used.system - cpu.system,
    }


def phase_end_to_end(book: Path) -> dict:
    """What a user runs: ``xl-crm validate`` then ``xl-crm compute``, in one process."""
    import gc

    from xl_crm import compute, validate

    start = time.perf_counter()
    report = validate(book)
    validated = time.perf_counter() - start
    findings = len(report.findings)
    del report
    gc.collect()
    result = compute(book, as_of=AS_OF, backups=0)
    return {"validate_s": validated, "findings": findings, "rows": result.rows}


def phase_writer(book: Path) -> dict:
    import numpy as np
    import pandas as pd

    from xl_crm.specs import load_spec
    from xl_crm.view.headers import find_header
    from xl_crm.xlsx.inplace import ColumnWrite, write_columns
    from xl_crm.xlsx.peek import peek_xlsx

    n = int(book.with_suffix(".rows").read_text())
    sheet = load_spec("ecommerce").sheet("customers")
    header_row = find_header(peek_xlsx(book, "客户"), sheet, book, "客户")[0] + 1
    rows = pd.Index(np.arange(header_row + 1, header_row + 1 + n))
    # values as compute() hands them over: pandas Series indexed by Excel row
    numbers = rows.to_numpy()
    columns = [
        ColumnWrite("最近一次购买日期", pd.Series(pd.Timestamp(AS_OF), rows), kind="datetime"),
        ColumnWrite("购买频率", pd.Series(numbers % 9, rows), kind="number"),
        ColumnWrite("累计消费金额", pd.Series(numbers * 1.25, rows), kind="number"),
        ColumnWrite("距最近一次购买天数", pd.Series(numbers % 400, rows), kind="number"),
        ColumnWrite(
            "RFM 评分", pd.Series(np.array(list("12345"), dtype=object)[numbers % 5], rows)
        ),
        ColumnWrite("RFM 客户分类", pd.Series("重要价值客户", rows)),
    ]
    before_mb = _rss_mb()
    start = time.perf_counter()
    from xl_crm.xlsx.inplace import COMPRESS_LEVEL

    level = int(WRITER_LEVEL) if WRITER_LEVEL else COMPRESS_LEVEL
    write_columns(book, "客户", columns, header_row=header_row, backups=0, compresslevel=level)
    seconds = time.perf_counter() - start
    # the writer's own memory: peak during the write above what its inputs already took
    own = _peak_mb() - before_mb
    return {"write_s": seconds, "input_mb": before_mb, "own_mb": own, "level": level}


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_openpyxl(book: Path) -> dict:
    import datetime as dt

    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb["客户"]
    n = ws.max_row
    day = dt.datetime(2026, 6, 30)
    headers = ["累计消费金额", "距最近一次购买天数", "RFM 评分", "RFM 客户分类"]
    for i, h in enumerate(headers):
        ws.cell(row=1, column=8 + i, value=h)
    for r in range(2, n + 1):
        ws.cell(row=r, column=5, value=day)
        ws.cell(row=r, column=6, value=r % 9)
        ws.cell(row=r, column=8, value=r * 1.25)
        ws.cell(row=r, column=9, value=r % 400)
        ws.cell(row=r, column=10, value="545")
        ws.cell(row=r, column=11, value="重要价值客户")
    wb.save(book)
    return {}


PHASES = {
    "floor": phase_floor,
    "xl-crm": phase_ours,
    "writer": phase_writer,
    "end-to-end": phase_end_to_end,
    "openpyxl": phase_openpyxl,
}


def child(phase: str, book: Path) -> None:
    import openpyxl  # noqa: F401
    import pandas  # noqa: F401

    import xl_crm.pipeline
    import xl_crm.validation.engine  # noqa: F401

    start = time.perf_counter()
    result = PHASES[phase](book)
    result["seconds"] = time.perf_counter() - start
    print(json.dumps(result))


def run(phase: str, source: Path, tmp: Path, rows: int) -> dict:
    """The phase on its own copy of the workbook."""
    book = tmp / f"{phase}.xlsx"
    shutil.copy(source, book)
    book.with_suffix(".rows").write_text(str(rows))
    result = run_phase(__file__, phase, book)
    book.unlink(missing_ok=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_048_575)
    parser.add_argument("--book", type=Path)
    parser.add_argument("--child", choices=list(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--skip-openpyxl", action="store_true")
    parser.add_argument(
        "--phases", nargs="+", choices=list(PHASES), help="run only these (floor always runs)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of the phases, back to back (default 1)"
    )
    args = parser.parse_args()
    if args.child:
        child(args.child, args.book)
        return
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {args.rows:,} customers + orders"
    )
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        source = args.book
        if source is None:
            source = build_book(tmp / "source.xlsx", args.rows)
        phases = ["floor", "xl-crm", "writer", "end-to-end"]
        phases += [] if args.skip_openpyxl else ["openpyxl"]
        if args.phases:
            phases = ["floor", *(p for p in args.phases if p != "floor")]
        for round_no in range(1, args.repeat + 1):
            load = os.getloadavg()[0]
            results = {p: run(p, source, tmp, args.rows) for p in phases}
            print(f"\nround {round_no} (1-minute load average {load:.1f} at its start)")
            report(results)


def report(results: dict[str, dict]) -> None:
    """One round's table and the targets."""
    floor = results["floor"]["seconds"]
    print("| phase | op s | process wall s | peak RSS MB | vs floor |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['seconds']:.1f} | {r['wall']:.1f} | {r['peak_mb']:.0f} | "
            f"{r['seconds'] / floor:.2f}x |"
        )
    ours = results.get("xl-crm")
    if ours:
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in ours["steps"].items())
        met = ours["seconds"] <= 20 and ours["peak_mb"] <= 1024
        print(
            f"compute: {steps}; {ours['cpu_s']:.1f} s of CPU "
            f"(target <= 20 s, <= 1,024 MB: {'met' if met else 'not met'})"
        )
    writer = results.get("writer")
    if writer:
        print(f"writer / floor = {writer['seconds'] / floor:.2f} (target <= 2)")
        print(
            f"writer's own memory: {writer['own_mb']:.0f} MB above its inputs "
            f"({writer['input_mb']:.0f} MB before the write); deflate level {writer['level']} "
            f"(the floor: zlib {LEVEL})"
        )
    if "end-to-end" in results:
        e = results["end-to-end"]
        print(
            f"end to end (validate {e['validate_s']:.1f} s, then compute): {e['seconds']:.1f} s, "
            f"{e['peak_mb']:.0f} MB (target <= 60 s, <= 1,536 MB)"
        )
    if "openpyxl" in results and writer:
        o = results["openpyxl"]
        print(
            f"openpyxl / writer = {o['seconds'] / writer['seconds']:.1f} (target >= 15); "
            f"memory openpyxl / writer = {o['peak_mb'] / writer['peak_mb']:.1f} (target >= 5)"
        )


if __name__ == "__main__":
    main()
