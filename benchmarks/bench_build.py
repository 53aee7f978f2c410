"""Benchmark: build a template workbook with N sample rows (default Excel's maximum).

Runs ``xl-crm template build`` in a fresh process per template (so peak memory is that
build's own), checks the result's row count with python-calamine, and prints a Markdown
table for docs/performance.md.

    python benchmarks/bench_build.py --rows 1048575
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

from harness import build_args, run_child


def run(template: str, rows: int, seed: int, out_dir: Path) -> dict:
    path = out_dir / f"{template}_{rows}.xlsx"
    _, seconds, peak_mb = run_child(build_args(path, rows, template, seed), template)
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    first = wb.get_sheet_by_name(wb.sheet_names[0])
    data_rows = first.height - (2 if first.to_python(nrows=2)[0][0] in ("", None) else 1)
    size = path.stat().st_size
    path.unlink()
    return {
        "template": template,
        "rows": rows,
        "seconds": seconds,
        "peak_mb": peak_mb,
        "file_mb": size / 1e6,
        "rows_read_back": data_rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_048_575)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--templates", nargs="+", default=["ecommerce", "hotel"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = [run(t, args.rows, args.seed, Path(tmp)) for t in args.templates]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print("| template | rows (first sheet) | wall s | peak RSS MB | file MB | rows read back |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['template']} | {r['rows']:,} | {r['seconds']:.1f} | {r['peak_mb']:.0f} | "
            f"{r['file_mb']:.1f} | {r['rows_read_back']:,} |"
        )
        if r["rows_read_back"] != r["rows"]:
            sys.exit(f"{r['template']}: wrote {r['rows']} rows but read back {r['rows_read_back']}")


if __name__ == "__main__":
    main()
