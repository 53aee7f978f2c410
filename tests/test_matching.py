"""Sheets matched to a template by their headers, columns by export spellings, two-row
headers, the mapping at the top of the report and ``--sheet``: on real .xlsx/.csv files."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from typer.testing import CliRunner

from tests.conftest import xlsx
from xl_crm import validate
from xl_crm.cli.app import app
from xl_crm.errors import NotInTemplateError, SheetNotFoundError, SpecError, WorkbookError
from xl_crm.specs import load_spec
from xl_crm.validation.html import render_html
from xl_crm.view.matching import normalise_header

REAL_INPUTS = Path("../shared/cases/real-inputs")
runner = CliRunner()

CUSTOMERS = [  # ecommerce customers: id, name, e-mail, mobile
    [100001, "王芳", "wang.fang@example.com", "13812345678"],
    [100002, "李强", "li.qiang@example.com", "13912345678"],
    [100003, "张伟", "zhang.wei@example.com", "13712345678"],
]
ORDERS = [  # order id, customer id, ordered at, amount
    ["A-1", 100001, dt.datetime(2026, 5, 1, 10, 0), 199.0],
    ["A-2", 100002, dt.datetime(2026, 1, 15, 9, 30), 2999.0],
    ["A-3", 100009, dt.datetime(2025, 12, 1, 8, 0), 320.0],  # no such customer
]


def rules(report) -> set[tuple[str, str]]:
    return {(f.where, f.rule) for f in report.findings}


def columns(report, sheet_id: str) -> dict[str, str]:
    """column letter -> field id of the template sheet ``sheet_id``."""
    m = next(s for s in report.mapping.sheets if s.template_sheet == sheet_id)
    return {c.column: c.field for c in m.mapped}


# --- header text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "CustomerID",
        "Customer ID",
        "customer_id",
        "CUSTOMER-ID",
        "Ｃｕｓｔｏｍｅｒ　ＩＤ",
        "customer.id",
    ],
)
def test_export_spellings_compare_equal(spelling):
    assert normalise_header(spelling) == normalise_header("Customer ID") == "customerid"


@pytest.mark.parametrize(
    "text",
    [
        "手机号码\u200b",
        "\ufeff手机号码",
        "手机\n号码",
        "手机\r\n号码",
        "手机号码\u00a0",
        "\u3000手机号码",
        "\u2060手机\u200c号码\u200d",
        "手机号码*",
        "手机号码：",
        "（手机号码）",
    ],
)
def test_invisible_characters_and_punctuation_do_not_count(text):
    assert normalise_header(text) == "手机号码"


def test_different_headers_stay_different():
    assert normalise_header("下单时间") != normalise_header("下单日期")
    assert normalise_header("Order Date") != normalise_header("Order ID")
    assert normalise_header(None) == "" and normalise_header("\u200b\u3000") == ""


def test_spec_check_compares_aliases_as_the_reader_does(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "name: s\ntitle: S\nsheets:\n  - id: a\n    label: A\n    fields:\n"
        "      - {id: email, label: Email, type: email}\n"
        "      - {id: other, label: Other, type: text, aliases: [E-MAIL]}\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError, match="alias 'E-MAIL' of 'other' is already the header"):
        load_spec(spec)


# --- sheets matched by their headers ---------------------------------------------------------


def test_sheet1_with_ledger_headers_validates_with_ledger(tmp_path):
    book = xlsx(
        tmp_path / "我的客户.xlsx",
        {
            "Sheet1": [
                ["客户名称", "电话", "公司名称", "职位", "备注"],
                ["王芳", "13812345678", "华东贸易", "经理", ""],
                ["李强", "1381234", "远航物流", "采购", "电话待核实"],
            ]
        },
    )
    report = validate(book, template="ledger")
    [m] = report.mapping.sheets
    assert (m.sheet, m.template_sheet, m.matched_by) == ("Sheet1", "customers", "headers")
    assert columns(report, "customers") == {
        "A": "customer_name",
        "B": "phone",
        "C": "company",
        "D": "job_title",
        "E": "remarks",
    }
    assert report.mapping.missing_sheets == [("transactions", "交易历史", "Transactions")]
    assert rules(report) == {
        ("", "missing-sheet"),  # no transactions yet: a warning, once
        ("Sheet1!A1", "missing-column"),  # the key, 客户编号
        ("Sheet1!A1", "missing-optional-column"),
        ("Sheet1!B3", "phone"),  # the sheet present is checked
    }
    missing = next(f for f in report.findings if f.rule == "missing-sheet")
    assert missing.severity == "warning" and missing.header == "交易历史 / Transactions"
    assert "--sheet transactions=" in missing.hint_en and "交易日期" in missing.hint_zh


def test_renamed_and_reordered_sheets(tmp_path):
    book = xlsx(
        tmp_path / "shop.xlsx",
        {
            "导出 2026-06": [["订单编号", "客户ID", "下单时间", "金额"], *ORDERS],
            "说明": [["本表由系统导出"], ["请勿修改"]],
            "Sheet2": [["客户ID", "姓名", "电子邮件", "手机号码"], *CUSTOMERS],
        },
    )
    report = validate(book, template="ecommerce")
    pairs = {(m.template_sheet, m.sheet) for m in report.mapping.sheets}
    assert pairs == {("customers", "Sheet2"), ("orders", "导出 2026-06")}
    assert report.mapping.unused_sheets == ["说明"]
    # the cross-sheet reference still runs between the renamed sheets
    assert ("'导出 2026-06'!B4", "reference") in rules(report)
    assert report.rows == {"Sheet2": 3, "导出 2026-06": 3}


def test_sheet_named_like_the_template_decides_a_tie(tmp_path):
    header = ["客户ID", "姓名", "电子邮件", "手机号码"]
    book = xlsx(
        tmp_path / "two.xlsx",
        {"备份": [header, *CUSTOMERS[:1]], "Customers": [header, *CUSTOMERS]},
    )
    report = validate(book, template="ecommerce")
    assert [m.sheet for m in report.mapping.sheets] == ["Customers"]
    assert report.mapping.unused_sheets == ["备份"]


def test_a_choice_list_sheet_is_not_taken_for_orders(tmp_path):
    """Two optional choice columns are not enough: a sheet must name a key or required field."""
    book = xlsx(
        tmp_path / "lists.xlsx",
        {
            "客户": [["客户ID", "姓名", "手机号码"], *[r[:2] + r[3:] for r in CUSTOMERS]],
            "lists": [["商品类别", "渠道"], ["服装", "天猫"], ["美妆", "京东"]],
        },
    )
    report = validate(book, template="ecommerce")
    assert report.mapping.missing_sheets[0][0] == "orders"
    assert report.mapping.unused_sheets == ["lists"]
    assert report.valid  # a missing sheet is a warning


def test_orders_only_workbook_skips_the_reference(tmp_path):
    book = xlsx(
        tmp_path / "orders.xlsx", {"Sheet1": [["订单编号", "客户ID", "下单时间", "金额"], *ORDERS]}
    )
    report = validate(book, template="ecommerce")
    # no reference errors: there is nothing to refer to
    assert rules(report) == {("", "missing-sheet"), ("Sheet1!A1", "missing-optional-column")}
    assert report.valid


def test_no_matching_sheet_is_one_clear_error(tmp_path):
    book = xlsx(
        tmp_path / "other.xlsx",
        {"库存": [["商品", "数量", "仓库"], ["笔", 3, "A"]], "空白": []},
    )
    with pytest.raises(WorkbookError) as caught:
        validate(book, template="hotel")
    text = str(caught.value)
    assert "no sheet matches the template 'hotel'" in text
    assert "库存 (first row: 商品, 数量, 仓库)" in text and "空白 (empty)" in text
    # what was expected, in both languages
    assert "客户 / Guests: 客户ID / Customer ID" in text and "入住记录 / Stays" in text
    result = runner.invoke(app, ["validate", str(book), "-t", "hotel"])
    assert result.exit_code == 2 and "Traceback" not in result.output


# --- CSV: the file name does not decide -------------------------------------------------------


def test_csv_named_anything_matches_by_headers(tmp_path):
    orders = tmp_path / "export (3).csv"
    orders.write_text(
        "InvoiceNo,CustomerID,InvoiceDate,Total,Country\n"
        "536365,100001,2026-05-01 10:00,199.00,CN\n"
        "536366,100002,2026-01-15,abc,CN\n",
        encoding="utf-8",
    )
    report = validate(orders, template="ecommerce")
    assert columns(report, "orders") == {
        "A": "order_id",
        "B": "customer_id",
        "C": "ordered_at",
        "D": "amount",
    }
    [m] = report.mapping.sheets
    assert [(c.column, c.header) for c in m.unmapped] == [("E", "Country")]
    assert ("'export (3)'!D3", "type") in rules(report)
    customers = tmp_path / "orders.csv"  # named like the other sheet: its content decides
    customers.write_text(
        "Customer ID,Full Name,E-mail Address,Mobile Phone\n"
        "100001,王芳,wf@example.com,13812345678\n",
        encoding="utf-8-sig",
    )
    report = validate(customers, template="ecommerce")
    assert columns(report, "customers") == {
        "A": "customer_id",
        "B": "name",
        "C": "email",
        "D": "mobile",
    }


def test_english_export_headers_in_xlsxwriter_workbook(tmp_path):
    path = tmp_path / "crm_export.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("contacts")
    for c, h in enumerate(["customer_id", "Contact Name", "Phone Number", "EMAIL", "Company Name"]):
        ws.write(0, c, h)
    ws.write_row(1, 0, ["C-001", "Wang Fang", "13812345678", "wang@example.com", "Acme"])
    ws.write_row(2, 0, ["C-002", "Li Qiang", "13912345678", "not-an-email", "Acme"])
    wb.close()
    report = validate(path, template="ledger")
    assert columns(report, "customers") == {
        "A": "customer_no",
        "B": "customer_name",
        "C": "phone",
        "D": "email",
        "E": "company",
    }
    assert ("contacts!D3", "email") in rules(report)


# --- invisible characters ---------------------------------------------------------------------


def test_headers_with_invisible_characters_match_their_field(tmp_path):
    book = xlsx(
        tmp_path / "zw.xlsx",
        {
            "客户资料": [
                ["\ufeff客户ID", "姓名\u00a0", "电子\n邮件", "手机号码\u200b", "兴趣类别\u3000"],
                [1, "王芳", "wf@example.com", "13812345678", "服装"],
                [2, "李强", "lq@example.com", "1381234", "美妆"],
            ]
        },
    )
    report = validate(book, template="ecommerce")
    assert columns(report, "customers") == {
        "A": "customer_id",
        "B": "name",
        "C": "email",
        "D": "mobile",
        "E": "interests",
    }
    found = rules(report)
    assert not {r for _, r in found} & {"unknown-column", "missing-column"}
    assert ("客户资料!D3", "phone") in found  # the column is checked


# --- headers over two rows ---------------------------------------------------------------------


def _two_row_ledger(ws) -> None:
    """Title in row 1, a merged band in row 2 over field names in row 3, data from row 4."""
    ws["A1"] = "2026 年客户台账"
    ws.merge_cells("A1:F1")
    for col, text in (("A", "客户编号"), ("B", "客户名称"), ("E", "公司名称"), ("F", "备注")):
        ws[f"{col}2"] = text
        ws.merge_cells(f"{col}2:{col}3")  # one cell over both header rows
    ws["C2"] = "联系方式"
    ws.merge_cells("C2:D2")
    ws["C3"], ws["D3"] = "电话", "邮箱"
    ws.append(["K001", "王芳", "13812345678", "wf@example.com", "华东贸易", ""])
    ws.append(["K002", "李强", "13912345678", "lq#example.com", "远航物流", "老客户"])


def test_two_row_header_with_merged_cells(tmp_path):
    path = tmp_path / "台账.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "客户资料"
    _two_row_ledger(wb.active)
    wb.save(path)
    report = validate(path, template="ledger")
    [m] = report.mapping.sheets
    assert m.header_rows == [2, 3]
    assert columns(report, "customers") == {
        "A": "customer_no",
        "B": "customer_name",
        "C": "phone",
        "D": "email",
        "E": "company",
        "F": "remarks",
    }
    assert report.rows == {"客户资料": 2}
    assert ("客户资料!D5", "email") in rules(report)  # data starts under the two rows
    assert not any(f.rule == "required" for f in report.findings)


def test_two_row_header_laid_out_by_hand(tmp_path):
    """No merges at all (XlsxWriter, cells typed in): blank cells under a name, a band over two."""
    path = tmp_path / "hand.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("会员")
    ws.write_row(0, 0, ["会员ID", "会员姓名", "联系方式", None, "消费记录"])
    ws.write_row(1, 0, [None, None, "手机", "邮箱", "最近购买日期"])
    ws.write_row(2, 0, [7, "赵敏", "13812345678", "zm@example.com", dt.datetime(2026, 3, 2)])
    ws.write_row(3, 0, [8, "", "13912345678", "zx@example.com", dt.datetime(2026, 3, 3)])
    wb.close()
    report = validate(path, template="ecommerce")
    assert report.mapping.sheets[0].header_rows == [1, 2]
    assert columns(report, "customers") == {
        "A": "customer_id",
        "B": "name",
        "C": "mobile",
        "D": "email",
        "E": "last_purchase",
    }
    assert ("会员!B4", "required") in rules(report)


def test_two_row_header_whose_band_names_more_fields(tmp_path):
    """The upper row names most fields; the lower row completes the merged band."""
    path = xlsx(
        tmp_path / "wide.xlsx",
        {
            "S": [
                ["客户编号", "客户名称", "联系方式", None, "公司名称", "职位", "负责人"],
                [None, None, "手机", "电子邮箱", None, None, None],
                ["K1", "王芳", "13812345678", "wf@example.com", "华东", "经理", "陈"],
            ]
        },
    )
    report = validate(path, template="ledger")
    assert columns(report, "customers")["C"] == "phone"
    assert columns(report, "customers")["D"] == "email"
    assert report.mapping.sheets[0].header_rows == [1, 2]


def test_two_row_header_in_a_csv(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(
        "宾客名单,,,\n客户ID,姓名,联系方式,\n,,手机,备用电话\n1,张三,13812345678,\n",
        encoding="utf-8",
    )
    report = validate(path, template="hotel")
    assert columns(report, "guests") == {"A": "customer_id", "B": "name", "C": "contact"}
    assert report.mapping.sheets[0].header_rows == [2, 3]
    assert report.rows == {"data": 1}


def test_own_group_band_is_not_taken_for_a_second_header_row(tmp_path):
    from xl_crm.xlsx.builder import build_workbook

    path = tmp_path / "built.xlsx"
    build_workbook("ledger", path, sample=5, seed=1)
    report = validate(path)
    customers = next(m for m in report.mapping.sheets if m.template_sheet == "customers")
    assert len(customers.header_rows) == 1 and not customers.unmapped
    assert not report.mapping.missing_sheets


# --- --sheet ---------------------------------------------------------------------------------


def _two_customer_sheets(tmp_path) -> Path:
    header = ["客户ID", "姓名", "电子邮件", "手机号码"]
    return xlsx(
        tmp_path / "years.xlsx",
        {
            "2025": [header, *CUSTOMERS],
            "2026": [header, *CUSTOMERS[:2]],
            "订单明细": [["订单编号", "客户ID", "下单时间", "金额"], *ORDERS[:2]],
        },
    )


def test_sheet_option_overrides_the_matching(tmp_path):
    book = _two_customer_sheets(tmp_path)
    assert validate(book, template="ecommerce").rows == {"2025": 3, "订单明细": 2}
    for name in ("customers", "客户", "Customers"):
        report = validate(book, template="ecommerce", sheets={name: "2026"})
        m = next(s for s in report.mapping.sheets if s.template_sheet == "customers")
        assert (m.sheet, m.matched_by) == ("2026", "option")
        assert report.rows == {"2026": 2, "订单明细": 2}


@pytest.mark.parametrize(
    ("sheets", "error", "message"),
    [
        (
            {"clients": "2026"},
            NotInTemplateError,  # the template's name is wrong: not a damaged workbook
            "(?s)no sheet 'clients'.*customers \\(客户 / Customers\\), orders",
        ),
        (
            {"orders": "2027"},
            SheetNotFoundError,
            "(?s)the workbook has no sheet '2027'.*2025, 2026, 订单明细",
        ),
    ],
)
def test_sheet_option_with_a_bad_name_lists_the_choices(tmp_path, sheets, error, message):
    book = _two_customer_sheets(tmp_path)
    with pytest.raises(error, match=message):
        validate(book, template="ecommerce", sheets=sheets)


def test_sheet_option_on_the_command_line(tmp_path):
    book = _two_customer_sheets(tmp_path)
    result = runner.invoke(
        app,
        ["validate", str(book), "-t", "ecommerce", "--sheet", "customers=2026", "--json", "-"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    library = validate(book, template="ecommerce", sheets={"customers": "2026"}).to_dict()
    assert data["mapping"] == library["mapping"]
    assert data["mapping"]["sheets"][0]["sheet"] == "2026"
    args = ["validate", str(book), "-t", "ecommerce", "--sheet", "2026"]
    bad = runner.invoke(app, [*args, "--lang", "en"])
    assert bad.exit_code == 2 and "TEMPLATE_SHEET=BOOK_SHEET" in bad.output
    bad = runner.invoke(app, args)  # the default language is Chinese
    assert bad.exit_code == 2 and "模板工作表=工作簿工作表" in bad.output
    bad = runner.invoke(app, ["validate", str(book), "-t", "ecommerce", "--sheet", "x=2026"])
    assert bad.exit_code == 2 and "customers (客户 / Customers)" in bad.output


# --- the mapping in the report --------------------------------------------------------------------


def test_report_starts_with_the_mapping(tmp_path):
    book = xlsx(
        tmp_path / "m.xlsx",
        {"Sheet1": [["客户ID", "姓名", "手机号码", "微信"], [1, "王芳", "13812345678", "wf"]]},
    )
    result = runner.invoke(app, ["validate", str(book), "-t", "ecommerce", "--lang", "en"])
    lines = result.output.splitlines()
    assert lines[1] == "Mapping (sheet → template sheet, column → field)"
    assert lines[2].startswith("  Sheet1 → Customers (customers); header row 1; matched by headers")
    assert lines[3] == "    A 客户ID → customer_id · B 姓名 → name · C 手机号码 → mobile"
    assert lines[4] == "    unmapped columns: D 微信"
    assert lines[5] == "  missing sheets: Orders (orders)"
    data = validate(book, template="ecommerce").to_dict()
    sheet = data["mapping"]["sheets"][0]
    assert sheet["columns"][0] == {"column": "A", "header": "客户ID", "field": "customer_id"}
    assert sheet["unmapped"] == [{"column": "D", "header": "微信", "field": None}]
    assert data["mapping"]["missing_sheets"] == [
        {"id": "orders", "label": {"zh": "订单", "en": "Orders"}}
    ]
    page = render_html(validate(book, template="ecommerce"), lang="zh")
    section = page[page.index('id="mapping"') : page.index('class="cards"')]
    assert "Sheet1 → 客户 (customers)" in section and "D 微信" in section
    assert "缺少的工作表: 订单 (orders)" in section


# --- the real inputs -----------------------------------------------------------------------------


REAL_INPUT_NAMES = [
    "amounts_as_text.xlsx",
    "baseline.xlsx",
    "blank_rows.xlsx",
    "chinese_text_dates.xlsx",
    "error_values.xlsx",
]  # named, not globbed: a missing folder must fail, not leave an empty parameter set


@pytest.mark.parametrize("name", REAL_INPUT_NAMES)
def test_real_inputs_are_matched(name):
    report = validate(REAL_INPUTS / name, template="ecommerce")
    pairs = {(m.template_sheet, m.sheet) for m in report.mapping.sheets}
    assert pairs == {("customers", "客户"), ("orders", "订单")}
    assert all(not m.unmapped for m in report.mapping.sheets)
    assert not report.mapping.missing_sheets and not report.mapping.unused_sheets


def test_real_input_renamed_and_reordered_gives_the_same_findings(tmp_path):
    source = REAL_INPUTS / "baseline.xlsx"
    wb = openpyxl.load_workbook(source)
    wb["客户"].title, wb["订单"].title = "Sheet2", "Sheet1"
    wb.move_sheet("Sheet1", offset=-1)
    moved = tmp_path / "moved.xlsx"
    wb.save(moved)
    before, after = validate(source, template="ecommerce"), validate(moved, template="ecommerce")
    rename = {"客户": "Sheet2", "订单": "Sheet1"}
    assert {(rename[f.sheet], f.cell, f.rule) for f in before.findings} == {
        (f.sheet, f.cell, f.rule) for f in after.findings
    }
    assert after.rows == {"Sheet2": before.rows["客户"], "Sheet1": before.rows["订单"]}


def test_worked_example_in_the_docs_is_what_the_cli_prints(tmp_path, monkeypatch):
    """docs/matching.md shows the start of a real run; keep it true."""
    doc = (Path(__file__).parents[1] / "docs" / "matching.md").read_text(encoding="utf-8")
    shown = doc.split("$ xl-crm validate 我的客户.xlsx --template ledger --lang en\n", 1)[1]
    shown = shown.split("```", 1)[0].splitlines()
    monkeypatch.chdir(tmp_path)
    xlsx(
        Path("我的客户.xlsx"),
        {
            "Sheet1": [
                ["客户名称", "电话", "公司名称", "微信"],
                ["王芳", "13812345678", "华东贸易", "wf2026"],
                ["李强", "1381234", "远航物流", "lq88"],
            ]
        },
    )
    result = runner.invoke(
        app, ["validate", "我的客户.xlsx", "--template", "ledger", "--lang", "en"]
    )
    assert result.exit_code == 1
    assert result.output.splitlines()[: len(shown)] == shown


# --- the built-in templates' sample data, laid out the way users do ----------------------------


def _sample_tables(name: str, tmp_path: Path) -> dict[str, tuple[list[str], list[list]]]:
    """template sheet id -> (field ids, data rows) from a sample workbook of ``name``."""
    from xl_crm.view.matching import header_row
    from xl_crm.xlsx.builder import build_workbook

    spec = load_spec(name)
    built = tmp_path / f"{name}.xlsx"
    build_workbook(name, built, sample=24, seed=5)
    wb = openpyxl.load_workbook(built)
    out = {}
    for sheet in spec.sheets:
        ws = wb[sheet.label.zh]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        found = header_row(rows[:30], sheet)
        fids = [fid for fid, _ in sorted(found.fields.items(), key=lambda x: x[1])]
        data = [[row[found.fields[f]] for f in fids] for row in rows[found.index + 1 :]]
        data = [r for r in data if any(v is not None for v in r)]
        required = [f for f in fids if sheet.field(f).required and sheet.key != f]
        for i, f in enumerate(fids):  # bad cells, the same in both layouts
            ftype = sheet.field(f).type
            if required[:1] == [f] and len(data) > 2:
                data[2][i] = None
            if ftype in ("phone", "email") and len(data) > 4:
                data[4][i] = "1381234" if ftype == "phone" else "wf#example.com"
        out[sheet.id] = (fids, data)
    return out


def _spelling(f, rng) -> str:
    """One of the ways users' files spell the header of field ``f``."""
    choices = [f.label.zh, f.label.en, *f.aliases]
    text = rng.choice(choices)
    return rng.choice(
        [
            text,
            text.upper(),
            text.replace(" ", "_").lower(),
            text + "\u200b",
            "\ufeff" + text,
            text.replace(" ", "\n"),
        ]
    )


