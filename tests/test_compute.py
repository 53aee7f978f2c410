"""compute: derived columns written into real workbooks, checked against the orders."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from xl_crm import compute, validate
from xl_crm.cli.app import app
from xl_crm.xlsx.builder import build_workbook

AS_OF = "2026-06-30"


def sheet_rows(path, name):
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    header_index = 0 if rows[0][0] else 1
    return pd.DataFrame(rows[header_index + 1 :], columns=rows[header_index])


def test_ecommerce_columns_match_the_orders(tmp_path):
    path = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", path, sample=80, seed=5)
    result = compute(path, as_of=AS_OF, backups=0)
    assert result.written and result.rows == 80
    assert result.columns == [
        "最近一次购买日期",
        "购买频率",
        "累计消费金额",
        "距最近一次购买天数",
        "RFM 评分",
        "RFM 客户分类",
    ]
    customers, orders = sheet_rows(path, "客户"), sheet_rows(path, "订单")
    orders["下单时间"] = pd.to_datetime(orders["下单时间"])
    for _, row in customers.head(25).iterrows():
        mine = orders[orders["客户ID"] == row["客户ID"]]
        window = mine[mine["下单时间"] >= pd.Timestamp(AS_OF) - pd.Timedelta(days=365)]
        assert row["购买频率"] == len(window)
        assert row["累计消费金额"] == pytest.approx(mine["金额"].sum())
        if len(mine):
            last = mine["下单时间"].max()
            assert pd.Timestamp(row["最近一次购买日期"]) == last
            assert row["距最近一次购买天数"] == (pd.Timestamp(AS_OF) - last.normalize()).days
        else:
            # a prospect: no scores, its own label (not a churned buyer's)
            assert row["最近一次购买日期"] in ("", None) and row["RFM 评分"] in ("", None)
            assert row["RFM 客户分类"] == "未购买"
    assert sum(result.segments["rfm_segment_cn"].values()) == 80
    # the workbook still validates, and the table took in the new columns
    assert validate(path).valid
    ws = openpyxl.load_workbook(path)["客户"]
    assert ws.tables["tbl_customers"].ref == "A2:K82"


def test_running_twice_changes_nothing(tmp_path):
    path = tmp_path / "ledger.xlsx"
    build_workbook("ledger", path, sample=50, seed=2)
    log = tmp_path / "audit.jsonl"
    first = compute(path, as_of=AS_OF, audit_log=log)
    data = path.read_bytes()
    second = compute(path, as_of=AS_OF, audit_log=log)
    assert first.written and not second.written
    assert path.read_bytes() == data
    assert len(log.read_text(encoding="utf-8").splitlines()) == 1
    groups = first.segments["customer_group"]
    assert (
        set(groups) <= {"高端客户", "老客户", "潜在客户", "一般客户"} and sum(groups.values()) == 50
    )
    later = compute(path, as_of="2027-06-30", audit_log=log)
    assert later.written and len(log.read_text(encoding="utf-8").splitlines()) == 2


def test_hotel_stay_columns_in_english(tmp_path):
    path = tmp_path / "hotel.xlsx"
    build_workbook("hotel", path, lang="en", sample=40, seed=8)
    result = compute(path, as_of=AS_OF, backups=0)
    assert result.columns[:5] == [
        "Stays",
        "Nights",
        "Last Stay",
        "Average Nights",
        "Preferred Room",
    ]
    guests, stays = sheet_rows(path, "Guests"), sheet_rows(path, "Stays")
    first = guests.iloc[0]
    mine = stays[stays["Customer ID"] == first["Customer ID"]]
    assert first["Stays"] == len(mine)
    assert set(result.segments["rfm_segment_en"]) <= {
        "Champions",
        "Loyal Customers",
        "Potential Loyalists",
        "New Customers",
        "Promising",
        "Need Attention",
        "About to Sleep",
        "At Risk",
        "Can't Lose",
        "Hibernating",
        "No purchase yet",
    }


def test_cli_compute_prints_segments(tmp_path):
    path = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", path, sample=30, seed=1)
    result = CliRunner().invoke(app, ["compute", str(path), "--as-of", AS_OF, "--backups", "0"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "rfm_segment_cn" in result.output
    again = CliRunner().invoke(app, ["compute", str(path), "--as-of", AS_OF])
    assert "unchanged" in again.output
    bad = CliRunner().invoke(app, ["compute", str(path), "--as-of", "someday"])
    assert bad.exit_code == 2 and "--as-of" in bad.output


def test_compute_refuses_csv(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("客户ID,姓名,手机号码\n1,林小雨,13912340001\n", encoding="utf-8")
    before = path.read_bytes()
    result = CliRunner().invoke(
        app, ["compute", str(path), "--template", "ecommerce", "--lang", "en"]
    )
    assert result.exit_code == 2
    assert "can only write into .xlsx and .xlsm workbooks, not .csv" in result.output
    assert path.read_bytes() == before


def test_as_of_defaults_to_today(tmp_path):
    path = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", path, sample=10, seed=1)
    assert compute(path, backups=0).as_of == dt.date.today()


def test_compute_reports_its_progress(tmp_path):
    path = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", path, sample=30, seed=1)
    calls: list[tuple[str, int, int]] = []
    compute(path, as_of=AS_OF, backups=0, progress=lambda *a: calls.append(a))
    labels = list(dict.fromkeys(label for label, _, _ in calls))
    assert labels == ["reading the workbook", "computing metrics", "writing 客户"]
    last = {label: (done, total) for label, done, total in calls}
    assert all(done == total for done, total in last.values())
