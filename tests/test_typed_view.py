"""One value per cell: the typed view every check, reference and metric uses.

Each kind of cell people type (text dates, amounts as text, full-width digits, yes/no
words, Excel serials, error values, formulas never calculated, blank and invisible cells)
is tested through ``coerce`` and end to end through ``validate`` and ``compute`` on real
.xlsx and .csv files (invented data), laid out the way users keep them.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import fastexcel
import openpyxl
import pandas as pd
import pytest

from xl_crm import compute, validate
from xl_crm.fields.coercion import coerce, from_serial, is_blank, parse_date, parse_number

CASES = Path(__file__).resolve().parents[1] / ".." / "shared" / "cases" / "real-inputs"
RIGHT = {  # ../shared/cases/real-inputs/README.md, compute --as-of 2026-06-30
    100001: (2, 288.5, dt.date(2026, 5, 1)),
    100002: (1, 2999.0, dt.date(2026, 1, 15)),
    100003: (1, 320.0, dt.date(2025, 12, 1)),
}
CUSTOMERS = ["客户ID", "姓名", "电子邮件", "手机号码"]
ORDERS = ["订单编号", "客户ID", "下单时间", "金额"]


# -- coerce, per type -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年5月1日", "2026-05-01 00:00"),
        ("2026.01.15", "2026-01-15 00:00"),
        ("2026/3/2 9:30", "2026-03-02 09:30"),
        ("2025年12月1日 8时00分", "2025-12-01 08:00"),
        ("2026-5-1 下午3:05", "2026-05-01 15:05"),
        ("20260501", "2026-05-01 00:00"),
        ("2026-05-01T09:30:00+08:00", "2026-05-01 09:30"),
        ("1 May 2026", "2026-05-01 00:00"),
        ("May 1, 2026 2:30 PM", "2026-05-01 14:30"),
        ("46143", "2026-05-01 00:00"),  # an Excel serial held as text
        ("46143.75", "2026-05-01 18:00"),  # ... with a time fraction
        ("２０２６年５月１日", "2026-05-01 00:00"),  # full-width digits
    ],
)
def test_text_dates(text, expected):
    assert parse_date(text).strftime("%Y-%m-%d %H:%M") == expected


@pytest.mark.parametrize("text", ["2026/13/01", "2026-02-30", "soon", "12:30", "1.5.2026.1", ""])
def test_not_dates(text):
    assert parse_date(text) is None


def test_excel_serials_follow_the_1900_system():
    assert from_serial(1) == pd.Timestamp("1900-01-01")
    assert from_serial(59) == pd.Timestamp("1900-02-28")
    assert from_serial(61) == pd.Timestamp("1900-03-01")
    assert from_serial(46143.5) == pd.Timestamp("2026-05-01 12:00")
    assert from_serial(2958465) == pd.Timestamp("9999-12-31")
    assert from_serial(0) is None and from_serial(3e6) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¥89.50", 89.5),
        ("￥89.50", 89.5),
        ("2,999.00", 2999.0),
        ("89.5元", 89.5),
        ("RMB 1,200", 1200.0),
        ("１００００１", 100001.0),
        ("(5.00)", -5.0),
        ("12%", 0.12),
        (" 3 ", 3.0),
        ("1e3", 1000.0),
    ],
)
def test_text_numbers(text, expected):
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["1,2", "12,34.5", "abc", "¥", "1.2.3", "--5"])
def test_not_numbers(text):
    assert parse_number(text) is None


def test_coerce_numbers_integers_and_money_in_text_numbers_and_mixed():
    values = pd.Series(["¥89.50", 7, 2.5, None, "  ", "#N/A", "abc", "１００"], index=range(2, 10))
    for storage in ("number", "integer"):
        out = coerce(values, storage)
        assert out.values.tolist()[:3] == [89.5, 7.0, 2.5]
        assert out.values.iloc[7] == 100.0
        assert out.failed.tolist() == [False] * 6 + [True, False]
        assert out.errors.tolist() == [None] * 5 + ["#N/A", None, None]
        assert out.how.iloc[0] == "text number" and out.how.iloc[1] is None


def test_coerce_booleans_in_words_numbers_and_marks():
    values = pd.Series(["是", "否", "Y", "n", "✓", "×", 1, 0, True, "maybe", None])
    out = coerce(values, "boolean")
    assert out.values.tolist()[:9] == [True, False, True, False, True, False, True, False, True]
    assert out.failed.tolist() == [False] * 9 + [True, False]


def test_coerce_identifiers_fold_full_width_and_invisible_characters():
    values = pd.Series(
        ["１３８１２３４５６７８", "\u200b13812345678\u00a0", 13812345678.0, "\u3000"]
    )
    out = coerce(values, "text", identifier=True)
    assert out.values.tolist()[:3] == ["13812345678"] * 3
    assert pd.isna(out.values.iloc[3])
    assert out.how.tolist() == ["full-width", None, None, None]


def test_is_blank_sees_invisible_characters():
    values = pd.Series([None, "", " ", "\u200b", "\ufeff\u3000", "\r\n", "x", 0])
    assert is_blank(values).tolist() == [True] * 6 + [False, False]


def test_datetimes_in_a_csv_column_mixing_forms():
    values = pd.Series(["2026-05-01 09:30:00", "46143.5", "2026年5月1日", "", "later"])
    out = coerce(values, "datetime")
    assert [None if pd.isna(v) else v.strftime("%m-%d %H:%M") for v in out.values] == [
        "05-01 09:30",
        "05-01 12:00",
        "05-01 00:00",
        None,
        None,
    ]
    assert out.failed.tolist() == [False, False, False, False, True]
    assert out.how.tolist() == ["text date", "Excel serial", "text date", None, None]


@pytest.mark.parametrize(
    ("values", "order", "ambiguous", "conflicting", "first"),
    [
        (["12/04/2026", "13/04/2026"], "dmy", False, False, "2026-04-12"),
        (["04/12/2026", "04/13/2026"], "mdy", False, False, "2026-04-12"),
        (["12/04/2026", "11/04/2026"], None, True, False, "2026-04-12"),  # default day-first
        (["13/04/2026", "04/13/2026"], "dmy", False, True, "2026-04-13"),
        (["12/1/2010,8:26", "1/13/2011 9:00"], "mdy", False, False, "2010-12-01"),  # an export
    ],
)
def test_day_or_month_first_is_decided_once_per_column(
    values, order, ambiguous, conflicting, first
):
    out = coerce(pd.Series(values), "date")
    assert (out.date_order, out.ambiguous, out.conflicting) == (order, ambiguous, conflicting)
    assert out.values.iloc[0].strftime("%Y-%m-%d") == first
    if conflicting:
        assert out.failed.tolist() == [False, True]


# -- the shared real-input cases ------------------------------------------------------


def _customers_figures(path: Path) -> dict[int, tuple[int, float, dt.date | None]]:
    frame = fastexcel.read_excel(str(path)).load_sheet("客户").to_pandas()
    out = {}
    for _, row in frame.iterrows():
        if pd.isna(row["客户ID"]):
            continue
        last = row["最近一次购买日期"]
        out[int(float(row["客户ID"]))] = (
            int(row["购买频率"]),
            float(row["累计消费金额"]),
            None if pd.isna(last) else pd.Timestamp(last).date(),
        )
    return out


@pytest.mark.parametrize(
    "name",
    ["baseline.xlsx", "chinese_text_dates.xlsx", "amounts_as_text.xlsx", "blank_rows.xlsx"],
)
def test_real_inputs_validate_clean_and_compute_the_right_figures(name, tmp_path):
    book = tmp_path / name
    shutil.copyfile(CASES / name, book)
    report = validate(book, template="ecommerce")
    assert [f.where for f in report.findings if f.severity == "error"] == []
    assert report.rows == {"客户": 3, "订单": 4}
    result = compute(book, template="ecommerce", as_of="2026-06-30", backups=0)
    assert result.unused == []
    assert _customers_figures(book) == RIGHT


def test_blank_rows_are_skipped_and_counted(tmp_path):
    book = tmp_path / "blank_rows.xlsx"
    shutil.copyfile(CASES / "blank_rows.xlsx", book)
    report = validate(book, template="ecommerce")
    assert report.blank_rows == {"客户": 3, "订单": 1}
    assert report.to_dict()["summary"]["blank_rows"] == {"客户": 3, "订单": 1}


def test_error_values_are_formula_errors_at_their_cells(tmp_path):
    book = tmp_path / "error_values.xlsx"
    shutil.copyfile(CASES / "error_values.xlsx", book)
    report = validate(book, template="ecommerce", mask=False)
    errors = {(f.where, f.value) for f in report.findings if f.rule == "formula-error"}
    assert errors == {
        ("客户!D2", "#N/A"),
        ("客户!C3", "#VALUE!"),
        ("客户!A4", "#REF!"),
        ("订单!C2", "#REF!"),
    }
    assert len(report.findings) == 4  # not also "required" or "must be an e-mail"
    for f in report.findings:
        if f.rule == "formula-error":
            assert f.value in f.message_en and "Error(" not in f.message_en


def test_compute_names_the_orders_it_could_not_use(tmp_path):
    book = tmp_path / "error_values.xlsx"
    shutil.copyfile(CASES / "error_values.xlsx", book)
    result = compute(book, template="ecommerce", as_of="2026-06-30", backups=0)
    assert {where: en for where, _, en in result.unused} == {
        "客户!A4": "'客户ID' holds the error #REF!",
        "订单!C2": "'下单时间' holds the error #REF!",
    }
    figures = _customers_figures(book)
    assert figures[100001] == (0, 0.0, None)  # its only order has no readable date
    assert figures[100002] == RIGHT[100002]


# -- files laid out by hand ------------------------------------------------------------


def _book(path: Path, customers: list[list], orders: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(CUSTOMERS)
    for row in customers:
        ws.append(row)
    ws = wb.create_sheet("订单")
    ws.append(ORDERS)
    for row in orders:
        ws.append(row)
    wb.save(path)
    return path


def test_full_width_ids_match_their_orders(tmp_path):
    book = _book(
        tmp_path / "fw.xlsx",
        [["１００００１", "王芳", "wang@example.com", "13812345678"]],
        [["A1", 100001, dt.datetime(2026, 5, 1), 100.0], ["A2", "100001", "2026/6/1", "¥20"]],
    )
    report = validate(book, template="ecommerce")
    assert [f.where for f in report.findings if f.severity == "error"] == []
    compute(book, template="ecommerce", as_of="2026-06-30", backups=0)
    assert _customers_figures(book) == {100001: (2, 120.0, dt.date(2026, 6, 1))}


def test_formula_without_a_saved_value_is_named_as_such(tmp_path):
    book = _book(
        tmp_path / "f.xlsx",
        [[100001, "王芳", "wang@example.com", "13812345678"]],
        [["A1", 100001, dt.datetime(2026, 5, 1), "=2*50"]],  # openpyxl saves no result
    )
    report = validate(book, template="ecommerce")
    found = [(f.where, f.rule) for f in report.findings if f.severity == "error"]
    assert found == [("订单!D2", "formula-no-value")]
    assert "Excel" in next(f for f in report.findings if f.rule == "formula-no-value").hint_en
    result = compute(book, template="ecommerce", as_of="2026-06-30", backups=0)
    assert [w for w, _, _ in result.unused] == ["订单!D2"]


def test_invisible_only_cells_are_empty_for_required(tmp_path):
    book = _book(
        tmp_path / "inv.xlsx",
        [[100001, "\u200b", "wang@example.com", "\u3000"]],
        [],
    )
    report = validate(book, template="ecommerce")
    required = sorted(f.where for f in report.findings if f.rule == "required")
    assert required == ["客户!B2", "客户!D2"]


def test_csv_with_serial_dates_text_amounts_and_day_first_dates(tmp_path):
    path = tmp_path / "订单.csv"
    rows = [
        ORDERS,
        ["A1", "100001", "46143.4166666667", "¥89.50"],  # a serial with a fraction
        ["A2", "100001", "13/04/2026", "2,999.00"],  # decides day-first for the column
        ["A3", "100002", "12/04/2026 9:30", "1e2"],
    ]
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh).writerows(rows)
    report = validate(path, template="ecommerce")
    assert [f.rule for f in report.findings if f.severity == "error"] == []
    from xl_crm.specs import load_spec
    from xl_crm.xlsx.csvfile import read_csv_table

    spec = load_spec("ecommerce")
    table = read_csv_table(path, spec, spec.sheet("orders"))
    assert table.frame["ordered_at"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2026-05-01 10:00",
        "2026-04-13 00:00",
        "2026-04-12 09:30",
    ]
    assert table.frame["amount"].tolist() == [89.5, 2999.0, 100.0]
    assert table.date_orders["ordered_at"].order == "dmy"


def test_stays_read_with_one_date_order_give_no_false_row_rule(tmp_path):
    path = tmp_path / "stays.csv"
    rows = [
        ["预订编号", "客户ID", "预订时间", "入住时间", "退房时间", "房型"],
        ["B1", "1", "01/04/2026", "12/04/2026", "13/04/2026", ""],  # 13 decides: day-first
        ["B2", "1", "01/04/2026", "02/05/2026", "04/05/2026", ""],
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    report = validate(path, template="hotel")
    assert [f for f in report.findings if f.rule in ("row-rule", "type")] == []


def test_an_ambiguous_date_column_is_flagged_and_the_finding_lists_forms(tmp_path):
    path = tmp_path / "订单.csv"
    rows = [ORDERS, ["A1", "1", "12/04/2026", "5"], ["A2", "1", "31.02.2026x", "5"]]
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    report = validate(path, template="ecommerce", mask=False)
    by_rule = {f.rule: f for f in report.findings}
    assert by_rule["ambiguous-date"].severity == "warning"
    assert by_rule["ambiguous-date"].cell == "C1"
    assert (
        "2026年5月1日" in by_rule["type"].message_zh and "1 May 2026" in by_rule["type"].message_en
    )


def test_booleans_typed_by_hand_in_a_workbook(tmp_path):
    from xl_crm.specs import spec_from_data
    from xl_crm.xlsx.reader import read_table

    spec = spec_from_data(
        {
            "name": "flags",
            "title": {"zh": "标记", "en": "Flags"},
            "sheets": [
                {
                    "id": "people",
                    "label": {"zh": "人员", "en": "People"},
                    "fields": [
                        {"id": "name", "label": {"zh": "姓名", "en": "Name"}, "type": "text"},
                        {"id": "vip", "label": {"zh": "会员", "en": "VIP"}, "type": "boolean"},
                    ],
                }
            ],
        }
    )
    path = tmp_path / "flags.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "人员"
    for row in (["姓名", "会员"], ["a", "是"], ["b", "否"], ["c", True], ["d", 1], ["e", "✓"]):
        ws.append(row)
    ws.append(["f", "maybe"])
    wb.save(path)
    table = read_table(path, spec, spec.sheets[0], "人员")
    assert table.frame["vip"].tolist()[:5] == [True, False, True, True, True]
    assert [(i.row, i.raw) for i in table.issues] == [(7, "maybe")]


def test_the_worked_example_of_docs_reading(tmp_path):
    """docs/reading.md: a GB18030 CSV from WPS with a full-width ID, a text date, a serial
    with a time fraction, a day-first date, amounts as text and an #N/A."""
    path = tmp_path / "订单.csv"
    text = (
        "订单编号,客户ID,下单时间,金额\n"
        "A1,１００００１,2026年5月1日,¥89.50\n"
        'A2,100001,46143.75,"2,999.00"\n'
        "A3,100002,13/04/2026,#N/A\n"
    )
    path.write_bytes(text.encode("gb18030"))
    doc = (Path(__file__).resolve().parents[1] / "docs" / "reading.md").read_text("utf-8")
    assert text.splitlines()[1] in doc
    report = validate(path, template="ecommerce", mask=False)
    errors = [(f.where, f.rule, f.value) for f in report.findings if f.severity == "error"]
    assert errors == [("订单!D4", "formula-error", "#N/A")]
    from xl_crm.specs import load_spec
    from xl_crm.xlsx.csvfile import read_csv_table

    spec = load_spec("ecommerce")
    frame = read_csv_table(path, spec, spec.sheet("orders")).frame
    assert frame["customer_id"].tolist() == [100001.0, 100001.0, 100002.0]
    assert frame["ordered_at"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2026-05-01 00:00",
        "2026-05-01 18:00",
        "2026-04-13 00:00",
    ]
    assert frame["amount"].tolist()[:2] == [89.5, 2999.0]


