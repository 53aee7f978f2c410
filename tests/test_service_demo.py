"""The service in ``make demo`` (sheets_sync.demo.run_service_demo: a jobs file written into
the demo folder, run once as ``xl-crm service run demo/jobs.yaml --once``, against the
emulator and a local workbook), and the run history's ``rows_changed``: customers (rows)
compute changed, never cells."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

import xl_crm
from sheets_sync.service import Service, json_log, load_jobs, open_store
from tests.servicejobs import job, write_jobs
from xl_crm import build_workbook

AS_OF = "2026-06-30"


def test_rows_changed_counts_customers_not_cells(tmp_path):
    book = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", book, lang="zh", sample=10, seed=5)
    first = xl_crm.compute(book, as_of=AS_OF, backups=0)
    assert first.written and first.rows == 10 and first.rows_changed == 10

    # three customers get wrong values in three computed columns each (nine cells)
    wb = openpyxl.load_workbook(book)
    ws = wb["客户"]
    headers = {c.value: c.column_letter for c in ws[2] if c.value}
    columns = [headers["最近一次购买日期"], headers["购买频率"], headers[first.columns[-1]]]
    customers = [3, 6, 12]  # sheet rows of the 1st, 4th and 10th customer
    for row in customers:
        ws[f"{columns[0]}{row}"] = dt.datetime(2001, 1, 1)
        ws[f"{columns[1]}{row}"] = 999
        ws[f"{columns[2]}{row}"] = "不是分群"
    wb.save(book)
    wb.close()

    jobs = load_jobs(
        write_jobs(
            tmp_path / "jobs.yaml",
            [job("shop", "shop.xlsx", 3600, actions=["compute"], options={"as_of": AS_OF})],
        )
    )
    store = open_store(jobs.default_db)
    [outcome] = Service(jobs, store, log=json_log(io.StringIO())).run_once()
    assert outcome.status == "succeeded", outcome.result
    assert outcome.result.rows_changed == 3
    [run] = store.history("shop")
    assert run["rows_changed"] == 3
    store.close()

    again = xl_crm.compute(book, as_of=AS_OF, backups=0)
    assert not again.written and again.rows_changed == 0
    assert again.to_dict()["rows_changed"] == 0