@pytest.mark.parametrize("seed", [3])
@pytest.mark.parametrize("name", ["ecommerce", "hotel", "ledger", "car_sales"])
def test_relaid_sample_gives_the_same_findings(tmp_path, name, seed):
    """Sheets renamed and reordered, columns reordered and respelt, a title row, a merged
    band, an extra column and an extra sheet: the same findings at the same data cells."""
    import random

    rng = random.Random(seed)
    spec = load_spec(name)
    tables = _sample_tables(name, tmp_path)
    plain = xlsx(
        tmp_path / "plain.xlsx",
        {spec.sheet(sid).label.zh: [fids, *data] for sid, (fids, data) in tables.items()},
    )
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    order = list(tables)
    rng.shuffle(order)
    renamed = {}
    for n, sid in enumerate(order, start=1):
        fids, data = tables[sid]
        sheet = spec.sheet(sid)
        ws = wb.create_sheet(f"Sheet{n}")
        renamed[ws.title] = sid
        cols = [*range(len(fids)), None]  # None: a column not in the template
        rng.shuffle(cols)
        ws.append([f"{sheet.label.zh}（导出）"])  # a title row
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(cols))
        band = n % 2 == 1  # every other sheet: a merged band over two columns, names below
        heads = [_spelling(sheet.field(fids[c]), rng) if c is not None else "微信号" for c in cols]
        if band:
            ws.append(["资料"] * 2 + heads[2:])
            ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=2)
            ws.append(heads[:2])
            for c in range(3, len(cols) + 1):
                ws.merge_cells(start_row=2, start_column=c, end_row=3, end_column=c)
        else:
            ws.append(heads)
        for row in data:
            ws.append([row[c] if c is not None else "wx" for c in cols])
    extra = wb.create_sheet("备注", index=rng.randrange(len(order) + 1))
    extra.append(["本文件由门店导出，请勿外传"])
    relaid = tmp_path / "relaid.xlsx"
    wb.save(relaid)

    before = validate(plain, template=name)
    after = validate(relaid, template=name)
    assert {m.sheet: m.template_sheet for m in after.mapping.sheets} == renamed
    assert after.mapping.unused_sheets == ["备注"]
    assert all([c.header for c in m.unmapped] == ["微信号"] for m in after.mapping.sheets)
    first = {m.sheet: m.header_rows[-1] + 1 for m in before.mapping.sheets + after.mapping.sheets}
    sid = {m.sheet: m.template_sheet for m in before.mapping.sheets + after.mapping.sheets}

    def cells(report):
        return sorted(
            (sid[f.sheet], f.field, f.row - first[f.sheet], f.rule, f.value)
            for f in report.findings
            if f.row is not None
        )

    assert cells(before) and cells(after) == cells(before)
    assert after.rows == {m: before.rows[spec.sheet(s).label.zh] for m, s in renamed.items()}