@pytest.mark.libreoffice
@pytest.mark.parametrize("target", ["ods", "xls", "xlsx"])
@pytest.mark.parametrize(
    "name", ["error_values.xlsx", "chinese_text_dates.xlsx", "blank_rows.xlsx"]
)
def test_saved_by_libreoffice_the_same_cells_are_found(name, target, tmp_path):
    """The same real-input workbook saved by LibreOffice as .ods, .xls or .xlsx gives the
    same findings (LibreOffice's error cells in .ods are read from content.xml)."""
    from conftest import libreoffice_convert

    original = validate(CASES / name, template="ecommerce", mask=False)
    shutil.copyfile(CASES / name, tmp_path / name)
    out = tmp_path / "out"
    libreoffice_convert(tmp_path / name, out, target)
    saved = validate(out / Path(name).with_suffix("." + target).name, template="ecommerce")

    def seen(report):
        return sorted(
            (f.where, f.rule, f.value if f.rule != "formula-error" else "#")
            for f in report.findings
        )

    assert seen(saved) == seen(original)
    assert saved.blank_rows == original.blank_rows


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_sheets_date_columns_are_read_in_one_order(tmp_path, suffix):
    """Month-first text dates: only the check-out column has a day above 12 (04/13/2026),
    yet check-in must be read month-first too, or a stay ends before it starts."""
    rows = [
        ["Booking ID", "Guest ID", "Booking Date", "Check-in", "Check-out", "Room Type"],
        ["B1", "1", "04/01/2026", "04/12/2026", "04/13/2026", ""],
        ["B2", "2", "04/02/2026", "04/05/2026", "04/07/2026", ""],
    ]
    path = tmp_path / f"stays{suffix}"
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    else:
        wb = openpyxl.Workbook()
        for row in rows:
            wb.active.append(row)
        wb.save(path)
    report = validate(path, template="hotel", mask=False)
    assert [f.where for f in report.findings if f.rule in ("row-rule", "type")] == []
    assert [f.rule for f in report.findings if f.rule == "ambiguous-date"] == []
    from xl_crm.specs import load_spec
    from xl_crm.xlsx.reader import read_workbook

    tables = read_workbook(path, path, load_spec("hotel"))
    stays = tables["stays"].frame
    assert stays["check_in"].dt.strftime("%m-%d").tolist() == ["04-12", "04-05"]
    assert stays["booked_at"].dt.strftime("%m-%d").tolist() == ["04-01", "04-02"]


