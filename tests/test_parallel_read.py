"""Reading sheets in worker processes gives what reading them in one process gives:
the same Tables and the same Report, on built workbooks, the real inputs and broken cells
(``XlsxBook(workers=...)``, :mod:`xl_crm.xlsx.workers`)."""

from __future__ import annotations

import io
import os
import resource
from pathlib import Path

import pandas as pd
import pytest

import xl_crm
from tests.wrongcells import findings_set, inject_ecommerce
from xl_crm.errors import WorkbookError
from xl_crm.specs import load_spec
from xl_crm.xlsx.book import XlsxBook
from xl_crm.xlsx.workers import PARALLEL_MIN_BYTES, available_cpus, idle_cpus, plan_shares

REAL = Path("../shared/cases/real-inputs")
REAL_FILES = sorted(p.name for p in REAL.glob("*.xlsx"))
TABLE_FIELDS = (
    "sheet",
    "header_row",
    "letters",
    "headers",
    "unknown",
    "missing",
    "issues",
    "coercions",
    "blank_rows",
    "date_orders",
)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def same_tables(path: Path, template: str, fields=None) -> None:
    spec = load_spec(template)
    one = XlsxBook(path, workers=1).read(spec, fields=fields)
    before = children_cpu()
    two = XlsxBook(path, workers=2).read(spec, fields=fields)
    assert children_cpu() > before, "no worker process ran"
    assert list(one) == list(two)
    assert one.mapping == two.mapping
    for sid in one:
        a, b = one[sid], two[sid]
        for name in TABLE_FIELDS:
            assert getattr(a, name) == getattr(b, name), (sid, name)
        assert b.spec is spec.sheet(sid)
        pd.testing.assert_frame_equal(a.frame, b.frame)
        pd.testing.assert_frame_equal(a.extras, b.extras)
        if a.unread_filled is None:
            assert b.unread_filled is None
        else:
            pd.testing.assert_series_equal(a.unread_filled, b.unread_filled)


def same_report(path: Path, template: str) -> xl_crm.Report:
    one = xl_crm.validate(XlsxBook(path, workers=1), template=template, findings_per_rule=3)
    two = xl_crm.validate(XlsxBook(path, workers=2), template=template, findings_per_rule=3)
    a, b = one.to_dict(), two.to_dict()
    a.pop("seconds", None), b.pop("seconds", None)
    assert a == b
    streams = []
    for report in (one, two):
        out = io.StringIO()
        report.write_json(out)
        streams.append(out.getvalue().replace(f"{report.seconds}", ""))
    assert streams[0] == streams[1]
    return one


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_inputs_read_the_same_in_workers(name):
    same_tables(REAL / name, "ecommerce")
    same_report(REAL / name, "ecommerce")


def test_built_books_read_the_same_in_workers(built_books):
    for template in ("ecommerce", "car_sales"):
        same_tables(built_books[(template, "zh")], template)
    same_report(built_books[("car_sales", "en")], "car_sales")


def wrong_book(tmp_path: Path) -> tuple[Path, set]:
    path = tmp_path / "wrong.xlsx"
    xl_crm.build_workbook("ecommerce", path, sample=40, seed=3)
    return path, inject_ecommerce(path)


def test_wrong_cells_give_the_same_findings_in_workers(tmp_path):
    path, expected = wrong_book(tmp_path)
    report = same_report(path, "ecommerce")
    assert expected <= findings_set(report)
    same_tables(path, "ecommerce", fields={"customers": ["customer_id", "mobile"]})


def test_a_sheet_that_cannot_be_read_raises_the_same_error(tmp_path):
    import openpyxl

    path, _ = wrong_book(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("空表")["A1"] = "备注"  # no header row of the orders
    wb.save(path)
    spec = load_spec("ecommerce")
    # the worker's sheet fails (the small one), then the parent's (the big one)
    for sheets in ({"orders": "空表"}, {"customers": "订单", "orders": "空表"}):
        errors = []
        for workers in (1, 2):
            with pytest.raises(WorkbookError) as caught:
                XlsxBook(path, workers=workers).read(spec, sheets=sheets)
            errors.append((type(caught.value), caught.value.reason, str(caught.value)))
        assert errors[0] == errors[1]
        with pytest.raises(ChildProcessError):  # no worker left running or unwaited
            os.waitpid(-1, os.WNOHANG)


def test_shares_go_biggest_first_and_small_books_stay_in_one_process():
    mb = 2**20
    # two big sheets: one for the parent (the biggest), one for a worker
    assert plan_shares([300 * mb, 310 * mb], 2) == [[1], [0]]
    # four sheets over two processes, balanced by size
    assert plan_shares([40 * mb, 10 * mb, 30 * mb, 20 * mb], 2) == [[0, 1], [2, 3]]
    # a worker's share under the threshold: everything in the parent
    small = PARALLEL_MIN_BYTES // 2
    assert plan_shares([5 * PARALLEL_MIN_BYTES, small], None) == [[0, 1]]
    assert plan_shares([5 * mb], None) == [[0]]
    assert plan_shares([300 * mb, 310 * mb], 1) == [[0, 1]]


def test_no_worker_is_worth_starting_while_every_cpu_is_busy():
    """``idle_cpus`` looks at the CPUs now, not at the one-minute load average: with one
    busy loop per CPU it sees no idle CPU (so the default read stays in one process), and
    once they stop it sees at most every CPU."""
    import subprocess
    import sys
    import time

    cpus = available_cpus()
    spin = "import time\nend = time.time() + 20\nwhile time.time() < end: pass"
    loops = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(cpus)]
    try:
        time.sleep(0.5)
        assert idle_cpus() == 1
    finally:
        for p in loops:
            p.kill()
            p.wait()
    assert 1 <= idle_cpus() <= cpus
