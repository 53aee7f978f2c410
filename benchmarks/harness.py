"""What the benchmarks share: running one phase in a child process and reading its result.

Each phase is its own process so its peak memory is its own (``wait4``); the workbook is
built in a child too, since a phase forked from a big parent would report the parent's memory
as its own peak (``ru_maxrss`` survives fork + exec).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def run_child(args: list[str], label: str) -> tuple[str, float, float]:
    """Run ``python ARGS``; return (stdout, wall seconds, peak RSS in MB); exit on failure."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    if status != 0:
        sys.exit(f"{label} failed: {proc.stderr.read() if proc.stderr else status}")
    return out, wall, usage.ru_maxrss / 1024


def run_phase(script: str, phase: str, book: Path) -> dict:
    """Run ``script --child PHASE --book BOOK``; its last stdout line is a JSON result."""
    out, wall, peak = run_child([script, "--child", phase, "--book", str(book)], phase)
    result = json.loads(out.strip().splitlines()[-1])
    result.update(phase=phase, wall=wall, peak_mb=peak)
    return result


def build_args(path: Path, rows: int, template: str = "ecommerce", seed: int = 1) -> list[str]:
    """``python`` arguments that build ``template`` with ``rows`` sample rows into ``path``."""
    return [
        "-m", "xl_crm", "template", "build", template, "-o", str(path),
        "--sample", str(rows), "--seed", str(seed),
    ]  # fmt: skip


def build_book(path: Path, rows: int, template: str = "ecommerce") -> Path:
    """Build the benchmark workbook (seed 1) in a child process."""
    run_child(build_args(path, rows, template), f"building {path.name}")
    return path
