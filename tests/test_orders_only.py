"""compute on books that hold only orders: customers derived, a summary sheet added in place."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.drawing.image import Image
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from tests.conftest import convert_to_csv
from tests.zipparts import raw_parts
from xl_crm import compute
from xl_crm.cli.app import app
from xl_crm.errors import InvalidOptionError, WorkbookError
from xl_crm.metrics.scores import rfm

AS_OF = "2026-06-30"
ZH_HEADER = [
    "客户ID",
    "首次购买日期",
    "最近一次购买日期",
    "订单总数",
    "购买频率(近365天)",
    "累计消费金额",
    "平均客单价",
    "距最近一次购买天数",
    "RFM 评分",
    "RFM 客户分类",
]
# (order, customer, time, amount): 100001 three orders, 100002 one, 100003 two (one of
# them more than 365 days before the as-of date), one order after the as-of date
ORDERS = [
    ("A1", 100001, dt.datetime(2026, 5, 1, 10, 0), 199.0),
    ("A2", 100002, dt.datetime(2026, 1, 15), 2999.0),
    ("A3", 100001, dt.datetime(2026, 3, 2, 9, 30), 89.5),
    ("A4", 100003, dt.datetime(2025, 12, 1, 8, 0), 320.0),
    ("A5", 100003, dt.datetime(2024, 6, 1), 100.0),
    ("A6", 100001, dt.datetime(2025, 7, 1), 10.0),
    ("A7", 100002, dt.datetime(2026, 7, 2), 50.0),  # after the as-of date: not counted
]
# by hand, as of 2026-06-30 (window 2025-06-30 .. 2026-06-30)
EXPECTED = {
    # key: first, last, orders, in window, spend, recency
    100001: (dt.datetime(2025, 7, 1), dt.datetime(2026, 5, 1, 10), 3, 3, 298.5, 60),
    100002: (dt.datetime(2026, 1, 15), dt.datetime(2026, 1, 15), 1, 1, 2999.0, 166),
    100003: (dt.datetime(2024, 6, 1), dt.datetime(2025, 12, 1, 8), 2, 1, 420.0, 211),
}


def orders_book(path: Path) -> Path:
    """An openpyxl workbook of orders only, with a chart, an image and a notes sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(["订单编号", "客户ID", "下单时间", "金额", "渠道"])
    for order, customer, when, amount in ORDERS:
        ws.append([order, customer, when, amount, "天猫"])
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=4, min_row=1, max_row=len(ORDERS) + 1))
    ws.add_chart(chart, "H2")
    image = io.BytesIO()
    from PIL import Image as Picture

    Picture.new("RGB", (4, 4), "red").save(image, format="PNG")
    ws.add_image(Image(image), "H20")
    notes = wb.create_sheet("备注")
    notes["A1"] = "季度说明"
    notes["B2"] = 42
    wb.save(path)
    return path


