"""Reading a workbook's sheets in parallel processes.

calamine (python-calamine through fastexcel) parses a worksheet holding the GIL, so two
sheets read in two threads take as long as read one after the other.  Two *processes* do
overlap: for a big workbook the parent reads one share of the sheets itself while a
worker process (a fresh interpreter: ``python -c``, never ``fork`` after threads exist,
and not ``multiprocessing``, which would re-run the caller's ``__main__``) reads the
other share into typed :class:`xl_crm.table.Table` objects with the same
:func:`xl_crm.xlsx.reader.read_table` and sends them back pickled through a pipe (the
frame's text columns are Arrow arrays, which pickle protocol 5 writes as Arrow buffers).

The results are the same Tables as read in-process: the worker runs the same code on
the same file.  Whatever goes wrong in a worker (it cannot start, a sheet raises, the
pipe breaks), the parent reads that sheet itself, so errors are the in-process ones.

Small workbooks stay in one process: starting an interpreter that imports pandas and
pyarrow costs about a second of CPU, which pays off only when the worker's share of
sheet XML is at least :data:`PARALLEL_MIN_BYTES` (docs/performance.md).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xl_crm.specs.model import Spec
from xl_crm.table import Table

__all__ = [
    "PARALLEL_MIN_BYTES",
    "SheetJob",
    "available_cpus",
    "idle_cpus",
    "part_sizes",
    "plan_shares",
    "read_sheets",
    "serve",
]

#: uncompressed worksheet XML (bytes) a worker's share must reach before a second process
#: is started: about 100,000 rows of 7 columns, read in about a second
PARALLEL_MIN_BYTES = 32 * 2**20

Read = Callable[["SheetJob"], Table]


@dataclass
class SheetJob:
    """One sheet to read: the template sheet id, the workbook's sheet name, its first
    rows (already peeked, for the header search) and the field ids to read (None: all)."""

    sheet_id: str
    sheet_name: str
    first_rows: list[list[object]]
    fields: list[str] | None = None


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


#: how long :func:`idle_cpus` watches the CPUs before deciding, in seconds
IDLE_SAMPLE_SECONDS = 0.1


def idle_cpus() -> int:
    """Processes worth running now: how many of the CPUs this process may use are idle,
    rounded, at least 1.  Measured over :data:`IDLE_SAMPLE_SECONDS` with psutil's
    ``cpu_percent`` (the busy share of each CPU, from /proc/stat on Linux), so that a
    machine that was busy a moment ago (the one-minute load average still counts it) gets
    its worker, and a machine whose CPUs are busy now does not: there a worker would only
    add its start-up to the same CPU time.  Without psutil (it has no Pyodide build) the
    one-minute load average is used, as ``make --load-average`` does."""
    cpus = available_cpus()
    try:
        import psutil

        busy = psutil.cpu_percent(interval=IDLE_SAMPLE_SECONDS, percpu=True)
        idle = sum(100.0 - b for b in busy) / 100.0 * cpus / max(len(busy), 1)
    except (ImportError, OSError, RuntimeError):  # pragma: no cover - no psutil here
        try:
            idle = cpus - os.getloadavg()[0]
        except (AttributeError, OSError):  # Windows without psutil
            return cpus
    return max(1, min(cpus, int(idle + 0.5)))


def part_sizes(readable: Path) -> dict[str, int]:
    """Sheet name -> uncompressed size in bytes of its worksheet part (.xlsx/.xlsm only;
    an empty dict for other files or when the package cannot be listed)."""
    if readable.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    from xl_crm.xlsx.package import sheet_parts

    try:
        parts = sheet_parts(readable)
        with zipfile.ZipFile(readable) as z:
            sizes = {i.filename: i.file_size for i in z.infolist()}
    except Exception:  # a damaged package: the in-process read says what is wrong
        return {}
    return {name: sizes.get(part, 0) for name, part in parts.items()}


def plan_shares(
    sizes: list[int], workers: int | None, min_bytes: int = PARALLEL_MIN_BYTES
) -> list[list[int]]:
    """Which jobs each process reads: a list of shares (indexes into ``sizes``), the first
    one the parent's.  ``sizes``: each job's sheet XML in bytes.  Jobs go biggest first
    to the least loaded share.  ``workers``: processes in all (1: everything in the
    parent); None decides by the CPUs idle now (:func:`idle_cpus`), keeping only shares
    of at least ``min_bytes``.  A single job, or none, is always read in the parent."""
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    n = min(len(sizes), idle_cpus() if workers is None else max(1, workers))
    while True:
        shares: list[list[int]] = [[] for _ in range(max(n, 1))]
        loads = [0] * len(shares)
        for i in order:
            k = loads.index(min(loads))
            shares[k].append(i)
            loads[k] += sizes[i]
        if workers is not None or n <= 1 or min(loads) >= min_bytes:
            return [sorted(s) for s in shares if s] or [[]]
        n -= 1


def read_sheets(
    readable: Path,
    spec: Spec,
    jobs: list[SheetJob],
    read: Read,
    workers: int | None = None,
    sizes: dict[str, int] | None = None,
    *,
    book: Path | None = None,
) -> list[Table]:
    """Read ``jobs`` of the workbook ``readable`` with ``read`` (the in-process reader of
    one job), in up to ``workers`` processes (None: as many as pay off, see
    :func:`plan_shares`; 1: in this process).  ``sizes``: sheet name -> worksheet XML
    bytes (default: from the package).  ``book``: the file Tables and messages name
    (``read_table(book=...)``; default ``readable``).  Returns the Tables in the order of
    ``jobs``; raises what ``read`` raises for a sheet that cannot be read."""
    if workers == 1 or len(jobs) < 2:
        return [read(job) for job in jobs]
    sizes = part_sizes(readable) if sizes is None else sizes
    if not sizes:
        return [read(job) for job in jobs]
    shares = plan_shares([sizes.get(j.sheet_name, 0) for j in jobs], workers)
    started = [_Worker(readable, spec, [jobs[i] for i in share], book) for share in shares[1:]]
    out: list[Table | None] = [None] * len(jobs)
    try:
        for i in shares[0]:
            out[i] = read(jobs[i])
    except BaseException as exc:
        # the parent's sheet cannot be read: no worker left running, and the error the
        # reading in order gives (that of the first sheet that fails), as in one process
        for worker in started:
            worker.stop()
        if not isinstance(exc, Exception):  # an interrupt
            raise
        return [read(job) for job in jobs]
    for worker, share in zip(started, shares[1:], strict=True):
        tables = worker.result() or []
        for n, i in enumerate(share):
            if n < len(tables) and isinstance(tables[n], Table):
                tables[n].spec = spec.sheet(jobs[i].sheet_id)  # the caller's, not a copy
                out[i] = tables[n]
    # a sheet the worker could not read is read here, in order: its error is raised here
    return [table if table is not None else read(job) for job, table in zip(jobs, out, strict=True)]


class _Worker:
    """A worker process reading some jobs; started at once, its result collected by a
    thread (so the worker never waits on a full pipe while the parent is busy)."""

    def __init__(self, readable: Path, spec: Spec, jobs: list[SheetJob], book: Path | None) -> None:
        self.tables: list[Any] | None = None
        self.proc: subprocess.Popen | None = None
        if not sys.executable or getattr(sys, "frozen", False):
            return  # an embedded or frozen interpreter: no python to start
        root = str(Path(__file__).resolve().parents[2])  # the directory holding xl_crm
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        request = pickle.dumps((readable, spec, jobs, book), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "from xl_crm.xlsx.workers import serve; serve()"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except OSError:
            return
        self.thread = threading.Thread(target=self._collect, args=(request,), daemon=True)
        self.thread.start()

    def _collect(self, request: bytes) -> None:
        proc = self.proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(request)
            proc.stdin.close()
            self.tables = pickle.load(proc.stdout)
        except Exception:  # the worker died or sent garbage: the parent reads instead
            self.tables = None
        finally:
            proc.stdout.close()
            proc.wait()

    def stop(self) -> None:
        """End the worker (its result is no longer wanted)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.thread.join()

    def result(self) -> list[Any] | None:
        """The worker's Tables (an exception's text in place of a sheet that raised), or
        None when the worker could not run."""
        if self.proc is None:
            return None
        self.thread.join()
        return self.tables if self.proc.returncode == 0 else None


def serve() -> None:
    """The worker's side: read a pickled ``(readable, spec, jobs, book)`` from stdin, read each
    job with :func:`xl_crm.xlsx.reader.read_table` and write the list of Tables (or, for
    a sheet that raised, the error's text) pickled to stdout."""
    from xl_crm.xlsx.reader import read_table

    readable, spec, jobs, book = pickle.load(sys.stdin.buffer)
    out: list[Any] = []
    for job in jobs:
        try:
            out.append(
                read_table(
                    readable,
                    spec,
                    spec.sheet(job.sheet_id),
                    job.sheet_name,
                    job.first_rows,
                    job.fields,
                    book=book,
                )
            )
        except Exception as exc:  # the parent reads this sheet again and raises it
            out.append(f"{type(exc).__name__}: {exc}")
    pickle.dump(out, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