def test_an_order_whose_amount_cannot_be_read_counts_for_nothing(tmp_path):
    """The row compute names as unused leaves every figure: not its date, not its count."""
    book = _book(
        tmp_path / "half.xlsx",
        [[100001, "王芳", "wang@example.com", "13812345678"]],
        [
            ["A1", 100001, dt.datetime(2026, 5, 1), 100.0],
            ["A2", 100001, dt.datetime(2026, 6, 1), "=1+1"],  # no saved value: unreadable
        ],
    )
    result = compute(book, template="ecommerce", as_of="2026-06-30", backups=0)
    assert [w for w, _, _ in result.unused] == ["订单!D3"]
    assert _customers_figures(book) == {100001: (1, 100.0, dt.date(2026, 5, 1))}


def test_every_missing_column_is_reported(tmp_path):
    """Missing columns all sit at the header's first cell; none may hide another."""
    path = tmp_path / "bookings.csv"
    path.write_text("Guest ID,Room\n1,Suite\n", encoding="utf-8")
    report = validate(path, template="hotel")
    missing = sorted(
        f.header.split(" / ")[1] for f in report.findings if f.rule == "missing-column"
    )
    assert missing == ["Booking ID", "Booking Time", "Check-in Time", "Check-out Time"]


def test_a_broken_csv_is_described_alike_by_validate_and_compute(tmp_path):
    """An empty CSV (or one with no matching header) gets validate's message from compute
    too, not "can only write into .xlsx"."""
    from xl_crm.errors import WorkbookError

    path = tmp_path / "export.csv"
    path.write_text("说明\n这是一个空导出\n", encoding="utf-8")
    with pytest.raises(WorkbookError) as validated:
        validate(path, template="ecommerce")
    with pytest.raises(WorkbookError) as computed:
        compute(path, template="ecommerce", as_of="2026-06-30")
    assert computed.value.text("en") == validated.value.text("en")
    assert computed.value.text("zh") == validated.value.text("zh")