# --- compute reads the same mapping ------------------------------------------------------------


def _moved_baseline(tmp_path) -> Path:
    wb = openpyxl.load_workbook(REAL_INPUTS / "baseline.xlsx")
    wb["客户"].title, wb["订单"].title = "会员", "流水"
    wb.move_sheet("流水", offset=-1)
    path = tmp_path / "moved.xlsx"
    wb.save(path)
    return path


def _column(path: Path, sheet: str, header: str) -> list:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    i = list(rows[0]).index(header)
    return [r[i] for r in rows[1:] if any(v is not None for v in r)]


def test_compute_on_renamed_sheets_gives_the_documented_figures(tmp_path):
    from xl_crm import compute

    path = _moved_baseline(tmp_path)
    compute(path, template="ecommerce", as_of="2026-06-30", backups=0)
    assert _column(path, "会员", "购买频率") == [2, 1, 1]  # ../shared/cases/real-inputs/README
    assert _column(path, "会员", "累计消费金额") == [288.5, 2999, 320]


def test_compute_takes_the_sheet_option(tmp_path):
    path = _moved_baseline(tmp_path)
    wb = openpyxl.load_workbook(path)
    copy = wb.copy_worksheet(wb["流水"])  # a second sheet of orders: the first two only
    copy.title = "流水(部分)"
    copy.delete_rows(4, 10)
    wb.save(path)
    args = ["compute", str(path), "-t", "ecommerce", "--as-of", "2026-06-30", "--backups", "0"]
    result = runner.invoke(app, [*args, "--sheet", "订单=流水(部分)"])
    assert result.exit_code == 0, result.output
    kept = Counter(_column(path, "流水(部分)", "客户ID"))  # all within the 365 days
    ids = _column(path, "会员", "客户ID")
    assert _column(path, "会员", "购买频率") == [kept[i] for i in ids] != [2, 1, 1]


def test_compute_without_the_orders_says_which_sheet_it_needs(tmp_path):
    from xl_crm import compute

    path = xlsx(
        tmp_path / "c.xlsx",
        {"Sheet1": [["客户ID", "姓名", "手机号码"], *[r[:2] + r[3:] for r in CUSTOMERS]]},
    )
    with pytest.raises(WorkbookError, match=r"(?s)订单 / Orders sheet.*--sheet orders=SHEET"):
        compute(path, template="ecommerce", as_of="2026-06-30", backups=0)