def rows_of(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def check_figures(rows: list[list], header: list[str]) -> None:
    """The summary rows against the hand-computed figures (and RFM from those figures)."""
    assert rows[0] == header
    body = rows[1:]
    assert [int(r[0]) for r in body] == sorted(EXPECTED)
    hand = pd.DataFrame(
        {
            "orders": [EXPECTED[k][2] for k in sorted(EXPECTED)],
            "purchase_frequency": [EXPECTED[k][3] for k in sorted(EXPECTED)],  # F's count
            "recency_days": [EXPECTED[k][5] for k in sorted(EXPECTED)],
            "total_spend": [EXPECTED[k][4] for k in sorted(EXPECTED)],
        },
        index=sorted(EXPECTED),
    )
    scores = rfm(hand)
    for row in body:
        key = int(row[0])
        first, last, orders, window, spend, recency = EXPECTED[key]
        assert pd.Timestamp(row[1]) == first and pd.Timestamp(row[2]) == last
        assert row[3:6] == [orders, window, spend]
        assert row[6] == pytest.approx(spend / orders)
        assert row[7] == recency
        assert row[8] == scores.loc[key, "rfm_score"]
        assert row[9] == scores.loc[key, "rfm_segment_cn"]


def test_orders_only_workbook_gets_a_summary_sheet(tmp_path):
    path = orders_book(tmp_path / "orders.xlsx")
    before = raw_parts(path)
    result = compute(path, template="ecommerce", as_of=AS_OF, backups=1)
    assert result.written and result.sheet == "客户汇总" and result.rows == 3
    assert result.derived_from == "订单"
    assert result.unused == []  # an order after the as-of date is not a fault
    assert result.columns == ZH_HEADER
    assert CalamineWorkbook.from_path(str(path)).sheet_names == ["订单", "备注", "客户汇总"]
    check_figures(rows_of(path, "客户汇总"), ZH_HEADER)
    after = raw_parts(path)
    edited = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    edited |= {"xl/styles.xml"}  # gains the header, date and money styles
    new = set(after) - set(before)
    assert len(new) == 1 and new.pop().startswith("xl/worksheets/sheet")
    for name, raw in before.items():
        if name not in edited:
            assert after[name] == raw, name  # chart, image, drawing, other sheets, app.xml
    assert any("chart" in n for n in before) and any(n.endswith(".png") for n in before)
    # the money and date columns show as money and dates
    ws = openpyxl.load_workbook(path)["客户汇总"]
    assert ws["F2"].number_format == "¥#,##0.00" and ws["G2"].number_format == "¥#,##0.00"
    assert ws["B3"].number_format == "yyyy-mm-dd"  # first purchases: all at midnight
    assert ws["C2"].number_format == "yyyy-mm-dd hh:mm" and ws["A1"].font.b
    assert ws.freeze_panes == "A2"
    assert len(list((tmp_path / ".xlcrm-backups").iterdir())) == 1


def test_libreoffice_reads_the_summary(tmp_path):
    path = orders_book(tmp_path / "orders.xlsx")
    compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    rows = convert_to_csv(path, tmp_path, sheet=3)
    assert rows[0] == ZH_HEADER
    by_key = {r[0]: r for r in rows[1:]}
    assert set(by_key) == {"100001", "100002", "100003"}
    assert by_key["100001"][1:6] == ["2025-07-01", "2026-05-01 10:00:00", "3", "3", "298.5"]
    assert by_key["100002"][6] == "2999" and by_key["100003"][7] == "211"
    assert by_key["100003"][8:] == rows_of(path, "客户汇总")[3][8:]


def test_rerun_writes_nothing_and_new_orders_update_the_summary(tmp_path):
    path = orders_book(tmp_path / "orders.xlsx")
    compute(path, template="ecommerce", as_of=AS_OF, backups=3)
    first = path.read_bytes()
    again = compute(path, template="ecommerce", as_of=AS_OF, backups=3)
    assert not again.written and path.read_bytes() == first
    assert len(list((tmp_path / ".xlcrm-backups").iterdir())) == 1
    # a new customer's order: the summary (found by its header) is rewritten in place
    wb = openpyxl.load_workbook(path)
    wb["订单"].append(["A8", 100004, dt.datetime(2026, 6, 1), 15.5, "京东"])
    wb.save(path)
    later = compute(path, template="ecommerce", as_of=AS_OF, backups=3)
    assert later.written and later.sheet == "客户汇总" and later.rows == 4
    assert CalamineWorkbook.from_path(str(path)).sheet_names == ["订单", "备注", "客户汇总"]
    rows = rows_of(path, "客户汇总")
    assert rows[-1][0] == 100004 and rows[-1][3:6] == [1, 1, 15.5]
    assert pd.Timestamp(rows[-1][1]) == pd.Timestamp(rows[-1][2]) == pd.Timestamp(2026, 6, 1)
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml").decode()
    assert styles.count('formatCode="¥#,##0.00"') == 1  # the styles were reused


def test_named_summary_sheet_and_refusals(tmp_path):
    path = orders_book(tmp_path / "orders.xlsx")
    result = compute(path, template="ecommerce", as_of=AS_OF, summary_sheet="汇总 2026", backups=0)
    assert result.sheet == "汇总 2026"
    check_figures(rows_of(path, "汇总 2026"), ZH_HEADER)
    # run again without the name: the summary is found by its header, not made twice
    later = compute(path, template="ecommerce", as_of="2026-07-31", backups=0)
    assert later.written and later.sheet == "汇总 2026"
    assert CalamineWorkbook.from_path(str(path)).sheet_names == ["订单", "备注", "汇总 2026"]
    assert rows_of(path, "汇总 2026")[1][7] == 91  # recency as of the later date
    kept = path.read_bytes()
    with pytest.raises(WorkbookError, match="already holds other data") as err:
        compute(path, template="ecommerce", as_of=AS_OF, summary_sheet="备注", backups=0)
    assert err.value.sheet == "备注"
    with pytest.raises(WorkbookError, match=r"cannot hold any of"):
        compute(path, template="ecommerce", as_of=AS_OF, summary_sheet="a/b", backups=0)
    with pytest.raises(WorkbookError, match="at most 31 characters"):
        compute(path, template="ecommerce", as_of=AS_OF, summary_sheet="x" * 32, backups=0)
    with pytest.raises(WorkbookError, match="already holds other data"):  # the orders
        compute(path, template="ecommerce", as_of=AS_OF, summary_sheet="订单", backups=0)
    assert path.read_bytes() == kept
    assert not [p for p in tmp_path.iterdir() if "xlcrm-tmp" in p.name]


def test_an_empty_sheet_the_user_made_is_filled(tmp_path):
    path = orders_book(tmp_path / "orders.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Summary")
    wb.save(path)
    result = compute(path, template="ecommerce", as_of=AS_OF, summary_sheet="summary", backups=0)
    assert result.sheet == "Summary"  # names compare as Excel does; the sheet keeps its own
    assert CalamineWorkbook.from_path(str(path)).sheet_names == ["订单", "备注", "Summary"]
    check_figures(rows_of(path, "Summary"), ZH_HEADER)


def test_default_summary_name_taken_by_other_data_is_refused(tmp_path):
    path = orders_book(tmp_path / "orders.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("客户汇总")["A1"] = "我自己的汇总"
    wb.save(path)
    kept = path.read_bytes()
    with pytest.raises(WorkbookError, match="already holds other data"):
        compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    assert path.read_bytes() == kept


def test_a_workbook_with_customers_refuses_summary_options(tmp_path):
    from xl_crm.xlsx.builder import build_workbook

    path = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", path, sample=5, seed=3)
    with pytest.raises(InvalidOptionError, match="has a customers sheet"):
        compute(path, as_of=AS_OF, summary_sheet="汇总", backups=0)


def test_ledger_transactions_merge_keys_written_differently(tmp_path):
    """Text keys: full-width, spaces and case do not make another customer."""
    path = tmp_path / "台账.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "交易历史"
    ws.append(["客户编号", "交易日期", "购买记录", "金额"])
    ws.append(["KH001", dt.date(2026, 1, 5), "软件", 1000])
    ws.append(["ＫＨ００１", dt.date(2026, 2, 5), "服务", 500])
    ws.append([" kh001 ", dt.date(2026, 3, 5), "服务", 250])
    ws.append(["KH002", dt.date(2025, 3, 5), "硬件", 80])
    ws.append([None, dt.date(2025, 3, 6), "硬件", 80])
    wb.save(path)
    result = compute(path, template="ledger", as_of=AS_OF, backups=0)
    assert result.unused == [("交易历史!A6", "“客户编号”为空", "'客户编号' is empty")]
    rows = rows_of(path, result.sheet)
    assert rows[0][:2] == ["客户编号", "首次购买日期"]
    assert [r[0] for r in rows[1:]] == ["KH001", "KH002"]  # as first written
    assert rows[1][3] == 3 and rows[1][5] == 1750 and rows[2][5] == 80
    assert rows[1][1] == dt.date(2026, 1, 5)  # date-only orders give dates


def test_xlsxwriter_xlsm_with_vba_keeps_every_part(tmp_path):
    """A workbook from another producer (XlsxWriter, with a VBA project): only the three
    small parts that list sheets and styles.xml change."""
    import xlsxwriter

    path = tmp_path / "orders.xlsm"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Orders")
    ws.write_row(0, 0, ["Order ID", "Customer ID", "Order Date", "Amount"])
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, (order, customer, when, amount) in enumerate(ORDERS[:6], start=1):
        ws.write_string(r, 0, order)
        ws.write_number(r, 1, customer)
        ws.write_datetime(r, 2, when, datef)
        ws.write_number(r, 3, amount)
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": ["Orders", 1, 3, 6, 3]})
    ws.insert_chart("G2", chart)
    ws.write_comment("A1", "exported 2026-06")
    wb.add_vba_project(io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\x00" * 2000), is_stream=True)
    wb.close()
    before = raw_parts(path)
    result = compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    assert result.sheet == "Customer Summary"  # English headers: an English summary
    after = raw_parts(path)
    changed = {n for n in before if after.get(n) != before[n]}
    assert changed == {
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
        "xl/styles.xml",
    }
    assert "xl/vbaProject.bin" in after
    rows = rows_of(path, "Customer Summary")
    assert rows[0][:5] == ["Customer ID", "First Purchase Date", "Last Purchase Date", "Orders",
                           "Orders in Last 365 Days"]  # fmt: skip
    assert [r[3] for r in rows[1:]] == [3, 1, 2]
    assert (
        rows[1][9]
        == rfm(
            pd.DataFrame(
                {
                    "orders": [3, 1, 2],
                    "purchase_frequency": [3, 1, 1],  # in the window: F's count
                    "recency_days": [60, 166, 211],
                    "total_spend": [298.5, 2999, 420],
                }
            )
        ).loc[0, "rfm_segment_en"]
    )


CSV_EXPORT = (
    "InvoiceNo,CustomerID,InvoiceDate,Amount\r\n"
    "536365,100001,2026/5/1 10:00,199.00\r\n"
    '536366,100002,2026/1/15,"2,999.00"\r\n'
    "536367,100001,2026/3/2 9:30,89.50\r\n"
    "536368,100003,2025/12/1 8:00,320\r\n"
    "536369,100003,2024/6/1,100.00\r\n"
    "536370,100001,2025/7/1,10\r\n"
)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_orders_only_csv_export(tmp_path, suffix):
    source = tmp_path / "export.csv"
    source.write_bytes(CSV_EXPORT.encode("utf-8"))
    kept = source.read_bytes()
    out = tmp_path / f"customers{suffix}"
    log = tmp_path / "audit.jsonl"
    result = compute(source, template="ecommerce", as_of=AS_OF, output=out, audit_log=log)
    assert result.written and result.path == out and result.rows == 3
    assert source.read_bytes() == kept  # the CSV is never modified
    header = [
        "Customer ID",
        "First Purchase Date",
        "Last Purchase Date",
        "Orders",
        "Orders in Last 365 Days",
        "Total Spend",
        "Average Order Value",
        "Days Since Last Purchase",
        "RFM Score",
        "RFM Segment",
    ]
    if suffix == ".xlsx":
        rows = rows_of(out, "Customer Summary")
        assert rows[0] == header
        assert [r[5] for r in rows[1:]] == [298.5, 2999.0, 420.0]
        assert [r[7] for r in rows[1:]] == [60, 166, 211]
    else:
        text = out.read_text(encoding="utf-8-sig").splitlines()
        assert text[0].split(",") == header
        assert text[1].split(",")[:8] == [
            "100001", "2025-07-01", "2026-05-01 10:00", "3", "3", "298.50", "99.50", "60",
        ]  # fmt: skip
    again = out.read_bytes()
    assert not compute(source, template="ecommerce", as_of=AS_OF, output=out, audit_log=log).written
    assert out.read_bytes() == again
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r["action"] for r in records] == ["write-summary"]  # none for the rerun
    assert records[0]["rows"] == 3 and "100001" not in log.read_text(encoding="utf-8")


def test_csv_without_output_or_onto_itself_is_refused(tmp_path):
    source = tmp_path / "export.csv"
    source.write_bytes(CSV_EXPORT.encode("utf-8"))
    with pytest.raises(WorkbookError, match="-o"):
        compute(source, template="ecommerce", as_of=AS_OF)
    with pytest.raises(WorkbookError, match="is not modified: name another file"):
        compute(source, template="ecommerce", as_of=AS_OF, output=source)
    with pytest.raises(InvalidOptionError, match=r"\.xlsx, \.xlsm or \.csv"):
        compute(source, template="ecommerce", as_of=AS_OF, output=tmp_path / "x.ods")
    assert source.read_bytes() == CSV_EXPORT.encode("utf-8")


def test_cli_orders_only(tmp_path):
    source = tmp_path / "export.csv"
    source.write_bytes(CSV_EXPORT.encode("utf-8"))
    runner = CliRunner()
    refused = runner.invoke(app, ["compute", str(source), "-t", "ecommerce"])
    assert refused.exit_code == 2 and "-o" in refused.output
    out = tmp_path / "summary.xlsx"
    done = runner.invoke(
        app, ["compute", str(source), "-t", "ecommerce", "--as-of", AS_OF, "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert "Customer Summary, 3 customers, as of 2026-06-30: wrote" in done.output
    assert "customers derived from the orders on export" in done.output
    again = runner.invoke(
        app, ["compute", str(source), "-t", "ecommerce", "--as-of", AS_OF, "-o", str(out)]
    )
    assert "unchanged (already up to date)" in again.output


def test_what_counts_as_a_summary_header():
    from xl_crm.metrics.summary import is_summary_header, summary_headers
    from xl_crm.specs import load_spec

    spec = load_spec("ecommerce")
    for lang, window in (("zh", 365), ("en", 90)):
        header = list(summary_headers(spec, lang, window, rfm_columns=True).values())
        assert is_summary_header(spec, header)
        assert is_summary_header(spec, [*header[:4], None])  # columns dropped by the user
        assert not is_summary_header(spec, [*header, "备注"])  # a column of the user's own
    assert not is_summary_header(spec, ["客户ID", "最近一次购买日期"])  # a customer list
    assert not is_summary_header(spec, ["订单总数", "客户ID"])
    assert not is_summary_header(spec, [])


def test_numeric_ids_typed_as_text_or_full_width_are_one_customer(tmp_path):
    path = tmp_path / "orders.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(["订单编号", "客户ID", "下单时间", "金额"])
    ws.append(["B1", 100001, dt.datetime(2026, 6, 1), 10])
    ws.append(["B2", "１００００１", "2026年5月1日", "¥89.50"])
    ws.append(["B3", " 100001 ", "2026.01.15", "2,999.00"])
    ws.append(["B4", 100002, dt.datetime(2026, 6, 2), "#N/A"])
    wb.save(path)
    result = compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    rows = rows_of(path, result.sheet)
    assert [r[0] for r in rows[1:]] == [100001, 100002]
    assert rows[1][3:6] == [3, 3, 3098.5]
    assert pd.Timestamp(rows[1][1]) == pd.Timestamp(2026, 1, 15)
    assert [where for where, _, _ in result.unused] == ["订单!D5"]  # named, not dropped


def test_undecided_day_month_order_is_noted(tmp_path):
    """12/1/2010 could be 12 January or 1 December: the summary says how it was read."""
    source = tmp_path / "online.csv"
    source.write_bytes(
        b"InvoiceNo,CustomerID,InvoiceDate,Amount\r\n"
        b"536365,17850,12/1/2010 8:26,15.30\r\n"
        b"536367,13047,12/2/2010 9:01,22.00\r\n"
    )
    result = compute(source, template="ecommerce", as_of="2011-01-01", output=tmp_path / "s.csv")
    assert len(result.notes) == 1 and "'InvoiceDate'" in result.notes[0][1]
    assert "“InvoiceDate”" in result.notes[0][0]
    source.write_bytes(CSV_EXPORT.encode("utf-8"))
    clear = compute(source, template="ecommerce", as_of=AS_OF, output=tmp_path / "t.csv")
    assert clear.notes == []  # 2026/5/1: the year first decides it
    # a summary fed back is a customer list, not orders: the orders are asked for
    with pytest.raises(WorkbookError, match="matches the template's 订单 / Orders sheet"):
        compute(tmp_path / "s.csv", template="ecommerce", as_of=AS_OF, output=tmp_path / "u.csv")