def test_a_number_typed_as_yyyymmdd_in_a_date_column_is_that_date(tmp_path):
    """``20260501`` typed into a cell is a number; calamine would read it as the serial of
    the year 57371.  The file, an Excel range and a CSV all read it as 2026-05-01, and an
    impossible one (``20260230``) is a type finding, at its cell."""
    from xl_crm.specs import load_spec
    from xl_crm.xlsx.book import XlsxBook

    path = tmp_path / "orders.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(["订单编号", "客户ID", "下单时间", "金额", "商品类别", "渠道"])
    for i in range(30):  # enough rows for calamine to type the column as dates
        when = 20260501 if i % 3 == 0 else dt.datetime(2026, 4, 1)
        ws.append([f"O{i}", i % 5 + 1, when, 10.0, "数码", "天猫"])
    ws.append(["Ox", 1, 20260230, 5.0, "数码", "天猫"])
    wb.save(path)
    report = validate(path, template="ecommerce")
    assert [(f.cell, f.rule) for f in report.findings if f.field == "ordered_at"] == [
        ("C32", "type")
    ]
    assert report.coerced["订单"]["compact date"] == 10
    book = XlsxBook(path)
    tables = book.read(load_spec("ecommerce"))
    ordered = tables["orders"].frame["ordered_at"]
    assert ordered[2] == pd.Timestamp("2026-05-01") and ordered[3] == pd.Timestamp("2026-04-01")
    for raw in (20260501, 20260501.0, "20260501"):
        out = coerce(pd.Series([raw], dtype=object), "date")
        assert out.values.iloc[0] == pd.Timestamp("2026-05-01")
