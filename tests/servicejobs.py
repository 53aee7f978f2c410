"""Helpers for the scheduled service's tests: a workbook with planted personal values, a
jobs file, service subprocesses, and checks on the run history."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import xlsx

#: personal values planted in the workbooks: none may reach a log or the history
PLANTED = ("秘密张三", "13912345678", "planted@@mail.example", "440301199001011234")
HEADERS = ["客户ID", "姓名", "电子邮件", "手机号码", "身份证号"]


def planted_book(path: Path, rows: int = 30) -> Path:
    """An e-commerce customers sheet of ``rows`` rows holding :data:`PLANTED` (a bad
    e-mail and a bad ID among them, so validation has findings that quote them)."""
    body = [[100001, PLANTED[0], PLANTED[2], PLANTED[1], PLANTED[3]]]
    body += [
        [100002 + i, f"客户{i}", f"c{i}@mail.example", f"1380000{i:04d}", None] for i in range(rows)
    ]
    return xlsx(path, {"客户": [HEADERS, *body]})


def write_jobs(path: Path, jobs: list[dict[str, Any]], **top: Any) -> Path:
    """A jobs file at ``path`` with ``jobs`` (and top-level keys ``top``)."""
    path.write_text(yaml.safe_dump({**top, "jobs": jobs}, allow_unicode=True), encoding="utf-8")
    return path


def job(name: str, source: str, every: float = 1, **extra: Any) -> dict[str, Any]:
    """One validating job on ``source`` every ``every`` seconds."""
    return {
        "name": name,
        "source": source,
        "template": "ecommerce",
        "actions": ["validate"],
        "schedule": {"every": every},
        **extra,
    }


def serve(jobs: Path, db: str, log: Path, *extra: str) -> subprocess.Popen:
    """``xl-crm service serve`` in a subprocess with a short lease (3 s) and poll."""
    args = ["--db", db, "--lease", "3", "--poll", "0.2", "--log", str(log), *extra]
    return subprocess.Popen(
        [sys.executable, "-m", "xl_crm", "service", "serve", str(jobs), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def stop(process: subprocess.Popen, timeout: float = 60) -> int:
    """SIGTERM ``process`` and wait for it; its exit code."""
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=timeout)


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``check`` every 50 ms until it returns something true; that value.  Raises
    AssertionError naming ``what`` after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = check()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def overlaps(runs: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Pairs of run ids of one job whose [started_at, finished_at] overlap (a run still
    going counts as going on)."""
    found = []
    by_job: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        by_job.setdefault(r["job"], []).append(r)
    for mine in by_job.values():
        mine.sort(key=lambda r: r["started_at"])
        for a, b in itertools.pairwise(mine):
            if a["finished_at"] is None or a["finished_at"] > b["started_at"]:
                found.append((a["id"], b["id"]))
    return found


def owner_pid(owner: str | None) -> int | None:
    """The process id in a lease or run owner (``host:pid:token``)."""
    return int(owner.split(":")[-2]) if owner else None


def alive(pid: int) -> bool:
    """True when process ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
